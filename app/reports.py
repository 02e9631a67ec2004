"""The periodic 389 summary report (docs/domain.md §5, docs/architecture.md §5), computed from the register.

Counted: approved and closed cases whose time of the offence falls in the period (local dates,
both ends included); drafts and cases awaiting approval are left out and their number is stated on
the report so that the chief can approve them first; voided cases count nowhere. A case counts once,
under its lead force, however many forces cooperated; a case handed over counts once, under the unit
that logged it. Money is in whole đồng; quantities are exact decimals in each commodity's base unit.

The same ``SummaryReport`` is written as PDF (``app.report_pdf``), Excel (``app.report_xlsx``) and
JSON (``as_json``), so the three always agree."""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, literal_column, select

from app import handover_report, periods, tallies
from app.activity_report import FieldWork, count_field_work
from app.auth import require
from app.case_query import occurred_between
from app.domain import Actor
from app.errors import NotFound, RegisterError, ValidationError
from app.formatting import format_int
from app.i18n import _
from app.online_report import OnlineCases, count_online
from app.overlap_report import OverlapSection, overlap_section
from app.periods import Period
from app.progress import CancelToken, Progress, no_progress
from app.resources import resource_path
from app.tip_report import TipCounts, tip_counts
from db import models as m
from db.types import decimal_text

if TYPE_CHECKING:
    from app.context import Context

UNCOUNTED = ("draft", "submitted")
METRICS = (*tallies.CELL_METRICS, "collections", "goods_value")


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
    # Made at HQ: its "Nơi nhận" is HQ's (``report_pdf.report_recipients``), never HQ itself.
    issued_at_hq: bool = False
    tips: TipCounts | None = None  # tip-offs received, acted on, leading to a case (app/tip_report.py)
    province: bool = False  # HQ's consolidated report: ``sections["station"]`` holds one row per post
    handovers: handover_report.HandoverFigures | None = None  # hand-overs to the police in the period
    # Patrols, checkpoints, inspections, outreach (``app.activity_report``); None for a campaign's report.
    field_work: FieldWork | None = None
    online: OnlineCases | None = None  # the online cases among those counted (``app.online_report``)
    # HQ's province report: establishments inspected again within the window (``app.overlap_report``).
    overlaps: OverlapSection | None = None


@dataclass(frozen=True)
class Scope:
    """What a report covers besides its period: one post (HQ may pick any), or a campaign's cases."""

    station_code: str | None = None
    campaign_id: str | None = None
    # HQ: every post together with a row per post (``sections["station"]``); its totals are the sum of
    # the posts' own reports (each case counts under the post that logged it).
    province: bool = False


def load_template(name: str = "summary-389") -> dict[str, Any]:
    """The report layout (titles, columns, sections) from ``resources/reports``: a data file, so the
    standing office's format can be matched without changing code."""
    path = resource_path("reports", f"{name}.json")
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _conditions(
    period: Period, scope: Scope, station_ids: Sequence[str] | None, zone: tzinfo, *, at_post: bool = False
) -> list[Any]:
    conditions = occurred_between(period.start, period.end, zone)
    if station_ids is not None:
        origin = m.Case.origin.in_(station_ids)
        # At a post every case is the post's own: marked as likely true, so that SQLite (which keeps
        # no statistics here) reads the period through the status index, not every case of the month
        # through the origin index (the month's status count at 1 M cases: 0.13 s → 0.014 s cold).
        conditions.append(func.likelihood(origin, literal_column("0.9375")) if at_post else origin)
    if scope.campaign_id:
        conditions.append(m.Case.campaign_id == scope.campaign_id)
    return conditions


