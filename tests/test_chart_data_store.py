"""The charts' figures read from the stored half-month tallies (app/chart_data.py) equal a plain count
of the cases done here, case by case: whatever the statuses, at the edges of months and half-months in
the register's time zone, and after a tallied case is changed or voided."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import periods, tallies
from app.chart_data import ChartData, build_chart_data, last_months, last_weeks
from app.context import Context
from app.demo import generate_demo
from app.domain import Actor, GoodsInput
from db import models as m
from tests.helpers.cases import ICT, sample_case
from tests.helpers.charts import write_cases
from tests.helpers.registers import Post
from tests.helpers.sync import Pair, export_parts, import_at_hq

# Around the fixed "now" (25 Nov 2026; statistical months 15th → 14th): the last minute of a month and
# the first of the next, the two sides of a half-month inside a month, a year before, the current month.
EDGES = [
    (datetime(2026, 11, 14, 23, 59, tzinfo=ICT), "prohibited_smuggled", "7"),
    (datetime(2026, 11, 15, 0, 0, tzinfo=ICT), "trade_fraud", "11"),
    (datetime(2026, 10, 31, 23, 59, tzinfo=ICT), "trade_fraud", "13"),
    (datetime(2026, 11, 1, 0, 0, tzinfo=ICT), "other", "17"),
    (datetime(2025, 11, 14, 23, 59, tzinfo=ICT), "prohibited_smuggled", "19"),
    (datetime(2025, 11, 15, 0, 0, tzinfo=ICT), "prohibited_smuggled", "23"),
    (datetime(2025, 12, 14, 23, 59, tzinfo=ICT), "counterfeit_ip", "29"),  # the first month's last minute
]


def _by_hand(
    ctx: Context,
    day: date,
    *,
    reports: bool = False,
    station_ids: Sequence[str] | None = None,
    mode: str | None = None,
) -> dict[str, Any]:
    """What the charts should draw, from every case of the register read whole."""
    settings, reference = ctx.settings, ctx.reference
    months = last_months(day, mode or settings.report_period_mode)
    weeks = last_weeks(day, settings.weekly_window_end_offset_days)
    if reports:  # a report's weeks: the days of its 12 months, grouped by their report week
        spans: dict[date, list[date]] = {}
        offset = settings.weekly_window_end_offset_days
        for n in range((day - months[0].start).days + 1):
            one = months[0].start + timedelta(days=n)
            spans.setdefault(periods.week_of(one, offset).start, []).append(one)
        weeks = tuple(periods.custom(days[0], days[-1]) for days in spans.values())
    slots = [*(p.shifted_years(-1) for p in months), *months]
    statuses = {"approved", "closed"} if reports else {"draft", "submitted", "approved", "closed"}
    with ctx.sessions.reads() as session:
        posts = {s.id: s.code for s in session.scalars(select(m.Station)) if s.kind == "post"}
        cases = [
            (c.id, c.origin, c.violation_group, c.occurred_at.astimezone(ctx.zone).date(), list(c.goods))
            for c in session.scalars(select(m.Case).options(selectinload(m.Case.goods)))
            if c.status in statuses and (station_ids is None or c.origin in station_ids)
        ]
    weekly: Counter[tuple[str, int]] = Counter()
    per_post: Counter[tuple[str, str]] = Counter()
    seized: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * len(slots))
    held: set[str] = set()
    month_total: dict[str, Decimal] = defaultdict(Decimal)
    case_total: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    fake_value: dict[str, int] = defaultdict(int)
    for case_id, origin, group, day_of, goods in cases:
        for index, week in enumerate(weeks):
            if week.start <= day_of <= week.end:
                weekly[group, index] += 1
                if origin in posts:
                    per_post[posts[origin], group] += 1
        for line in goods:
            known = reference.commodities.get(line.commodity)
            if known is None or line.base_unit != known.base_unit:
                continue
            for slot, period in enumerate(slots):
                if period.start <= day_of <= period.end:
                    seized[line.commodity][slot] += line.base_quantity
                    held.add(line.commodity)
            if months[-1].start <= day_of <= months[-1].end:
                month_total[line.commodity] += line.base_quantity
                case_total[case_id, line.commodity] += line.base_quantity
                if group == "counterfeit_ip" and line.value_vnd:
                    fake_value[case_id] += line.value_vnd
    rules = reference.rewards
    rewards = {
        r["code"]: month_total.get(r["commodity"], Decimal(0)) for r in rules["monthly_total"]["rules"]
    }
    rewards.update(
        {
            r["code"]: max(
                (q for (_c, k), q in case_total.items() if k == r["commodity"]), default=Decimal(0)
            )
            for r in rules.get("single_case", [])
        }
    )
    rewards.update(
        {
            r["code"]: Decimal(max(fake_value.values(), default=0))
            for r in rules.get("counterfeit", [])
            if "min_value_vnd" in r
        }
    )
    return {
        "weeks": [(w.start, w.end) for w in weeks],
        "months": [(p.start, p.end) for p in months],
        "weekly": dict(weekly),
        "groups": tuple(g for g in reference.lists["violation_groups"] if any(k[0] == g for k in weekly)),
        "seized": {c: (tuple(v[12:]), tuple(v[:12])) for c, v in seized.items() if c in held},
        "rewards": rewards,
        "per_post": dict(per_post),
    }


def _drawn(data: ChartData) -> dict[str, Any]:
    return {
        "weeks": [(w.start, w.end) for w in data.weeks],
        "months": [(p.start, p.end) for p in data.months],
        "weekly": {(s.code, i): n for s in data.weekly for i, n in enumerate(s.values) if n},
        "groups": data.groups,
        "seized": {s.commodity: (s.values, s.before) for s in data.seized},
        "rewards": {p.rule: p.amount for p in data.rewards},
    }


def _agree(ctx: Context, actor: Actor, day: date, **options: Any) -> ChartData:
    """The charts' figures for ``day``, checked against the count by hand (per post at HQ)."""
    data = build_chart_data(ctx, actor, day, **options)
    expected = _by_hand(ctx, day, **options)
    per_post = expected.pop("per_post")
    assert _drawn(data) == expected
    drawn = {
        (post.code, group): n
        for post in data.posts
        for group, n in zip(data.groups, post.cases, strict=True)
        if n
    }
    assert drawn == (per_post if data.posts else {})
    return data


