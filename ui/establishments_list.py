"""*View → Establishments*: the shops, warehouses and traders the forces inspect, searched without accents,
with who inspected each last and how often; the selected one's inspection history below, and a new
inspection of it started in the activity editor already filled in.

The register holds a few thousand establishments at most (a province's), so the list is read in one go on
the GUI thread, like the field-work list; the search asks the same service as ``outpost establishment
list`` (``app.establishments``), so a word finds the same establishments on screen and on the command
line. The inspection counts come from ``app.establishment_history``, read once when the window opens and
again after a save."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.activities import ActivityResult
from app.auth import can
from app.context import Context
from app.domain import Actor
from app.errors import AppError
from app.establishment_history import NEVER, EstablishmentHistory, InspectionEntry, Summary
from app.establishments import KINDS, EstablishmentService, EstablishmentView
from app.formatting import format_int
from app.i18n import _
from app.text import fold
from ui.activities_editor import ActivityEditor
from ui.errors import show_error
from ui.establishment_dialog import EstablishmentDialog
from ui.list_model import ListTableModel

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # what a column sorts by: folded text, an instant, a count
SEARCH_DELAY_MS = 250  # typing a word runs one search, not one per letter
NAME, KIND, COMMUNE, TAX, LAST, BY, COUNT = range(7)


def _headers() -> list[str]:
    return [
        _("Name"),
        _("Kind"),
        _("Commune"),
        _("Tax code"),
        _("Last inspected"),
        _("By"),
        _("Inspections"),
    ]


class EstablishmentsModel(QAbstractTableModel):
    """One row per establishment; each column shows text and sorts by what it means (a date as a date,
    a count as a number, a name without accents)."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self._ctx = ctx
        self._headers = _headers()
        self._views: list[EstablishmentView] = []
        self._summaries: dict[str, Summary] = {}

    def set_rows(self, views: Sequence[EstablishmentView], summaries: dict[str, Summary]) -> None:
        self.beginResetModel()
        self._views, self._summaries = list(views), summaries
        self.endResetModel()

    def view(self, row: int) -> EstablishmentView:
        return self._views[row]

    def row_of(self, establishment_id: str) -> int:
        return next((row for row, v in enumerate(self._views) if v.id == establishment_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._views)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._views):
            return None
        view = self._views[index.row()]
        summary = self._summaries.get(view.id, NEVER)
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(view, summary, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return view.address or None if column == NAME else self._text(view, summary, column) or None
        if role == SORT_ROLE:
            if column == COUNT:
                return summary.count
            if column == LAST:
                return summary.last.started_at.timestamp() if summary.last else 0.0
            return fold(self._text(view, summary, column))
        if role == Qt.ItemDataRole.TextAlignmentRole and column == COUNT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, view: EstablishmentView, summary: Summary, column: int) -> str:
        ref, last = self._ctx.reference, summary.last
        if column == NAME:
            return view.name
        if column == KIND:
            return _(KINDS[view.kind]) if view.kind in KINDS else view.kind
        if column == COMMUNE:
            return ref.label("communes", view.commune_code)
        if column == TAX:
            return view.tax_code or ""
        if column == LAST:
            return f"{self._ctx.local(last.started_at):%d/%m/%Y}" if last else ""
        if column == BY:
            return by_whom(self._ctx, last) if last else ""
        return format_int(summary.count) if summary.count else ""

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return None


def by_whom(ctx: Context, entry: InspectionEntry) -> str:
    """ "Biên phòng, BP-VX (officer)": the lead force, the post and the officer of an inspection."""
    return _("{force}, {post} ({officer})").format(
        force=ctx.reference.label("forces", entry.force), post=entry.station_code, officer=entry.officer
    )


class HistoryModel(ListTableModel):
    def __init__(self) -> None:
        super().__init__([_("Date"), _("Post"), _("Lead force"), _("Officer"), _("Result"), _("Known from")])


