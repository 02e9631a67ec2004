"""Realistic synthetic cases for trying Outpost and for benchmarking it (``outpost demo``,
docs/architecture.md §9): numbering, sealing and writing the cases ``app.demo_cases`` draws.

Only the audit and change-log entries record when the demo really ran; everything else follows
from the seed and the day (see ``app.demo_cases``).

Speed: a million cases must cost no more than a few times a raw ``executemany`` of the same rows.
So no ORM objects: rows are built in their canonical form (``utc_text``, ``decimal_text``), which
``db.bulk.SqliteForm`` turns into exactly what the SQLAlchemy column types store (JSON text, 1/0), and
written through the DBAPI cursor, one write
transaction per batch, with everything the normal save path (``app.cases``) writes: the case and its
goods, parties and vehicles, the per-year case counters, the change log, one chained ``create``
audit event per case sealing the canonical state that ``app.audit.verify`` recomputes, and the row of
the search index. Two hand-built things are checked against the functions they stand for on the
first case of every batch: the sealed state (``serialize.case_state``) and the search text
(``search.case_search_body``).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.orm import Session

from app import audit_cover, audit_tables, demo_handovers, tallies
from app.audit import GENESIS, event_hash, event_mac, mac_key
from app.auth import require
from app.demo_activities import add_demo_activities
from app.demo_cases import ICT, Draft, FoldCache, Generator
from app.domain import Actor
from app.errors import AppError, RegisterError
from app.i18n import _
from app.progress import CancelToken, Progress, no_progress
from app.reference import Reference
from app.search import rows_search_body
from app.serialize import CASES, CHILD_TABLES, case_state, state_hash
from app.text import fold, normalize_id_number, normalize_plate
from db import cipher, halves
from db.bulk import SqliteForm
from db.types import utc_text

if TYPE_CHECKING:
    from app.context import Context

BATCH_SIZE = 10_000
# The share of the progress bar the storing of report tallies takes after the cases: 1 in 50.
TALLY_SHARE = 50
YEARS = 3

# ----- the stored form of rows ------------------------------------------------------------------------


CASE_FORM = SqliteForm(CASES)
GOODS_FORM = SqliteForm(CHILD_TABLES["goods"])
PARTY_FORM = SqliteForm(CHILD_TABLES["parties"])
VEHICLE_FORM = SqliteForm(CHILD_TABLES["vehicles"])
CHANGE_LOG_SQL = (
    "INSERT INTO change_log (station_id, seq, entity, entity_id, version, at) VALUES (?, ?, ?, ?, ?, ?)"
)
AUDIT_SQL = (
    "INSERT INTO audit_events (at, station_id, actor, action, entity, entity_id, version, diff, "
    "state_hash, prev_hash, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
AUDIT_COLUMNS = ("at", "station_id", "actor", "action", "entity", "entity_id", "version", "diff",
                 "state_hash", "prev_hash", "hash", "mac")
SEARCH_SQL = "INSERT INTO case_search (rowid, body) VALUES (?, ?)"
COUNTER_SQL = (
    "INSERT INTO case_counters (station_id, year, last_seq) VALUES (?, ?, ?) "
    "ON CONFLICT (station_id, year) DO UPDATE SET last_seq = excluded.last_seq"
)


# ----- numbering, sealing and writing -----------------------------------------------------------------


@dataclass(frozen=True)
class _State:
    """What the next case's number, change sequence, audit link and rowid follow on from."""

    counters: tuple[tuple[int, int], ...]  # (year, last_seq) of this station
    change_seq: int
    head: str
    rowid: int


@dataclass
class _Rows:
    cases: list[tuple[Any, ...]] = field(default_factory=list)
    goods: list[tuple[Any, ...]] = field(default_factory=list)
    parties: list[tuple[Any, ...]] = field(default_factory=list)
    vehicles: list[tuple[Any, ...]] = field(default_factory=list)
    counters: list[tuple[str, int, int]] = field(default_factory=list)
    change_log: list[tuple[Any, ...]] = field(default_factory=list)
    audit: list[tuple[Any, ...]] = field(default_factory=list)
    search: list[tuple[int, str]] = field(default_factory=list)


