"""Migrations: a fresh register matches the models; an old one is backed up, then upgraded."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app.register import open_register
from db import migrate
from db.engine import make_engine, sqlite_url
from db.models import Base
from tests.conftest import PASSWORD, Post, sample_case


def test_fresh_schema_matches_the_models(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "r.sqlite"))
    migrate.create(engine)
    assert migrate.current_revision(engine) == migrate.HEAD
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True,
            "include_name": lambda name, type_, parent: not (name or "").startswith("case_search"),
        })
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_register_from_first_migration_is_backed_up_and_upgraded(post: Post) -> None:
    made = post.ctx.cases.create(post.officer, sample_case())
    post.ctx.close()
    # Take the register back to the first migration, as an older Outpost would have left it.
    register = post.ctx.paths.register
    conn = sqlite3.connect(register)
    conn.execute("DROP TABLE case_search")
    conn.execute("DELETE FROM meta WHERE key = 'search_rebuild'")
    conn.execute("UPDATE alembic_version SET version_num = '0001'")
    conn.commit()
    conn.close()

    ctx = open_register(post.data_dir)
    backups = list(post.ctx.paths.backups.glob("before-upgrade-0001-*.sqlite"))
    assert len(backups) == 1
    old = sqlite3.connect(backups[0])
    assert old.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    assert old.execute("SELECT count(*) FROM cases").fetchone() == (1,)
    old.close()
    engine = ctx.sessions.engine
    assert migrate.current_revision(engine) == migrate.HEAD
    actor = ctx.login("officer", PASSWORD)
    # The search index was rebuilt from the cases written before it existed.
    assert [r.id for r in ctx.cases.list(actor, query="thuoc la hero")] == [made.id]
    ctx.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_newer_register_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    engine = make_engine(sqlite_url(path))
    migrate.create(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()
    before = _digest(path)
    with pytest.raises(migrate.SchemaTooNew, match="newer version of Outpost"):
        migrate.precheck_sqlite(path)
    engine = make_engine(sqlite_url(path))
    with pytest.raises(migrate.SchemaTooNew, match="newer version of Outpost"):
        migrate.upgrade(engine, backup_to=lambda: pytest.fail("no backup for a refused register"))
    engine.dispose()
    assert _digest(path) == before


def test_foreign_database_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = _digest(path)
    with pytest.raises(migrate.SchemaError, match="not an Outpost register"):
        migrate.precheck_sqlite(path)
    assert _digest(path) == before
    text_file = tmp_path / "notes.sqlite"
    text_file.write_text("not a database")
    with pytest.raises(migrate.SchemaError, match="not an SQLite database"):
        migrate.precheck_sqlite(text_file)


def test_online_backup_includes_data_still_in_the_wal(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite"
    writer = sqlite3.connect(live)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("CREATE TABLE t (v TEXT)")
    writer.execute("INSERT INTO t VALUES ('in the wal')")
    writer.commit()
    copy = migrate.backup_sqlite(live, tmp_path / "copy.sqlite")
    writer.close()
    check = sqlite3.connect(copy)
    assert check.execute("SELECT v FROM t").fetchall() == [("in the wal",)]
    check.close()
    assert not list(tmp_path.glob(".*partial"))
