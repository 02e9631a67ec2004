"""The reporting deadlines HQ holds the posts to: which reports were due before a given day, and what
each one covers.

Why a data file: the standing office sets the days (weekly by Wednesday during a campaign, monthly by
a day of the month, the year-end summary by 15 December: docs/domain.md §1), and they change by
decision, not by release. ``resources/rules/deadlines.json`` holds them, checked against
``resources/schemas/deadlines-v1.schema.json`` when it is read (and by the resource manifest). The
periods themselves are ``app.periods``'; the day they are judged at is always passed in (the
register's clock, ``ctx.today()``), never read here."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from app import periods
from app.errors import RegisterError
from app.i18n import N_, _
from app.periods import Period
from app.resources import resource_path, schema_problem

WEEKLY, MONTHLY, ANNUAL = "weekly", "monthly", "annual"
KIND_TEXT = {WEEKLY: N_("weekly report"), MONTHLY: N_("monthly report"), ANNUAL: N_("year-end summary")}
WEEKS_BACK = 6  # how far back a campaign's last weekly deadline is still the one in force


@dataclass(frozen=True)
class Rules:
    weekly_when: str  # campaign | always | never
    monthly_due_day: int
    annual_due_month: int
    annual_due_day: int


@dataclass(frozen=True)
class Deadline:
    """A report due on ``due``: a post meets it with a bundle HQ received after ``covers_to``."""

    kind: str  # weekly | monthly | annual
    period: Period
    covers_to: date  # the last day the report counts
    due: date


def load_rules(document: Any = None, overrides: Mapping[str, Any] | None = None) -> Rules:
    """The deadlines file (or ``document``, already parsed), with this install's ``overrides`` (the
    ``deadlines`` setting) laid over it, checked against its schema."""
    if document is None:
        document = _shipped()
    if overrides:
        document = with_overrides(document, overrides)
    problem = schema_problem(document, "deadlines-v1.schema.json")
    if problem:
        where, _sep, message = problem.partition(": ")
        text = (
            _("the reporting deadlines in the settings are not valid ({where}: {problem})")
            if overrides
            else _("the reporting deadlines file is not valid ({where}: {problem})")
        )
        raise RegisterError(text.format(where=where, problem=message))
    return Rules(
        document["weekly"]["when"],
        document["monthly"]["due_day"],
        document["annual"]["due_month"],
        document["annual"]["due_day"],
    )


def with_overrides(document: Any, overrides: Mapping[str, Any]) -> Any:
    """``document`` with each section's keys replaced by those in ``overrides``; a section that is not a
    mapping there is taken as it is, so the schema names it."""
    merged = copy.deepcopy(document)
    for section, values in overrides.items():
        if isinstance(values, Mapping) and isinstance(merged.get(section), dict):
            merged[section].update(values)
        else:
            merged[section] = values
    return merged


def shipped_rules() -> Rules:
    """The deadlines as shipped, without this install's changes."""
    return load_rules()


def overrides_for(rules: Rules) -> dict[str, Any]:
    """The ``deadlines`` setting that gives ``rules``: only what differs from the shipped file, so a
    later release's change to the file still reaches the rest."""
    shipped = shipped_rules()
    changed: dict[str, Any] = {}
    if rules.weekly_when != shipped.weekly_when:
        changed["weekly"] = {"when": rules.weekly_when}
    if rules.monthly_due_day != shipped.monthly_due_day:
        changed["monthly"] = {"due_day": rules.monthly_due_day}
    if (rules.annual_due_month, rules.annual_due_day) != (shipped.annual_due_month, shipped.annual_due_day):
        changed["annual"] = {"due_month": rules.annual_due_month, "due_day": rules.annual_due_day}
    return changed


@cache
def _shipped() -> Any:
    return json.loads(resource_path("rules", "deadlines.json").read_text(encoding="utf-8"))


def monthly_due(period: Period, due_day: int) -> date:
    """The first ``due_day`` after the reporting month's last day (the 20th after a month ending on the
    14th is the same month's; after the 30th, the next month's)."""
    after = period.end + timedelta(days=1)
    due = after.replace(day=due_day)
    if due < after:
        due = (after.replace(day=1) + timedelta(days=32)).replace(day=due_day)
    return due


