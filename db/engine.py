"""Engine and session factories for the register, with the SQLite settings of docs/architecture.md §2."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

import db.halves  # noqa: F401 - its session hook drops the report tallies a flush makes stale
from db import cipher

BUSY_TIMEOUT_MS = 10_000
# Each connection's page cache, in KiB (a negative cache_size). SQLite's default of 2 MiB held too few
# pages for a search's first page at 20 000 cases: every query read its pages again from the file,
# which costs a memcpy on a plain register but an AES decryption and an HMAC check per page on an
# encrypted one (3.5x slower than plain; with 64 MiB both take the same time, docs/performance.md).
# The cache grows only as pages are read; a laptop can spare this much for each pooled connection.
CACHE_KIB = 65_536
# PostgreSQL (HQ): the advisory lock every writing transaction takes first (``_configure_postgresql``).
WRITER_LOCK = 3_890_000_001
# PostgreSQL: how long a connection waits for a server that does not answer (seconds), unless the URL
# says otherwise (``?connect_timeout=``): without it, a server that hangs hangs every command.
CONNECT_TIMEOUT_S = 10


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
        cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        # ``enlarge_cache``: the usual cache again (a connection already closed has none to give back)
        if record.info.pop(_ENLARGED, False) and dbapi_connection is not None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front so two writers never deadlock half-way through.
        if conn.get_execution_options().get("immediate"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def _configure_postgresql(engine: Engine) -> None:
    if "options" not in engine.url.query:  # the URL's own settings win

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # No statement waits for a lock longer than BUSY_TIMEOUT_MS (another program's LOCK TABLE, a
            # migration): the command is told the register is busy instead of waiting without a word. A
            # SET rather than the startup option "-c lock_timeout": a connection pooler (PgBouncer)
            # refuses startup options it does not know.
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = {BUSY_TIMEOUT_MS}")
            dbapi_connection.commit()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # One writer at a time, as SQLite's BEGIN IMMEDIATE gives: every write that appends to the audit
        # chain reads its head first, and two at once (two imports, an import and an analyst's review)
        # would each chain from the same head and fork it; two imports of one bundle would both find
        # it new. A writer waits for the one before it at most BUSY_TIMEOUT_MS, as on SQLite.
        if conn.get_execution_options().get("writer"):
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {BUSY_TIMEOUT_MS}")
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK})")


_ENLARGED = "outpost_cache_enlarged"


def enlarge_cache(conn: Connection, kib: int) -> None:
    """A page cache of ``kib`` KiB for this SQLite connection until it goes back to the pool, then the
    usual ``CACHE_KIB`` (a large write, such as HQ's import: app/sync/hq_import.py). Nothing elsewhere."""
    if conn.dialect.name != "sqlite":
        return
    conn.info[_ENLARGED] = True
    conn.exec_driver_sql(f"PRAGMA cache_size = -{int(kib)}")


def make_engine(url: str, key: bytes | None = None) -> Engine:
    """An engine on ``url``; with ``key``, on an encrypted register through SQLCipher (db/cipher.py)."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":  # psycopg 3 (the ``hq`` extra), not SQLAlchemy's default psycopg2
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if parsed.get_backend_name() == "postgresql":
        engine = create_engine(url, connect_args=_postgresql_connect_args(parsed.query))
    elif key is None:
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
    elif engine.dialect.name == "postgresql":
        _configure_postgresql(engine)
    return engine


def _postgresql_connect_args(query: Any) -> dict[str, Any]:
    """What every connection to HQ's PostgreSQL asks for, unless the URL says otherwise: a server that
    does not answer within ``CONNECT_TIMEOUT_S`` is an error (exit 7) instead of a wait without end.
    (The lock timeout is set once connected: ``_configure_postgresql``.)"""
    return {} if "connect_timeout" in query else {"connect_timeout": CONNECT_TIMEOUT_S}


@dataclass(frozen=True)
class Sessions:
    """Session factories: ``reads`` for queries, ``writes`` for units of work that change data."""

    engine: Engine
    reads: sessionmaker[Session]
    writes: sessionmaker[Session]
    # Given to every new session as its ``info``: the audit chain's MAC key, station and clock.
    info: dict[str, Any]


def make_sessions(engine: Engine, audit_mac_key: bytes | None = None) -> Sessions:
    """``audit_mac_key`` (app/audit.py) rides in every session's ``info``: the chain's writers MAC
    their events with it."""
    writer = engine.execution_options(immediate=True, writer=True)
    info: dict[str, Any] = {"audit_mac_key": audit_mac_key}
    return Sessions(
        engine=engine,
        reads=sessionmaker(bind=engine, expire_on_commit=False, info=info),
        writes=sessionmaker(bind=writer, expire_on_commit=False, info=info),
        info=info,
    )
