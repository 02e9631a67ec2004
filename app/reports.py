"""The periodic 389 summary report (DOMAIN §5, DESIGN §5), computed from the register.

Counted: approved and closed cases whose time of the offence falls in the period (local dates,
both ends included); drafts and cases awaiting approval are left out and their number is stated on
the report so that the chief can approve them first; voided cases count nowhere. A case counts once,
under its lead force, however many forces cooperated; a case handed over counts once, under the unit
that logged it. Money is in whole đồng; quantities are exact decimals in each commodity's base unit.

The same ``SummaryReport`` is written as PDF (``app.report_pdf``), Excel (``app.report_xlsx``) and
JSON (``as_json``), so the three always agree."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
)

from app import periods
from app.auth import require
from app.cases import occurred_between
from app.context import Context
from app.domain import VIETNAM, Actor
from app.errors import AppError, NotFound
from app.periods import Period
from app.progress import CancelToken, Progress, no_progress
from app.resources import resource_path
from db import models as m
from db.types import decimal_text

COUNTED = ("approved", "closed")
UNCOUNTED = ("draft", "submitted")
ADMINISTRATIVE = frozenset({"admin_fine", "confiscation", "destroyed"})
METRICS = (
    "cases",
    "admin_cases",
    "criminal_cases",
    "defendants",
    "handover_cases",
    "fines",
    "proceeds",
    "tax",
    "collections",
    "goods_value",
)


@dataclass
class Figures:
    """One row of the summary: the period's figures and the same period of the previous year."""

    code: str
    label: str
    now: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))
    before: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))

    def change(self, metric: str) -> Decimal | None:
        """± % against the same period last year, one decimal; None when last year had none."""
        previous = self.before[metric]
        if not previous:
            return None
        return (Decimal(self.now[metric] - previous) * 100 / previous).quantize(Decimal("0.1"))


@dataclass
class CommodityTotal:
    code: str
    label: str
    unit: str
    quantity: Decimal
    cases: int
    value: int
    quantity_before: Decimal

    def change(self) -> Decimal | None:
        if not self.quantity_before:
            return None
        return ((self.quantity - self.quantity_before) * 100 / self.quantity_before).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class RewardCandidate:
    """A case, or a post's statistical month, that meets a reward rule of the rules file."""

    rule: str  # the rule's code
    text: str  # the rule as the plan words it
    station: str
    case_number: str | None  # None for a monthly total
    month: str | None  # "15/10/2026 – 14/11/2026" for a monthly total
    amount: Decimal
    unit: str
    threshold: Decimal


@dataclass
class SummaryReport:
    kind: str
    period: Period
    previous: Period
    mode: str
    title: str
    scope: str  # the post, "every post", or the campaign
    stations: list[str]
    generated_at: datetime
    sections: dict[str, list[Figures]]  # "violation_group" and "force", in the order of the reference
    totals: Figures
    commodities: list[CommodityTotal]
    rewards: list[RewardCandidate]
    uncounted: dict[str, int]  # drafts and submitted cases in the period, not counted
    notes: list[str]


@dataclass(frozen=True)
class Scope:
    """What a report covers besides its period: one post (HQ may pick any), or a campaign's cases."""

    station_code: str | None = None
    campaign_id: str | None = None


def load_template(name: str = "summary-389") -> dict[str, Any]:
    """The report layout (titles, columns, sections) from ``resources/reports``: a data file, so the
    standing office's format can be matched without changing code."""
    path = resource_path("reports", f"{name}.json")
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _conditions(period: Period, scope: Scope, station_ids: Sequence[str] | None) -> list[Any]:
    conditions = occurred_between(period.start, period.end)
    if station_ids is not None:
        conditions.append(m.Case.origin.in_(station_ids))
    if scope.campaign_id:
        conditions.append(m.Case.campaign_id == scope.campaign_id)
    return conditions