def _weekly_owed(rules: Rules, window: Period, campaigns: Sequence[tuple[date, date]]) -> bool:
    """Whether a weekly report is owed for ``window``: always, or when it touches a campaign."""
    during = any(start <= window.end and window.start <= end for start, end in campaigns)
    return rules.weekly_when == "always" or during


def passed(
    today: date,
    rules: Rules,
    *,
    mode: str,
    window_offset: int,
    campaigns: Sequence[tuple[date, date]] = (),
) -> list[Deadline]:
    """The deadline of each kind in force on ``today``: the latest one whose due day is over (a report
    due today is not late yet). A bundle received after the latest deadline's period covers the earlier
    ones too (each bundle holds everything HQ has not acknowledged), so only the latest counts."""
    found: list[Deadline] = []
    if rules.weekly_when != "never":
        for back in range(WEEKS_BACK + 1):
            window = periods.week_of(today - timedelta(days=7 * back), window_offset)
            due = periods.weekly_due(window.end, window_offset)
            if due >= today:
                continue
            if _weekly_owed(rules, window, campaigns):
                found.append(Deadline(WEEKLY, window, window.end, due))
            break  # only the latest week whose due day is over can be in force
    year, number = periods.reporting_month(today, mode)
    for _back in range(3):
        month = periods.month(year, number, mode)
        due = monthly_due(month, rules.monthly_due_day)
        if due < today:
            found.append(Deadline(MONTHLY, month, month.end, due))
            break
        year, number = (year - 1, 12) if number == 1 else (year, number - 1)
    for year in (today.year, today.year - 1):
        due = date(year, rules.annual_due_month, rules.annual_due_day)
        if due < today:
            found.append(Deadline(ANNUAL, periods.year(year, mode), due - timedelta(days=1), due))
            break
    return found


def late(deadlines: Sequence[Deadline], last_received: date | None, enrolled: date) -> list[Deadline]:
    """The deadlines a post has missed: no bundle received after the report's last day, and the deadline
    came after the post was enrolled (a post enrolled since owes nothing earlier); the oldest first."""
    missed = [
        d
        for d in deadlines
        if d.due >= enrolled and (last_received is None or last_received <= d.covers_to)
    ]
    return sorted(missed, key=lambda d: d.due)


def describe(deadline: Deadline) -> str:
    """``monthly report due 20/11/2026``, for the list of posts."""
    return _("{report} due {due}").format(report=_(KIND_TEXT[deadline.kind]), due=f"{deadline.due:%d/%m/%Y}")


def upcoming(
    today: date,
    rules: Rules,
    *,
    mode: str,
    window_offset: int,
    campaigns: Sequence[tuple[date, date]] = (),
) -> list[Deadline]:
    """The next deadline of each kind due on ``today`` or later, soonest first: what the dashboard
    reminds a chief of (``passed`` is what HQ judges). A weekly report is owed for a window that falls
    in a campaign (or always/never, as the rules say); the next campaign window is looked for up to a
    year ahead."""
    found: list[Deadline] = []
    if rules.weekly_when != "never":
        for ahead in range(54):
            window = periods.week_of(today - timedelta(days=7) + timedelta(days=7 * ahead), window_offset)
            due = periods.weekly_due(window.end, window_offset)
            if due < today:
                continue
            if _weekly_owed(rules, window, campaigns):
                found.append(Deadline(WEEKLY, window, window.end, due))
                break
    year_number, number = periods.reporting_month(today, mode)
    year_number, number = (year_number - 1, 12) if number == 1 else (year_number, number - 1)
    for _ahead in range(3):
        month = periods.month(year_number, number, mode)
        due = monthly_due(month, rules.monthly_due_day)
        if due >= today:
            found.append(Deadline(MONTHLY, month, month.end, due))
            break
        year_number, number = (year_number + 1, 1) if number == 12 else (year_number, number + 1)
    for year_number in (today.year, today.year + 1):
        due = date(year_number, rules.annual_due_month, rules.annual_due_day)
        if due >= today:
            found.append(Deadline(ANNUAL, periods.year(year_number, mode), due - timedelta(days=1), due))
            break
    return sorted(found, key=lambda d: d.due)
