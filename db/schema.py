"""The register's schema compared with what the migrations create: an unknown or changed table, index,
trigger or view is found before the register is used (docs/security.md, "The audit trail").

Why: a trigger planted with plain SQL runs inside the program's own transactions (one that keeps
resetting a meta row would rewrite it after every audited save), and the audit chain cannot see it.
The expected schema is what migrating an empty in-memory database creates, kept as a digest per object
in ``db/migrations/schema_head.json`` (a second a process to build, too slow for every CLI command;
``scripts/schema_snapshot.py`` writes it and tests/test_schema.py checks it matches the migrations).
Tables are compared by their columns (an upgrade's ALTER TABLE rewrites their SQL text), indexes,
triggers and views by their SQL."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, create_engine
from sqlalchemy.pool import StaticPool

# SQLite's own tables (sequence counters, ANALYZE statistics, constraint indexes) come and go by use.
INTERNAL = re.compile(r"^sqlite_")


@dataclass(frozen=True)
class Difference:
    kind: str  # table | index | trigger | view
    name: str
    change: str  # unknown | changed | missing


def _normal(sql: str | None) -> str:
    text = re.sub(r"\s+", " ", sql or "").strip().rstrip(";").lower()
    return re.sub(r'["`\[\]]', "", text)


SNAPSHOT = Path(__file__).resolve().parent / "migrations" / "schema_head.json"


def schema_of(conn: Connection) -> dict[str, str]:
    """'type name' -> the digest of a normalised form of every schema object of an SQLite database."""
    return {f"{kind} {name}": hashlib.sha256(shape.encode()).hexdigest()[:32]
            for (kind, name), shape in _shapes(conn).items()}


def _shapes(conn: Connection) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    rows = conn.exec_driver_sql("SELECT type, name, sql FROM sqlite_master").fetchall()
    for kind, name, sql in rows:
        if INTERNAL.match(name):
            continue
        if kind == "table" and not (sql or "").upper().startswith("CREATE VIRTUAL"):
            columns = conn.exec_driver_sql(f'PRAGMA table_info("{name}")').fetchall()
            found[(kind, name)] = "|".join(
                f"{c[1]}:{str(c[2]).upper()}:{c[3]}:{c[5]}" for c in sorted(columns, key=lambda c: c[1])
            )
        else:
            found[(kind, name)] = _normal(sql)
    return found


def built_schema() -> dict[str, str]:
    """``schema_of`` an empty database brought to the newest revision by the migrations."""
    from db import migrate

    engine = create_engine("sqlite://", poolclass=StaticPool)
    try:
        migrate.create(engine)
        with engine.connect() as conn:
            return schema_of(conn)
    finally:
        engine.dispose()


@cache
def expected_schema() -> dict[str, str]:
    objects = json.loads(SNAPSHOT.read_text(encoding="utf-8"))["objects"]
    assert isinstance(objects, dict)
    return objects


def write_snapshot() -> None:
    from db import migrate

    SNAPSHOT.write_text(
        json.dumps({"revision": migrate.HEAD, "objects": built_schema()}, indent=1, sort_keys=True) + "\n",
        encoding="utf-8",
    )


def differences(conn: Connection) -> list[Difference]:
    """What in this register's schema the migrations did not create, changed, or is missing."""
    expected, actual = expected_schema(), schema_of(conn)
    found = []
    for label, digest in sorted(actual.items()):
        kind, name = label.split(" ", 1)
        if label not in expected:
            found.append(Difference(kind, name, "unknown"))
        elif expected[label] != digest:
            found.append(Difference(kind, name, "changed"))
    for label in sorted(set(expected) - set(actual)):
        kind, name = label.split(" ", 1)
        found.append(Difference(kind, name, "missing"))
    return found
