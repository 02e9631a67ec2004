"""Migrations: a fresh register matches the models; an old one is backed up, then upgraded."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import alembic.command
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from app import audit
from app.domain import CaseFilter
from app.errors import RegisterError
from app.register import open_register
from db import cipher, migrate
from db.engine import make_engine, sqlite_url
from db.models import Base
from tests.helpers.cases import sample_case
from tests.helpers.registers import (
    PASSWORD,
    Post,
    as_first_schema,
    back_to_unkeyed_chain,
    before_reviewed_watch_list,
    open_sqlite,
)


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
    as_first_schema(post.ctx.paths.register)  # as an older Outpost would have left it

    ctx = open_register(post.data_dir, key=post.ctx.key)
    backups = list(post.ctx.paths.backups.glob("before-upgrade-0001-*.sqlite"))
    assert len(backups) == 1 and not cipher.is_plain(backups[0])  # encrypted like the register
    old = open_sqlite(backups[0])
    assert old.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    assert old.execute("SELECT count(*) FROM cases").fetchone() == (1,)
    old.close()
    engine = ctx.sessions.engine
    assert migrate.current_revision(engine) == migrate.HEAD
    actor = ctx.login("officer", PASSWORD)
    # The search index was rebuilt from the cases written before it existed.
    assert [r.id for r in ctx.cases.list(actor, CaseFilter(query="thuoc la hero"))] == [made.id]
    # The old chain was checked, then re-chained with MACs; the bookkeeping rows sealed as they were.
    with engine.connect() as conn2:
        report = audit.verify(conn2, register_key=ctx.key)
    assert report.ok, report.problems
    assert engine.dialect.name == "sqlite"
    with engine.connect() as conn2:
        assert conn2.exec_driver_sql("SELECT count(*) FROM audit_events WHERE mac IS NULL").scalar() == 0
    ctx.close()


def test_an_unkeyed_chain_that_was_tampered_with_is_not_rechained(post: Post) -> None:
    made = post.ctx.cases.create(post.officer, sample_case())
    post.ctx.close()
    conn = open_sqlite(post.ctx.paths.register)
    back_to_unkeyed_chain(conn)
    conn.execute("UPDATE alembic_version SET version_num = '0009'")
    conn.execute("UPDATE audit_events SET actor = 'chief' WHERE entity_id = ?", (made.id,))
    conn.commit()
    conn.close()
    with pytest.raises(RegisterError, match="audit chain is broken at event"):
        open_register(post.data_dir, key=post.ctx.key)
    conn = open_sqlite(post.ctx.paths.register)
    assert conn.execute("SELECT count(*) FROM audit_events WHERE actor = 'chief'").fetchone() == (1,)
    conn.close()


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


NOW = "2026-11-20T16:40:00.000000Z"


def _first_schema_register(path: Path) -> sa.Engine:
    """A register as the first release left it (schema 0001), holding one station and one case."""
    engine = make_engine(sqlite_url(path))
    migrate.create(engine, "0001")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO stations (id, code, name, force, kind, header_lines, created_at, version) "
            f"VALUES ('s1', 'BP-VX', 'Đồn Biên phòng Vĩnh Xương', 'border_guard', 'post', '[]', '{NOW}', 1)"
        )
        conn.exec_driver_sql(
            "INSERT INTO cases (id, origin, number, year, seq, status, occurred_at, utc_offset_min, place, "
            "violation_group, violation, ownerless, lead_force, cooperating_forces, summary, created_by, "
            "created_at, updated_by, updated_at, version, change_seq) "
            "VALUES ('c1', 's1', 'BP-VX/2026/00001', 2026, 1, 'draft', "
            f"'{NOW}', 420, 'Mốc 264', 'prohibited_smuggled', 'Thuốc lá', 0, 'border_guard', '[]', '', "
            f"'officer', '{NOW}', 'officer', '{NOW}', 1, 1)"
        )
    return engine


def _revision_of(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    finally:
        conn.close()


def test_first_schema_is_backed_up_before_it_is_upgraded(tmp_path: Path) -> None:
    live = tmp_path / "r.sqlite"
    engine = _first_schema_register(live)
    backup = tmp_path / "before.sqlite"
    seen_at_backup: list[str | None] = []

    def backup_to() -> Path:
        seen_at_backup.append(migrate.current_revision(engine))
        return migrate.backup_sqlite(live, backup)

    assert migrate.upgrade(engine, backup_to=backup_to) == backup
    assert seen_at_backup == ["0001"]
    assert _revision_of(backup) == "0001"
    assert migrate.current_revision(engine) == migrate.HEAD
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT number FROM cases").all() == [("BP-VX/2026/00001",)]
        assert conn.exec_driver_sql("SELECT code FROM stations").all() == [("BP-VX",)]
        assert conn.exec_driver_sql("SELECT count(*) FROM case_search").scalar() == 0
        assert conn.exec_driver_sql("SELECT value FROM meta WHERE key = 'search_rebuild'").scalar() == "1"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    # Upgraded once: a second start-up changes nothing and makes no backup.
    assert migrate.upgrade(engine, backup_to=lambda: pytest.fail("already at the newest schema")) is None
    engine.dispose()


def test_failed_upgrade_leaves_the_register_as_it_was_and_names_the_backup(tmp_path: Path) -> None:
    live = tmp_path / "r.sqlite"
    engine = _first_schema_register(live)
    with engine.begin() as conn:  # makes migration 0002 fail half-way, after its CREATE TABLE
        conn.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON meta BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
        )
    backup = tmp_path / "before.sqlite"
    with pytest.raises(migrate.SchemaError) as raised:
        migrate.upgrade(engine, backup_to=lambda: migrate.backup_sqlite(live, backup))
    message = str(raised.value)
    assert "schema 0001" in message and "disk on fire" in message and str(backup) in message
    assert migrate.current_revision(engine) == "0001"
    assert "case_search" not in sa.inspect(engine).get_table_names()
    engine.dispose()
    assert _revision_of(backup) == "0001"


def test_no_upgrade_without_a_backup(tmp_path: Path) -> None:
    engine = _first_schema_register(tmp_path / "r.sqlite")

    def backup_to() -> Path:
        raise OSError(28, "No space left on device")

    with pytest.raises(migrate.SchemaError, match="could not back up .* schema 0001 .*No space left"):
        migrate.upgrade(engine, backup_to=backup_to)
    assert migrate.current_revision(engine) == "0001"
    engine.dispose()


def _migrate_with(monkeypatch: pytest.MonkeyPatch, step: Callable[[sa.Connection], None]) -> None:
    """Stand in for the migration scripts: ``step`` runs on the connection the migrations get."""

    def fake_upgrade(config: Config, target: str) -> None:
        step(config.attributes["connection"])

    monkeypatch.setattr(alembic.command, "upgrade", fake_upgrade)


def test_a_migration_may_rebuild_a_table_other_rows_refer_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Batch mode copies "stations", drops the old table and renames the copy: with foreign keys
    # enforced, dropping a table that cases refer to fails, so a later migration would too.
    engine = _first_schema_register(tmp_path / "r.sqlite")

    def rebuild_stations(conn: sa.Connection) -> None:
        operations = Operations(MigrationContext.configure(conn, opts={"render_as_batch": True}))
        with operations.batch_alter_table("stations", recreate="always") as batch:
            batch.add_column(sa.Column("motto", sa.Text()))

    _migrate_with(monkeypatch, rebuild_stations)
    migrate.upgrade(engine, backup_to=None)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM cases").scalar() == 1
        assert conn.exec_driver_sql("SELECT code, motto FROM stations").all() == [("BP-VX", None)]
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_a_migration_that_breaks_references_is_rolled_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _first_schema_register(tmp_path / "r.sqlite")

    def orphan_the_case(conn: sa.Connection) -> None:
        conn.exec_driver_sql("UPDATE stations SET id = 's2'")

    _migrate_with(monkeypatch, orphan_the_case)
    with pytest.raises(migrate.SchemaError, match="broken reference.*cases"):
        migrate.upgrade(engine, backup_to=None)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT id FROM stations").all() == [("s1",)]
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_foreign_wal_database_is_refused_by_upgrade_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = _digest(path)
    engine = make_engine(sqlite_url(path))
    with pytest.raises(migrate.SchemaError, match="not an Outpost register"):
        migrate.upgrade(engine, backup_to=lambda: pytest.fail("no backup for a foreign database"))
    engine.dispose()
    assert _digest(path) == before


@pytest.mark.parametrize("folder", ["post #2", "what?", "100% sure"])
def test_precheck_and_backup_read_the_named_file_whatever_its_folder(tmp_path: Path, folder: str) -> None:
    # Built with plain sqlite3: db.engine.sqlite_url does not escape such names either.
    (tmp_path / folder).mkdir()
    path = tmp_path / folder / "r.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    conn.execute("INSERT INTO alembic_version VALUES ('0001')")
    conn.commit()
    conn.close()
    assert migrate.precheck_sqlite(path) == "0001"
    copy = migrate.backup_sqlite(path, tmp_path / folder / "copy.sqlite")
    assert _revision_of(copy) == "0001"
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder]  # no stray database beside it


def test_backup_from_an_engine(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path / "r.sqlite"))
    migrate.create(engine)
    copy = migrate.backup_sqlite(engine, tmp_path / "copy.sqlite")
    engine.dispose()
    assert _revision_of(copy) == migrate.HEAD
    with pytest.raises(ValueError, match="file-based SQLite"):
        migrate.backup_sqlite(make_engine("sqlite://"), tmp_path / "memory.sqlite")


def test_schema_snapshot_matches_the_migrations() -> None:
    """db/migrations/schema_head.json (what every register is compared with at open) is what the
    migrations create: after a new migration, run scripts/schema_snapshot.py."""
    from db import schema

    assert schema.expected_schema() == schema.built_schema()


def test_a_register_from_0010_keeps_its_watch_list_and_gains_the_review_table(post: Post) -> None:
    post.ctx.close()
    conn = open_sqlite(post.ctx.paths.register)
    before_reviewed_watch_list(conn)
    conn.execute("INSERT INTO watch_entries (kind, key, label, stations, cases, last_seen, received_at) "
                 "VALUES ('vehicle', '67H120413', '67H1-204.13', 2, 3, NULL, '2026-11-20T01:00:00.000000Z')")
    conn.execute("UPDATE alembic_version SET version_num = '0010'")
    conn.commit()
    conn.close()
    ctx = open_register(post.data_dir, key=post.ctx.key)
    assert migrate.current_revision(ctx.sessions.engine) == migrate.HEAD
    with ctx.sessions.engine.connect() as conn2:
        held = conn2.exec_driver_sql("SELECT key, posts, case_numbers, reason FROM watch_entries").all()
        assert held == [("67H120413", "[]", "[]", "")]  # no reasons yet: the next return bundle brings them
        assert conn2.exec_driver_sql("SELECT count(*) FROM watch_reviews").scalar() == 0
    ctx.close()


def test_the_revision_chain_read_from_the_files_is_alembics(tmp_path: Path) -> None:
    """Opening a register reads the chain without Alembic (db/migrate.py): it must be Alembic's own."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate._config())
    assert migrate.HEAD == script.get_current_head()
    assert migrate.revision_chain() == {rev.revision: rev.down_revision for rev in script.walk_revisions()}
    # A file that does not say which revision it follows, or a second branch, is refused.
    folder = tmp_path / "versions"
    folder.mkdir()
    (folder / "0001_a.py").write_text('revision = "0001"\ndown_revision = None\n')
    (folder / "0002_b.py").write_text('revision = "0002"\ndown_revision = "0001"\n')
    assert migrate.revision_chain(folder) == {"0001": None, "0002": "0001"}
    (folder / "0003_c.py").write_text('revision = "0003"\ndown_revision = "0001"\n')
    with pytest.raises(migrate.SchemaError, match="one chain"):
        migrate.revision_chain(folder)
    (folder / "0003_c.py").write_text('revision = "0003"\n')
    with pytest.raises(migrate.SchemaError, match="0003_c.py"):
        migrate.revision_chain(folder)
