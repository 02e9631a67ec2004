"""HQ's checks of case records, shared with a helper process, and the rows made while checking: the
same refusals and the same stored, sealed, searchable cases as the ORM path.

The tests with an HQ run with HQ on SQLite and on PostgreSQL (``both_engines``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from app.sync import bundle, keys
from tests.helpers.cases import ICT, full_case, sample_case
from tests.helpers.sync import (
    PASSPHRASE,
    Pair,
    export_parts,
    import_at_hq,
    register_snapshot,
    resigned,
)

pytestmark = pytest.mark.both_engines


def test_a_large_import_shares_its_checks_with_a_helper_process(
    demo_pair: Callable[[int, int], Pair], monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    """From ``PARALLEL_FROM`` records on, a helper process checks part of the chunks while the
    importing process checks the others and writes: the same refusals (worded by the importing process,
    in its language) and the same stored, sealed, searchable cases as when one process checks all."""
    import time

    from app import audit, i18n
    from app.domain import CaseFilter
    from app.sync import checks, hq_import, received, store

    pair = demo_pair(240, 11)
    good = export_parts(pair, "out")[0]
    opened = bundle.open_bundle(good, lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    bad = [dict(r) for r in records]
    for index, change in ((2, {"occurred_at": "yesterday"}), (5, {"status": "lost"}), (239, {"version": 0})):
        bad[index] = {**bad[index], "document": {**bad[index]["document"], **change}}
    refused = resigned(pair, good, pair.tmp / "bad.outpost", records=bad)
    i18n.set_language("vi")
    monkeypatch.setattr(checks, "PARALLEL_FROM", 10**9)
    alone = import_at_hq(pair, [refused], dry_run=True).rejected
    assert [r["record"] for r in alone] == ["3", "6", "240"], alone
    assert all(r["reason"].startswith(f"bản ghi {r['record']}: ") for r in alone), alone

    monkeypatch.setattr(checks, "PARALLEL_FROM", 100)
    monkeypatch.setattr(checks, "CHUNK", 4)
    monkeypatch.setattr(store._EarlyCases, "COPY_AT_ONCE", 50)  # PostgreSQL: several COPYs of 240 cases
    helpers: list[Any] = []
    want = checks._Helper.want
    monkeypatch.setattr(checks._Helper, "want", lambda self, n: (helpers.append(self), want(self, n))[1])
    here: list[int] = []
    check = received.check_cases

    def slowly(*args: Any) -> list[Any]:
        """This process waits for the helper to start, then checks slowly: the helper takes chunks."""
        if not here:
            assert helpers[-1]._conn.poll(60)
        time.sleep(0.02)
        result = check(*args)
        here.append(len(result))
        return result

    monkeypatch.setattr(received, "check_cases", slowly)
    assert import_at_hq(pair, [refused], dry_run=True).rejected == alone
    assert 0 < sum(here) < 240
    # Checked cases are written while the rest is checked, in the import's one transaction: a record
    # refused after some were written still leaves HQ's register as it was.
    batches: list[int] = []
    after: list[int] = []
    insert = store._insert_received_cases

    def counted(into: list[int]) -> Callable[..., Any]:
        return lambda *args: (into.append(len(args[2])), insert(*args))[1]

    monkeypatch.setattr(store, "_insert_received_cases", counted(batches))  # new cases written early
    monkeypatch.setattr(hq_import, "_insert_received_cases", counted(after))  # any other, after the checks
    before = register_snapshot(pair.hq.data_dir)
    here.clear()
    assert import_at_hq(pair, [refused]).rejected == alone
    # Written while checking on either engine (by COPY on PostgreSQL), in the same transaction.
    assert sum(batches) > 100 and register_snapshot(pair.hq.data_dir) == before
    here.clear()
    batches.clear()
    after.clear()
    assert import_at_hq(pair, [good]).new == 240
    assert 0 < sum(here) < 240
    assert sum(batches) == 240 and len([b for b in batches if b]) > 2  # written in several goes
    # Every new case, the last checked too, by the early writes (on PostgreSQL, the writer thread's,
    # while the other records are looked at): none is left to write after.
    assert sum(after) == 0, after
    for row in pair.post.ctx.cases.list(pair.post.admin, limit=1000):
        sent = pair.post.ctx.cases.get(pair.post.admin, row.id).document
        stored = pair.hq.ctx.cases.get(pair.hq.admin, row.id).document
        identity = ("created_at", "updated_at", "submitted_at", "approved_at")
        assert {k: v for k, v in stored.items() if k not in identity} == {
            k: v for k, v in sent.items() if k not in identity
        }
    with pair.hq.ctx.sessions.reads() as session:
        assert audit.verify(session.connection()).ok
    found = pair.hq.ctx.cases.list(pair.hq.admin, CaseFilter(query="thuoc la"), limit=1000)
    expected = pair.post.ctx.cases.list(pair.post.admin, CaseFilter(query="thuoc la"), limit=1000)
    assert sorted(r.id for r in found) == sorted(r.id for r in expected) != []


def test_a_write_that_fails_while_the_rest_is_checked_leaves_hq_as_it_was(
    demo_pair: Callable[[int, int], Pair], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cases written while the rest is checked (by a thread of their own on PostgreSQL): a write
    that fails half-way stops the import with its error, and nothing of it is stored; the same bundle
    then imports in full."""
    from app import audit
    from app.sync import store

    pair = demo_pair(120, 5)
    good = export_parts(pair, "out")[0]
    insert = store._insert_received_cases
    calls: list[int] = []

    def failing(*args: Any) -> Any:
        calls.append(len(args[2]))
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        return insert(*args)

    monkeypatch.setattr(store, "_insert_received_cases", failing)
    monkeypatch.setattr(store._EarlyCases, "AT_ONCE", 20)
    monkeypatch.setattr(store._EarlyCases, "COPY_AT_ONCE", 20)
    before = register_snapshot(pair.hq.data_dir)
    with pytest.raises(RuntimeError, match="the disk is full"):
        import_at_hq(pair, [good])
    assert len(calls) >= 2 and register_snapshot(pair.hq.data_dir) == before
    monkeypatch.setattr(store, "_insert_received_cases", insert)
    assert import_at_hq(pair, [good]).new == 120
    with pair.hq.ctx.sessions.reads() as session:
        assert audit.verify(session.connection()).ok