@dataclass
class _Tally:
    """A period's figures, assembled from the facts of ``app.tallies``."""

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
    by_origin: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: dict.fromkeys(METRICS, 0))
    )  # the station that logged the cases → METRICS (the province report's rows)

    def take(self, facts: tallies.Facts, codes: Mapping[str, str], *, with_cases: bool = True) -> None:
        """Count ``facts`` (of days inside the period) in the period's figures; their per-case totals
        for the reward rules only ``with_cases``."""
        for (origin, group, force), values in facts.cells.items():
            for cell in (self.cells[group, force], self.by_origin[origin]):
                for name, value in zip(tallies.CELL_METRICS, values, strict=True):
                    cell[name] += value
                cell["collections"] += cell_collections(values)
        for (origin, group, force, commodity, unit), (quantity, value, holding) in facts.goods.items():
            self.cells[group, force]["goods_value"] += value
            self.by_origin[origin]["goods_value"] += value
            self.quantity[commodity, unit] += quantity
            self.value[commodity, unit] += value
            self.cases[commodity, unit] += holding
        if not with_cases:
            return
        for (number, origin, commodity, unit), total in facts.per_case.items():
            self.per_case[number, codes.get(origin, origin), commodity, unit] += total
        for (number, origin), worth in facts.counterfeit.items():
            self.counterfeit[number, codes.get(origin, origin)] += worth

    def take_month(
        self, index: int, facts: tallies.Facts, codes: Mapping[str, str], watched: set[str]
    ) -> None:
        """Count the goods of ``facts`` (of days in statistical month ``index``) in the monthly totals."""
        for (origin, _group, _force, commodity, unit), (quantity, _value, _holding) in facts.goods.items():
            if commodity in watched:
                self.monthly[index, codes.get(origin, origin), commodity, unit] += quantity


def cell_collections(values: Sequence[int]) -> int:
    """Budget collections of a cell: fines, proceeds of confiscated goods sold and tax recovered."""
    named = dict(zip(tallies.CELL_METRICS, values, strict=True))
    return named["fines"] + named["proceeds"] + named["tax"]


def _months(rules: Mapping[str, Any], period: Period) -> list[Period]:
    """The statistical months overlapping ``period``, when a monthly reward rule applies to it."""
    months: list[Period] = []
    if _rules_apply(rules, period) and rules.get("monthly_total", {}).get("rules"):
        month = periods.month_of(period.start, periods.STATISTICAL)
        while month.start <= period.end:
            months.append(month)
            month = periods.month_of(month.end + timedelta(days=1), periods.STATISTICAL)
    return months


