"""The home dashboard's figures, all computed from the register: this week's and this month's cases
by violation group and commodity, the approval queue, cases over a reward or criminal threshold,
the month's totals against the monthly reward rules, and the weekly report reminder.

Voided cases count nowhere. Weeks are report windows; months follow the post's period mode.

Quick at a million cases: the cases are counted from indexes alone (the statuses named, which the
report index can seek, never "not voided", which sent each count through the table), the month's
goods lines are read once (its commodities' counts come from them) and only the alerts' own cases
are looked up for their local time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from app import periods
from app.auth import require
from app.case_query import occurred_between
from app.coverage import Coverage, register_coverage
from app.domain import STATUSES, Actor
from app.periods import Period
from db import models as m

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.context import Context

LIVE = tuple(status for status in STATUSES if status != "voided")
_IDS_PER_QUERY = 500  # the alerts' cases looked up at a time (well under any engine's parameter limit)


@dataclass(frozen=True)
class Tally:
    """Cases of one violation group or commodity; for a commodity, the month's quantity too."""

    code: str
    week: int
    month: int
    month_quantity: Decimal | None = None
    unit: str = ""
    # The month's quantities in units with no fixed size (bottles, pairs), each added up on its own.
    other_quantities: tuple[tuple[Decimal, str], ...] = ()


@dataclass(frozen=True)
class Alert:
    """A case that crosses a threshold: ``criminal`` (hand over for prosecution) or ``reward``."""

    kind: str
    case_id: str
    number: str
    occurred_at: datetime
    commodity: str | None
    amount: Decimal  # quantity in ``unit``, or a value in đồng (unit "đồng")
    unit: str
    threshold: Decimal
    rule: str  # the rule as the plan words it, or "" for the criminal threshold


@dataclass(frozen=True)
class MonthlyGoal:
    """The post's total this month against a monthly reward rule."""

    code: str
    commodity: str
    total: Decimal
    threshold: Decimal
    unit: str
    rule: str

    @property
    def reached(self) -> bool:
        return self.total >= self.threshold


@dataclass(frozen=True)
class Dashboard:
    today: date
    week: Period
    month: Period
    week_total: int
    month_total: int
    by_group: tuple[Tally, ...]
    by_commodity: tuple[Tally, ...]
    awaiting: int
    drafts: int
    alerts: tuple[Alert, ...]
    goals: tuple[MonthlyGoal, ...]
    weekly_due: date | None  # set on the due Wednesday and the day before
    weekly_window: Period | None
    # At HQ, the posts' cases still in their hands (their chiefs approve them, not HQ): shown apart from
    # HQ's own drafts and queue above. Always 0 at a post.
    posts_drafts: int = 0
    posts_awaiting: int = 0
    # This month's coverage (app/coverage.py): at a post its own area, at HQ each post's.
    coverage: tuple[Coverage, ...] = ()


def _window(period: Period, zone: tzinfo) -> list[Any]:
    return occurred_between(period.start, period.end, zone)


def _rules_apply(rules: dict[str, Any], period: Period) -> bool:
    starts = date.fromisoformat(rules.get("effective_from", "1900-01-01"))
    ends = date.fromisoformat(rules.get("effective_to", "9999-12-31"))
    return starts <= period.end and period.start <= ends