def test_rows_made_while_checking_are_what_sqlalchemy_stores_and_the_audit_seals(tmp_path: Path) -> None:
    """``received.new_case`` builds the canonical rows once and stores them as they are: the same values
    SQLAlchemy's own conversions bind, the same state hash ``serialize.case_state`` gives and the same
    search text as ``search.rows_search_body`` of the stored values."""
    from datetime import UTC

    from sqlalchemy import create_engine

    from app.case_rows import received_case_rows
    from app.reference import load_reference
    from app.search import rows_search_body
    from app.serialize import CASES, CHILD_TABLES, case_state, state_hash
    from app.sync import received
    from db.bulk import BulkInsert
    from db.types import utc_text

    reference = load_reference()
    now = datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=UTC)
    origin = received.Origin("station-id", "BP-VX", 1, 10)
    cases = _varied_cases()
    documents = [
        {
            "id": f"case-{i}",
            "number": number,
            "status": "approved",
            "version": 3,
            "created_by": "an",
            "updated_by": None,
            "remark": "Ghi chú",
            "approved_by": "chief",
        }
        for i, number in enumerate(["BP-VX/2026/00007", "BP-VX/1990/00001", "số lạ"])
    ]
    conn = create_engine("sqlite://").connect()
    for document, data in zip(documents, cases, strict=True):
        ids = iter(f"line-{i}" for i in range(100))
        new = received.new_case(reference, document, data, origin, utc_text(now), ids)
        ids = iter(f"line-{i}" for i in range(100))
        case, lines = received_case_rows(document, data, reference, "station-id", now, ids)
        expected_case = BulkInsert(conn, CASES)
        expected_case.add(case)
        assert new.case == expected_case.rows[0]
        for name, table in CHILD_TABLES.items():
            expected_lines = BulkInsert(conn, table)
            expected_lines.add_all(lines[name])
            assert new.lines[name] == expected_lines.rows, name
        assert new.state_hash == state_hash(case_state(case, lines))
        assert new.search_body == rows_search_body(case, lines, reference)
        assert (new.version, new.campaign_id) == (3, data.campaign_id)