def _ranges(
    period: Period, months: Sequence[Period], in_force: tuple[date, date]
) -> list[tuple[date, date, bool, int | None, bool]]:
    """The days of ``period`` and of ``months`` cut where either begins or ends, and where the reward
    rules come into or go out of force: (first, last, inside the period, index of the month holding
    them or None, whether the rules are in force on those days)."""
    first = min([period.start, *(month.start for month in months)])
    last = max([period.end, *(month.end for month in months)])
    starts, ends = in_force
    cuts = sorted(
        {first, period.start, period.end + timedelta(days=1), last + timedelta(days=1)}
        | {month.start for month in months}
        | {day for day in (starts, ends + timedelta(days=1)) if first < day <= last}
    )
    found = []
    for start, after in zip(cuts, cuts[1:], strict=False):
        end = after - timedelta(days=1)
        index = next((i for i, month in enumerate(months) if month.start <= start <= month.end), None)
        inside = period.start <= start and end <= period.end
        found.append((start, end, inside, index, starts <= start and end <= ends))
    return found


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
    if scope.province and scope.station_code:
        raise ValidationError([_("a province report covers every post: leave out the post")])
    reference = ctx.reference
    template = load_template()
    mode = mode or ctx.settings.report_period_mode
    previous = period.shifted_years(-1)
    steps = 5
    with ctx.sessions.reads() as session:
        stations = {s.id: s for s in session.execute(select(m.Station)).scalars()}
        issuer = stations.get(actor.station_id)
        at_hq = issuer is not None and issuer.kind == "hq"
        if scope.province and not at_hq:
            raise RegisterError(_("a province report is made at HQ, from the posts' registers"))
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
        elif scope.province:
            posts_held = sum(1 for s in stations.values() if s.kind == "post")
            scope_label = f"Toàn tỉnh ({format_int(posts_held)} đồn)"
        else:
            scope_label = "Tất cả các đồn"
        if scope.campaign_id:
            campaign = session.get(m.Campaign, scope.campaign_id)
            if campaign is None:
                raise NotFound(f"no campaign {scope.campaign_id} in this register")
            scope_label += f" — {campaign.name}"
        at_post = ctx.kind == "post" and session.get_bind().dialect.name == "sqlite"
        now_conditions = _conditions(period, scope, station_ids, ctx.zone, at_post=at_post)
        field_work = None if scope.campaign_id else count_field_work(session, period, station_ids, ctx.zone)
        before_conditions = _conditions(previous, scope, station_ids, ctx.zone, at_post=at_post)
        online = count_online(session, now_conditions, before_conditions)
        overlapping = (
            overlap_section(session, period, ctx.zone, ctx.settings.inspection_window_days, reference)
            if scope.province and not scope.campaign_id
            else None
        )
        codes = {s.id: s.code for s in stations.values()}
    progress(0, steps)
    rules = reference.rewards
    watch = tallies.Watch.of(rules)
    months = _months(rules, period)
    ranges = _ranges(period, months, _in_force(rules))
    spans = [(first, last) for first, last, _inside, _month, _rules_on in ranges]
    # Whole half-months not stored yet are counted and stored first (all of them once, on the first
    # report of a register; afterwards only those whose cases changed).
    store = not scope.campaign_id
    counted_first = 0  # half-months counted before the report: steps ahead of the others

    def step(done: int) -> None:
        progress(counted_first + done, counted_first + steps)

    def counting(done: int, total: int) -> None:
        nonlocal counted_first
        counted_first = total
        progress(done, total + steps)

    if store:
        needed = {
            half
            for first, last in [*spans, (previous.start, previous.end)]
            for half in tallies.whole_halves(first, last)
        }
        tallies.refresh(
            ctx.sessions,
            needed,
            station_ids if station_ids is not None else list(stations),
            watch,
            zone=ctx.zone,
            progress=counting,
            cancel=cancel,
        )
    _check(cancel)
    with ctx.sessions.reads() as session:

        def counted(spans: list[tuple[date, date]], wanted: tallies.Watch) -> list[tallies.Facts]:
            return tallies.tally(
                session,
                spans,
                station_ids,
                scope.campaign_id,
                wanted,
                zone=ctx.zone,
                rules=watch if store else None,
            )

        pieces = counted(spans, watch if _rules_apply(rules, period) else tallies.Watch())
        _check(cancel)
        step(2)
        (earlier,) = counted([(previous.start, previous.end)], tallies.Watch())
        # Tips belong to no campaign: a campaign's report leaves them out.
        tips = None if scope.campaign_id else tip_counts(
            session, period.start, period.end, station_ids, ctx.zone
        )
        uncounted = {
            status: int(count)
            for status, count in session.execute(
                select(m.Case.status, func.count())
                .where(*now_conditions, m.Case.status.in_(UNCOUNTED))
                .group_by(m.Case.status)
            ).all()
        }
    _check(cancel)
    step(3)
    now, before = _Tally(months), _Tally([])
    monthly = {rule["commodity"] for rule in rules.get("monthly_total", {}).get("rules", [])}
    # A reward rule counts what was seized while it is in force (a December case is not under the
    # following year's plan, even in a statistical year that starts on 15 December).
    for (_first, _last, inside, month, in_force), facts in zip(ranges, pieces, strict=True):
        if inside:
            now.take(facts, codes, with_cases=in_force)
        if month is not None and in_force:
            now.take_month(month, facts, codes, monthly)
    before.take(earlier, codes)
    rewards = reward_candidates(rules, now)
    step(4)
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
    if scope.province:
        sections["station"] = _station_rows(stations, now, before)
    commodities = _commodity_totals(reference, now, before)
    notes = []
    if uncounted:
        notes.append(
            f"Chưa tính {format_int(sum(uncounted.values()))} vụ chưa được phê duyệt trong kỳ "
            f"({format_int(uncounted.get('draft', 0))} vụ đang soạn, "
            f"{format_int(uncounted.get('submitted', 0))} vụ chờ duyệt)."
        )
    step(steps)
    with ctx.sessions.reads() as session:  # counted by their own days (app/handover_report.py)
        handovers = handover_report.figures(session, period, previous, station_ids, scope.campaign_id)
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
        generated_at=ctx.local(ctx.clock()),
        sections=sections,
        totals=totals,
        commodities=commodities,
        rewards=rewards,
        uncounted=uncounted,
        notes=notes,
        issued_at_hq=at_hq,
        province=scope.province,
        handovers=handovers,
        field_work=field_work,
        online=online,
        tips=tips,
        overlaps=overlapping,
    )