def _stored(ctx: Context) -> set[date]:
    with ctx.sessions.reads() as session:
        return set(session.scalars(select(m.ReportHalf.half)))


@pytest.fixture
def register(post: Post) -> Post:
    """Demo cases of three years (every status), then the edge cases: approved, submitted, drafts."""
    generate_demo(post.ctx, post.admin, cases=400, seed=3)
    write_cases(post, EDGES[:4], approve=True)
    write_cases(post, EDGES[4:5])
    made = post.ctx.cases.create(post.officer, sample_case(occurred_at=EDGES[5][0]))
    post.ctx.cases.submit(post.officer, made.id)
    write_cases(post, EDGES[6:], approve=True)
    return post


def test_figures_from_the_stored_tallies_equal_a_count_of_the_cases(register: Post) -> None:
    ctx, chief, day = register.ctx, register.chief, register.ctx.today()
    with ctx.sessions.reads() as session:
        statuses = set(session.scalars(select(m.Case.status).distinct()))
    assert statuses == {"draft", "submitted", "approved", "closed", "voided"}
    data = _agree(ctx, chief, day)
    assert data.month.start == date(2026, 11, 15) and sum(s.total for s in data.weekly) > 100
    # Every half-month of the 23 months before the current one is stored now, and read from there.
    earlier = (*data.months[:-1], *(p.shifted_years(-1) for p in data.months))
    past = {h for p in earlier for h in tallies.whole_halves(p.start, p.end)}
    assert len(past) == 46 and past <= _stored(ctx)
    _agree(ctx, chief, day, reports=True)
    _agree(ctx, chief, day, reports=True, station_ids=[chief.station_id])
    _agree(ctx, chief, day, mode="calendar")  # months cut at the 1st: whole halves too
    _agree(ctx, chief, date(2026, 10, 31), reports=True, mode="calendar")  # a report's last day


def test_a_tallied_case_changed_or_voided_shows_at_once(register: Post) -> None:
    ctx, day = register.ctx, register.ctx.today()
    _agree(ctx, register.chief, day)
    with ctx.sessions.reads() as session:
        approved = list(
            session.scalars(
                select(m.Case.id)
                .where(m.Case.status == "approved", m.Case.occurred_at < datetime(2026, 10, 1, tzinfo=ICT))
                .order_by(m.Case.occurred_at.desc())
                .limit(2)
            )
        )
    # One moved to another month with other goods, by its chief...
    moved, voided = approved
    current = ctx.cases.get(register.chief, moved)
    goods = (GoodsInput("cigarettes", Decimal("151.5"), "cây", "Thuốc lá"),)
    when = datetime(2026, 3, 14, 23, 59, tzinfo=ICT)
    ctx.cases.update(register.chief, moved, sample_case(occurred_at=when, goods=goods), current.version)
    # ...and another voided: the charts follow both, counted or read again from the store.
    ctx.cases.void(register.chief, voided, "Trùng với vụ khác")
    _agree(ctx, register.chief, day)
    _agree(ctx, register.chief, day, reports=True)


@pytest.mark.both_engines  # HQ counts the weeks per post and reads its own tallies (plpgsql triggers)
def test_at_hq_the_figures_per_post_equal_a_count_of_the_cases(
    demo_pair: Callable[[int, int], Pair], now: datetime
) -> None:
    pair = demo_pair(300, 7)
    import_at_hq(pair, export_parts(pair, "out"))
    hq = pair.hq
    day = hq.ctx.today()
    data = _agree(hq.ctx, hq.admin, day)
    assert [p.code for p in data.posts] == [pair.post.ctx.station_code]
    _agree(hq.ctx, hq.admin, day, reports=True)
    # A post's case changed after HQ stored its tallies: the next import drops them, the charts follow.
    with pair.post.ctx.sessions.reads() as session:
        old = session.scalars(
            select(m.Case.id)
            .where(m.Case.status == "approved", m.Case.occurred_at < now - timedelta(days=90))
            .limit(1)
        ).one()
    pair.post.ctx.cases.void(pair.post.chief, old, "Trùng với vụ khác")
    import_at_hq(pair, export_parts(pair, "again"))
    _agree(hq.ctx, hq.admin, day)
