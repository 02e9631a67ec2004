"""The case list model: keyset paging through the case service, never the whole register at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.context import Context
from app.domain import Actor, CaseRow

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[CaseRow, Context], str]


COLUMNS: tuple[Column, ...] = (
    Column("Số vụ", lambda r, c: r.number),
    Column("Thời gian", lambda r, c: r.occurred_at.strftime("%d/%m/%Y %H:%M")),
    Column("Địa điểm", lambda r, c: r.place),
    Column("Nhóm vi phạm", lambda r, c: c.reference.label("violation_groups", r.violation_group)),
    Column(
        "Mặt hàng",
        lambda r, c: ", ".join(
            c.reference.label("commodities", code) for code in r.commodities.split(", ") if code
        ),
    ),
    Column("Trạng thái", lambda r, c: c.reference.label("case_statuses", r.status)),
)


class CaseTableModel(QAbstractTableModel):
    def __init__(self, ctx: Context, actor: Actor, page_size: int = 200) -> None:
        super().__init__()
        self._ctx = ctx
        self._actor = actor
        self._page_size = page_size
        self._rows: list[CaseRow] = []
        self._query = ""
        self._exhausted = False
        self.reload()

    # ----- loading ---------------------------------------------------------------------------

    def set_query(self, query: str) -> None:
        self._query = query.strip()
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._rows = self._page(None)
        self._exhausted = len(self._rows) < self._page_size
        self.endResetModel()

    def _page(self, after: tuple[Any, str] | None) -> list[CaseRow]:
        return self._ctx.cases.list(
            self._actor, query=self._query or None, limit=self._page_size, after=after
        )

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt signature
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 - Qt signature
        if parent.isValid() or self._exhausted or not self._rows:
            self._exhausted = True
            return
        last = self._rows[-1]
        more = self._page((last.occurred_at, last.id))
        self._exhausted = len(more) < self._page_size
        if more:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(more) - 1)
            self._rows.extend(more)
            self.endInsertRows()

    def case_at(self, row: int) -> CaseRow:
        return self._rows[row]

    # ----- Qt model interface ----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return COLUMNS[index.column()].value(self._rows[index.row()], self._ctx)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section].title if 0 <= section < len(COLUMNS) else None
        return None