def _station_rows(stations: Mapping[str, m.Station], now: _Tally, before: _Tally) -> list[Figures]:
    """One row per post, by code (a post without a case still shows, with its noughts), then any other
    station holding counted cases (HQ's own), so that the rows add up to the report's totals."""
    held = set(now.by_origin) | set(before.by_origin)
    chosen = [s for s in stations.values() if s.kind == "post" or s.id in held]
    rows = []
    for station in sorted(chosen, key=lambda s: (s.kind != "post", s.code)):
        row = Figures(station.code, f"{station.code} — {station.name}")
        _add(row.now, now.by_origin.get(station.id, dict.fromkeys(METRICS, 0)))
        _add(row.before, before.by_origin.get(station.id, dict.fromkeys(METRICS, 0)))
        rows.append(row)
    return rows


def _check(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.check()


def _in_force(rules: Mapping[str, Any]) -> tuple[date, date]:
    """The first and last day the reward rules apply to."""
    return (
        date.fromisoformat(rules.get("effective_from", "1900-01-01")),
        date.fromisoformat(rules.get("effective_to", "9998-12-31")),
    )


def _rules_apply(rules: Mapping[str, Any], period: Period) -> bool:
    starts, ends = _in_force(rules)
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
    """Statistical months (15th → 14th) and cases of the period that meet a rule of the rules file:
    the monthly totals first (a handful per post, and a printed report lists only the first
    candidates), then counterfeit cases, then single seizures.

    Monthly totals are per post, over each whole statistical month that overlaps the period."""
    found: list[RewardCandidate] = []
    for index, month in enumerate(tally.months):
        totals = {key[1:]: total for key, total in tally.monthly.items() if key[0] == index}
        span = f"{month.start:%d/%m/%Y} – {month.end:%d/%m/%Y}"
        for rule in rules.get("monthly_total", {}).get("rules", []):
            for (station, _commodity, unit), total, threshold in _meeting(rule, totals):
                found.append(
                    RewardCandidate(rule["code"], rule["vi"], station, None, span, total, unit, threshold)
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
    for rule in rules.get("single_case", []):
        for (number, station, _commodity, unit), total, threshold in _meeting(rule, tally.per_case):
            found.append(
                RewardCandidate(rule["code"], rule["vi"], station, number, None, total, unit, threshold)
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
        **({"by_post": [figures(r) for r in report.sections["station"]]} if report.province else {}),
        "total": figures(report.totals),
        **(
            {"handovers": {"now": report.handovers.now, "previous": report.handovers.before}}
            if report.handovers is not None
            else {}
        ),
        **({"tips": dataclasses.asdict(report.tips)} if report.tips is not None else {}),
        **({"overlapping_inspections": report.overlaps.as_json()} if report.overlaps is not None else {}),
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
        **({"field_work": report.field_work.as_json()} if report.field_work is not None else {}),
        **({"online": report.online.as_json()} if report.online is not None else {}),
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
    fields: tuple[str, str] = ("--period", "--campaign"),
) -> Period:
    """The period of a report from what a user typed (see ``periods.parse``); a campaign report without
    a period takes the campaign's own dates. Raises ``ValidationError`` naming what is wrong, after the
    name of the field (``fields``: the period's and the campaign's, as the user knows them)."""
    period_field, campaign_field = fields
    mode = mode or ctx.settings.report_period_mode
    today = today or ctx.today()
    if kind == "campaign":
        if not scope.campaign_id:
            raise ValidationError([f"{campaign_field}: " + _("a campaign report needs a campaign")])
        with ctx.sessions.reads() as session:
            campaign = session.get(m.Campaign, scope.campaign_id)
            if campaign is None:
                raise NotFound(_("no campaign {id} in this register").format(id=scope.campaign_id))
            return Period("custom", campaign.starts_on, campaign.ends_on)
    if text is None:
        example = _EXAMPLES.get(kind, "2026")
        raise ValidationError(
            [f"{period_field}: " + _("say which period (e.g. {example})").format(example=example)]
        )
    try:
        return periods.parse(kind, text, today, mode, ctx.settings.weekly_window_end_offset_days)
    except ValueError as exc:
        raise ValidationError([f"{period_field}: {exc}"]) from None


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
