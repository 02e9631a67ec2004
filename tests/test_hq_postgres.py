"""HQ on PostgreSQL (issue 18): set up and opened from the data folder or ``OUTPOST_DB_URL``, real column
types, and the same case set, search results and report totals as an HQ on SQLite fed the same
bundles, through the services and through the command line."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app import periods
from app.demo import generate_demo
from app.domain import CaseFilter
from app.errors import RegisterError, ValidationError
from app.register import init_register, open_register
from app.reports import as_json, build_report
from tests.helpers.cli import outpost
from tests.helpers.clock import Clock
from tests.helpers.postgres import PostgresServer
from tests.helpers.registers import PASSWORD, make_hq, new_post, rows
from tests.helpers.sync import Pair, add_cases, enrol_post, export_parts, import_at_hq

# Words officers type: whole words, a prefix, a number with separators, a word no case has.
QUERIES = ("thuoc", "thuoc la", "duong", "vinh xuong", "ca", "bp vx 2026", "cat", "zzzz")
INIT_HQ = ("init", "hq", "--code", "BCH-AG", "--name", "Bộ Chỉ huy", "--admin", "admin")


def _fed_hq(tmp: Path, clock: Clock, db_url: str | None) -> Pair:
    """A post with demo cases and a few of its own, all imported at an HQ (``db_url``: PostgreSQL)."""
    post = new_post(tmp / "post", clock)
    generate_demo(post.ctx, post.admin, cases=150, seed=7)
    hq = make_hq(tmp / "hq", clock=clock, db_url=db_url)
    enrol_post(post, hq, tmp)
    pair = Pair(post, hq, tmp)
    made = add_cases(pair, 4, photos=False)
    post.ctx.cases.submit(post.officer, made[0])
    post.ctx.cases.approve(post.chief, made[0])
    summary = import_at_hq(pair, export_parts(pair, "out"))
    assert summary.rejected == [] and summary.new == 154
    return pair


def _answers(pair: Pair) -> dict[str, Any]:
    """What a user at HQ sees: the cases, the searches and the reports."""
    hq = pair.hq
    listed = hq.ctx.cases.list(hq.admin, limit=1000)
    found = {
        query: [row.number for row in hq.ctx.cases.list(hq.admin, CaseFilter(query=query), limit=1000)]
        for query in QUERIES
    }
    counted = {query: hq.ctx.cases.count(hq.admin, CaseFilter(query=query)) for query in QUERIES}
    reports = {
        name: as_json(build_report(hq.ctx, hq.admin, kind, period))
        for name, kind, period in (
            ("november", "monthly", periods.month(2026, 11)),
            ("year", "annual", periods.year(2026)),
        )
    }
    for report in reports.values():
        report.pop("generated_at", None)
    return {
        "cases": [(row.number, row.status, row.commodities, row.occurred_at) for row in listed],
        "found": found,
        "counted": counted,
        "reports": reports,
    }


@pytest.fixture
def both_hqs(tmp_path: Path, clock: Clock, postgres_url: str) -> Iterator[tuple[Pair, Pair]]:
    on_sqlite = _fed_hq(tmp_path / "sqlite", clock, None)
    on_postgres = _fed_hq(tmp_path / "postgres", clock, postgres_url)
    yield on_sqlite, on_postgres
    for pair in (on_sqlite, on_postgres):
        pair.hq.ctx.close()
        pair.post.ctx.close()


def test_hq_on_postgresql_answers_as_hq_on_sqlite_fed_the_same_bundles(both_hqs: tuple[Pair, Pair]) -> None:
    on_sqlite, on_postgres = both_hqs
    expected, got = _answers(on_sqlite), _answers(on_postgres)
    assert len(expected["cases"]) == 154 and expected["found"]["thuoc"] and not expected["found"]["zzzz"]
    assert got["cases"] == expected["cases"]
    assert got["found"] == expected["found"]
    assert got["counted"] == expected["counted"]
    assert expected["counted"] == {query: len(numbers) for query, numbers in expected["found"].items()}
    assert got["reports"] == expected["reports"]
    assert expected["reports"]["year"]["total"]["cases"] > 0


def test_postgresql_columns_have_real_types(postgres_url: str, tmp_path: Path) -> None:
    hq = make_hq(tmp_path / "hq", db_url=postgres_url)
    with hq.ctx.sessions.reads() as session:
        types = dict(
            session.execute(
                text(
                    "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = 'public'"
                )
            ).all()
        )
    hq.ctx.close()
    assert types["received_bundles.received_at"] == "timestamp with time zone"
    assert types["cases.occurred_at"] == "timestamp with time zone"
    assert types["case_history.replaced_at"] == "timestamp with time zone"
    assert types["goods_lines.base_quantity"] == "numeric"
    assert types["case_search.words"] == "tsvector"
    instants = {name: kind for name, kind in types.items() if name.endswith("_at")}
    assert set(instants.values()) == {"timestamp with time zone"}


def test_the_data_folder_remembers_the_database_but_never_its_password(
    postgres_server: PostgresServer, postgres_url: str, tmp_path: Path
) -> None:
    # The server is thrown away after the run: the role stays (it owns this test's tables until then).
    postgres_server.sql(
        "DO $$ BEGIN CREATE ROLE hq_admin LOGIN SUPERUSER PASSWORD 'mat-khau-csdl'; "
        "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    url = postgres_url.replace("postgres@", "hq_admin:mat-khau-csdl@")
    hq = make_hq(tmp_path / "hq", db_url=url)
    hq.ctx.close()
    recorded = (tmp_path / "hq" / "database.url").read_text()
    assert "hq_admin@" in recorded and "mat-khau-csdl" not in recorded
    assert not (tmp_path / "hq" / "register.sqlite").exists()
    # Opened again from the folder alone (trust here; a real server takes PGPASSWORD or OUTPOST_DB_URL).
    again = open_register(tmp_path / "hq")
    assert again.kind == "hq" and again.sessions.engine.dialect.name == "postgresql"
    again.close()
    with pytest.raises(RegisterError, match="already exists"):
        make_hq(tmp_path / "hq", db_url=url)


def test_a_post_keeps_its_register_file(postgres_url: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="--db-url"):
        init_register(tmp_path / "post", kind="post", code="BP-VX", name="Đồn", admin_username="admin",
                      admin_password=PASSWORD, db_url=postgres_url)


def test_an_unreachable_or_refusing_database_is_an_error_a_person_can_act_on(
    postgres_server: PostgresServer, postgres_url: str, tmp_path: Path
) -> None:
    from tests.helpers.servers import free_port

    url = f"postgresql://postgres@127.0.0.1:{free_port()}/outpost"
    done = outpost(tmp_path / "hq", *INIT_HQ, env={"OUTPOST_DB_URL": url})
    assert done.returncode == 7, done.stderr
    assert "could not connect to the database" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "hq").exists()  # "nothing was changed": no folders left behind either
    # A user who may not create tables in the database (PostgreSQL 15's default for all but its owner).
    postgres_server.sql(
        "DO $$ BEGIN CREATE ROLE clerk LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    clerk = postgres_url.replace("postgres@", "clerk@")
    refused = outpost(tmp_path / "hq2", *INIT_HQ, env={"OUTPOST_DB_URL": clerk})
    assert refused.returncode == 7, refused.stderr
    assert "the database refused: permission denied for schema public" in refused.stderr
    assert not (tmp_path / "hq2").exists()
    # A database that holds a register already: refused, and a folder that existed keeps what it had.
    make_hq(tmp_path / "first", db_url=postgres_url).ctx.close()
    (tmp_path / "hq3").mkdir()
    (tmp_path / "hq3" / "notes.txt").write_text("kept")
    again = outpost(tmp_path / "hq3", *INIT_HQ, env={"OUTPOST_DB_URL": postgres_url})
    assert again.returncode == 7 and "already holds a register" in again.stderr, again.stderr
    assert sorted(p.name for p in (tmp_path / "hq3").iterdir()) == ["notes.txt"]


def test_backup_at_a_postgresql_hq_is_a_pg_dump_archive(
    postgres_server: PostgresServer, postgres_url: str, tmp_path: Path
) -> None:
    hq = make_hq(tmp_path / "hq", db_url=postgres_url)
    hq.ctx.close()
    done = outpost(tmp_path / "hq", "--json", "backup")
    assert done.returncode == 0, done.stderr
    archive = Path(json.loads(done.stdout)["backup"])
    assert archive.parent == tmp_path / "hq" / "backups" and archive.suffix == ".dump"
    assert archive.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert archive.stat().st_mode & 0o777 == 0o600 and json.loads(done.stdout)["encrypted"] is False
    # Said as it is: the database alone, in clear; the data folder's keys and attachments are not in it.
    copy = outpost(tmp_path / "hq", "backup", "--out", str(tmp_path / "copy.dump"))
    assert copy.returncode == 0, copy.stderr
    assert "attachments" not in copy.stdout.split("It does not hold")[0] and "keys/" in copy.stdout
    assert "Outpost does not encrypt it" in copy.stdout
    assert (tmp_path / "copy.dump").stat().st_mode & 0o777 == 0o600
    stick = tmp_path / "stick"
    stick.mkdir()
    inside = outpost(tmp_path / "hq", "--json", "backup", "--out", str(stick))
    assert inside.returncode == 0, inside.stderr
    dumped = Path(json.loads(inside.stdout)["backup"])
    assert dumped.parent == stick and dumped.suffix == ".dump" and dumped.read_bytes()[:5] == b"PGDMP"
    listed = subprocess.run([str(postgres_server.bindir / "pg_restore"), "--list", str(archive)],
                            capture_output=True, text=True, check=False)
    assert listed.returncode == 0, listed.stderr
    assert "TABLE public cases" in listed.stdout and "TABLE DATA public audit_events" in listed.stdout
    restore = outpost(tmp_path / "hq", "restore", str(archive))
    assert restore.returncode == 7 and "pg_restore --clean" in restore.stderr


def test_without_pg_dump_backup_says_how(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.register import backup_register
    from db import pgdump

    hq = make_hq(tmp_path / "hq", db_url=postgres_url)
    monkeypatch.setattr(pgdump, "pg_dump_program", lambda: None)  # as on a computer without it
    with pytest.raises(RegisterError, match="apt-get install postgresql-client"):
        backup_register(hq.ctx)
    hq.ctx.close()
    assert list((tmp_path / "hq" / "backups").iterdir()) == []


def test_every_migration_runs_down_and_up_on_postgresql_with_a_pg_dump_first(
    postgres_url: str, tmp_path: Path
) -> None:
    """The dialect branches of every migration, both ways; opening a register of an older schema backs it
    up with pg_dump before upgrading it, as an SQLite register is copied first."""
    from alembic import command

    from db import migrate

    hq = make_hq(tmp_path / "hq", db_url=postgres_url)
    engine = hq.ctx.sessions.engine
    config = migrate._config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0007")
        assert _scalar(conn, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'report_%'") == 0
    hq.ctx.close()
    again = open_register(tmp_path / "hq")  # upgrades 0007 -> head
    again.close()
    backups = list((tmp_path / "hq" / "backups").glob("before-upgrade-0007-*.dump"))
    assert len(backups) == 1 and backups[0].read_bytes()[:5] == b"PGDMP"
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        # 0008's row triggers (updates and deletes since 0020) and 0020's statement triggers on inserts.
        names = conn.execute(text("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'report_%'")).scalars()
        assert sorted(names) == [
            "report_case_changed", "report_cases_added", "report_line_changed", "report_lines_added"]
        command.downgrade(config, "base")
        tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
        assert list(tables) == ["alembic_version"]
        command.upgrade(config, "head")
    engine.dispose()


def _scalar(conn: Any, sql: str) -> Any:
    """The one value a query gives."""
    return conn.execute(text(sql)).scalar_one()


def test_while_an_import_writes_a_report_at_a_postgresql_hq_counts_from_the_cases(
    tmp_path: Path, clock: Clock, postgres_url: str
) -> None:
    """Storing tallies waits for no writer of cases (as on SQLite): the report counts instead, with the
    same figures, and stores them once the writer is done."""
    import psycopg
    from sqlalchemy import make_url

    pair = _fed_hq(tmp_path, clock, postgres_url)
    hq = pair.hq
    year = periods.year(2026)

    def stored() -> int:
        return len(rows(hq.ctx, "SELECT origin, half FROM report_halves"))

    url = make_url(postgres_url)
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database) as other:
        # An import under way: its transaction has written to the cases and not committed.
        other.execute("UPDATE cases SET version = version WHERE id = 'none'")
        locked = as_json(build_report(hq.ctx, hq.admin, "annual", year))
        assert stored() == 0
        other.rollback()
    free = as_json(build_report(hq.ctx, hq.admin, "annual", year))
    assert stored() > 0
    assert locked["total"] == free["total"] and locked["commodities"] == free["commodities"]
    assert locked["total"]["cases"] > 0
    hq.ctx.close()
    pair.post.ctx.close()


def test_the_report_store_on_postgresql_keeps_the_registers_own_days(
    postgres_url: str, tmp_path: Path
) -> None:
    """16:30 UTC on 14/11 is already the 15th in Tokyo (UTC+9): the second half of November there,
    the first in Vietnam. The function the report store's triggers use must read the register's offset."""
    half = "SELECT outpost_report_half(CAST('2026-11-14 16:30:00+00' AS timestamptz))"
    tokyo = make_hq(tmp_path / "tokyo", db_url=postgres_url, time_zone="Asia/Tokyo")
    try:
        assert str(rows(tokyo.ctx, half)[0][0]) == "2026-11-15"
        assert str(rows(tokyo.ctx, "SELECT value FROM meta WHERE key = 'utc_offset_min'")[0][0]) == "540"
        with tokyo.ctx.sessions.writes.begin() as session:  # the default, as a register from before 0009
            session.execute(text("UPDATE meta SET value = '420' WHERE key = 'utc_offset_min'"))
        assert str(rows(tokyo.ctx, half)[0][0]) == "2026-11-01"
    finally:
        tokyo.ctx.close()


def test_a_database_url_never_opens_in_place_of_a_folders_own_register(
    postgres_url: str, tmp_path: Path
) -> None:
    """``OUTPOST_DB_URL`` exported for HQ's work, then a command run on a post's folder (or a folder that
    is no register at all): refused naming the folder, instead of reading and writing HQ's database."""
    make_hq(tmp_path / "hq", db_url=postgres_url).ctx.close()
    new_post(tmp_path / "post").ctx.close()
    hq_env = {"OUTPOST_DB_URL": postgres_url}
    added = outpost(tmp_path / "post", "case", "add", "docs/examples/case.json", env=hq_env)
    assert added.returncode == 7 and "holds its own register (an SQLite file)" in added.stderr, added.stderr
    assert str(tmp_path / "post") in added.stderr and "Traceback" not in added.stderr
    elsewhere = outpost(tmp_path / "nothing-here", "case", "list", env=hq_env)
    assert elsewhere.returncode == 7 and "there is no register in" in elsewhere.stderr, elsewhere.stderr
    assert "init hq --db-url" in elsewhere.stderr
    with pytest.raises(RegisterError, match="there is no register in"):
        open_register(tmp_path / "nothing-here", db_url=postgres_url)
    hq = open_register(tmp_path / "hq")
    assert rows(hq, "SELECT count(*) FROM cases") == [(0,)]  # nothing was written there
    hq.close()
    # The folder's own database, through the URL (its password), still opens; libpq's short form too.
    short = postgres_url.replace("postgresql+psycopg://", "postgres://")
    listed = outpost(tmp_path / "hq", "case", "list", env={"OUTPOST_DB_URL": short})
    assert listed.returncode == 0, listed.stderr
    # Another name for the same machine is the same database: only another one is refused.
    same = outpost(tmp_path / "hq", "case", "list",
                   env={"OUTPOST_DB_URL": postgres_url.replace("127.0.0.1", "localhost")})
    assert same.returncode == 0, same.stderr


