"""HQ's store of received cases: new cases written in bulk (early, while the checks still run; by
``COPY`` on PostgreSQL), a newer version of a held case through the ORM, each sealed into HQ's own
audit chain.

Apart from the import's control flow so that the bulk paths and the ORM path sit side by side: they
must store the same values."""

from __future__ import annotations

import functools
import queue
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table, select
from sqlalchemy.orm import Session

from app import audit
from app.case_json import case_document, received_instants
from app.case_rows import received_version
from app.context import Context
from app.domain import CaseInput
from app.search import case_search_body
from app.serialize import CASES, CHILD_TABLES, orm_case_state
from app.sync import received
from app.sync.checks import Writes, _case_id, _Chunk
from app.sync.verify import _record_problem, _Verified
from db import halves, search
from db import models as m
from db.bulk import SqliteForm
from db.types import utc_text


def _seal_import(
    ctx: Context,
    session: Session,
    station: m.Station,
    entity: str,
    entity_id: str,
    version: int,
    diff: dict[str, Any],
    state: Any,
    now: datetime,
) -> None:
    """HQ's own chain seals what it received, so that 'outpost audit verify' covers it too."""
    audit.record(
        session,
        at=now,
        station_id=ctx.station_id,
        actor=f"sync:{station.code}",
        action="import",
        entity=entity,
        entity_id=entity_id,
        version=version,
        diff=diff,
        sealed_state=state,
    )


