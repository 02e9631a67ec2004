"""Many rows into a table in one ``executemany`` through the driver, stored exactly as SQLAlchemy stores
them (its own bind processors), for paths that write thousands of rows (HQ import)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Table


class BulkInsert:
    """Rows are mappings of Python values with every column of ``table`` (autoincrement keys left out);
    a missing column is a ``KeyError``, never a silent default."""

    def __init__(self, conn: Connection, table: Table, *, with_rowid: bool = False) -> None:
        dialect = conn.dialect
        stored = [c for c in table.columns if not (c.primary_key and c.autoincrement is True)]
        self.columns = tuple(c.key for c in stored)
        processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in stored]
        self._processors: tuple[tuple[int, Callable[[Any], Any]], ...] = tuple(
            (i, p) for i, p in enumerate(processors) if p is not None
        )
        self.with_rowid = with_rowid
        names = ("rowid", *self.columns) if with_rowid else self.columns
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self.sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
        self.rows: list[tuple[Any, ...]] = []

    def add(self, row: Mapping[str, Any], rowid: int | None = None) -> None:
        values = [row[name] for name in self.columns]
        for i, process in self._processors:
            values[i] = process(values[i])
        self.rows.append((rowid, *values) if self.with_rowid else tuple(values))

    def add_all(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.add(row)

    def write(self, conn: Connection) -> int:
        """Insert the rows gathered so far; returns how many."""
        count = len(self.rows)
        if count:
            conn.exec_driver_sql(self.sql, self.rows)
        self.rows = []
        return count