def test_init_hq_wants_an_empty_database_and_a_url_that_reads_as_one(
    postgres_server: PostgresServer, postgres_url: str, tmp_path: Path
) -> None:
    database = postgres_url.rsplit("/", 1)[1]
    postgres_server.sql("CREATE TABLE stuff (x int); CREATE TABLE users (y int)", database)
    done = outpost(tmp_path / "hq", *INIT_HQ, env={"OUTPOST_DB_URL": postgres_url})
    assert done.returncode == 7, done.stderr
    assert f"the database {database} is not empty (it holds the tables stuff, users)" in done.stderr
    assert "createdb" in done.stderr and not (tmp_path / "hq").exists()
    assert "stuff" in rows_of(postgres_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    garbage = outpost(tmp_path / "hq", *INIT_HQ, env={"OUTPOST_DB_URL": "not a url:secret@place"})
    assert garbage.returncode == 7 and "'***@place' is not a database URL" in garbage.stderr, garbage.stderr
    assert "secret" not in garbage.stderr


def rows_of(url: str, sql: str) -> list[str]:
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        return [str(row[0]) for row in conn.execute(sql)]  # type: ignore[arg-type]


def test_a_table_locked_by_another_program_is_busy_not_a_silent_wait(
    postgres_url: str, tmp_path: Path
) -> None:
    """Another session holding a lock on ``cases`` (a DBA's ``LOCK TABLE``): a command waits at most
    ``BUSY_TIMEOUT_MS`` and says the register is busy (exit 7), instead of waiting without a word."""
    import threading

    import psycopg

    from db.engine import _postgresql_connect_args

    assert _postgresql_connect_args({}) == {"connect_timeout": 10}
    assert _postgresql_connect_args({"connect_timeout": "3"}) == {}
    hq = make_hq(tmp_path / "hq", db_url=postgres_url)
    assert rows(hq.ctx, "SHOW lock_timeout") == [("10s",)]  # every connection, not only a writer's
    hq.ctx.close()
    holder = psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://"))
    holder.execute("LOCK TABLE cases IN ACCESS EXCLUSIVE MODE")
    release = threading.Timer(40, holder.rollback)  # never left waiting if the timeout is lost
    release.start()
    try:
        listed = outpost(tmp_path / "hq", "case", "list", env={"OUTPOST_DB_URL": postgres_url})
    finally:
        release.cancel()
        holder.rollback()
        holder.close()
    assert listed.returncode == 7, listed.stderr
    assert "the register is busy" in listed.stderr and "Traceback" not in listed.stderr


def test_a_server_that_goes_away_under_a_command_is_said_plainly(postgres_url: str, tmp_path: Path) -> None:
    """The server stopped or the network cut during a command: exit 7 with what happened, not exit 70
    (a bug) with a statement of 900 parameters in the log."""
    from sqlalchemy.exc import OperationalError

    from app.server_errors import connection_lost, lost_message, told

    hq = make_hq(tmp_path / "hq", db_url=postgres_url)
    with hq.ctx.sessions.engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        rows_of(postgres_url, f"SELECT pg_terminate_backend({pid})")
        with pytest.raises(OperationalError) as caught:
            conn.exec_driver_sql("SELECT count(*) FROM cases").all()
    assert connection_lost(caught.value) and told(caught.value) == lost_message(caught.value)
    assert lost_message(caught.value).startswith("the connection to the database was lost (")
    assert not connection_lost(ValueError("server closed the connection"))
    assert told(ValueError("server closed the connection")) is None  # a bug stays a bug
    hq.ctx.close()


def test_a_forgotten_password_at_a_postgresql_hq_is_reset_by_an_admin(
    postgres_server: PostgresServer, postgres_url: str, tmp_path: Path
) -> None:
    """HQ on PostgreSQL has no recovery key (its server protects it): set-up and the commands say so
    (exit 7, "not for this kind of register"), and an admin sets another user's forgotten password."""
    other = postgres_server.new_database()
    made = outpost(tmp_path / "hq-cli", *INIT_HQ, env={"OUTPOST_DB_URL": other})
    assert made.returncode == 0, made.stderr
    assert "RECOVERY KEY" not in made.stderr and "has no recovery key" in made.stderr
    postgres_server.drop_database(other)
    hq = make_hq(tmp_path / "hq", db_url=postgres_url)
    hq.ctx.users.add(hq.admin, "phantich", role="analyst", full_name="Lê Phân Tích", password=PASSWORD,
                     actor_password=PASSWORD)
    hq.ctx.close()
    env = {"OUTPOST_DB_URL": postgres_url}
    asked = outpost(tmp_path / "hq", "recovery-key", env=env)
    assert asked.returncode == 7 and "has no recovery key: its database server protects it" in asked.stderr
    with_key = outpost(tmp_path / "hq", "user", "reset-password", "phantich", "--recovery-key", env=env)
    assert with_key.returncode == 7 and "outpost --user ADMIN user reset-password NAME" in with_key.stderr
    new = "mat-khau-moi-2026"
    by_analyst = outpost(tmp_path / "hq", "--user", "phantich", "user", "reset-password", "admin",
                         env={**env, "OUTPOST_NEW_PASSWORD": new})
    assert by_analyst.returncode == 4, by_analyst.stderr  # only an admin
    done = outpost(tmp_path / "hq", "--json", "user", "reset-password", "phantich",
                   env={**env, "OUTPOST_NEW_PASSWORD": new})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"username": "phantich", "by": "admin"}
    listed = outpost(tmp_path / "hq", "--user", "phantich", "case", "list", password=new, env=env)
    assert listed.returncode == 0, listed.stderr
    again = open_register(tmp_path / "hq")
    assert rows(again, "SELECT actor, action FROM audit_events ORDER BY seq DESC LIMIT 1") == [
        ("admin", "reset_password")
    ]
    again.close()


