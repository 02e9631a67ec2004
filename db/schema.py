"""The schema a register should have, against the one it has: tables, indexes, triggers and views.

Why: a register's schema is part of what must not change behind the app's back. A trigger planted with
plain SQL runs inside the program's own transactions (one that keeps resetting a meta row would rewrite
it after every audited save) and the audit chain cannot see it; a dropped index or a changed table
changes what the app's checks rely on. The only schema a register may have is the one the migrations
create at its revision (docs/security.md, "The audit trail" and "Restore that checks first").

This is the one comparison: at open (app/register.py) for the newest revision, and by restore for a
backup at its own revision before anything is replaced (app/restore.py). The newest revision's schema is
kept as a digest per object in ``db/migrations/schema_head.json`` (a second a process to build, too slow
for every CLI command; ``scripts/schema_snapshot.py`` writes it after a new migration and
tests/test_migrations.py checks it matches them); an older revision's is built once, when a backup of it
is restored, by migrating an empty database to it. Tables are compared by their columns (an upgrade's
ALTER TABLE rewrites their SQL text), indexes, triggers and views by their SQL. Only SQLite registers
are compared: a PostgreSQL one is guarded by its server's own rights. The words for a person are
app.register's ``schema_problems`` (db never translates)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from db import cipher

KINDS = ("table", "index", "trigger", "view")
# SQLite's own tables (sequence counters, ANALYZE statistics, constraint indexes) come and go by use.
INTERNAL = re.compile(r"^sqlite_")
SNAPSHOT = Path(__file__).resolve().parent / "migrations" / "schema_head.json"


@dataclass(frozen=True)
class SchemaObject:
    table: str  # the table it belongs to (itself for a table)
    digest: str  # of its normalised shape (``_shapes``)


Schema = dict[str, SchemaObject]  # keyed by "kind name"


@dataclass(frozen=True)
class Difference:
    kind: str  # table | index | trigger | view
    name: str
    table: str  # the table it is on (itself for a table)
    change: str  # unknown | changed | missing


def _rows(conn: Any, sql: str) -> list[Any]:
    """``sql``'s rows on an SQLAlchemy connection or a DB-API one (restore opens the file directly)."""
    run = getattr(conn, "exec_driver_sql", None) or conn.execute
    return list(run(sql).fetchall())


def _normal(sql: str | None) -> str:
    text = re.sub(r"\s+", " ", sql or "").strip().rstrip(";").lower()
    return re.sub(r'["`\[\]]', "", text)


def _shapes(conn: Any) -> dict[tuple[str, str], tuple[str, str]]:
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for kind, name, table, sql in _rows(conn, "SELECT type, name, tbl_name, sql FROM sqlite_master"):
        if INTERNAL.match(name) or kind not in KINDS:
            continue
        if kind == "table" and not (sql or "").upper().startswith("CREATE VIRTUAL"):
            columns = _rows(conn, f'PRAGMA table_info("{name}")')
            shape = "|".join(
                f"{c[1]}:{str(c[2]).upper()}:{c[3]}:{c[5]}" for c in sorted(columns, key=lambda c: c[1])
            )
        else:
            shape = _normal(sql)
        found[(str(kind), str(name))] = (str(table), shape)
    return found


def schema_of(conn: Any) -> Schema:
    """Every schema object of an open SQLite (or SQLCipher) database, with the digest of its shape."""
    return {
        f"{kind} {name}": SchemaObject(table, hashlib.sha256(shape.encode()).hexdigest()[:32])
        for (kind, name), (table, shape) in _shapes(conn).items()
    }


def built_schema(revision: str = "head") -> Schema:
    """``schema_of`` an empty database brought to ``revision`` by the migrations."""
    from db import migrate  # only here: migrate's module-level set-up reads the migration scripts

    engine = create_engine("sqlite://", poolclass=StaticPool)
    try:
        migrate.create(engine, revision)
        with engine.connect() as conn:
            return schema_of(conn)
    finally:
        engine.dispose()


@cache
def expected_schema(revision: str = "head") -> Schema:
    """The schema the migrations create at ``revision``: the snapshot for the newest, else built."""
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    if revision in ("head", snapshot["revision"]):
        return {label: SchemaObject(**found) for label, found in snapshot["objects"].items()}
    return built_schema(revision)


def write_snapshot() -> None:
    from db import migrate

    objects = {label: {"table": o.table, "digest": o.digest} for label, o in built_schema().items()}
    SNAPSHOT.write_text(
        json.dumps({"revision": migrate.HEAD, "objects": objects}, indent=1, sort_keys=True) + "\n",
        encoding="utf-8",
    )


def compare(expected: Schema, actual: Schema) -> list[Difference]:
    """What in ``actual`` the migrations did not create, changed, or is missing from it."""
    found = []
    for label in sorted(set(expected) | set(actual)):
        kind, name = label.split(" ", 1)
        want, have = expected.get(label), actual.get(label)
        if want is None:
            assert have is not None
            found.append(Difference(kind, name, have.table, "unknown"))
        elif have is None:
            found.append(Difference(kind, name, want.table, "missing"))
        elif want != have:
            found.append(Difference(kind, name, have.table, "changed"))
    return found


def differences(conn: Any, revision: str = "head") -> list[Difference]:
    """``compare`` for the register open on ``conn`` (SQLAlchemy or DB-API), at ``revision``."""
    return compare(expected_schema(revision), schema_of(conn))


def file_differences(path: Path, key: bytes | None, revision: str) -> list[Difference]:
    """``differences`` for the register or backup file at ``path`` (opened read-only, with ``key``)."""
    conn = cipher.connect(path, key, read_only=True)
    try:
        return differences(conn, revision)
    finally:
        conn.close()
