"""*View → Field work*: the post's patrols, checkpoints, inspections and outreach sessions (at HQ, every
post's), filtered by kind, period and commune; Enter opens one in its editor, Ctrl+N records a new one.

A period holds a few hundred activities at most (``app.activities.LIST_LIMIT`` caps a list), so the
list is read in one go on the GUI thread, like HQ's list of posts. Each column but the place is as
wide as the widest value it shows (``ui.column_widths``), so a force's or a commune's name is never
cut; the place takes the rest of the width on one line, said once (``app.activities.where_text``),
and shows in full as its tooltip."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.activities import LIST_LIMIT, ActivityFilter, ActivityResult, ActivityView, where_text
from app.activity_json import KIND_TEXT, KINDS
from app.auth import can
from app.context import Context
from app.domain import Actor
from app.errors import AppError
from app.formatting import format_int
from app.i18n import _
from ui.activities_editor import ActivityEditor
from ui.column_widths import TIME_SAMPLE, content_width
from ui.editor.fields import CodeCombo, OptionalDateEdit, SearchCombo
from ui.errors import show_error
from ui.list_model import ListTableModel

PLACE_COLUMN = 4


class ActivitiesModel(ListTableModel):
    def __init__(self) -> None:
        super().__init__(
            [
                _("Started"),
                _("Kind"),
                _("Post"),
                _("Commune"),
                _("Marker / route / place"),
                _("Lead force"),
                _("People"),
                _("Cases"),
            ],
            numeric=(6, 7),
        )


class ActivitiesWindow(QDialog):
    """``saved`` carries each ``ActivityResult`` an editor opened from here saved."""

    saved = Signal(object)

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self._views: list[ActivityView] = []
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Field work: patrols, checkpoints, inspections, outreach"))
        self.resize(1100, 560)
        self.kind = CodeCombo([(k, _(KIND_TEXT[k])) for k in KINDS], empty=_("every kind"))
        self.first_day = OptionalDateEdit()
        self.last_day = OptionalDateEdit()
        communes = sorted(
            ((c.code, c.name) for c in self._ctx.reference.communes.values()), key=lambda i: i[1]
        )
        self.commune = SearchCombo(communes, empty="")
        filters = QHBoxLayout()
        for text, widget in (
            (_("&Kind"), self.kind),
            (_("&From"), self.first_day),
            (_("&To"), self.last_day),
            (_("Co&mmune"), self.commune),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget)
        filters.addStretch(1)
        self.model = ActivitiesModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(PLACE_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.count = QLabel()
        self.new_button = QPushButton(_("&New activity…"))
        self._may_add = self._ctx.kind == "post" and can(self._actor, "activity.record")
        self.open_button = QPushButton(_("&Open…"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.addButton(self.new_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.new_button.setVisible(self._may_add)  # after addButton, which shows what it is given
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table)
        layout.addWidget(self.count)
        layout.addWidget(self.buttons)
        self.new_shortcut = QShortcut(QKeySequence("Ctrl+N"), self)
        self.open_shortcut = QShortcut(QKeySequence("Return"), self.table)

    def _connect_signals(self) -> None:
        self.kind.currentIndexChanged.connect(self._on_filter_changed)
        self.first_day.dateChanged.connect(self._on_filter_changed)
        self.last_day.dateChanged.connect(self._on_filter_changed)
        self.commune.currentIndexChanged.connect(self._on_filter_changed)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.new_button.clicked.connect(self._on_new_clicked)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.new_shortcut.activated.connect(self._on_new_clicked)
        self.open_shortcut.activated.connect(self._on_open_clicked)
        self.buttons.rejected.connect(self.reject)

    def _load(self) -> None:
        where = ActivityFilter(
            kind=self.kind.code(),
            first_day=self.first_day.value(),
            last_day=self.last_day.value(),
            commune_code=self.commune.code(),
        )
        try:
            self._views = self._ctx.activities.find(self._actor, where)
        except AppError as exc:
            show_error(self, exc.message)
            self._views = []
        ref = self._ctx.reference
        rows = []
        for view in self._views:
            data = view.data
            rows.append(
                (
                    f"{self._ctx.local(data.started_at):%d/%m/%Y %H:%M}",
                    _(KIND_TEXT[data.kind]),
                    view.station_code,
                    ref.label("communes", data.commune_code),
                    where_text(data),
                    ref.label("forces", data.lead_force),
                    "" if data.participants is None else format_int(data.participants),
                    format_int(len(data.cases)) if data.cases else "",
                )
            )
        self.model.set_rows(rows, [v.id for v in self._views])
        self._fit_columns(rows)
        shown = _("{count} activities").format(count=format_int(len(self._views)))
        if len(self._views) == LIST_LIMIT:
            shown += " — " + _("only the newest are listed; narrow the period")
        self.count.setText(shown)
        if self._views:
            self.table.selectRow(0)

    def _fit_columns(self, rows: Sequence[Sequence[str]]) -> None:
        """Every column but the place as wide as its widest value or its title."""
        for column in range(self.model.columnCount()):
            if column == PLACE_COLUMN:
                continue
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            values = {TIME_SAMPLE} if column == 0 else {row[column] for row in rows}
            width = max(content_width(self.table, value, title) for value in values | {""})
            self.table.setColumnWidth(column, width)

    def reload(self) -> None:
        self._load()

    def _selected(self) -> ActivityView | None:
        rows = self.table.selectionModel().selectedRows()
        return self._views[rows[0].row()] if rows else None

    def _open_editor(self, view: ActivityView | None) -> None:
        editor = ActivityEditor(self._ctx, self._actor, view, self)
        editor.saved.connect(self._on_editor_saved)
        editor.exec()

    def _on_filter_changed(self) -> None:
        self._load()

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        self._open_editor(self._views[index.row()])

    def _on_new_clicked(self) -> None:
        if self._may_add:
            self._open_editor(None)

    def _on_open_clicked(self) -> None:
        view = self._selected()
        if view is not None:
            self._open_editor(view)

    def _on_editor_saved(self, result: ActivityResult) -> None:
        self._load()
        self.saved.emit(result)
