"""HQ's watch-list review: the candidates and entries, the cases behind the one selected, and confirm or
dismiss with a reason (app/watch.py; docs/operations.md, "The watch list")."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.context import Context
from app.domain import Actor
from app.errors import AppError
from app.formatting import format_date, format_datetime, format_int
from app.i18n import _
from app.watch import Candidate, candidates, cases_behind, decide
from ui.colours import warning_background
from ui.editor.fields import ErrorLabel

Index = QModelIndex | QPersistentModelIndex


def _state_text(candidate: Candidate) -> str:
    if candidate.state == "confirmed":
        return _("confirmed")
    if candidate.state == "dismissed":
        return _("dismissed")
    if candidate.decided_by:
        return _("to review ({count} new cases)").format(count=format_int(candidate.new_cases))
    return _("to review")


def _kind_text(candidate: Candidate) -> str:
    return {
        "person": _("ID number"),
        "vehicle": _("plate"),
        "vessel": _("vessel"),
        "name": _("name and birth year (weaker)"),
    }[candidate.kind]


class WatchModel(QAbstractTableModel):
    """The candidates, one row each; columns declared once."""

    COLUMNS = ("state", "kind", "key", "label", "cases", "posts", "last_seen")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Candidate] = []

    def set_rows(self, rows: list[Candidate]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def candidate(self, row: int) -> Candidate | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, candidate_id: str) -> int:
        return next((i for i, c in enumerate(self._rows) if c.id == candidate_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(  # noqa: N802 - Qt's signature
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < len(self.COLUMNS):
            return None
        titles = {
            "state": _("State"),
            "kind": _("Matched by"),
            "key": _("Number or name"),
            "label": _("As written"),
            "cases": _("Cases"),
            "posts": _("Posts"),
            "last_seen": _("Last seen"),
        }
        return titles[self.COLUMNS[section]]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        c = self._rows[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            values = {
                "state": _state_text(c),
                "kind": _kind_text(c),
                "key": c.key,
                "label": c.label,
                "cases": format_int(c.cases),
                "posts": ", ".join(c.posts),
                "last_seen": format_date(c.last_seen),
            }
            return values[column]
        if role == Qt.ItemDataRole.BackgroundRole and c.state == "pending":
            return QBrush(warning_background())
        if role == Qt.ItemDataRole.TextAlignmentRole and column == "cases":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and c.weak:
            return _("Two namesakes born the same year look alike: a lead to check, never sent to the posts.")
        return None


class WatchReviewDialog(QDialog):
    """After it closes, ``decided`` lists the candidates confirmed or dismissed while it was open."""

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self.decided: list[str] = []
        self._build_ui()
        self._connect_signals()
        self._load()

    # ----- building --------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Watch list review"))
        self.resize(980, 640)
        intro = QLabel(
            _("The same identity number, plate or vessel number at 2 posts or in 3 cases, and the same "
              "name and birth year (weaker). Only the entries an analyst confirms go to the posts, each "
              "with the posts and case numbers behind it.")
        )
        intro.setWordWrap(True)
        self.model = WatchModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.summary = QLabel()
        self.cases = QTableWidget(0, 6)
        self.cases.setHorizontalHeaderLabels(
            [_("Case"), _("Post"), _("Occurred"), _("Status"), _("Name or plate"), _("ID number / born")]
        )
        self.cases.verticalHeader().hide()
        self.cases.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.cases.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.cases.horizontalHeader().setStretchLastSection(True)
        self.decision = QLabel()
        self.decision.setWordWrap(True)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(_("Reason (required): why you stand behind this decision"))
        self.reason.setMaximumHeight(64)
        self.reason.setTabChangesFocus(True)
        self.confirm_button = QPushButton(_("&Confirm: send to the posts"))
        self.dismiss_button = QPushButton(_("&Dismiss"))
        self.error = ErrorLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.confirm_button)
        buttons.addWidget(self.dismiss_button)
        buttons.addStretch(1)
        details = QWidget()
        details_layout = QVBoxLayout(details)
        details_layout.setContentsMargins(0, 0, 0, 0)
        details_layout.addWidget(self.summary)
        details_layout.addWidget(self.cases, 1)
        details_layout.addWidget(self.decision)
        details_layout.addWidget(self.reason)
        details_layout.addWidget(self.error)
        details_layout.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(details)
        splitter.setSizes([320, 300])
        self.close_buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.close_buttons)

    def _connect_signals(self) -> None:
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        self.reason.textChanged.connect(self._update_buttons)
        self.confirm_button.clicked.connect(self._on_confirm_button_clicked)
        self.dismiss_button.clicked.connect(self._on_dismiss_button_clicked)
        self.close_buttons.rejected.connect(self.reject)

    def _load(self, keep: str | None = None) -> None:
        self.model.set_rows(candidates(self._ctx, self._actor))
        row = self.model.row_of(keep) if keep else -1
        self.table.selectRow(max(row, 0))
        if self.model.rowCount() == 0:
            self._show(None)
        self.table.resizeColumnsToContents()

    # ----- the selected candidate ------------------------------------------------------------------

    def selected(self) -> Candidate | None:
        return self.model.candidate(self.table.currentIndex().row())

    def _show(self, candidate: Candidate | None) -> None:
        self.error.set_message(None)
        self.reason.clear()
        self.cases.setRowCount(0)
        if candidate is None:
            self.summary.setText(_("No candidate: no number or plate repeats across posts or cases yet."))
            self.decision.clear()
            self._update_buttons()
            return
        self.summary.setText(
            _("{label} ({kind} {key}): {cases} cases at {posts}").format(
                label=candidate.label, kind=_kind_text(candidate), key=candidate.key,
                cases=format_int(candidate.cases), posts=", ".join(candidate.posts),
            )
        )
        if candidate.decided_by:
            self.decision.setText(
                _("{state} by {user} on {when}: {reason}").format(
                    state=_state_text(candidate),
                    user=f"{candidate.decided_by_name} ({candidate.decided_by})"
                    if candidate.decided_by_name
                    else candidate.decided_by,
                    when=format_datetime(self._ctx.local(candidate.decided_at))
                    if candidate.decided_at else "", reason=candidate.reason,
                )
            )
        elif candidate.weak:
            self.decision.setText(
                _("A name and birth year is a lead, not an identity: compare the ID numbers below, and "
                  "confirm a person by number (outpost watch confirm person:…).")
            )
        else:
            self.decision.setText(_("Not reviewed yet."))
        for case in cases_behind(self._ctx, self._actor, candidate.id):
            row = self.cases.rowCount()
            self.cases.insertRow(row)
            identity = case.identity
            if case.birth_date is not None:
                identity = f"{identity} / {format_date(case.birth_date)}".strip(" /")
            values = (
                case.number,
                case.post,
                format_datetime(case.occurred_at),
                self._ctx.reference.label("case_statuses", case.status),
                case.name,
                identity,
            )
            for column, text in enumerate(values):
                self.cases.setItem(row, column, QTableWidgetItem(text))
        self._update_buttons()

    def _update_buttons(self) -> None:
        candidate = self.selected()
        has_reason = bool(self.reason.toPlainText().strip())
        self.confirm_button.setEnabled(
            candidate is not None and not candidate.weak and candidate.state != "confirmed" and has_reason
        )
        self.dismiss_button.setEnabled(
            candidate is not None and candidate.state != "dismissed" and has_reason
        )

    def _decide(self, decision: str) -> None:
        candidate = self.selected()
        if candidate is None:
            return
        try:
            done = decide(self._ctx, self._actor, candidate.id, decision, self.reason.toPlainText())
        except AppError as exc:
            self.error.set_message(exc.message)
            return
        self.decided.append(done.id)
        self._load(keep=done.id)

    # ----- slots -----------------------------------------------------------------------------------

    def _on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show(self.model.candidate(current.row()))

    def _on_confirm_button_clicked(self) -> None:
        self._decide("confirmed")

    def _on_dismiss_button_clicked(self) -> None:
        self._decide("dismissed")
