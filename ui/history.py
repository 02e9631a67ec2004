"""A case's history from the audit chain: who did what, when, and which fields changed."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QTableView, QVBoxLayout, QWidget

from app.audit import HistoryEntry
from app.context import Context
from app.domain import Actor
from app.formatting import format_datetime
from app.i18n import N_, _

Index = QModelIndex | QPersistentModelIndex

ACTIONS = {
    "create": N_("created"),
    "update": N_("edited"),
    "submit": N_("submitted for approval"),
    "approve": N_("approved"),
    "return": N_("returned for correction"),
    "close": N_("closed"),
    "void": N_("voided"),
    "import": N_("imported"),
    "align": N_("version taken from HQ (re-key)"),
}
HEADERS = (N_("Time"), N_("User"), N_("Action"), N_("Version"), N_("Changes"))


def describe_changes(diff: dict[str, Any]) -> str:
    """``{"place": ["a", "b"], "goods": …}`` → ``place: a → b; goods``: short, for one table cell."""
    parts = []
    for key, change in sorted(diff.items()):
        if isinstance(change, list) and len(change) == 2 and all(
            v is None or isinstance(v, (str, int, float, bool)) for v in change
        ):
            before, after = ("—" if v in (None, "") else str(v) for v in change)
            parts.append(f"{key}: {before} → {after}")
        else:
            parts.append(key)
    return "; ".join(parts)


class HistoryModel(QAbstractTableModel):
    def __init__(self, entries: list[HistoryEntry], zone: tzinfo) -> None:
        super().__init__()
        self._entries = entries
        self._zone = zone  # the register's: its times are told in it, whatever the computer's

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        entry = self._entries[index.row()]
        column = index.column()
        if column == 0:
            return format_datetime(entry.at.astimezone(self._zone))
        if column == 1:
            return entry.actor
        if column == 2:
            return _(ACTIONS[entry.action]) if entry.action in ACTIONS else entry.action
        if column == 3:
            return str(entry.version)
        return describe_changes(entry.diff)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(HEADERS[section])
        return None


class HistoryDialog(QDialog):
    def __init__(self, ctx: Context, actor: Actor, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self._case_id = case_id
        self.model = HistoryModel(ctx.cases.history(actor, case_id), ctx.zone)
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        number = self._ctx.cases.get(self._actor, self._case_id).number
        self.setWindowTitle(_("History of case {number}").format(number=number))
        self.resize(900, 420)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.buttons.rejected.connect(self.reject)
