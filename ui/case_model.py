"""The case list model: keyset paging through the case service, never the whole register at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.context import Context
from app.domain import Actor, CaseRow
from app.reference import Reference

Index = QModelIndex | QPersistentModelIndex
PAGE_SIZE = 200


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[CaseRow, Reference], str]
    width: int  # in average characters, a starting width the user can change
    stretch: bool = False


def _commodities(row: CaseRow, reference: Reference) -> str:
    codes = (code.strip() for code in row.commodities.split(","))
    return ", ".join(reference.label("commodities", code) for code in codes if code)


COLUMNS: tuple[Column, ...] = (
    Column("Số vụ", lambda r, ref: r.number, 18),
    Column("Thời gian", lambda r, ref: r.occurred_at.strftime("%d/%m/%Y %H:%M"), 16),
    Column("Địa điểm", lambda r, ref: r.place, 36, stretch=True),
    Column("Nhóm vi phạm", lambda r, ref: ref.label("violation_groups", r.violation_group), 30),
    Column("Mặt hàng", _commodities, 24),
    Column("Trạng thái", lambda r, ref: ref.label("case_statuses", r.status), 12),
)


class CaseTableModel(QAbstractTableModel):
    """Rows arrive a page at a time as the view scrolls (``canFetchMore``/``fetchMore``)."""

    def __init__(self, ctx: Context, actor: Actor, page_size: int = PAGE_SIZE) -> None:
        super().__init__()
        self._ctx = ctx
        self._actor = actor
        self._reference = ctx.reference
        self._page_size = page_size
        self._rows: list[CaseRow] = []
        self._query = ""
        self._exhausted = True
        self.reload()

    # ----- loading -------------------------------------------------------------------------------

    @property
    def query(self) -> str:
        return self._query

    def set_query(self, query: str) -> None:
        query = query.strip()
        if query != self._query:
            self._query = query
            self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._rows, self._exhausted = self._page(None)
        self.endResetModel()

    def _page(self, after: tuple[datetime, str] | None) -> tuple[list[CaseRow], bool]:
        """One page, and whether it was the last (asking for one row more tells without a count)."""
        rows = self._ctx.cases.list(
            self._actor, query=self._query or None, limit=self._page_size + 1, after=after
        )
        return rows[: self._page_size], len(rows) <= self._page_size

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 - Qt's signature
        if parent.isValid() or self._exhausted:
            return
        last = self._rows[-1]
        more, self._exhausted = self._page((last.occurred_at, last.id))
        if more:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(more) - 1)
            self._rows.extend(more)
            self.endInsertRows()

    def case_at(self, row: int) -> CaseRow:
        return self._rows[row]

    # ----- Qt's model interface ------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return COLUMNS[index.column()].value(self._rows[index.row()], self._reference)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section].title if 0 <= section < len(COLUMNS) else None
        return None