def test_rows_copied_on_postgresql_are_what_executemany_stores(postgres_url: str, tmp_path: Path) -> None:
    """HQ on PostgreSQL writes the rows made while checking by ``COPY`` (``store._copy_rows``, the search
    entry by ``search.copy_many``): read back, they are the values SQLAlchemy's own conversions store
    through ``executemany`` (``BulkInsert``), and the same search words ``array_to_tsvector`` makes,
    with the same search marks."""
    from datetime import UTC

    from sqlalchemy import text

    from app.case_rows import received_case_rows
    from app.search import rows_search_body
    from app.serialize import CASES, CHILD_TABLES
    from app.sync import received, store
    from db import search
    from db.bulk import BulkInsert, SqliteForm
    from db.types import utc_text
    from tests.helpers.registers import make_hq

    hq = make_hq(tmp_path / "hq", db_url=postgres_url)
    ctx = hq.ctx
    now = datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=UTC)
    origin = received.Origin(ctx.station_id, "BP-VX", 1, 10)
    cases = [replace(case, campaign_id=None) for case in _varied_cases()]  # HQ has declared none
    made = []
    numbers = ["BP-VX/2026/00007", "BP-VX/1990/00001", "BP-VX/2026/8"]
    for i, (number, data) in enumerate(zip(numbers, cases, strict=True)):
        document = {
            "id": f"case-{i}", "number": number, "status": "approved", "version": 3, "created_by": "an",
            "updated_by": None, "remark": "Ghi chú\\n'x'", "approved_by": "chief",
        }  # fmt: skip
        ids = [f"l{i}-{n}" for n in range(99)]
        new = received.new_case(ctx.reference, document, data, origin, utc_text(now), iter(ids))
        rows = received_case_rows(document, data, ctx.reference, ctx.station_id, now, iter(ids))
        made.append((new, rows))

    def written(copied: bool) -> list[Any]:
        with ctx.sessions.writes() as session:
            conn = session.connection()
            tables = [CASES, *CHILD_TABLES.values()]
            if copied:
                store._copy_rows(conn, SqliteForm(CASES), [new.case for new, _rows in made])
                for name, table in CHILD_TABLES.items():
                    store._copy_rows(conn, SqliteForm(table), [r for new, _ in made for r in new.lines[name]])
                search.copy_many(conn, [(rows[0]["id"], new.search_body) for new, rows in made])
            else:
                inserts = [BulkInsert(conn, table) for table in tables]
                for _new, (case, lines) in made:
                    inserts[0].add(case)
                    for insert, name in zip(inserts[1:], CHILD_TABLES, strict=True):
                        insert.add_all(lines[name])
                for insert in inserts:
                    insert.write(conn)
                bodies = [(c["id"], rows_search_body(c, ls, ctx.reference)) for _n, (c, ls) in made]
                search.insert_many(conn, bodies)
            out = [sorted(conn.execute(text(f"SELECT * FROM {t.name}")).all(), key=repr) for t in tables]
            out.append(sorted(conn.execute(text("SELECT case_id, body, words::text FROM case_search")).all()))
            session.rollback()
        return out

    copied, bound = written(True), written(False)
    assert copied == bound
    assert [len(rows) for rows in copied[:2]] == [3, len([g for c in cases for g in c.goods])]
    assert len(copied[-1]) == 3 and all(words for _id, _body, words in copied[-1])
    # The search marks' trigger (migration 0019) fires for copied entries as for inserted ones.
    assert all("'=status=approved'" in words for _id, _body, words in copied[-1])
    ctx.close()


def _varied_cases() -> list[Any]:
    """Cases with every kind of line and value: a full one, a bare one, instants, decimals, quotes."""
    from decimal import Decimal

    from app.domain import AttachmentInput, CaseInput, DocumentInput, VehicleInput

    return [
        full_case(),
        CaseInput(occurred_at=datetime(1990, 1, 1, tzinfo=ICT), violation_group="trade_fraud"),
        replace(
            sample_case(),
            latitude=10,
            vehicles=(VehicleInput("ship", "ag 12345 ts"), VehicleInput("car", "51a 12345", 'Xe "tải"\t')),
            documents=(DocumentInput("MBB01", "1/BB", datetime(2026, 1, 2).date(), "Đại úy"),),
            attachments=(AttachmentInput("ab" * 32, "ảnh.jpg", "image/jpeg", 12, None),),
            goods=(replace(sample_case().goods[0], quantity=Decimal("1E+2")),),
        ),
    ]