@pytest.mark.parametrize("engine", ["postgresql"])
def test_while_the_writer_thread_writes_the_importing_thread_leaves_the_checks_to_the_helper(
    demo_pair: Any, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    """On PostgreSQL a thread of the importing process writes the checked cases while the rest is checked.
    While it has a batch in hand, the importing thread checks no chunk itself once the helper is ready
    (it waits for the helper's answers instead): checking, it would hold the interpreter each time the
    writer comes back from the server with the next rows to send (``checks.Writes.ELSEWHERE``). Between
    batches it checks as before, and every case is stored."""
    import threading
    import time

    from app.sync import checks, received, store

    pair = demo_pair(240, 11)
    monkeypatch.setattr(checks, "PARALLEL_FROM", 100)
    monkeypatch.setattr(checks.os, "process_cpu_count", lambda: 2, raising=False)  # a helper on any machine
    # Small chunks, one a batch: the helper answers often, and writes of 10 cases begin early.
    monkeypatch.setattr(checks, "CHUNK", 2)
    monkeypatch.setattr(checks, "HELPER_CHUNKS", 1)
    monkeypatch.setattr(store._EarlyCases, "COPY_AT_ONCE", 10)
    helpers: list[Any] = []
    want = checks._Helper.want
    monkeypatch.setattr(checks._Helper, "want", lambda self, n: (helpers.append(self), want(self, n))[1])
    writing = threading.Event()
    insert = store._insert_received_cases
    begun: list[int] = []  # the cases of each write begun, and -1 where the checks end

    def slow(*args: Any) -> Any:
        """A write that keeps the server busy a while, as a large batch at a large HQ does."""
        writing.set()
        begun.append(len(args[2]))
        try:
            time.sleep(0.05)
            return insert(*args)
        finally:
            writing.clear()

    check = received.check_cases
    here: list[tuple[bool, bool]] = []  # each chunk checked here: a write in hand, the helper at work

    def watched(*args: Any) -> Any:
        """This process waits for the helper to start, then checks slowly: the helper takes chunks."""
        if not here:
            assert helpers[-1]._conn.poll(60)
        here.append((writing.is_set(), helpers[-1]._ready and not helpers[-1]._gone))
        time.sleep(0.02)
        return check(*args)

    step = checks._Helper.step
    looks: list[tuple[bool, bool]] = []  # each look at a supplied helper during a write: chunks left, waited

    def looked(self: Any, chunks: Any, results: Any, front: int, back: int, now: Any, wait: bool) -> int:
        if writing.is_set() and self.supplied:
            looks.append((front < back, wait))
        return step(self, chunks, results, front, back, now, wait)

    monkeypatch.setattr(store, "_insert_received_cases", slow)
    monkeypatch.setattr(received, "check_cases", watched)
    done = checks._Helper.finish

    def finished(self: Any) -> None:
        begun.append(-1)
        done(self)

    monkeypatch.setattr(checks._Helper, "finish", finished)
    monkeypatch.setattr(checks._Helper, "step", looked)
    assert import_at_hq(pair, [export_parts(pair, "out")[0]]).new == 240
    assert here and not [seen for seen in here if seen == (True, True)], here
    # Nor does it loop without waiting, holding the interpreter: each look at the helper waits for it.
    assert all(wait for _left, wait in looks), looks
    # Not a test of nothing: writes began while chunks were still to be checked, by a helper at work.
    assert sum(begun[: begun.index(-1)]) >= 10 and (True, True) in looks, (begun, looks)
    assert helpers[-1]._ready
    assert pair.hq.ctx.cases.count(pair.hq.admin) == 240
