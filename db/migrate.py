"""Schema migrations: create a register, upgrade an older one (after a backup), refuse a newer one.

Alembic runs the migrations, but it is only imported when one runs: opening a register of the current
schema, which every command does, only needs the chain of revisions, read here from the migration
files' own ``revision`` and ``down_revision`` lines, and the register's version row. Importing Alembic
took a third of every command's start (docs/performance.md, "Start-up")."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from db import cipher
from db.files import fsync_folder

if TYPE_CHECKING:
    from alembic.config import Config


class SchemaError(Exception):
    """The database cannot be opened as a register of this version. Nothing was changed."""


class SchemaTooNew(SchemaError):
    """The register was written by a newer Outpost, with a schema this version does not know."""


def migrations_dir() -> Path:
    """Beside this module, in a checkout and in the frozen app alike (shipped as data there)."""
    return Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    return config


# ``revision = "0012"`` and ``down_revision = "0011"`` (or None) at the start of a line, as every
# migration file in db/migrations/versions sets them.
_ASSIGNMENT = re.compile(
    r"""^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(?:None|["']([^"'\n]+)["'])\s*(?:#.*)?$""", re.M
)


def revision_chain(folder: Path | None = None) -> dict[str, str | None]:
    """Each migration's revision and the one it follows, from the files in ``folder`` (the shipped
    migrations by default). Raises SchemaError if a file does not say both, or the chain branches."""
    chain: dict[str, str | None] = {}
    for path in sorted((folder or migrations_dir() / "versions").glob("*.py")):
        found = {m.group(1): m.group(2) for m in _ASSIGNMENT.finditer(path.read_text(encoding="utf-8"))}
        if "revision" not in found or "down_revision" not in found or found["revision"] is None:
            raise SchemaError(f"the migration {path.name} does not name its revision and the one before it")
        chain[found["revision"]] = found["down_revision"]
    followed = [before for before in chain.values() if before is not None]
    if len(set(followed)) != len(followed) or sum(before is None for before in chain.values()) != 1:
        raise SchemaError("the shipped migrations do not form one chain")
    return chain


def known_revisions() -> frozenset[str]:
    return frozenset(_CHAIN)


def _head(chain: dict[str, str | None]) -> str:
    followed = set(chain.values())
    heads = [revision for revision in chain if revision not in followed]
    if len(heads) != 1:
        raise SchemaError("the shipped migrations do not form one chain")
    return heads[0]


_CHAIN = revision_chain()
HEAD: str = _head(_CHAIN)


def current_revision(engine: Engine) -> str | None:
    """The register's schema version (Alembic's version table), None for an empty database."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        try:
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        except DBAPIError:
            return None
        return None if row is None else str(row[0])


def precheck_sqlite(path: Path, key: bytes | None = None) -> str:
    """Read a register file without changing a byte; refuse what this version must not open.

    Opening through the engine switches the file to WAL mode, which rewrites its header: a
    foreign or newer file must be refused before that happens. ``key`` opens an encrypted one."""
    if key is None:
        with path.open("rb") as handle:
            if handle.read(16) != cipher.PLAIN_HEADER:
                raise SchemaError(
                    f"{path} is not an Outpost register (not an SQLite database); nothing was changed"
                )
    conn = cipher.connect(path, key, read_only=True)
    try:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except cipher.DatabaseError as exc:
            if key is not None and "not a database" in str(exc):
                raise SchemaError(
                    f"{path} does not open with this register's key (is it another register's file?); "
                    "nothing was changed"
                ) from None
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
    """Run the migrations to ``target`` in one transaction (SQLite DDL is transactional too).

    On SQLite, foreign keys are not enforced while the migrations run: batch mode rebuilds a
    table by copying it and dropping the old one, which enforcement would refuse (or cascade)
    for a table other rows refer to. They are checked once before the commit instead."""
    from alembic import command

    config = _config()
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(conn, enforce=False)
        try:
            with conn.begin():
                config.attributes["connection"] = conn
                command.upgrade(config, target)
                if sqlite:
                    _check_foreign_keys(conn)
        finally:
            if sqlite:
                _sqlite_foreign_keys(conn, enforce=True)


def _sqlite_foreign_keys(conn: Connection, *, enforce: bool) -> None:
    # The pragma is ignored inside a transaction, so it goes to the driver before SQLAlchemy
    # begins one (its begin event would wrap anything sent through ``conn.execute``).
    driver: Any = conn.connection.driver_connection
    driver.execute(f"PRAGMA foreign_keys = {'ON' if enforce else 'OFF'}")


def _check_foreign_keys(conn: Connection) -> None:
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = ", ".join(sorted({str(row[0]) for row in broken}))
        raise SchemaError(f"the migrated register has {len(broken)} broken reference(s) in: {tables}")


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
    try:
        backup = backup_to() if backup_to is not None else None
    except SchemaError:
        raise
    except Exception as exc:
        raise SchemaError(
            f"could not back up the register before upgrading it from schema {revision} ({exc}); "
            "it was not upgraded and nothing was changed"
        ) from exc
    try:
        _run_upgrade(engine, "head")
    except Exception as exc:
        where = f"; the register as it was is saved in {backup}" if backup else ""
        raise SchemaError(f"upgrading the register from schema {revision} failed: {exc}{where}") from exc
    return backup


def backup_sqlite(source: Path | Engine, dest: Path, key: bytes | None = None) -> Path:
    """Consistent copy of a live SQLite file (online backup API), written atomically and private.

    With ``key`` the register is encrypted and so is the copy, under the same key.

    ``source`` is the register file or an engine on it. The copy includes what other connections
    have committed to the write-ahead log; it is written beside ``dest``, flushed to disk, then
    renamed over it, so ``dest`` is either the old file or the complete copy."""
    path = _sqlite_file(source) if isinstance(source, Engine) else source
    tmp = dest.with_name(f".{dest.name}.partial")
    src = cipher.connect(path, key, read_only=True)
    try:
        out = cipher.connect(tmp, key)
        try:
            src.backup(out)
        finally:
            out.close()
        os.chmod(tmp, 0o600)
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        tmp.replace(dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    fsync_folder(dest.parent)
    return dest


def _sqlite_file(engine: Engine) -> Path:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        raise ValueError(f"only a file-based SQLite database can be backed up this way, not {engine.url!r}")
    return Path(database)


def read_only_uri(path: Path) -> str:
    """A read-only SQLite URI; the path is percent-encoded so '#', '?' or '%' in it stay in the path.

    (In ``f"file:{path}?mode=ro"``, a '#' or '?' in a folder name would cut the path short and drop
    the read-only mode: SQLite would create and read an empty database elsewhere.)"""
    return f"{path.resolve().as_uri()}?mode=ro"