class _Sealer:
    """Numbers cases, links them into the change log and the audit chain, and builds their rows."""

    def __init__(
        self, reference: Reference, actor: Actor, at: datetime, folder: FoldCache, key: bytes | None
    ) -> None:
        self.reference, self.fold = reference, folder
        self.station_id, self.station_code, self.actor = actor.station_id, actor.station_code, actor.username
        self.when, self.at = at, utc_text(at)
        self.mac_key = mac_key(key)
        self.change_log = audit_tables.COVERED_BY_ENTITY["change_log"]

    def seal(self, drafts: list[Draft], start: _State) -> tuple[_Rows, _State]:
        counters = dict(start.counters)
        touched: set[int] = set()
        change_seq, head, rowid = start.change_seq, start.head, start.rowid
        rows = _Rows()
        for index, draft in enumerate(drafts):
            case, case_id = draft.case, draft.case["id"]
            year = case["year"]
            counters[year] = seq = counters.get(year, 0) + 1
            touched.add(year)
            change_seq += 1
            rowid += 1
            number = f"{self.station_code}/{year}/{seq:05d}"
            case.update(number=number, seq=seq, change_seq=change_seq, origin=self.station_id)
            state = {"case": case, "goods": draft.goods, "parties": draft.parties,
                     "vehicles": draft.vehicles, "attachments": [], "documents": []}
            body = self._search_body(draft)
            if index == 0:
                self._check(draft, state, body)
            sealed = state_hash(state)
            diff = json.dumps({"number": [None, number], "status": [None, case["status"]]},
                              sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            link = event_hash(head, self.at, self.station_id, self.actor, "create", "case", case_id, 1, diff,
                              sealed)
            rows.audit.append((self.at, self.station_id, self.actor, "create", "case", case_id, 1, diff,
                               sealed, head, link, event_mac(self.mac_key, link)))
            head = link
            log_row = {"station_id": self.station_id, "seq": change_seq, "entity": "case",
                       "entity_id": case_id, "version": 1, "at": self.at}
            rows.change_log.append(tuple(log_row.values()))
            logged = audit_cover.covered_event(
                head, self.change_log, log_row, at=self.when, station_id=self.station_id,
                actor=audit_cover.SYSTEM_ACTOR, action="create", version=1, mac_key=self.mac_key,
            )
            rows.audit.append(tuple(logged[c] if c != "at" else self.at for c in AUDIT_COLUMNS))
            head = logged["hash"]
            rows.cases.append((rowid, *CASE_FORM.stored(case)))
            rows.goods += [GOODS_FORM.stored(g) for g in draft.goods]
            rows.parties += [PARTY_FORM.stored(p) for p in draft.parties]
            rows.vehicles += [VEHICLE_FORM.stored(v) for v in draft.vehicles]
            rows.search.append((rowid, body))
        rows.counters = [(self.station_id, year, counters[year]) for year in sorted(touched)]
        return rows, _State(tuple(sorted(counters.items())), change_seq, head, rowid)

    def _search_body(self, draft: Draft) -> str:
        """``search.case_search_body`` of the case, folded piece by piece with the recurring pieces
        remembered (the fold of space-separated pieces is their folds joined by spaces)."""
        case, cached, label = draft.case, self.fold, self.reference.label
        parts = [cached(case["number"]), cached(case["place"]),
                 cached(label("communes", case["commune_code"])), cached(case["violation"]),
                 draft.summary_folded]
        if case["decision_no"]:  # one of a kind: not worth remembering
            parts.append(fold(case["decision_no"]))
        for goods in draft.goods:
            parts += (cached(goods["description"]), cached(label("commodities", goods["commodity"], "vi")),
                      cached(label("commodities", goods["commodity"], "en")))
        for party in draft.parties:
            parts.append(cached(party["full_name"]))
            if party["id_number"]:
                parts += (cached(party["id_number"]), cached(normalize_id_number(party["id_number"])))
        for vehicle in draft.vehicles:
            if vehicle["plate"]:
                parts += (cached(vehicle["plate"]), cached(normalize_plate(vehicle["plate"])))
            if vehicle["description"]:
                parts.append(cached(vehicle["description"]))
        return " ".join(part for part in parts if part)

    def _check(self, draft: Draft, state: dict[str, Any], body: str) -> None:
        """The hand-built state and search text must be what ``serialize.case_state`` and
        ``search.case_search_body`` make of the case."""
        expected = case_state(draft.case, {"goods": draft.goods, "parties": draft.parties,
                                           "vehicles": draft.vehicles})
        if expected != state:
            raise AssertionError("demo rows differ from serialize.case_state; update app/demo_cases.py")
        lines = {"goods": draft.goods, "parties": draft.parties, "vehicles": draft.vehicles}
        if body != rows_search_body(draft.case, lines, self.reference):
            raise AssertionError("demo search text differs from search.case_search_body; update app/demo.py")


def _cursor(session: Session) -> sqlite3.Cursor:
    """A DBAPI cursor in the session's transaction."""
    dbapi = session.connection().connection.dbapi_connection
    assert isinstance(dbapi, (sqlite3.Connection, cipher.dbapi2.Connection))  # plain or encrypted register
    return cast(sqlite3.Cursor, dbapi.cursor())


def _read_state(cursor: sqlite3.Cursor, station_id: str) -> _State:
    counters = cursor.execute(
        "SELECT year, last_seq FROM case_counters WHERE station_id = ? ORDER BY year", (station_id,)
    ).fetchall()
    change_seq = cursor.execute("SELECT max(seq) FROM change_log WHERE station_id = ?", (station_id,))
    change_seq = change_seq.fetchone()[0]
    head = cursor.execute("SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    rowid = cursor.execute("SELECT max(rowid) FROM cases").fetchone()[0]
    return _State(tuple((int(y), int(s)) for y, s in counters), int(change_seq or 0),
                  head[0] if head else GENESIS, int(rowid or 0))


def _write(cursor: sqlite3.Cursor, rows: _Rows, local: timedelta) -> None:
    cursor.executemany(CASE_FORM.insert_sql(with_rowid=True), rows.cases)
    halves.drop(cursor.executemany, halves.of_case_rows(CASE_FORM.columns, rows.cases, offset=1, local=local))
    cursor.executemany(GOODS_FORM.insert_sql(), rows.goods)
    cursor.executemany(PARTY_FORM.insert_sql(), rows.parties)
    cursor.executemany(VEHICLE_FORM.insert_sql(), rows.vehicles)
    cursor.executemany(COUNTER_SQL, rows.counters)
    cursor.executemany(CHANGE_LOG_SQL, rows.change_log)
    cursor.executemany(AUDIT_SQL, rows.audit)
    cursor.executemany(SEARCH_SQL, rows.search)


def demo_period(now: datetime) -> tuple[date, date, datetime]:
    """For a demo made at ``now``: the first and last day of its cases (the three years before today,
    in border-post time) and the instant no workflow time may pass (02:00 after the last night)."""
    local = now.astimezone(ICT) - timedelta(hours=2)
    end = datetime.combine(local.date(), time(2, 0), ICT)
    last = local.date() - timedelta(days=1)
    try:
        first = last.replace(year=last.year - YEARS) + timedelta(days=1)
    except ValueError:  # 29 February
        first = last.replace(year=last.year - YEARS, day=28) + timedelta(days=1)
    return first, last, end


def generate_demo(
    ctx: Context,
    actor: Actor,
    *,
    cases: int,
    seed: int = 1,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Add ``cases`` synthetic cases to the register (SQLite only); returns how many were written.

    The cases are written in batches of ``batch_size``, each in one transaction. Progress is reported
    after every batch; a cancel request is honoured between batches by raising ``Cancelled``: the
    batches written before stay, complete, numbered, audited and searchable.
    """
    require(actor, "demo.generate")
    if cases < 0:
        raise AppError("the number of demo cases cannot be negative")
    if batch_size < 1:
        raise AppError("the demo batch size must be at least 1")
    if ctx.sessions.engine.dialect.name != "sqlite":
        raise AppError("demo cases can only be generated in an SQLite register")
    with ctx.sessions.reads() as session:
        cursor = _cursor(session)
        if cursor.execute("SELECT 1 FROM meta WHERE key = 'hq_station_id'").fetchone():
            # Demo cases look like real ones and carry the post's numbers: HQ would receive them as such.
            raise RegisterError(
                _("this post is enrolled with HQ: demo cases would be sent to HQ as real cases; "
                  "make demo cases in a register of their own (outpost --data-dir FOLDER demo)")
            )
        state = _read_state(cursor, actor.station_id)
        existing = cursor.execute("SELECT count(*) FROM cases").fetchone()[0]
        station = cursor.execute("SELECT commune_code FROM stations WHERE id = ?", (actor.station_id,))
        commune = station.fetchone()
    folder = FoldCache()
    generator = Generator(ctx.reference, commune[0] if commune else None, seed, str(existing),
                          demo_period(ctx.clock()), actor.username, folder)
    sealer = _Sealer(ctx.reference, actor, ctx.clock(), folder, ctx.key)
    stream = generator.stream(cases)
    done = 0
    total = cases + cases // TALLY_SHARE
    progress(0, total)
    while done < cases:
        if cancel is not None:
            cancel.check()
        drafts = list(islice(stream, batch_size))
        # Sealed before the write lock is taken, assuming that nobody else saves in the meantime ...
        rows, after = sealer.seal(drafts, state)
        with ctx.sessions.writes.begin() as session:
            cursor = _cursor(session)
            actual = _read_state(cursor, actor.station_id)
            if actual != state:  # ... and sealed again after the cases someone else saved.
                rows, after = sealer.seal(drafts, actual)
            _write(cursor, rows, ctx.utc_offset)
        state = after
        done += len(drafts)
        progress(done, total)
    # The report tallies of every half-month the demo added cases to, as a register in use has them
    # (``app.tallies``): the bulk writes dropped them, including those the demo's three years only
    # partly cover (its first and its current half-month).
    first, last, _end = demo_period(ctx.clock())
    rules = tallies.Watch.of(ctx.reference.rewards)

    def storing(stored: int, halves: int) -> None:
        progress(cases + (total - cases) * stored // max(halves, 1), total)

    tallies.refresh(ctx.sessions, tallies.halves_touching(first, last), [actor.station_id], rules,
                    zone=ctx.zone, progress=storing)
    # The criminal transfers' hand-overs to the police, through their service (app/demo_handovers.py).
    demo_handovers.add_handovers(ctx, actor, seed)
    # Patrols, checkpoints, inspections and outreach sessions over the same years (issue 19).
    add_demo_activities(ctx, actor, cases=done, seed=seed, first=first, last=last)
    progress(total, total)
    return done
