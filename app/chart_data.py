"""The figures the dashboard's and the monthly and annual reports' charts are drawn from, computed
from the register for a given day (issue 20 item 2).

One module so that the app's charts (``ui/charts.py``) and the PDF's (``app/report_charts.py``) show
the same numbers: cases per report week by violation group over the last 12 months, seized
quantities per commodity per month beside the same months a year before, how far the month has got
towards each reward threshold (docs/domain.md "Rewards"), and at HQ the same per post. The day is
passed in (the dashboard's today, a report's last day): nothing here reads the computer's clock.

Engine-neutral (the same on HQ's PostgreSQL), and quick at a million cases, where reading every goods
line of two years took 15 s a dashboard refresh: cases are counted per week from indexes alone (the
statuses named, never "not voided", which no index can seek); the seized quantities of the 23 whole
months before the current one come from the stored half-month tallies the 389 report reads
(``app.tallies``: approved and closed cases; stored here first when missing), with the dashboard's
drafts and submitted cases summed beside them in SQL; only the current month's goods lines are read,
for its quantities and the reward progress (docs/performance.md)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from app import periods, tallies
from app.auth import require
from app.case_query import occurred_between
from app.domain import STATUSES, Actor
from app.periods import Period
from db import models as m
from db.types import decimal_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.context import Context

WEEKS = 52  # a year of report weeks
MONTHS = 12
# Reports count approved and closed cases only (app/tallies.py COUNTED, as the stored tallies do); the
# dashboard every case not voided, as its other figures do: the counted ones and these.
LIVE = tuple(status for status in STATUSES if status != "voided")
_LIVE_UNCOUNTED = tuple(status for status in LIVE if status not in tallies.COUNTED)


@dataclass(frozen=True)
class Series:
    """One violation group's cases per week (aligned with ``ChartData.weeks``)."""

    code: str
    values: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass(frozen=True)
class Seized:
    """One commodity's seized quantity per month in its base unit, and the same months a year before."""

    commodity: str
    unit: str
    values: tuple[Decimal, ...]
    before: tuple[Decimal, ...]


@dataclass(frozen=True)
class Progress:
    """How far towards a reward threshold: the month's total (``monthly``), or the month's largest
    single case (``single_case``, in base units or đồng for counterfeit goods' value)."""

    rule: str
    kind: str  # monthly | single_case
    text: str  # the rule as the plan words it
    amount: Decimal
    threshold: Decimal
    unit: str

    @property
    def share(self) -> float:
        """The part of the threshold reached, 0 to 1 (capped: a chart bar stops at the threshold)."""
        return min(float(self.amount / self.threshold), 1.0) if self.threshold else 0.0

    @property
    def percent(self) -> int:
        """The amount against the threshold, in whole per cent and floored (99,9 % never reads as
        reached), past 100 when the threshold is passed: the label says 582 %, the bar stops at 100."""
        return int(self.amount * 100 / self.threshold) if self.threshold else 0

    @property
    def reached(self) -> bool:
        return self.amount >= self.threshold


@dataclass(frozen=True)
class PostFigures:
    """HQ: one post's cases over the 12 months by violation group, and its progress this month."""

    code: str
    name: str
    cases: tuple[int, ...]  # aligned with ``ChartData.groups``
    rewards: tuple[Progress, ...]

    @property
    def total(self) -> int:
        return sum(self.cases)


@dataclass(frozen=True)
class ChartData:
    day: date
    groups: tuple[str, ...]  # the violation groups drawn, in the reference's order
    weeks: tuple[Period, ...]  # oldest first; the last holds ``day`` (a report's: cut to its 12 months)
    weekly: tuple[Series, ...]  # one per group in ``groups``
    months: tuple[Period, ...]  # oldest first; the last holds ``day``
    seized: tuple[Seized, ...]  # commodities seized in these months or the year before
    month: Period  # the month the reward progress is for
    rewards: tuple[Progress, ...]
    posts: tuple[PostFigures, ...] = ()  # at HQ, one per post; empty at a post