def test_a_helper_process_that_cannot_start_leaves_the_checks_to_the_import(
    demo_pair: Callable[[int, int], Pair], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Starting the helper can fail with more than an OSError: multiprocessing raises RuntimeError when
    the program was started from a script that runs the import again on being imported. The import then
    checks every record itself and imports the bundle; it used to refuse the bundle as an unexpected
    error and then fail while ending a helper that never started."""
    import logging
    import multiprocessing.context

    from app.sync import checks

    pair = demo_pair(120, 5)
    good = export_parts(pair, "out")[0]
    tried: list[str] = []

    def cannot_start(process: Any) -> None:
        tried.append(process.name)
        raise RuntimeError("An attempt has been made to start a new process before the bootstrapping phase")

    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "start", cannot_start)
    monkeypatch.setattr(checks, "PARALLEL_FROM", 50)
    monkeypatch.setattr(checks.os, "process_cpu_count", lambda: 2, raising=False)  # a helper is wanted
    with caplog.at_level(logging.WARNING, logger="app.sync.checks"):
        summary = import_at_hq(pair, [good])
    assert tried and summary.rejected == [] and summary.new == 120
    assert "the helper process could not be started" in caplog.text
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("after_checks", [False, True], ids=["while-checking", "after-checks"])
def test_an_import_lets_go_of_what_it_has_written_while_the_rest_is_checked(
    demo_pair: Callable[[int, int], Pair], monkeypatch: pytest.MonkeyPatch, after_checks: bool
) -> None:
    """An import held every record's line and every new case's rows to its end: ~21 KB a case, 4.35 GB
    for ten posts of 20 000 given at once (docs/performance.md). A chunk now lets go of its lines once
    sent to the helper or checked, and a case written early keeps only what the later steps read of it
    (that it passed, its version, seal and campaign); the cases are stored as before. So does a case
    still waiting when the checks end, written then (``after_checks``: every one of them)."""
    from app import audit
    from app.sync import checks, hq_import, received, store

    pair = demo_pair(240, 11)
    good = export_parts(pair, "out")[0]
    monkeypatch.setattr(checks, "PARALLEL_FROM", 100)
    monkeypatch.setattr(checks.os, "process_cpu_count", lambda: 2, raising=False)
    monkeypatch.setattr(store._EarlyCases, "AT_ONCE", 20)
    monkeypatch.setattr(store._EarlyCases, "COPY_AT_ONCE", 20)
    if after_checks:  # nothing is written before the checks end: ``write_rest`` writes every case
        write_next = store._EarlyCases._write_next

        def once_ended(self: Any) -> None:
            if self._checked is not None:
                write_next(self)

        monkeypatch.setattr(store._EarlyCases, "_write_next", once_ended)
    seen: dict[str, Any] = {}
    check, early = hq_import._check_cases, store._EarlyCases.__init__

    def watched(ctx: Any, verified: Any, *args: Any) -> Any:
        seen["checked"] = check(ctx, verified, *args)
        seen["texts"] = [list(one.texts) for one in verified]
        return seen["checked"]

    def kept(self: Any, *args: Any) -> None:
        early(self, *args)
        seen["early"] = self

    monkeypatch.setattr(hq_import, "_check_cases", watched)
    monkeypatch.setattr(store._EarlyCases, "__init__", kept)
    assert import_at_hq(pair, [good]).new == 240
    assert seen["texts"] == [[]]
    outcomes = [data for _reason, data in seen["checked"].values() if isinstance(data, received.NewCase)]
    slim = [data for data in outcomes if data.case == ()]
    assert len(outcomes) == 240 and len(slim) > 100 and all(data.state_hash and data.version for data in slim)
    assert len(slim) == len(seen["early"].written)  # every case written early, and only those
    if after_checks:
        assert len(slim) == 240
    with pair.hq.ctx.sessions.reads() as session:
        assert audit.verify(session.connection()).ok
    row = pair.post.ctx.cases.list(pair.post.admin, limit=1)[0]
    sent = pair.post.ctx.cases.get(pair.post.admin, row.id).document
    stored = pair.hq.ctx.cases.get(pair.hq.admin, row.id).document
    identity = ("created_at", "updated_at", "submitted_at", "approved_at")
    assert {k: v for k, v in stored.items() if k not in identity} == {
        k: v for k, v in sent.items() if k not in identity
    }