class _EarlyCases:
    """New cases written while the rest of an import is still checked (either engine): the rows of each one
    whose checks passed, as soon as every chunk before it is checked too, so that writing overlaps the
    helper's checks. Only a case that appears once in the import and that HQ does not have, with its
    files and its campaign known, is taken; any other goes through the usual path after all checks.
    Everything is in the import's one transaction: a refusal anywhere still leaves the register as it
    was. Once the checks end, ``write_rest`` writes what is still waiting, and ``finish`` must be called
    before the session is used again."""

    AT_ONCE = 300  # on SQLite, cases written between two looks at the helper
    # On PostgreSQL, cases handed to the writer thread at a time. Each batch costs the server a statement's
    # set-up a table (and the report store's statement triggers, migration 0020) and the writer a chain
    # head and a report-store drop, whatever its size: with 300, one post's 20 000 cases into an empty
    # HQ took 6.0–6.2 s, of which 1.2–1.5 s waiting for the writer after the checks; with 1 000, 5.5–5.7 s
    # and 0.3–0.5 s (2 000 and 3 000: no faster; docs/performance.md, 5 December 2026).
    COPY_AT_ONCE = 1000

    def __init__(self, ctx: Context, session: Session, verified: list[_Verified], now: datetime) -> None:
        self._ctx, self._session, self._now = ctx, session, now
        seen: dict[str, int] = {}
        named: set[str] = set()
        for one in verified:
            for record in one.records:
                case_id = _case_id(record)
                if case_id is not None:
                    seen[case_id] = seen.get(case_id, 0) + 1
                    campaign = record["document"].get("campaign_id")
                    if isinstance(campaign, str):
                        named.add(campaign)
        self._once = {case_id for case_id, count in seen.items() if count == 1}
        self._campaigns = set(session.scalars(select(m.Campaign.id).where(m.Campaign.id.in_(named))))
        self.written: set[str] = set()
        self._waiting: list[tuple[dict[str, Any], m.Station, received.NewCase]] = []
        # Where each waiting case's outcome sits in the checks' results: once it is written, its rows are
        # dropped there (``let_go``), so that an import does not hold every case's rows to its end.
        self._places: list[_Place] = []
        self._done: queue.SimpleQueue[list[_Place]] = queue.SimpleQueue()
        self._ends: _Ends | None = None
        # On PostgreSQL the batches are written by a thread of their own (``_write_queued``): a ``COPY``
        # waits for the server to store its rows (their indexes, the report store's triggers), and
        # meanwhile this thread goes on checking and feeding the helper instead of leaving both idle.
        # Until ``finish``, only that thread uses the session (``finish`` hands it back).
        self._queue: queue.SimpleQueue[_Batch | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._failed: BaseException | None = None
        # Batches handed to the writer thread, and those it is done with (each counted by one thread).
        self._handed = self._finished = 0
        self._postgres = session.get_bind().dialect.name == "postgresql"
        # The outcomes by record once the checks have ended (``write_rest``): ``let_go`` drops rows there too.
        self._checked: dict[int, received.Checked] | None = None

    def write(self, chunks: list[_Chunk], results: list[list[received.Checked]]) -> Writes:
        """Take the cases of ``chunks`` that qualify, and write the next few waiting: a little at a time,
        so that the helper is never kept waiting long for its next chunks. What is still waiting when
        the checks end is for ``write_rest``. Returns what is left to do: on SQLite, cases still
        waiting for this thread; on PostgreSQL, batches the writer thread has not finished."""
        self.let_go()
        for chunk, result in zip(chunks, results, strict=True):
            for place, ((number, record, new), outcome) in enumerate(zip(chunk.items, result, strict=True)):
                data = outcome[1]
                document = record.get("document")
                if (
                    not new
                    or not isinstance(data, received.NewCase)
                    or not isinstance(document, dict)
                    or document["id"] not in self._once
                    or (data.campaign_id and data.campaign_id not in self._campaigns)
                    or _record_problem(self._ctx, chunk.source, number, record, outcome)
                ):
                    continue
                self._waiting.append((document, chunk.source.station, data))
                self._places.append(_Place(result, place, id(record)))
        if not self._postgres:
            self._write_next()
            return Writes.HERE if self._waiting else Writes.DONE
        if len(self._waiting) >= self.COPY_AT_ONCE:
            # A COPY of a few cases costs the server nearly what one of many does (``COPY_AT_ONCE``); one
            # batch a call (the checks hand over fewer cases than that between two calls).
            self._write_next()
        return Writes.ELSEWHERE if self._handed > self._finished else Writes.DONE

    def write_rest(self, checked: dict[int, received.Checked]) -> None:
        """Once the checks end, with their outcomes by record (``checked``), what is still waiting: on
        PostgreSQL handed to the writer thread, which writes it while the importing thread looks at the
        other records (``finish`` waits for it)."""
        self._checked = checked
        while self._waiting:
            self._write_next()

    def _write_next(self) -> None:
        """Write the next batch of waiting cases (on PostgreSQL, hand it to the writer thread)."""
        size = self.COPY_AT_ONCE if self._postgres else self.AT_ONCE
        batch, places = self._waiting[:size], self._places[:size]
        del self._waiting[:size], self._places[:size]
        if not batch:
            return
        self.written.update(document["id"] for document, _station, _data in batch)
        if not self._postgres:
            self._ends = _insert_received_cases(self._ctx, self._session, batch, self._now, self._ends)
            self._done.put(places)
            self.let_go()
            return
        if self._writer is None:
            self._writer = threading.Thread(target=self._write_queued, name="hq-import-writer", daemon=True)
            self._writer.start()
        self._handed += 1
        self._queue.put(_Batch(batch, places))

    def _write_queued(self) -> None:
        """The writer thread (PostgreSQL): each batch in turn, until told to stop; after a failure, the
        rest is only taken off the queue (``finish`` raises the failure). Only the importing thread
        touches the checks' results: the places of a batch written are handed back to it."""
        while (queued := self._queue.get()) is not None:
            if self._failed is None:
                try:
                    cases, ends = queued.cases, self._ends
                    self._ends = _insert_received_cases(self._ctx, self._session, cases, self._now, ends)
                    self._done.put(queued.places)
                except BaseException as exc:  # raised again by ``finish``, in the importing thread
                    self._failed = exc
            self._finished += 1

    def let_go(self) -> None:
        """Drop the rows of the cases written so far from the checks' results (and from the outcomes by
        record once the checks have ended, ``write_rest``): what is read of such an outcome afterwards
        is only that it passed, and its campaign (``NewCase.written``). After ``finish``, for what the
        writer thread wrote last."""
        checked = self._checked
        while not self._done.empty():
            for result, place, record in self._done.get():
                reason, data = result[place]
                if isinstance(data, received.NewCase):
                    result[place] = (reason, data.written())
                    if checked is not None and record in checked:
                        checked[record] = result[place]

    def finish(self) -> None:
        """Wait until every batch handed over is written; raises what writing one raised. The import's
        session is this thread's again afterwards."""
        if self._writer is not None:
            self._queue.put(None)
            self._writer.join()
            self._writer = None
        if self._failed is not None:
            raise self._failed


class _Place(NamedTuple):
    """Where a case's outcome sits in the checks' results (a chunk's list, the place in it), and the
    ``id`` of its record (the key of the outcomes once the checks end)."""

    result: list[received.Checked]
    place: int
    record: int


class _Batch(NamedTuple):
    """New cases handed to the writer thread, and where their outcomes sit in the checks' results."""

    cases: list[tuple[dict[str, Any], m.Station, received.NewCase]]
    places: list[_Place]


@functools.cache
def _form(table: Table) -> SqliteForm:
    return SqliteForm(table)


@dataclass
class _Ends:
    """Where the audit chain and the cases' rowids end, carried from one write of new cases to the next
    within an import (so that each write need not ask)."""

    head: str
    rowid: int


def _insert_received_cases(
    ctx: Context,
    session: Session,
    items: list[tuple[dict[str, Any], m.Station, received.NewCase]],
    now: datetime,
    ends: _Ends | None = None,
) -> _Ends | None:
    """Cases HQ has not seen yet, as ``received.new_case`` made their rows, written in bulk: the case,
    its lines, the chained ``import`` audit event sealing the stored state, and its search entry, in a
    few ``executemany`` calls on SQLite and one ``COPY`` a table on PostgreSQL (``_copy_rows``). The
    same values as ``_apply_case`` would store one by one through the ORM, at a fraction of the cost.
    ``ends``, when given, says where the chain and the rowids ended after the previous write of this
    import (nothing else written since); returns where they end now."""
    if not items:
        return ends
    conn = session.connection()
    postgres = conn.dialect.name == "postgresql"
    if ends is None:
        last = None if postgres else conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM cases")
        rowid = 0 if last is None else int(last.scalar_one())  # PostgreSQL: no rowid, the id is the key
        ends = _Ends(audit.chain_head(session), rowid)
    head, rowid = ends.head, ends.rowid
    cases: list[tuple[Any, ...]] = []
    lines: dict[str, list[tuple[Any, ...]]] = {name: [] for name in CHILD_TABLES}
    events_form = _form(m.AuditEvent.__table__)
    events: list[tuple[Any, ...]] = []
    search_rows: list[tuple[int | str, str]] = []
    at = utc_text(now)
    mac_key = audit.session_mac_key(session)
    diffs: dict[int, str] = {}  # by version: the diff of an import event
    for document, station, new in items:
        diff = diffs.get(new.version)
        if diff is None:
            diff = diffs[new.version] = audit.stored_diff({"version": [None, new.version]})
        event = {
            "at": at,
            "station_id": ctx.station_id,
            "actor": f"sync:{station.code}",
            "action": "import",
            "entity": "case",
            "entity_id": document["id"],
            "version": new.version,
            "diff": diff,
            "state_hash": new.state_hash,
            "prev_hash": head,
        }
        link = audit.event_hash(
            head,
            at,
            ctx.station_id,
            event["actor"],
            "import",
            "case",
            document["id"],
            new.version,
            diff,
            new.state_hash,
        )
        event["hash"] = head = link
        event["mac"] = audit.event_mac(mac_key, link)
        events.append(events_form.stored(event))
        if postgres:
            cases.append(new.case)
            search_rows.append((document["id"], new.search_body))
        else:
            rowid += 1
            cases.append((rowid, *new.case))
            search_rows.append((rowid, new.search_body))
        for name, rows in new.lines.items():
            lines[name] += rows
    form = _form(CASES)
    if postgres:
        _copy_rows(conn, form, cases)
        for name, rows in lines.items():
            _copy_rows(conn, _form(CHILD_TABLES[name]), rows)
        _copy_rows(conn, events_form, events)
        search.copy_many(conn, search_rows)
        return _Ends(head, rowid)
    conn.exec_driver_sql(form.insert_sql(with_rowid=True), cases)
    dropped = halves.of_case_rows(form.columns, cases, offset=1, local=ctx.utc_offset)
    halves.drop(conn.exec_driver_sql, dropped)
    for name, rows in lines.items():
        if rows:
            conn.exec_driver_sql(_form(CHILD_TABLES[name]).insert_sql(), rows)
    conn.exec_driver_sql(events_form.insert_sql(), events)
    search.insert_many(conn, search_rows)
    return _Ends(head, rowid)


def _copy_rows(conn: Connection, form: SqliteForm, rows: list[tuple[Any, ...]]) -> None:
    """Rows in ``form``'s stored values into its table by ``COPY`` (PostgreSQL, psycopg 3), in the text
    format: each value goes as its text, which PostgreSQL reads with the column's own input function,
    as it reads a bound parameter. The stored forms are all texts PostgreSQL reads as SQLAlchemy would
    have bound them: an instant's UTC text with its ``Z``, a decimal's or a date's canonical text, 1 or 0
    for a boolean, a JSON value's ``json.dumps`` (what SQLAlchemy's serializer writes), plain numbers.
    The table's triggers (the report store's, migration 0008) fire for every row as for an insert."""
    if not rows:
        return
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {form.table.name} ({', '.join(form.columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _apply_case(
    ctx: Context,
    session: Session,
    existing: m.Case,
    document: dict[str, Any],
    station: m.Station,
    data: CaseInput,
    now: datetime,
) -> None:
    """A newer version of a case HQ has: stored as the station sent it, the version it replaces kept in
    the history."""
    session.add(
        m.CaseHistory(
            case_id=existing.id,
            version=existing.version,
            document=case_document(existing, station.code),
            replaced_at=now,
        )
    )
    before = existing.version
    case = existing
    ctx.cases.fill(case, data)
    for name, value in received_version(document, case.occurred_at).items():
        setattr(case, name, value)
    times = received_instants(document, now)  # the post's times, not the import's
    if document.get("created_at") is None:
        times["created_at"] = case.created_at  # a document without one keeps the first version's
    for name, value in times.items():
        setattr(case, name, value)
    session.flush()
    search.upsert(
        session.connection(), case.id, case_search_body(case_document(case, station.code), ctx.reference)
    )
    _seal_import(
        ctx,
        session,
        station,
        "case",
        case.id,
        case.version,
        {"version": [before, case.version]},
        orm_case_state(case),
        now,
    )