def inspection_editor(
    ctx: Context, actor: Actor, view: EstablishmentView, parent: QWidget | None = None
) -> ActivityEditor:
    """The activity editor for a new inspection of ``view``: its kind, establishment, commune and address
    filled in, the duplicate-inspection warning already shown if it was inspected lately. The saved
    inspection names the establishment by its name in its commune, which the activity service matches
    to this registered one (``app.establishments.register_in``)."""
    editor = ActivityEditor(ctx, actor, None, parent)
    editor.kind.set_code("inspection")
    editor.commune.set_code(view.commune_code)
    editor.place.setText(view.address)
    editor.establishment.setText(view.name)
    editor.establishment.editingFinished.emit()
    return editor


class EstablishmentsWindow(QDialog):
    """``activity_saved`` carries the ``ActivityResult`` of an inspection started here (the reports and
    the dashboard count it)."""

    activity_saved = Signal(object)

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self._service = EstablishmentService(ctx)
        self._history = EstablishmentHistory(ctx)
        self._summaries: dict[str, Summary] = {}
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Establishments"))
        self.resize(1100, 640)
        self.search = QLineEdit()
        self.search.setPlaceholderText(_("name (accents do not matter) or tax code"))
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(_("Search establishments"))
        search_label = QLabel(_("&Search"))
        search_label.setBuddy(self.search)
        top = QHBoxLayout()
        top.addWidget(search_label)
        top.addWidget(self.search, 1)
        self.count = QLabel()
        top.addWidget(self.count)

        self.model = EstablishmentsModel(self._ctx)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = _table(self.proxy, _("Establishments"))
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(BY, QHeaderView.ResizeMode.Stretch)
        self.table.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)

        self.history_title = QLabel()
        self.history_model = HistoryModel()
        self.history = _table(self.history_model, _("Inspection history"))
        self.history.horizontalHeader().setStretchLastSection(False)
        self.history.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.history_title.setBuddy(self.history)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.history_title)
        lower_layout.addWidget(self.history)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        self.new_button = QPushButton(_("&New establishment…"))
        self.new_button.setAccessibleName(_("New establishment"))
        self.new_button.setToolTip(_("Register a shop, warehouse or trader (Ctrl+N)"))
        self.open_button = QPushButton(_("&Open…"))
        self.open_button.setAccessibleName(_("Open the selected establishment"))
        self.open_button.setToolTip(_("See or correct the selected establishment (Enter)"))
        self.inspect_button = QPushButton(_("New &inspection…"))
        self.inspect_button.setAccessibleName(_("New inspection of the selected establishment"))
        self.inspect_button.setToolTip(_("Record an inspection of it in the field-work editor (Ctrl+I)"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName(_("Close the establishments"))
        for button in (self.new_button, self.open_button, self.inspect_button):
            self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        for button in (self.new_button, self.open_button, self.inspect_button, close):
            button.setAutoDefault(False)  # Enter opens the selected establishment, never a button
        # After they are in the box, which shows every button it is given.
        self.new_button.setVisible(can(self._actor, "establishment.create"))
        self.inspect_button.setVisible(self._ctx.kind == "post" and can(self._actor, "activity.record"))
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.buttons)

        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.new_shortcut = QShortcut(QKeySequence("Ctrl+N"), self)
        self.inspect_shortcut = QShortcut(QKeySequence("Ctrl+I"), self)
        self.table.installEventFilter(self)  # Enter on the list opens the selected establishment

    def _connect_signals(self) -> None:
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.search_timer.timeout.connect(self._on_search_timer_timeout)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.table.doubleClicked.connect(self._on_open_clicked)
        self.new_button.clicked.connect(self._on_new_clicked)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.inspect_button.clicked.connect(self._on_inspect_clicked)
        self.new_shortcut.activated.connect(self._on_new_clicked)
        self.inspect_shortcut.activated.connect(self._on_inspect_clicked)
        self.buttons.rejected.connect(self.reject)

    def _load(self, select_id: str | None = None) -> None:
        """Read the counts of inspections again, then the list (``select_id``: the row to select)."""
        try:
            self._summaries = self._history.summaries(self._actor)
        except AppError as exc:
            show_error(self, exc.message)
            self._summaries = {}
        self._fill(select_id)

    def _fill(self, select_id: str | None = None) -> None:
        """The establishments the search finds, the selection kept (or ``select_id``'s, or the first)."""
        selected = self._selected()
        keep = select_id or (selected.id if selected else None)
        try:
            views = self._service.list(self._actor, self.search.text() or None)
        except AppError as exc:
            show_error(self, exc.message)
            views = []
        self.model.set_rows(views, self._summaries)
        shown = _("{count} establishments").format(count=format_int(len(views)))
        self.count.setText(shown)
        row = self.model.row_of(keep) if keep else -1
        if row < 0 and views:
            self.table.selectRow(0)
        elif row >= 0:
            self.table.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())
        self._show_history()

    def reload(self) -> None:
        self._load()

    def select(self, establishment_id: str) -> bool:
        """Select one establishment (the search cleared if it hides it); False when it is not listed."""
        if self.model.row_of(establishment_id) < 0 and self.search.text():
            with_search = self.search.blockSignals(True)
            self.search.clear()
            self.search.blockSignals(with_search)
        self._load(establishment_id)
        selected = self._selected()
        return selected is not None and selected.id == establishment_id

    def _selected(self) -> EstablishmentView | None:
        model = self.table.selectionModel()
        rows = model.selectedRows() if model is not None else []
        if not rows:
            return None
        return self.model.view(self.proxy.mapToSource(rows[0]).row())

    def _show_history(self) -> None:
        view = self._selected()
        self.open_button.setEnabled(view is not None)
        self.inspect_button.setEnabled(view is not None)
        if view is None:
            self.history_title.setText(_("Inspection history"))
            self.history_model.set_rows([])
            return
        try:
            entries = self._history.history(self._actor, view.id)
        except AppError as exc:
            show_error(self, exc.message)
            entries = []
        self.history_title.setText(
            _("Inspection &history of {name}: {count}").format(name=view.name, count=format_int(len(entries)))
        )
        ref = self._ctx.reference
        self.history_model.set_rows(
            [
                (
                    f"{self._ctx.local(e.started_at):%d/%m/%Y %H:%M}",
                    e.station_code,
                    ref.label("forces", e.force),
                    e.officer,
                    e.result,
                    _("HQ's return bundle") if e.from_hq else _("this register"),
                )
                for e in entries
            ],
            [e.activity_id for e in entries],
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self._on_open_clicked()
            return True
        return super().eventFilter(watched, event)

    # ----- slots ---------------------------------------------------------------------------

    def _on_search_text_changed(self) -> None:
        self.search_timer.start()

    def _on_search_timer_timeout(self) -> None:
        self._fill()

    def _on_search_return_pressed(self) -> None:
        """Enter in the search box searches at once, then opens the establishment if only one is found."""
        self.search_timer.stop()
        self._fill()
        if self.model.rowCount() == 1:
            self._on_open_clicked()
        else:
            self.table.setFocus()

    def _on_table_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_history()

    def _on_new_clicked(self) -> None:
        if not self.new_button.isVisible():
            return
        dialog = EstablishmentDialog(self._ctx, self._actor, None, self)
        dialog.saved.connect(self._on_dialog_saved)
        dialog.matched.connect(self._on_dialog_saved)
        dialog.exec()

    def _on_open_clicked(self) -> None:
        view = self._selected()
        if view is None:
            return
        dialog = EstablishmentDialog(self._ctx, self._actor, view, self)
        dialog.saved.connect(self._on_dialog_saved)
        dialog.exec()

    def _on_inspect_clicked(self) -> None:
        view = self._selected()
        if view is None or not self.inspect_button.isVisible():
            return
        editor = inspection_editor(self._ctx, self._actor, view, self)
        editor.saved.connect(self._on_editor_saved)
        editor.exec()

    def _on_dialog_saved(self, view: EstablishmentView) -> None:
        self.select(view.id)

    def _on_editor_saved(self, result: ActivityResult) -> None:
        self._load()
        self.activity_saved.emit(result)


def _table(model: QAbstractTableModel | QSortFilterProxyModel, name: str) -> QTableView:
    """A read-only table of whole rows, its columns as wide as what they show."""
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table