def build_dashboard(ctx: Context, actor: Actor, today: date | None = None) -> Dashboard:
    require(actor, "case.read")
    settings = ctx.settings
    today = today or ctx.today()
    week = periods.week_of(today, settings.weekly_window_end_offset_days)
    month = periods.month_of(today, settings.report_period_mode)
    live = m.Case.status.in_(LIVE)
    with ctx.sessions.reads() as session:

        def by_group(period: Period) -> dict[str, int]:
            query = (
                select(m.Case.violation_group, func.count())
                .where(live, *_window(period, ctx.zone))
                .group_by(m.Case.violation_group)
            )
            return {code: int(n) for code, n in session.execute(query)}

        def by_commodity(period: Period) -> dict[str, int]:
            query = (
                select(m.GoodsLine.commodity, func.count(m.Case.id.distinct()))
                .select_from(m.Case)
                .join(m.GoodsLine, m.Case.id == m.GoodsLine.case_id)
                .where(live, *_window(period, ctx.zone))
                .group_by(m.GoodsLine.commodity)
            )
            return {code: int(n) for code, n in session.execute(query)}

        week_groups, month_groups = by_group(week), by_group(month)
        week_goods = by_commodity(week)
        # A post has only its own cases; HQ holds the posts' as well, counted apart (each post's chief
        # approves its own): all of them, then HQ's own. Each count reads one index.
        statuses: dict[tuple[bool, str], int] = defaultdict(int)
        waiting = m.Case.status.in_(("draft", "submitted"))
        count_by_status = select(m.Case.status, func.count()).where(waiting).group_by(m.Case.status)
        for status, n in session.execute(count_by_status):
            statuses[ctx.kind != "hq", status] += int(n)
        if ctx.kind == "hq":
            for status, n in session.execute(count_by_status.where(m.Case.origin == ctx.station_id)):
                statuses[True, status] += int(n)
                statuses[False, status] -= int(n)
        # The case columns here are all in the report index: no case row is read for them. Plain rows
        # through the connection, not the ORM's: its row handling was a third of the dashboard's time.
        lines = (
            session.connection()
            .execute(
                select(
                    m.Case.id,
                    m.Case.violation_group,
                    m.GoodsLine.commodity,
                    m.GoodsLine.base_quantity,
                    m.GoodsLine.base_unit,
                    m.GoodsLine.value_vnd,
                )
                .join(m.GoodsLine, m.GoodsLine.case_id == m.Case.id)
                .where(live, *_window(month, ctx.zone))
            )
            .all()
        )
        month_goods = {code: len(ids) for code, ids in _cases_per_commodity(lines).items()}
        quantities, alerts, goals = _thresholds(ctx, month, lines, session)
        others = _other_units(ctx.reference, lines)
        areas = register_coverage(session, ctx.kind, ctx.station_id, month.start, month.end, ctx.zone)
    groups = tuple(
        Tally(code, week_groups.get(code, 0), month_groups.get(code, 0))
        for code in ctx.reference.lists["violation_groups"]
        if code in week_groups or code in month_groups
    )
    goods = tuple(
        Tally(
            code,
            week_goods.get(code, 0),
            month_goods.get(code, 0),
            quantities[code][0] if code in quantities else None,
            quantities[code][1] if code in quantities else "",
            other_quantities=tuple(sorted((total, unit) for unit, total in others.get(code, {}).items())),
        )
        for code in ctx.reference.commodities
        if code in week_goods or code in month_goods
    )
    due = periods.weekly_report_due(today, settings.weekly_window_end_offset_days)
    return Dashboard(
        today=today,
        week=week,
        month=month,
        week_total=sum(week_groups.values()),
        month_total=sum(month_groups.values()),
        by_group=groups,
        by_commodity=goods,
        awaiting=statuses.get((True, "submitted"), 0),
        drafts=statuses.get((True, "draft"), 0),
        alerts=tuple(alerts),
        goals=tuple(goals),
        weekly_due=due[1] if due else None,
        weekly_window=due[0] if due else None,
        posts_drafts=statuses.get((False, "draft"), 0),
        posts_awaiting=statuses.get((False, "submitted"), 0),
        coverage=areas,
    )


def _cases_per_commodity(lines: Sequence[Any]) -> dict[str, set[str]]:
    """The cases holding a line of each commodity, from the month's lines."""
    found: dict[str, set[str]] = defaultdict(set)
    for line in lines:
        found[line[2]].add(line[0])
    return found


def _other_units(reference: Any, lines: Sequence[Any]) -> dict[str, dict[str, Decimal]]:
    """The month's quantities of each commodity in a unit that is not its base unit (a unit with no
    fixed size, such as bottles: ``base_unit`` keeps the unit as entered), per unit."""
    found: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for _case_id, _group, commodity, quantity, base_unit, _value in lines:
        known = reference.commodities.get(commodity)
        if known is not None and base_unit != known.base_unit:
            found[commodity][base_unit] += quantity
    return found