@dataclass
class _Tally:
    """What one grouped pass over a period's counted cases and their goods lines yields."""

    months: list[Period]  # the statistical months of ``monthly``
    cells: dict[tuple[str, str], dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(METRICS, 0))
    )  # (violation group, lead force) → METRICS
    quantity: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    value: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    cases: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))  # holding it
    # (number, post, commodity, unit) for rule commodities; (number, post) → value for counterfeits;
    # (month index, post, commodity, unit) for the monthly rules.
    per_case: dict[tuple[str, ...], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    counterfeit: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    monthly: dict[tuple[Any, ...], Decimal] = field(default_factory=lambda: defaultdict(Decimal))


FRACTION_DIGITS = 18  # a base quantity has at most 6 decimals entered × 12 in a unit's factor


def _exact_quantity_sums(session: Any) -> tuple[Any, ...]:
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


def _decimal_sum(whole: Any, high: Any, low: Any, digits: Any) -> Decimal:
    if digits and int(digits) > FRACTION_DIGITS:
        raise AppError(
            f"a base quantity has more than {FRACTION_DIGITS} decimal places; it cannot be summed exactly"
        )
    if isinstance(whole, Decimal):
        return whole
    return Decimal(int(whole or 0)) + Decimal(int(high or 0)).scaleb(-9) + Decimal(int(low or 0)).scaleb(-18)


def _tally(
    session: Any,
    rules: Mapping[str, Any],
    period: Period,
    scope: Scope,
    station_ids: Sequence[str] | None,
    station_codes: Mapping[str, str],
    rewards: bool,
) -> _Tally:
    """One pass over the counted cases of ``period`` joined to their goods lines, grouped in SQL. With
    ``rewards``, it also covers every statistical month that overlaps the period (for the monthly
    rules) and keeps per-case totals of the commodities and groups the reward rules name."""
    months: list[Period] = []
    if rewards and rules.get("monthly_total", {}).get("rules"):
        month = periods.month_of(period.start, periods.STATISTICAL)
        while month.start <= period.end:
            months.append(month)
            month = periods.month_of(month.end + timedelta(days=1), periods.STATISTICAL)
    watched = {r["commodity"] for r in rules.get("single_case", []) if "commodity" in r} if rewards else set()
    fake_groups = (
        {
            r.get("violation_group", "counterfeit_ip")
            for r in rules.get("counterfeit", [])
            if "min_value_vnd" in r
        }
        if rewards
        else set()
    )
    monthly_commodities = {r["commodity"] for r in rules.get("monthly_total", {}).get("rules", [])}
    wide = Period(
        "custom",
        min([period.start, *(month.start for month in months)]),
        max([period.end, *(month.end for month in months)]),
    )
    c, g = m.Case, m.GoodsLine
    inside: Any = and_(*_conditions(period, Scope(), None)) if months else literal(True)
    bucket: Any = literal(-1)
    if months:
        bucket = case(
            *(
                (c.occurred_at < datetime.combine(month.end + timedelta(days=1), time(), VIETNAM), i)
                for i, month in enumerate(months)
            ),
            else_=-1,
        )
    # On SQLite a case's rowid (in every index entry) is a cheaper key to sort and count than its id.
    row_of_case: Any = literal_column("cases.rowid") if session.get_bind().dialect.name == "sqlite" else c.id
    case_key: Any = literal(None)
    if watched or fake_groups:
        case_key = case(
            (and_(inside, or_(g.commodity.in_(watched), c.violation_group.in_(fake_groups))), row_of_case),
            else_=None,
        )
    tally = _Tally(months)
    # The cases themselves, from the report index alone.
    for group, force, outcome, count, defendants, fines, proceeds, tax in session.execute(
        select(
            c.violation_group,
            c.lead_force,
            c.outcome,
            func.count(),
            func.coalesce(func.sum(c.defendants), 0),
            func.coalesce(func.sum(c.fine_vnd), 0),
            func.coalesce(func.sum(c.proceeds_vnd), 0),
            func.coalesce(func.sum(c.tax_vnd), 0),
        )
        .where(*_conditions(period, scope, station_ids), c.status.in_(COUNTED))
        .group_by(c.violation_group, c.lead_force, c.outcome)
    ):
        cell = tally.cells[group, force]
        cell["cases"] += count
        if outcome in ADMINISTRATIVE:
            cell["admin_cases"] += count
        if outcome == "criminal_transfer":
            cell["criminal_cases"] += count
            cell["defendants"] += int(defendants)
        if outcome == "handover":
            cell["handover_cases"] += count
        cell["fines"] += int(fines)
        cell["proceeds"] += int(proceeds)
        cell["tax"] += int(tax)
        cell["collections"] += int(fines) + int(proceeds) + int(tax)
    # Their goods lines: per group and force, commodity and unit; per post and statistical month, and
    # per case, only where a reward rule needs it (fewer groups to sort).
    origin: Any = c.origin if months or watched or fake_groups else literal(None)
    keys = (bucket, inside, origin, c.violation_group, c.lead_force, g.commodity, g.base_unit, case_key)
    for row in session.execute(
        select(
            *keys,
            func.max(case((case_key.is_not(None), c.number))),
            func.count(distinct(row_of_case)),
            func.coalesce(func.sum(g.value_vnd), 0),
            *_exact_quantity_sums(session),
        )
        .select_from(c)
        .join(g, g.case_id == c.id)
        .where(*_conditions(wide, scope, station_ids), c.status.in_(COUNTED))
        .group_by(*keys)
    ):
        month, is_inside, post, group, force, commodity, unit, _key, number, holding, value = row[:11]
        station = station_codes.get(post, post)
        quantity = _decimal_sum(*row[11:])
        if commodity in monthly_commodities and month >= 0:
            tally.monthly[month, station, commodity, unit] += quantity
        if not is_inside:
            continue
        tally.cells[group, force]["goods_value"] += int(value)
        tally.quantity[commodity, unit] += quantity
        tally.value[commodity, unit] += int(value)
        tally.cases[commodity, unit] += int(holding)
        if number is not None:
            if commodity in watched:
                tally.per_case[number, station, commodity, unit] += quantity
            if group in fake_groups and value:
                tally.counterfeit[number, station] += int(value)
    return tally


def _add(into: dict[str, int], figures: Mapping[str, int]) -> None:
    for metric in METRICS:
        into[metric] += figures[metric]


def build_report(
    ctx: Context,
    actor: Actor,
    kind: str,
    period: Period,
    scope: Scope = Scope(),
    *,
    mode: str | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> SummaryReport:
    """The summary report of ``period`` (with the same period of the previous year beside it)."""
    require(actor, "case.read")
    reference = ctx.reference
    template = load_template()
    mode = mode or ctx.settings.report_period_mode
    previous = period.shifted_years(-1)
    steps = 5
    with ctx.sessions.reads() as session:
        stations = {s.id: s for s in session.execute(select(m.Station)).scalars()}
        station_ids: list[str] | None = None
        scope_label = ""
        if scope.station_code:
            chosen = [s for s in stations.values() if s.code == scope.station_code]
            if not chosen:
                raise NotFound(f"no post {scope.station_code} in this register")
            station_ids = [chosen[0].id]
            scope_label = chosen[0].name
        elif actor.station_id in stations and stations[actor.station_id].kind == "post":
            station_ids = [actor.station_id]
            scope_label = stations[actor.station_id].name
        else:
            scope_label = "Tất cả các đồn"
        if scope.campaign_id:
            campaign = session.get(m.Campaign, scope.campaign_id)
            if campaign is None:
                raise NotFound(f"no campaign {scope.campaign_id} in this register")
            scope_label += f" — {campaign.name}"
        now_conditions = _conditions(period, scope, station_ids)
        codes = {s.id: s.code for s in stations.values()}
        rules = reference.rewards
        progress(0, steps)
        # The year before is tallied on a second reader at the same time (SQLite works outside the GIL).
        with ThreadPoolExecutor(max_workers=1) as pool:
            earlier = pool.submit(_tally_apart, ctx, rules, previous, scope, station_ids, codes)
            now = _tally(
                session, rules, period, scope, station_ids, codes, rewards=_rules_apply(rules, period)
            )
            _check(cancel)
            progress(2, steps)
            uncounted = {
                status: int(count)
                for status, count in session.execute(
                    select(m.Case.status, func.count())
                    .where(*now_conditions, m.Case.status.in_(UNCOUNTED))
                    .group_by(m.Case.status)
                ).all()
            }
            before = earlier.result()
        _check(cancel)
        progress(3, steps)
        rewards = reward_candidates(rules, now)
    progress(4, steps)
    sections: dict[str, list[Figures]] = {}
    totals = Figures("total", str(template["total_label"]))
    by_group = {code: Figures(code, item.vi) for code, item in reference.lists["violation_groups"].items()}
    by_force = {code: Figures(code, item.vi) for code, item in reference.lists["forces"].items()}
    for when, tally in (("now", now), ("before", before)):
        for (group, force), figures in tally.cells.items():
            row = by_group.setdefault(group, Figures(group, group))
            _add(getattr(row, when), figures)
            row = by_force.setdefault(force, Figures(force, force))
            _add(getattr(row, when), figures)
            _add(getattr(totals, when), figures)
    sections["violation_group"] = list(by_group.values())
    # Forces without a case in either year are left out; the post's own force always shows.
    home = {s.force for s in stations.values() if station_ids is None or s.id in station_ids}
    sections["force"] = [
        f for f in by_force.values() if f.now["cases"] or f.before["cases"] or f.code in home
    ]
    commodities = _commodity_totals(reference, now, before)
    notes = []
    if uncounted:
        notes.append(
            f"Chưa tính {sum(uncounted.values())} vụ chưa được phê duyệt trong kỳ "
            f"({uncounted.get('draft', 0)} vụ đang soạn, {uncounted.get('submitted', 0)} vụ chờ duyệt)."
        )
    progress(steps, steps)
    return SummaryReport(
        kind=kind,
        period=period,
        previous=previous,
        mode=mode,
        title=str(template["titles"].get(period.kind, template["titles"]["custom"])),
        scope=scope_label,
        stations=sorted(stations[i].code for i in station_ids)
        if station_ids
        else sorted(s.code for s in stations.values() if s.kind == "post"),
        generated_at=datetime.now(VIETNAM),
        sections=sections,
        totals=totals,
        commodities=commodities,
        rewards=rewards,
        uncounted=uncounted,
        notes=notes,
    )


def _check(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.check()


def _tally_apart(
    ctx: Context,
    rules: Mapping[str, Any],
    period: Period,
    scope: Scope,
    station_ids: Sequence[str] | None,
    codes: Mapping[str, str],
) -> _Tally:
    with ctx.sessions.reads() as session:
        return _tally(session, rules, period, scope, station_ids, codes, rewards=False)


def _rules_apply(rules: Mapping[str, Any], period: Period) -> bool:
    starts = date.fromisoformat(rules.get("effective_from", "1900-01-01"))
    ends = date.fromisoformat(rules.get("effective_to", "9999-12-31"))
    return not (period.end < starts or ends < period.start)


def _commodity_totals(reference: Any, now: _Tally, before: _Tally) -> list[CommodityTotal]:
    order = {code: i for i, code in enumerate(reference.commodities)}
    return [
        CommodityTotal(
            commodity,
            reference.label("commodities", commodity, "vi"),
            unit,
            quantity,
            now.cases[commodity, unit],
            now.value[commodity, unit],
            before.quantity.get((commodity, unit), Decimal(0)),
        )
        for (commodity, unit), quantity in sorted(
            now.quantity.items(), key=lambda item: (order.get(item[0][0], len(order)), item[0])
        )
    ]


def reward_candidates(rules: Mapping[str, Any], tally: _Tally) -> list[RewardCandidate]:
    """Cases and statistical months (15th → 14th) of the period that meet a rule of the rules file.

    Monthly totals are per post, over each whole statistical month that overlaps the period."""
    found: list[RewardCandidate] = []
    for rule in rules.get("single_case", []):
        for (number, station, _commodity, unit), total, threshold in _meeting(rule, tally.per_case):
            found.append(
                RewardCandidate(rule["code"], rule["vi"], station, number, None, total, unit, threshold)
            )
    for rule in rules.get("counterfeit", []):
        if "min_value_vnd" not in rule:
            continue
        threshold = Decimal(rule["min_value_vnd"])
        for (number, station), value in sorted(tally.counterfeit.items()):
            if value >= threshold:
                found.append(
                    RewardCandidate(
                        rule["code"], rule["vi"], station, number, None, Decimal(value), "đồng", threshold
                    )
                )
    for index, month in enumerate(tally.months):
        totals = {key[1:]: total for key, total in tally.monthly.items() if key[0] == index}
        span = f"{month.start:%d/%m/%Y} – {month.end:%d/%m/%Y}"
        for rule in rules.get("monthly_total", {}).get("rules", []):
            for (station, _commodity, unit), total, threshold in _meeting(rule, totals):
                found.append(
                    RewardCandidate(rule["code"], rule["vi"], station, None, span, total, unit, threshold)
                )
    return found


def _meeting(
    rule: Mapping[str, Any], totals: Mapping[tuple[str, ...], Decimal]
) -> list[tuple[tuple[str, ...], Decimal, Decimal]]:
    """The totals keyed (…, commodity, unit) that reach a quantity rule, in key order, with its threshold."""
    threshold = Decimal(rule["min_base_quantity"])
    wanted = (rule["commodity"], rule["unit"])
    return [
        (key, total, threshold)
        for key, total in sorted(totals.items())
        if key[-2:] == wanted and total >= threshold
    ]


def as_json(report: SummaryReport) -> dict[str, Any]:
    """The report as plain JSON values: money as integers, quantities and percentages as strings."""

    def figures(row: Figures) -> dict[str, Any]:
        return {
            "code": row.code,
            "label": row.label,
            **{metric: row.now[metric] for metric in METRICS},
            "previous": {metric: row.before[metric] for metric in METRICS},
            "cases_change_percent": _text(row.change("cases")),
        }

    return {
        "kind": report.kind,
        "title": report.title,
        "scope": report.scope,
        "stations": report.stations,
        "period": {
            "start": report.period.start.isoformat(),
            "end": report.period.end.isoformat(),
            "label": periods.label(report.period),
            "mode": report.mode,
        },
        "previous_period": {
            "start": report.previous.start.isoformat(),
            "end": report.previous.end.isoformat(),
        },
        "generated_at": report.generated_at.isoformat(timespec="seconds"),
        "by_violation_group": [figures(r) for r in report.sections["violation_group"]],
        "by_force": [figures(r) for r in report.sections["force"]],
        "total": figures(report.totals),
        "commodities": [
            {
                "code": c.code,
                "label": c.label,
                "unit": c.unit,
                "quantity": decimal_text(c.quantity),
                "cases": c.cases,
                "value_vnd": c.value,
                "previous_quantity": decimal_text(c.quantity_before),
                "change_percent": _text(c.change()),
            }
            for c in report.commodities
        ],
        "reward_candidates": [
            {
                "rule": r.rule,
                "text": r.text,
                "station": r.station,
                "case": r.case_number,
                "month": r.month,
                "amount": decimal_text(r.amount),
                "unit": r.unit,
                "threshold": decimal_text(r.threshold),
            }
            for r in report.rewards
        ],
        "not_counted": report.uncounted,
        "notes": report.notes,
    }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def parse_period(
    ctx: Context,
    kind: str,
    text: str | None,
    scope: Scope,
    *,
    mode: str | None = None,
    today: date | None = None,
) -> Period:
    """The period of a report from what a user typed (see ``periods.parse``); a campaign report without
    a period takes the campaign's own dates. Raises ``ValidationError`` naming what is wrong."""
    from app.errors import ValidationError

    mode = mode or ctx.settings.report_period_mode
    today = today or datetime.now(VIETNAM).date()
    if kind == "campaign":
        if not scope.campaign_id:
            raise ValidationError(["--campaign: a campaign report needs the campaign's id"])
        with ctx.sessions.reads() as session:
            campaign = session.get(m.Campaign, scope.campaign_id)
            if campaign is None:
                raise NotFound(f"no campaign {scope.campaign_id} in this register")
            return Period("custom", campaign.starts_on, campaign.ends_on)
    if text is None:
        raise ValidationError([f"--period: say which {kind} report (e.g. {_EXAMPLES.get(kind, '2026')})"])
    try:
        return periods.parse(kind, text, today, mode, ctx.settings.weekly_window_end_offset_days)
    except ValueError as exc:
        raise ValidationError([f"--period: {exc}"]) from None


_EXAMPLES = {
    "weekly": "2026-W47 or last",
    "monthly": "2026-11",
    "quarterly": "2026-Q4",
    "custom": "2026-11-01..2026-11-20",
}


def agency_lines(ctx: Context, actor: Actor) -> list[str]:
    """The header lines of the acting user's station, or its force and name when none were set."""
    with ctx.sessions.reads() as session:
        station = session.get(m.Station, actor.station_id)
        if station is None:
            return []
        return list(station.header_lines) or [
            ctx.reference.label("forces", station.force, "vi"),
            station.name,
        ]


def posts(ctx: Context) -> list[tuple[str, str]]:
    """(code, name) of every post the register holds cases of, by code: a report may cover one."""
    with ctx.sessions.reads() as session:
        query = select(m.Station.code, m.Station.name).where(m.Station.kind == "post")
        query = query.order_by(m.Station.code)
        return [(code, name) for code, name in session.execute(query)]
