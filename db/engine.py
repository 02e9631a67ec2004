"""Engine and session factories for the register, with the SQLite settings of docs/architecture.md §2."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

import db.halves  # noqa: F401 - its session hook drops the report tallies a flush makes stale
from db import cipher

BUSY_TIMEOUT_MS = 10_000


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's begin event, not the driver, decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front so two writers never deadlock half-way through.
        if conn.get_execution_options().get("immediate"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def make_engine(url: str, key: bytes | None = None) -> Engine:
    """An engine on ``url``; with ``key``, on an encrypted register through SQLCipher (db/cipher.py)."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":  # psycopg 3 (the ``hq`` extra), not SQLAlchemy's default psycopg2
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if key is None or parsed.get_backend_name() != "sqlite":  # a server database is protected by its server
        engine = create_engine(url)
    else:
        engine = create_engine(url, module=cipher.dbapi2)
        pragma = cipher.key_pragma(key)

        @event.listens_for(engine, "do_connect")
        def _on_do_connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
            # The key is the first statement of every connection: before it, SQLCipher reads nothing.
            connection = dialect.dbapi.connect(*cargs, **cparams)
            connection.execute(pragma)
            return connection

    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


@dataclass(frozen=True)
class Sessions:
    """Session factories: ``reads`` for queries, ``writes`` for units of work that change data."""

    engine: Engine
    reads: sessionmaker[Session]
    writes: sessionmaker[Session]


def make_sessions(engine: Engine) -> Sessions:
    writer = engine.execution_options(immediate=True)
    return Sessions(
        engine=engine,
        reads=sessionmaker(bind=engine, expire_on_commit=False),
        writes=sessionmaker(bind=writer, expire_on_commit=False),
    )