def _thresholds(
    ctx: Context, month: Period, lines: Sequence[Any], session: Session
) -> tuple[dict[str, tuple[Decimal, str]], list[Alert], list[MonthlyGoal]]:
    """The month's quantity per commodity, the cases over a threshold, and the monthly goals."""
    reference = ctx.reference
    per_case: dict[tuple[str, str], Decimal] = defaultdict(Decimal)  # (case, commodity) in base unit
    per_case_value: dict[str, int] = defaultdict(int)  # counterfeit cases' value in đồng
    month_total: dict[str, Decimal] = defaultdict(Decimal)
    for case_id, group, commodity, quantity, base_unit, value in lines:
        if group == "counterfeit_ip" and value:
            per_case_value[case_id] += value  # a value in đồng adds up whatever the unit
        known = reference.commodities.get(commodity)
        if known is None or base_unit != known.base_unit:
            continue  # a unit without a fixed size cannot be added up with the others
        per_case[case_id, commodity] += quantity
        month_total[commodity] += quantity
    rules = reference.rewards
    in_force = _rules_apply(dict(rules), month)
    # (kind, case, commodity, amount, unit, threshold, rule): the case's number and time are added below.
    found: list[tuple[str, str, str | None, Decimal, str, Decimal, str]] = []

    def alert(
        kind: str,
        case_id: str,
        commodity: str | None,
        amount: Decimal,
        unit: str,
        threshold: Decimal,
        rule: str,
    ) -> None:
        found.append((kind, case_id, commodity, amount, unit, threshold, rule))

    single = [r for r in rules.get("single_case", []) if in_force]
    for (case_id, commodity), quantity in per_case.items():
        known = reference.commodities[commodity]
        if known.criminal_threshold is not None and quantity >= known.criminal_threshold:
            alert("criminal", case_id, commodity, quantity, known.base_unit, known.criminal_threshold, "")
        for rule in single:
            if rule["commodity"] == commodity and quantity >= Decimal(rule["min_base_quantity"]):
                alert(
                    "reward",
                    case_id,
                    commodity,
                    quantity,
                    rule["unit"],
                    Decimal(rule["min_base_quantity"]),
                    rule["vi"],
                )
    for rule in rules.get("counterfeit", []) if in_force else []:
        if "min_value_vnd" not in rule:
            continue
        for case_id, value in per_case_value.items():
            if value >= rule["min_value_vnd"]:
                alert(
                    "reward",
                    case_id,
                    None,
                    Decimal(value),
                    "đồng",
                    Decimal(rule["min_value_vnd"]),
                    rule["vi"],
                )
    # Each alert's case number and time, as its case was recorded (its own offset from UTC), looked up
    # for these cases only.
    cases: dict[str, tuple[str, datetime]] = {}
    wanted = sorted({fields[1] for fields in found})
    for start in range(0, len(wanted), _IDS_PER_QUERY):
        query = select(m.Case.id, m.Case.number, m.Case.occurred_at, m.Case.utc_offset_min).where(
            m.Case.id.in_(wanted[start : start + _IDS_PER_QUERY])
        )
        for case_id, number, occurred_at, offset in session.execute(query):
            cases[case_id] = (number, occurred_at.astimezone(timezone(timedelta(minutes=offset))))
    alerts = [
        Alert(kind, case_id, *cases[case_id], commodity, amount, unit, threshold, rule)
        for kind, case_id, commodity, amount, unit, threshold, rule in found
    ]
    alerts.sort(key=lambda a: (a.occurred_at, a.case_id), reverse=True)
    goals = [
        MonthlyGoal(
            rule["code"],
            rule["commodity"],
            month_total.get(rule["commodity"], Decimal(0)),
            Decimal(rule["min_base_quantity"]),
            rule["unit"],
            rule["vi"],
        )
        for rule in (rules.get("monthly_total", {}).get("rules", []) if in_force else [])
    ]
    quantities = {code: (total, reference.commodities[code].base_unit) for code, total in month_total.items()}
    return quantities, alerts, goals
