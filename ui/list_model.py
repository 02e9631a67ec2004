"""A read-only table of a few hundred rows of text (dashboard figures, lookup hits)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex
KEY_ROLE = Qt.ItemDataRole.UserRole  # the row's key, e.g. the case id to open


class ListTableModel(QAbstractTableModel):
    """Rows of display text with an optional key each; columns listed in ``numeric`` align right."""

    def __init__(self, headers: Sequence[str], numeric: Sequence[int] = ()) -> None:
        super().__init__()
        self._headers = list(headers)
        self._numeric = frozenset(numeric)
        self._rows: list[tuple[str, ...]] = []
        self._keys: list[str | None] = []

    def set_rows(self, rows: Sequence[Sequence[str]], keys: Sequence[str | None] | None = None) -> None:
        self.beginResetModel()
        self._rows = [tuple(row) for row in rows]
        self._keys = list(keys) if keys is not None else [None] * len(self._rows)
        self.endResetModel()

    def key(self, row: int) -> str | None:
        return self._keys[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self._numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == KEY_ROLE:
            return self._keys[index.row()]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return None
