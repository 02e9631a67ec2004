"""Person and vehicle lookup: type an identity number, a name or a plate, see every case with it."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.context import Context
from app.domain import Actor
from app.errors import AppError
from app.formatting import format_datetime, format_int
from app.i18n import _, ngettext
from app.lookup import MAX_HITS, LookupHit, lookup
from ui.errors import show_error
from ui.list_model import ListTableModel

TYPING_DELAY_MS = 300


class LookupDialog(QDialog):
    case_activated = Signal(str)

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self.hits: list[LookupHit] = []
        self.setWindowTitle(_("Look up a person or vehicle"))
        self.resize(1220, 520)  # every column whole on a 1366-pixel laptop screen (the group is long)
        self.query = QLineEdit()
        self.query.setClearButtonEnabled(True)
        self.query.setPlaceholderText(
            _("ID number, name or plate, e.g. 089090001234, Nguyễn Văn An, 67H1-204.13")
        )
        label = QLabel(_("&Look up:"))
        label.setBuddy(self.query)
        self.model = ListTableModel(
            [
                _("Name or plate"),
                _("ID number or description"),
                _("HQ watch list"),
                _("Role or kind"),
                _("Case no."),
                _("Time"),
                _("Status"),
                _("Violation group"),
            ]
        )
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.status = QLabel(_("Double-click a line, or press Enter, to open its case."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(label)
        column.addWidget(self.query)
        column.addWidget(self.table, 1)
        column.addWidget(self.status)
        column.addWidget(buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TYPING_DELAY_MS)
        self._timer.timeout.connect(self.run)
        self.query.textChanged.connect(self._on_query_text_changed)
        self.query.returnPressed.connect(self.run)
        self.table.activated.connect(self._on_table_activated)

    def run(self) -> None:
        self._timer.stop()
        text = self.query.text()
        try:
            found = lookup(self._ctx, self._actor, text, limit=MAX_HITS + 1)
            more = len(found) > MAX_HITS
            self.hits = found[:MAX_HITS]
        except AppError as exc:
            show_error(self, exc.message)
            return
        ref = self._ctx.reference
        rows = []
        for hit in self.hits:
            if hit.kind in ("person", "organisation"):
                role = ref.label("party_roles", hit.role)
            else:
                role = ref.label("vehicle_kinds", hit.kind)
            rows.append(
                (
                    hit.name,
                    hit.identity,
                    _watch_text(hit.watch),
                    role,
                    hit.number,
                    format_datetime(hit.occurred_at),
                    ref.label("case_statuses", hit.status),
                    ref.label("violation_groups", hit.violation_group),
                )
            )
        self.model.set_rows(rows, [hit.case_id for hit in self.hits])
        cases = len({hit.case_id for hit in self.hits})
        if not text.strip():
            self.status.setText(_("Double-click a line, or press Enter, to open its case."))
        elif more:
            self.status.setText(
                _("More than {count} matches: type more to narrow them.").format(count=format_int(MAX_HITS))
            )
        else:
            self.status.setText(
                ngettext("Found in {count} case.", "Found in {count} cases.", cases).format(
                    count=format_int(cases)
                )
            )
        if self.hits:
            self.table.selectRow(0)

    def _on_query_text_changed(self, _text: str) -> None:
        self._timer.start()

    def _on_table_activated(self, index: QModelIndex) -> None:
        case_id = self.model.key(index.row())
        if case_id is not None:
            self.case_activated.emit(case_id)


def _watch_text(watch: tuple[int, int] | None) -> str:
    """"3 posts, 7 cases" for a person or vehicle on HQ's watch list; empty otherwise."""
    if watch is None:
        return ""
    posts, cases = watch
    return ", ".join(
        (
            ngettext("{count} post", "{count} posts", posts).format(count=format_int(posts)),
            ngettext("{count} case", "{count} cases", cases).format(count=format_int(cases)),
        )
    )
