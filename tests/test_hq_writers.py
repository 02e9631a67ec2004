"""Two programs writing to HQ's register at once: one at a time, as SQLite's write lock gives.

Why: every write that appends to the audit chain reads its head first. On PostgreSQL nothing made a
second writer wait, so two imports run at once chained their events from the same head, and
``audit verify`` then reported a chain broken by tampering that never happened; two imports of the
same bundle both found it new and one failed on a duplicate key. Writers now take one advisory lock
first (``db.engine._configure_postgresql``), and a writer that waits too long is told the register is
busy, in words, on either engine."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app import audit
from cli.main import main
from db import engine as db_engine
from tests.helpers.registers import PASSWORD, Post, make_hq
from tests.helpers.sync import PASSPHRASE, Pair, add_cases, enrol_post, export_parts, import_at_hq


def _waiting_writers(pair: Pair) -> int:
    """Transactions of HQ's database waiting for an advisory lock."""
    with pair.hq.ctx.sessions.reads() as session:
        query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        return int(session.execute(text(query)).scalar_one())


def test_an_import_waits_for_the_writer_before_it_and_chains_after_it(
    post: Post, tmp_path: Path, postgres_url: str
) -> None:
    hq = make_hq(tmp_path / "hq", db_url=postgres_url)
    enrol_post(post, hq, tmp_path)
    pair = Pair(post, hq, tmp_path)
    add_cases(pair, 3, photos=False)
    files = export_parts(pair, "usb")
    done: list[Any] = []
    importer = threading.Thread(target=lambda: done.append(import_at_hq(pair, files)))
    with hq.ctx.sessions.writes.begin() as session:
        session.connection()  # the writer lock is taken as the transaction begins
        before = session.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
        importer.start()
        deadline = time.monotonic() + 60
        while _waiting_writers(pair) == 0:  # the import's transaction queues behind this one
            assert time.monotonic() < deadline, "the import did not wait for the writer before it"
            time.sleep(0.05)
        assert not done
    importer.join(120)
    assert done and done[0].new == 3 and done[0].rejected == []
    with hq.ctx.sessions.reads() as session:
        after = session.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
        assert after >= before + 3
    _chain_intact(hq)
    # The same bundles again: skipped, not a duplicate key.
    again = import_at_hq(pair, files)
    assert (again.new, again.rejected) == (0, [])
    hq.ctx.close()


@pytest.mark.both_engines
def test_a_writer_kept_waiting_too_long_is_told_the_register_is_busy(
    pair: Pair, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_cases(pair, 2, photos=False)
    files = export_parts(pair, "usb")
    monkeypatch.setattr(db_engine, "BUSY_TIMEOUT_MS", 300)
    monkeypatch.setenv("OUTPOST_PASSWORD", PASSWORD)
    monkeypatch.setenv("OUTPOST_KEY_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("OUTPOST_ARGON2_PROFILE", "test")
    with pair.hq.ctx.sessions.writes.begin() as session:
        session.connection()  # holds the write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: the advisory lock)
        code = main(["--data-dir", str(pair.hq.data_dir), "--user", "admin", "import", *map(str, files)])
    err = capsys.readouterr().err
    assert code == 7, err
    assert "the register is busy: another program is writing to it" in err and "unexpected" not in err
    assert import_at_hq(pair, files).new == 2  # nothing of the refused attempt stayed
    _chain_intact(pair.hq)


def _chain_intact(hq: Post) -> None:
    with hq.ctx.sessions.reads() as session:
        assert audit.verify(session.connection(), register_key=hq.ctx.key).problems == []
