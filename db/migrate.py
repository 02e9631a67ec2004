"""Schema migrations: create a register, upgrade an older one (after a backup), refuse a newer one."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect


class SchemaError(Exception):
    """The database cannot be opened as a register of this version. Nothing was changed."""


class SchemaTooNew(SchemaError):
    pass


def migrations_dir() -> Path:
    """Beside this module, in a checkout and in the frozen app alike (shipped as data there)."""
    return Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    return config


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def known_revisions() -> frozenset[str]:
    return frozenset(rev.revision for rev in _script().walk_revisions())


HEAD: str = _script().get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def precheck_sqlite(path: Path) -> str:
    """Read a register file without changing a byte; refuse what this version must not open.

    Opening through the engine switches the file to WAL mode, which rewrites its header: a
    foreign or newer file must be refused before that happens."""
    with path.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise SchemaError(
                f"{path} is not an Outpost register (not an SQLite database); nothing was changed"
            )
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            row = None
    finally:
        conn.close()
    if row is None:
        raise SchemaError(
            f"{path} is not an Outpost register (it has no schema version); nothing was changed"
        )
    revision = str(row[0])
    if revision not in known_revisions():
        raise SchemaTooNew(_too_new(revision))
    return revision


def _too_new(revision: str) -> str:
    return (
        f"this register was written by a newer version of Outpost (schema {revision}); this "
        f"version knows schemas up to {HEAD}. Nothing was changed. Install the newer version."
    )


def _run_upgrade(engine: Engine, target: str) -> None:
    config = _config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, target)


def create(engine: Engine, target: str = "head") -> None:
    """Bring an empty database to ``target`` (the newest schema by default)."""
    _run_upgrade(engine, target)


def upgrade(engine: Engine, *, backup_to: Callable[[], Path] | None) -> Path | None:
    """Upgrade an older register to the newest schema, calling ``backup_to`` first."""
    revision = current_revision(engine)
    if revision == HEAD:
        return None
    if revision is None:
        tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
        if tables:
            raise SchemaError(
                "this database is not an Outpost register (it has no schema version); nothing was changed"
            )
        raise SchemaError("this database is empty: it is not an Outpost register; nothing was changed")
    if revision not in known_revisions():
        raise SchemaTooNew(_too_new(revision))
    backup = backup_to() if backup_to is not None else None
    try:
        _run_upgrade(engine, "head")
    except Exception as exc:
        where = f"; the register as it was is saved in {backup}" if backup else ""
        raise SchemaError(f"upgrading the register from schema {revision} failed: {exc}{where}") from exc
    return backup


def backup_sqlite(source: Path, dest: Path) -> Path:
    """Consistent copy of a live SQLite file (online backup API), written atomically."""
    tmp = dest.with_name(f".{dest.name}.partial")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        out = sqlite3.connect(tmp)
        try:
            src.backup(out)
        finally:
            out.close()
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        tmp.replace(dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    return dest
