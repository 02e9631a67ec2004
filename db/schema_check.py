"""The schema a register should have, against the one it has: tables, indexes, triggers and views.

A register's schema is part of what must not change behind the app's back: an added trigger runs
with every write (one that keeps resetting a key in ``meta`` goes unnoticed by the row checks), a
dropped index or a changed table changes what the app's checks rely on. The only schema a register
may have is the one the migrations create at its revision, so the expected schema is read from an
empty register migrated to that revision (made once per revision and kept), and compared object by
object, by name and by its SQL text (docs/security.md, "Restore that checks first").

Restore calls ``compare`` on a backup before it replaces anything; it is the one comparison to call
wherever else a register's schema is checked (at open, in ``audit verify``).
"""

from __future__ import annotations

import functools
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from db import cipher

KINDS = ("table", "index", "trigger", "view")


@dataclass(frozen=True)
class SchemaObject:
    kind: str  # table, index, trigger or view
    name: str
    table: str  # the table it belongs to (itself for a table)
    sql: str  # normalised (``_normalised``); empty for an index SQLite makes itself


Schema = dict[tuple[str, str], SchemaObject]


def _normalised(sql: str | None) -> str:
    """SQL text with runs of blanks as one space: the same object whatever the line breaks."""
    return re.sub(r"\s+", " ", sql or "").strip()


def schema_of(conn: Any) -> Schema:
    """The tables, indexes, triggers and views of an open SQLite (or SQLCipher) connection.

    SQLite's own objects (``sqlite_…``) are left out: SQLite makes them itself. The full-text
    index's shadow tables are in: the migrations make them through the virtual table."""
    rows = conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    ).fetchall()
    return {
        (str(kind), str(name)): SchemaObject(str(kind), str(name), str(table), _normalised(sql))
        for kind, name, table, sql in rows
        if kind in KINDS
    }


@functools.cache
def expected_schema(engine_kind: str = "sqlite", revision: str = "head") -> Schema:
    """The schema of an empty register freshly migrated to ``revision`` (made once, then kept).

    Only SQLite registers are compared: a PostgreSQL one is guarded by its server's own rights."""
    if engine_kind != "sqlite":
        raise ValueError(f"the schema is compared for SQLite registers only, not {engine_kind}")
    from db import migrate  # only here: migrate's module-level set-up reads the migration scripts
    from db.engine import make_engine, sqlite_url

    with tempfile.TemporaryDirectory(prefix="outpost-schema-") as folder:
        path = Path(folder) / "expected.sqlite"
        engine = make_engine(sqlite_url(path))
        try:
            migrate.create(engine, revision)
        finally:
            engine.dispose()
        conn = cipher.connect(path, None, read_only=True)
        try:
            return schema_of(conn)
        finally:
            conn.close()


def compare(expected: Schema, actual: Schema) -> list[str]:
    """What differs, one line per object, naming it: unknown, missing or changed. Empty when equal."""
    problems: list[str] = []
    for key in sorted(set(expected) | set(actual)):
        kind, name = key
        want, have = expected.get(key), actual.get(key)
        on = "" if kind == "table" else f" on table {(have or want).table}"  # type: ignore[union-attr]
        if want is None:
            problems.append(f"unknown {kind} {name}{on}: the migrations do not create it")
        elif have is None:
            problems.append(f"missing {kind} {name}{on}")
        elif want.sql != have.sql or want.table != have.table:
            problems.append(f"{kind} {name}{on} differs from what the migrations create")
    return problems


def check_file(path: Path, key: bytes | None, revision: str) -> list[str]:
    """``compare`` for the register or backup file at ``path`` (opened read-only, with ``key``)."""
    conn = cipher.connect(path, key, read_only=True)
    try:
        actual = schema_of(conn)
    finally:
        conn.close()
    return compare(expected_schema("sqlite", revision), actual)
