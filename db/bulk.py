"""Many rows into a table in one ``executemany`` through the driver, stored exactly as SQLAlchemy stores
them (its own bind processors), for paths that write thousands of rows (HQ import)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Connection, Date, DateTime, Float, Integer, String, Table
from sqlalchemy.types import TypeDecorator

from db.types import DecimalText, UtcDateTime


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


class SqliteForm:
    """How SQLite stores a row of ``table`` given as canonical values (``app.serialize.canonical``: UTC
    instants, dates and decimals as text, lists as lists): what SQLAlchemy's bind processors make of the
    same row in Python values (the text of ``UtcDateTime``, ``DecimalText`` and ``Date`` is the canonical
    text; a boolean becomes 1 or 0, a JSON value its ``json.dumps``). Lets a caller that builds the
    canonical row anyway (to seal it) store it without converting every value a second time. A column
    type it does not know is a ``TypeError`` at once."""

    def __init__(self, table: Table) -> None:
        self.table = table
        stored = [
            c for c in table.columns if not (c.primary_key and c.autoincrement is True)
        ]  # as BulkInsert
        self.columns = tuple(c.key for c in stored)
        if any(c.key != c.name for c in stored):
            raise TypeError(f"{table.name}: attribute keys differ from column names")
        self._floats = self._where(stored, Float)
        self._booleans = self._where(stored, Boolean)
        self._json = self._where(stored, JSON)
        for column in stored:
            kind = column.type
            if isinstance(kind, TypeDecorator) and not isinstance(kind, (UtcDateTime, DecimalText)):
                raise TypeError(f"{table.name}.{column.key}: no SQLite form known for {kind!r}")
            if isinstance(kind, DateTime) or not isinstance(
                kind, (UtcDateTime, DecimalText, Date, String, Integer, Float, Boolean, JSON)
            ):
                raise TypeError(f"{table.name}.{column.key}: no SQLite form known for {kind!r}")

    @staticmethod
    def _where(columns: list[Column[Any]], kind: type[Any]) -> tuple[int, ...]:
        return tuple(i for i, column in enumerate(columns) if isinstance(column.type, kind))

    def stored(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        """The values to bind, in column order. A missing column is a ``KeyError``."""
        values = [row[name] for name in self.columns]
        for i in self._floats:
            if values[i] is not None:
                values[i] = float(values[i])
        for i in self._booleans:
            if values[i] is not None:
                values[i] = int(values[i])
        for i in self._json:
            values[i] = json.dumps(values[i])  # SQLAlchemy's JSON: default serializer, None as 'null'
        return tuple(values)

    def insert_sql(self, with_rowid: bool = False) -> str:
        names = ("rowid", *self.columns) if with_rowid else self.columns
        return f"INSERT INTO {self.table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