def axis_top(value: float) -> float:
    """The top of a value axis drawn in four steps, each a round number (1 to 10 times a power
    of ten; never a fraction, counts are whole): 3 → 4, 9 → 12, 11 500 → 12 000."""
    step = max(value, 4.0) / 4
    magnitude = 10.0 ** math.floor(math.log10(step))
    for factor in (1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if factor == 2.5 and magnitude < 10:
            continue
        if factor * magnitude >= step:
            return 4 * factor * magnitude
    return 40 * magnitude


def _month_back(year: int, month: int, back: int) -> tuple[int, int]:
    index = year * 12 + month - 1 - back
    return index // 12, index % 12 + 1


def last_months(day: date, mode: str, count: int = MONTHS) -> tuple[Period, ...]:
    """The ``count`` reporting months ending with the one ``day`` falls in, oldest first."""
    year, month = periods.reporting_month(day, mode)
    return tuple(
        periods.month(*_month_back(year, month, back), mode=mode) for back in range(count - 1, -1, -1)
    )


def last_weeks(day: date, offset_days: int, count: int = WEEKS) -> tuple[Period, ...]:
    """The ``count`` report weeks ending with the one ``day`` falls in, oldest first."""
    return tuple(
        periods.week_of(day - timedelta(days=7 * back), offset_days) for back in range(count - 1, -1, -1)
    )


def weeks_between(first: date, last: date, offset_days: int) -> tuple[Period, ...]:
    """The report weeks from ``first`` to ``last``, oldest first, the first and last cut at those days:
    a report's bars then count the same cases as its tables (not the days before its 12 months)."""
    weeks = []
    day = first
    while day <= last:
        week = periods.week_of(day, offset_days)
        weeks.append(replace(week, start=max(week.start, first), end=min(week.end, last)))
        day = week.end + timedelta(days=1)
    return tuple(weeks)


def build_chart_data(
    ctx: Context,
    actor: Actor,
    day: date,
    *,
    station_ids: Sequence[str] | None = None,
    reports: bool = False,
    mode: str | None = None,
) -> ChartData:
    """The charts' figures for the 12 months ending with ``day``'s week and month.

    ``station_ids`` keeps the cases of those stations only (a post's report; at a post its register
    holds only its own cases anyway). ``reports`` counts as the 389 report does: approved and closed
    cases only, in weeks cut to the 12 months' first and last day (so the bars add up to the tables);
    otherwise every case not voided in the 52 weeks ending with ``day``'s, as the dashboard does. At
    HQ with no ``station_ids`` the figures are also given per post."""
    require(actor, "case.read")
    settings = ctx.settings
    mode = mode or settings.report_period_mode
    reference = ctx.reference
    months = last_months(day, mode)
    # A report's weekly bars cover its 12 months exactly; the dashboard's run to today's whole week.
    weeks = (
        weeks_between(months[0].start, day, settings.weekly_window_end_offset_days)
        if reports
        else last_weeks(day, settings.weekly_window_end_offset_days)
    )
    before = tuple(p.shifted_years(-1) for p in months)
    month = months[-1]
    statuses = tallies.COUNTED if reports else LIVE
    origins = sorted(station_ids) if station_ids is not None else None
    conditions: list[Any] = [m.Case.status.in_(statuses)]
    if origins is not None:
        conditions.append(m.Case.origin.in_(origins))
    per_post = ctx.kind == "hq" and station_ids is None
    # Slots of the seized quantities: the year before's 12 months, then these 12. All but the current
    # month are whole half-months wholly before it, which changes least: stored tallies serve them.
    slots = (*before, *months)
    stored_slots = range(len(slots) - 1)
    watch = tallies.Watch.of(reference.rewards)  # the watch the 389 report stores its tallies with
    halves = {half for slot in stored_slots for half in tallies.whole_halves(*_days(slots[slot]))}
    with ctx.sessions.reads() as session:
        everyone = origins if origins is not None else list(session.scalars(select(m.Station.id)))
    # Half-months not stored yet (or changed since) are counted and stored once, as a report does; when
    # another program holds the write lock they are counted from the cases below instead.
    tallies.refresh(ctx.sessions, halves, everyone, watch, zone=ctx.zone)
    with ctx.sessions.reads() as session:
        weekly = (
            _weekly_per_origin(session, weeks, conditions, ctx.zone)
            if per_post or origins is not None
            else _weekly(session, weeks, statuses, tuple(reference.lists["violation_groups"]), ctx.zone)
        )
        quantities: dict[tuple[str, int], Decimal] = defaultdict(Decimal)

        def add(slot: int, commodity: str, base_unit: str, quantity: Decimal) -> None:
            known = reference.commodities.get(commodity)
            if known is not None and base_unit == known.base_unit:  # else it cannot be added up
                quantities[commodity, slot] += quantity

        counted = tallies.tally(
            session,
            [_days(slots[slot]) for slot in stored_slots],
            origins,
            None,
            tallies.Watch(),  # no case's own totals: only the goods
            zone=ctx.zone,
            rules=watch,
        )
        for slot, facts in zip(stored_slots, counted, strict=True):
            for (_origin, _group, _force, commodity, base_unit), line in facts.goods.items():
                add(slot, commodity, base_unit, line[0])
        if not reports:
            for slot in stored_slots:
                for commodity, base_unit, total in _uncounted_goods(session, slots[slot], origins, ctx.zone):
                    add(slot, commodity, base_unit, total)
        # The current month's lines whole, for its quantities and the reward progress. Through the
        # connection, not the ORM: plain rows are what is summed.
        # (case, origin, group, commodity, quantity in the base unit or None, value in đồng)
        this_month: list[tuple[str, str, str, str, Decimal | None, int | None]] = []
        for case_id, origin, group, commodity, quantity, base_unit, value in session.connection().execute(
            select(
                m.Case.id,
                m.Case.origin,
                m.Case.violation_group,
                m.GoodsLine.commodity,
                m.GoodsLine.base_quantity,
                m.GoodsLine.base_unit,
                m.GoodsLine.value_vnd,
            )
            .join(m.GoodsLine, m.GoodsLine.case_id == m.Case.id)
            .where(*conditions, *occurred_between(month.start, month.end, ctx.zone))
        ):
            known = reference.commodities.get(commodity)
            if known is not None and base_unit == known.base_unit:
                quantities[commodity, len(slots) - 1] += quantity
                this_month.append((case_id, origin, group, commodity, quantity, value))
            else:  # no quantity to add up (bottles, pairs), but its value counts for counterfeit goods
                this_month.append((case_id, origin, group, commodity, None, value))
        posts = (
            session.execute(
                select(m.Station.id, m.Station.code, m.Station.name)
                .where(m.Station.kind == "post")
                .order_by(m.Station.code)
            ).all()
            if per_post
            else []
        )
    groups = tuple(
        code for code in reference.lists["violation_groups"] if any(g == code for _i, _o, g in weekly)
    )
    series = tuple(
        Series(
            code,
            tuple(
                sum(n for (i, _o, g), n in weekly.items() if i == w and g == code) for w in range(len(weeks))
            ),
        )
        for code in groups
    )
    seized = tuple(
        Seized(
            code,
            commodity.base_unit,
            tuple(quantities.get((code, MONTHS + i), Decimal(0)) for i in range(MONTHS)),
            tuple(quantities.get((code, i), Decimal(0)) for i in range(MONTHS)),
        )
        for code, commodity in reference.commodities.items()
        if any((code, i) in quantities for i in range(2 * MONTHS))
    )
    rules = reference.rewards
    in_force = _rules_apply(dict(rules), month)
    rewards = _progress(rules, this_month) if in_force else ()
    figures = tuple(
        PostFigures(
            code,
            name,
            tuple(
                sum(n for (_i, o, g), n in weekly.items() if o == station_id and g == group)
                for group in groups
            ),
            _progress(rules, [line for line in this_month if line[1] == station_id]) if in_force else (),
        )
        for station_id, code, name in posts
    )
    return ChartData(day, groups, weeks, series, months, seized, month, rewards, figures)


def _weekly_per_origin(
    session: Session, weeks: Sequence[Period], conditions: Sequence[Any], zone: tzinfo
) -> dict[tuple[int, str, str], int]:
    """(week index, origin, group) → cases: one range query a week on the report index, which holds the
    status, the post and the group."""
    weekly: dict[tuple[int, str, str], int] = {}
    for index, week in enumerate(weeks):
        counts = (
            select(m.Case.origin, m.Case.violation_group, func.count())
            .where(*conditions, *occurred_between(week.start, week.end, zone))
            .group_by(m.Case.origin, m.Case.violation_group)
        )
        for origin, group, n in session.execute(counts):
            weekly[index, origin, group] = int(n)
    return weekly


def _weekly(
    session: Session, weeks: Sequence[Period], statuses: Sequence[str], groups: Sequence[str], zone: tzinfo
) -> dict[tuple[int, str, str], int]:
    """(week index, "", group) → cases of ``statuses``, for the groups drawn, whoever's they are: each
    week's cases per group from the narrow group-and-time index (a quarter of the report index's pages,
    so a year of weeks stays in the page cache), less those of the other statuses (voided ones, and for
    a report drafts and submitted cases too) from the report index."""
    weekly: dict[tuple[int, str, str], int] = defaultdict(int)
    others = tuple(status for status in STATUSES if status not in statuses)
    group = m.Case.violation_group
    for index, week in enumerate(weeks):
        window = occurred_between(week.start, week.end, zone)
        every = select(group, func.count()).where(group.in_(groups), *window).group_by(group)
        for code, n in session.execute(every):
            weekly[index, "", code] += int(n)
        left_out = select(group, func.count()).where(m.Case.status.in_(others), *window).group_by(group)
        for code, n in session.execute(left_out):
            if code in groups:
                weekly[index, "", code] -= int(n)
    return {key: n for key, n in weekly.items() if n}


def _days(period: Period) -> tuple[date, date]:
    return period.start, period.end


def _uncounted_goods(
    session: Session, period: Period, origins: Sequence[str] | None, zone: tzinfo
) -> list[tuple[str, str, Decimal]]:
    """The dashboard's cases the stored tallies leave out (drafts and submitted cases) of ``period``:
    their seized quantity per commodity and base unit, summed exactly by the database."""
    c, g = m.Case, m.GoodsLine
    conditions = [c.status.in_(_LIVE_UNCOUNTED), *occurred_between(period.start, period.end, zone)]
    if origins is not None:
        conditions.append(c.origin.in_(origins))
    rows = session.execute(
        select(g.commodity, g.base_unit, *tallies.exact_quantity_sums(session))
        .select_from(c)
        .join(g, g.case_id == c.id)
        .where(*conditions)
        .group_by(g.commodity, g.base_unit)
    )
    # In the canonical form the lines are stored in (the sum's own carries 18 decimal places).
    return [
        (commodity, base_unit, Decimal(decimal_text(tallies.decimal_sum(*sums))))
        for commodity, base_unit, *sums in rows
    ]


def _rules_apply(rules: dict[str, Any], period: Period) -> bool:
    starts = date.fromisoformat(rules.get("effective_from", "1900-01-01"))
    ends = date.fromisoformat(rules.get("effective_to", "9999-12-31"))
    return starts <= period.end and period.start <= ends


def _progress(
    rules: Any, lines: Sequence[tuple[str, str, str, str, Decimal | None, int | None]]
) -> tuple[Progress, ...]:
    """Each threshold rule Outpost evaluates (docs/domain.md), against the month's goods lines: the
    quantities in base units, a counterfeit case's value in đồng whatever the unit of its goods (as the
    report's reward table counts it)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    per_case: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    values: dict[str, int] = defaultdict(int)
    for case_id, _origin, group, commodity, quantity, value in lines:
        if quantity is not None:
            totals[commodity] += quantity
            per_case[case_id, commodity] += quantity
        if group == "counterfeit_ip" and value:
            values[case_id] += value

    def largest(commodity: str) -> Decimal:
        return max((q for (_c, code), q in per_case.items() if code == commodity), default=Decimal(0))

    found = [
        Progress(
            rule["code"],
            "monthly",
            rule["vi"],
            totals.get(rule["commodity"], Decimal(0)),
            Decimal(rule["min_base_quantity"]),
            rule["unit"],
        )
        for rule in rules.get("monthly_total", {}).get("rules", [])
    ]
    found += [
        Progress(
            rule["code"],
            "single_case",
            rule["vi"],
            largest(rule["commodity"]),
            Decimal(rule["min_base_quantity"]),
            rule["unit"],
        )
        for rule in rules.get("single_case", [])
    ]
    found += [
        Progress(
            rule["code"],
            "single_case",
            rule["vi"],
            Decimal(max(values.values(), default=0)),
            Decimal(rule["min_value_vnd"]),
            "đồng",
        )
        for rule in rules.get("counterfeit", [])
        if "min_value_vnd" in rule
    ]
    return tuple(found)
