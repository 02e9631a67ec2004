"""What the periodic reports count, per post and half-month, stored in the register (docs/architecture.md §5).

A report's days are cut at the half-months (the 1st to the 14th, the 15th to the month's end): a
statistical month (15th → 14th) is a second half and the first half after it, a calendar month its two
halves, so the monthly, quarterly, 6-, 9-month and annual periods of either mode are whole half-months.
Once a post's half-month has been counted, its tallies are stored (``report_halves`` and the tables
beside it). Any change to one of its cases deletes its ``report_halves`` row in the same transaction
(triggers on updates and deletes, the program on new rows: ``db.halves``), so stored tallies are only
ever read while they are current. The days at
the edges of a period (a week, a campaign's dates), half-months not stored yet, campaign reports and
every report on PostgreSQL are counted from the cases themselves, by the query that fills the store.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    case,
    cast,
    delete,
    distinct,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.case_query import occurred_between
from app.errors import AppError
from app.progress import CancelToken, Progress, no_progress
from db import models as m
from db.engine import BUSY_TIMEOUT_MS, Sessions
from db.halves import half_of

COUNTED = ("approved", "closed")
ADMINISTRATIVE = frozenset({"admin_fine", "confiscation", "destroyed"})
# The case figures of a cell, in the order ``Facts.cells`` holds them (and ``report_cells`` stores them).
CELL_METRICS = (
    "cases",
    "admin_cases",
    "criminal_cases",
    "defendants",
    "handover_cases",
    "fines",
    "proceeds",
    "tax",
)
STORE_WAIT_MS = 200  # how long storing tallies waits for another writer (then the report counts)
COUNTING = 1  # raised whenever what a stored tally holds is counted differently: stored ones are redone
log = logging.getLogger("outpost")
FRACTION_DIGITS = 18  # a base quantity has at most 6 decimals entered × 12 in a unit's factor


def next_half(half: date) -> date:
    if half.day == 1:
        return half.replace(day=15)
    return (half.replace(day=1) + timedelta(days=32)).replace(day=1)


def whole_halves(first: date, last: date) -> list[date]:
    """The half-months lying wholly within the days ``first`` to ``last``."""
    found = []
    half = first if first.day in (1, 15) else next_half(half_of(first))
    while next_half(half) - timedelta(days=1) <= last:
        found.append(half)
        half = next_half(half)
    return found


def halves_touching(first: date, last: date) -> list[date]:
    """The half-months holding at least one of the days ``first`` to ``last`` (the first and last may
    lie partly outside them)."""
    return whole_halves(half_of(first), next_half(half_of(last)) - timedelta(days=1))


def pieces(first: date, last: date) -> Iterator[tuple[date, date, date | None]]:
    """The days ``first`` to ``last`` cut at the half-months: (first day, last day, the half-month when
    the piece is a whole one, else None)."""
    day = first
    while day <= last:
        end = min(next_half(half_of(day)) - timedelta(days=1), last)
        whole = day.day in (1, 15) and end == next_half(half_of(day)) - timedelta(days=1)
        yield day, end, half_of(day) if whole else None
        day = end + timedelta(days=1)


@dataclass(frozen=True)
class Watch:
    """What the reward rules need kept per case: totals of the commodities the single-case rules name
    and the goods value of cases of the counterfeit groups, with the smallest thresholds."""

    commodities: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    least: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)  # (commodity, unit)
    least_value: int | None = None

    @classmethod
    def of(cls, rules: Mapping[str, Any]) -> Watch:
        single = [r for r in rules.get("single_case", []) if "commodity" in r]
        fakes = [r for r in rules.get("counterfeit", []) if "min_value_vnd" in r]
        least: dict[tuple[str, str], Decimal] = {}
        for rule in single:
            key = (rule["commodity"], rule["unit"])
            threshold = Decimal(rule["min_base_quantity"])
            least[key] = min(least.get(key, threshold), threshold)
        return cls(
            frozenset(r["commodity"] for r in single),
            frozenset(r.get("violation_group", "counterfeit_ip") for r in fakes),
            least,
            min((int(r["min_value_vnd"]) for r in fakes), default=None),
        )

    @property
    def fingerprint(self) -> str:
        text = json.dumps(
            [
                COUNTING,
                sorted(self.groups),
                sorted([*key, str(v)] for key, v in self.least.items()),
                self.least_value,
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def __bool__(self) -> bool:
        return bool(self.commodities or self.groups)


def _cell() -> list[int]:
    return [0] * len(CELL_METRICS)


def _goods() -> list[Any]:
    return [Decimal(0), 0, 0]  # quantity, value, cases holding it


@dataclass
class Facts:
    """Counted cases of some days, per post: what a report is assembled from."""

    cells: defaultdict[tuple[str, str, str], list[int]] = field(
        default_factory=lambda: defaultdict(_cell)
    )  # (origin, violation group, lead force) → CELL_METRICS
    goods: defaultdict[tuple[str, str, str, str, str], list[Any]] = field(
        default_factory=lambda: defaultdict(_goods)
    )  # (origin, group, force, commodity, base unit) → [quantity, value, cases holding it]
    per_case: defaultdict[tuple[str, str, str, str], Decimal] = field(
        default_factory=lambda: defaultdict(Decimal)
    )  # (case number, origin, commodity, unit) → total, for the watched commodities
    counterfeit: defaultdict[tuple[str, str], int] = field(
        default_factory=lambda: defaultdict(int)
    )  # (case number, origin) → goods value, for the watched groups

    def add(self, other: Facts) -> None:
        for key, values in other.cells.items():
            cell = self.cells[key]
            for i, value in enumerate(values):
                cell[i] += value
        for goods_key, (quantity, value, holding) in other.goods.items():
            line = self.goods[goods_key]
            line[0] += quantity
            line[1] += value
            line[2] += holding
        for case_key, total in other.per_case.items():
            self.per_case[case_key] += total
        for fake_key, worth in other.counterfeit.items():
            self.counterfeit[fake_key] += worth


def exact_quantity_sums(session: Session) -> tuple[Any, ...]:
    """SQL aggregates whose values give the exact sum of base quantities. PostgreSQL sums its NUMERIC
    column exactly; SQLite stores the decimal as text, so the whole part and the fraction (as two
    9-digit integers) are summed separately as integers and joined in Python."""
    quantity = m.GoodsLine.base_quantity
    if session.get_bind().dialect.name != "sqlite":
        return (func.sum(quantity), literal(0), literal(0), literal(0))
    text = type_coerce(quantity, String)
    dot = func.instr(text, ".")
    whole = case((dot > 0, func.substr(text, 1, dot - 1)), else_=text)
    fraction = case((dot > 0, func.substr(text, dot + 1)), else_="")
    padded = fraction.concat("0" * FRACTION_DIGITS)
    return (
        func.sum(cast(whole, Integer)),
        func.sum(cast(func.substr(padded, 1, 9), Integer)),
        func.sum(cast(func.substr(padded, 10, 9), Integer)),
        func.max(func.length(fraction)),
    )


def decimal_sum(whole: Any, high: Any, low: Any, digits: Any) -> Decimal:
    if digits and int(digits) > FRACTION_DIGITS:
        raise AppError(
            f"a base quantity has more than {FRACTION_DIGITS} decimal places; it cannot be summed exactly"
        )
    if isinstance(whole, Decimal):
        return whole
    return Decimal(int(whole or 0)) + Decimal(int(high or 0)).scaleb(-9) + Decimal(int(low or 0)).scaleb(-18)


def count(
    session: Session,
    first: date,
    last: date,
    origins: Collection[str] | None,
    campaign_id: str | None,
    watch: Watch,
    zone: tzinfo,
) -> Facts:
    """The counted cases that occurred on the local days ``first`` to ``last`` (of ``origins``, all when
    None; of one campaign) in ``zone``, the register's, from the cases and their goods lines: two
    grouped queries."""
    c, g = m.Case, m.GoodsLine
    conditions = [*occurred_between(first, last, zone), c.status.in_(COUNTED)]
    if origins is not None:
        conditions.append(c.origin.in_(sorted(origins)))
    if campaign_id:
        conditions.append(c.campaign_id == campaign_id)
    facts = Facts()
    # The cases themselves, from the report index alone.
    for origin, group, force, outcome, counted, defendants, fines, proceeds, tax in session.execute(
        select(
            c.origin,
            c.violation_group,
            c.lead_force,
            c.outcome,
            func.count(),
            func.coalesce(func.sum(c.defendants), 0),
            func.coalesce(func.sum(c.fine_vnd), 0),
            func.coalesce(func.sum(c.proceeds_vnd), 0),
            func.coalesce(func.sum(c.tax_vnd), 0),
        )
        .where(*conditions)
        .group_by(c.origin, c.violation_group, c.lead_force, c.outcome)
    ):
        cell = facts.cells[origin, group, force]
        cell[0] += counted
        if outcome in ADMINISTRATIVE:
            cell[1] += counted
        if outcome == "criminal_transfer":
            cell[2] += counted
            cell[3] += int(defendants or 0)
        if outcome == "handover":
            cell[4] += counted
        cell[5] += int(fines or 0)
        cell[6] += int(proceeds or 0)
        cell[7] += int(tax or 0)
    # Their goods lines, per case only where a reward rule needs it (fewer groups to sort).
    # On SQLite a case's rowid (in every index entry) is a cheaper key to sort and count than its id.
    row_of_case: Any = literal_column("cases.rowid") if session.get_bind().dialect.name == "sqlite" else c.id
    # A typed NULL in the SQL: PostgreSQL can neither type a NULL parameter nor group by a bare NULL.
    case_key: Any = cast(null(), String)
    if watch:
        case_key = case(
            (or_(g.commodity.in_(watch.commodities), c.violation_group.in_(watch.groups)), row_of_case),
            else_=None,
        )
    keys = (c.origin, c.violation_group, c.lead_force, g.commodity, g.base_unit, case_key)
    for row in session.execute(
        select(
            *keys,
            func.max(case((case_key.is_not(None), c.number))),
            func.count(distinct(row_of_case)),
            func.coalesce(func.sum(g.value_vnd), 0),
            *exact_quantity_sums(session),
        )
        .select_from(c)
        .join(g, g.case_id == c.id)
        .where(*conditions)
        .group_by(*keys)
    ):
        origin, group, force, commodity, unit, _key, number, holding, value = row[:9]
        quantity = decimal_sum(*row[9:])
        line = facts.goods[origin, group, force, commodity, unit]
        line[0] += quantity
        line[1] += int(value)
        line[2] += int(holding)
        if number is not None:
            if commodity in watch.commodities:
                facts.per_case[number, origin, commodity, unit] += quantity
            if group in watch.groups and value:
                facts.counterfeit[number, origin] += int(value)
    return facts


def usable(session: Session) -> bool:
    """Whether this register keeps report tallies: the triggers that keep them current (migration 0008)
    exist on SQLite and PostgreSQL."""
    return session.get_bind().dialect.name in ("sqlite", "postgresql")


def _built(
    session: Session, halves: Collection[date], origins: Collection[str] | None, rules: str
) -> set[tuple[str, date]]:
    h = m.ReportHalf
    query = select(h.origin, h.half).where(h.half.in_(sorted(halves)), h.rules == rules)
    if origins is not None:
        query = query.where(h.origin.in_(sorted(origins)))
    return {(origin, half) for origin, half in session.execute(query)}


def _stored(session: Session, built: set[tuple[str, date]], with_cases: bool) -> dict[date, Facts]:
    """The stored tallies of the (origin, half-month) pairs in ``built``, per half-month (with the
    per-case totals for the reward rules when ``with_cases``)."""
    found: dict[date, Facts] = defaultdict(Facts)
    if not built:
        return found
    halves = sorted({half for _origin, half in built})
    origins = sorted({origin for origin, _half in built})
    cell, goods, total = m.ReportCell, m.ReportGoods, m.ReportCaseTotal
    metrics = [getattr(cell, name) for name in CELL_METRICS]
    for origin, half, group, force, *values in session.execute(
        select(cell.origin, cell.half, cell.violation_group, cell.lead_force, *metrics).where(
            cell.half.in_(halves), cell.origin.in_(origins)
        )
    ):
        if (origin, half) in built:
            found[half].cells[origin, group, force] = [int(v) for v in values]
    for origin, half, group, force, commodity, unit, quantity, value, holding in session.execute(
        select(
            goods.origin,
            goods.half,
            goods.violation_group,
            goods.lead_force,
            goods.commodity,
            goods.base_unit,
            goods.quantity,
            goods.value_vnd,
            goods.cases,
        ).where(goods.half.in_(halves), goods.origin.in_(origins))
    ):
        if (origin, half) in built:
            found[half].goods[origin, group, force, commodity, unit] = [quantity, int(value), int(holding)]
    if not with_cases:
        return found
    for origin, half, number, commodity, unit, quantity, value in session.execute(
        select(
            total.origin,
            total.half,
            total.number,
            total.commodity,
            total.base_unit,
            total.quantity,
            total.value_vnd,
        ).where(total.half.in_(halves), total.origin.in_(origins))
    ):
        if (origin, half) in built:
            if commodity:
                found[half].per_case[number, origin, commodity, unit] = quantity
            else:
                found[half].counterfeit[number, origin] = int(value)
    return found


def tally(
    session: Session,
    ranges: Sequence[tuple[date, date]],
    origins: Collection[str] | None,
    campaign_id: str | None,
    watch: Watch,
    *,
    zone: tzinfo,
    rules: Watch | None = None,
) -> list[Facts]:
    """The facts of each range of days (of ``origins``, all when None; of one campaign): whole
    half-months from the store where it holds them current, the rest counted from the cases. ``rules``
    is the watch the store was filled with (None: do not read the store)."""
    results = [Facts() for _ in ranges]
    if rules is None or campaign_id or not usable(session):
        for facts, (first, last) in zip(results, ranges, strict=True):
            facts.add(count(session, first, last, origins, campaign_id, watch, zone))
        return results
    # Every post that may own a case, read in the same snapshot as the tallies and the cases.
    wanted = set(origins) if origins is not None else set(session.scalars(select(m.Station.id)))
    cut = [list(pieces(first, last)) for first, last in ranges]
    halves = {half for chunk in cut for _first, _last, half in chunk if half is not None}
    built = _built(session, halves, origins, rules.fingerprint)
    stored = _stored(session, built, bool(watch))
    for facts, chunk in zip(results, cut, strict=True):
        for first, last, half in chunk:
            missing: Collection[str] | None = origins
            if half is not None:
                have = {origin for origin, built_half in built if built_half == half}
                part = stored.get(half)
                if part is not None:
                    facts.add(part)
                missing = wanted - have
                if not missing:
                    continue
                if origins is None and not have:
                    missing = None  # one query for all of them
            facts.add(count(session, first, last, missing, None, watch, zone))
    return results


def refresh(
    sessions: Sessions,
    halves: Collection[date],
    origins: Collection[str],
    rules: Watch,
    *,
    zone: tzinfo,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> int:
    """Count and store the half-months of ``origins`` the store does not hold current, one short write
    transaction per half-month. Returns how many half-months were counted. While another program
    holds the write lock (an import, a long save), it waits at most ``STORE_WAIT_MS`` and leaves the
    rest: the report then counts those half-months from the cases, as it did before they were stored.
    Any other failure to store (a full disk, a read-only copy) is logged and left the same way."""
    fingerprint = rules.fingerprint
    with sessions.reads() as session:
        if not usable(session):
            return 0
        built = _built(session, halves, origins, fingerprint)
    todo = [(half, sorted(set(origins) - {o for o, h in built if h == half})) for half in sorted(halves)]
    todo = [(half, missing) for half, missing in todo if missing]
    if not todo:
        return 0
    with sessions.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        driver: Any = conn.connection.driver_connection
        if sqlite:
            driver.execute(f"PRAGMA busy_timeout = {STORE_WAIT_MS}")
        try:
            conn.execution_options(immediate=True)  # BEGIN IMMEDIATE: the write lock first
            for done, (half, missing) in enumerate(todo):
                if cancel is not None:
                    cancel.check()
                progress(done, len(todo))
                try:
                    with Session(bind=conn) as session, session.begin():
                        _store(session, half, missing, rules, fingerprint, set(origins), zone)
                except OperationalError as exc:
                    if not any(word in str(exc.orig) for word in ("locked", "busy", "lock timeout")):
                        log.warning("report tallies not stored: %s", exc.orig)
                    return done
        finally:
            if sqlite:
                driver.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    progress(len(todo), len(todo))
    return len(todo)


def _store(
    session: Session,
    half: date,
    origins: list[str],
    rules: Watch,
    fingerprint: str,
    every: set[str],
    zone: tzinfo,
) -> None:
    last = next_half(half) - timedelta(days=1)
    if session.get_bind().dialect.name == "postgresql":
        # What SQLite's write lock gives: no writer of cases commits between the count and the store
        # (its trigger would miss the tallies not yet committed). SHARE waits for the writers under way
        # (at most STORE_WAIT_MS, as on SQLite) and holds new ones back until this commits.
        conn = session.connection()
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {STORE_WAIT_MS}")
        conn.exec_driver_sql("LOCK TABLE cases, goods_lines IN SHARE MODE")
    # Which of them still need it, now that the write lock is held.
    wanted = set(origins) - {o for o, _h in _built(session, [half], origins, fingerprint)}
    if not wanted:
        return
    missing = sorted(wanted)
    facts = count(session, half, last, None if wanted >= every else missing, None, rules, zone)
    for table in (m.ReportHalf, m.ReportCell, m.ReportGoods, m.ReportCaseTotal):
        session.execute(delete(table).where(table.half == half, table.origin.in_(missing)))
    session.execute(
        insert(m.ReportHalf), [{"origin": o, "half": half, "rules": fingerprint} for o in missing]
    )
    cells = [
        {
            "origin": o,
            "half": half,
            "violation_group": g,
            "lead_force": f,
            **dict(zip(CELL_METRICS, v, strict=True)),
        }
        for (o, g, f), v in facts.cells.items()
        if o in wanted
    ]
    if cells:
        session.execute(insert(m.ReportCell), cells)
    goods = [
        {
            "origin": o,
            "half": half,
            "violation_group": g,
            "lead_force": f,
            "commodity": commodity,
            "base_unit": unit,
            "quantity": quantity,
            "value_vnd": value,
            "cases": holding,
        }
        for (o, g, f, commodity, unit), (quantity, value, holding) in facts.goods.items()
        if o in wanted
    ]
    if goods:
        session.execute(insert(m.ReportGoods), goods)
    totals = [
        {
            "origin": o,
            "half": half,
            "number": number,
            "commodity": commodity,
            "base_unit": unit,
            "quantity": total,
            "value_vnd": 0,
        }
        for (number, o, commodity, unit), total in facts.per_case.items()
        if o in wanted and (commodity, unit) in rules.least and total >= rules.least[commodity, unit]
    ]
    if rules.least_value is not None:
        totals += [
            {
                "origin": o,
                "half": half,
                "number": number,
                "commodity": "",
                "base_unit": "",
                "quantity": Decimal(0),
                "value_vnd": value,
            }
            for (number, o), value in facts.counterfeit.items()
            if o in wanted and value >= rules.least_value
        ]
    if totals:
        session.execute(insert(m.ReportCaseTotal), totals)
