"""Report periods: the weekly window, statistical (15th → 14th) and calendar months, quarters, years.

Dates are local calendar dates of the post; every period is inclusive at both ends. The statistical
cut-off (month = 15th of the previous month to the 14th of the reporting month) and calendar periods
are both supported; which one a post uses is the ``report_period_mode`` setting."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from app.i18n import N_, _

STATISTICAL = "statistical"
CALENDAR = "calendar"
MODES = (STATISTICAL, CALENDAR)
WEEKLY_DUE_WEEKDAY = 2  # Wednesday (Monday is 0)


FIRST_YEAR, LAST_YEAR = 1990, 2100  # of a report's period (a case's date is never outside them)
_PERIOD = N_("period {text}: ")


@dataclass(frozen=True)
class Period:
    kind: str  # week | month | quarter | half | nine_months | year | custom
    start: date
    end: date  # inclusive
    year: int = 0  # the reporting year and number (month 12, quarter 4…), for labels
    number: int = 0

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def shifted_years(self, years: int) -> Period:
        """The same period ``years`` earlier or later (the "cùng kỳ" comparison)."""
        return Period(
            self.kind,
            _same_day(self.start, self.start.year + years),
            _same_day(self.end, self.end.year + years),
            self.year + years,
            self.number,
        )


def _same_day(day: date, year: int) -> date:
    last = calendar.monthrange(year, day.month)[1]
    return date(year, day.month, min(day.day, last))


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"report period mode must be one of {', '.join(MODES)}, not {mode!r}")


def months(year: int, first: int, last: int, mode: str = STATISTICAL) -> tuple[date, date]:
    """From the start of reporting month ``first`` to the end of reporting month ``last``."""
    _check_mode(mode)
    if mode == CALENDAR:
        return date(year, first, 1), _month_end(year, last)
    before_year, before_month = _previous_month(year, first)
    return date(before_year, before_month, 15), date(year, last, 14)


def month(year: int, number: int, mode: str = STATISTICAL) -> Period:
    start, end = months(year, number, number, mode)
    return Period("month", start, end, year, number)


def quarter(year: int, number: int, mode: str = STATISTICAL) -> Period:
    if not 1 <= number <= 4:
        raise ValueError(_("a quarter is 1 to 4, not {number}").format(number=number))
    start, end = months(year, 3 * number - 2, 3 * number, mode)
    return Period("quarter", start, end, year, number)


def half(year: int, mode: str = STATISTICAL) -> Period:
    start, end = months(year, 1, 6, mode)
    return Period("half", start, end, year, 1)


def nine_months(year: int, mode: str = STATISTICAL) -> Period:
    start, end = months(year, 1, 9, mode)
    return Period("nine_months", start, end, year, 1)


def year(number: int, mode: str = STATISTICAL) -> Period:
    start, end = months(number, 1, 12, mode)
    return Period("year", start, end, number, 0)


def reporting_month(day: date, mode: str = STATISTICAL) -> tuple[int, int]:
    """(year, month) of the reporting month that ``day`` falls in."""
    _check_mode(mode)
    if mode == CALENDAR or day.day < 15:
        return day.year, day.month
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)


def month_of(day: date, mode: str = STATISTICAL) -> Period:
    return month(*reporting_month(day, mode), mode=mode)


def year_of(day: date, mode: str = STATISTICAL) -> Period:
    return year(reporting_month(day, mode)[0], mode)


def week_of(day: date, window_end_offset_days: int = 1) -> Period:
    """The weekly-report window that ``day`` falls in.

    A weekly report is due on Wednesday and covers the 7 days ending ``window_end_offset_days``
    before it (1: Wednesday to Tuesday)."""
    if not 0 <= window_end_offset_days <= 6:
        raise ValueError("the weekly window must end 0 to 6 days before the Wednesday due date")
    end_weekday = (WEEKLY_DUE_WEEKDAY - window_end_offset_days) % 7
    end = day + timedelta(days=(end_weekday - day.weekday()) % 7)
    start = end - timedelta(days=6)
    due = weekly_due(end, window_end_offset_days)
    return Period("week", start, end, due.isocalendar().year, due.isocalendar().week)


def weekly_due(window_end: date, window_end_offset_days: int = 1) -> date:
    """The Wednesday a weekly report ending on ``window_end`` is due."""
    return window_end + timedelta(days=window_end_offset_days)


def weekly_report_due(today: date, window_end_offset_days: int = 1) -> tuple[Period, date] | None:
    """The weekly report to remind about today, with its due date: on its due Wednesday and the day
    before; otherwise None."""
    previous = week_of(today - timedelta(days=7), window_end_offset_days)
    current = week_of(today, window_end_offset_days)
    for window in (current, previous):
        due = weekly_due(window.end, window_end_offset_days)
        if due - timedelta(days=1) <= today <= due:
            return window, due
    return None


def custom(start: date, end: date) -> Period:
    if end < start:
        raise ValueError(
            _("a period cannot end ({end}) before it starts ({start})").format(
                end=f"{end:%d/%m/%Y}", start=f"{start:%d/%m/%Y}"
            )
        )
    return Period("custom", start, end)


def quarter_of(day: date, mode: str = STATISTICAL) -> Period:
    year_number, month_number = reporting_month(day, mode)
    return quarter(year_number, (month_number - 1) // 3 + 1, mode)


# The periods a list can be narrowed to with one choice, relative to today.
PRESETS = ("this_week", "last_week", "this_month", "last_month", "this_quarter", "this_year", "last_year")


def preset(name: str, today: date, mode: str = STATISTICAL) -> Period:
    """One of ``PRESETS``: weeks are report windows, months follow the post's period mode."""
    if name == "this_week":
        return week_of(today)
    if name == "last_week":
        return week_of(today - timedelta(days=7))
    if name == "this_month":
        return month_of(today, mode)
    if name == "last_month":
        this = month_of(today, mode)
        return month_of(this.start - timedelta(days=1), mode)
    if name == "this_quarter":
        return quarter_of(today, mode)
    if name == "this_year":
        return year_of(today, mode)
    if name == "last_year":
        return year(year_of(today, mode).year - 1, mode)
    raise ValueError(f"unknown period {name!r}; expected one of {', '.join(PRESETS)}")


# ----- periods as typed on the command line -------------------------------------------------

REPORT_KINDS = ("weekly", "monthly", "quarterly", "half", "nine-months", "annual", "custom")
_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
# As people at the post write them (and the app shows them): 20/11/2026, and a month as 11/2026.
_DAY_VN = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")
_MONTH_VN = re.compile(r"^(\d{1,2})/(\d{4})$")


def _iso_days(text: str) -> str:
    """``text`` with each day written dd/mm/yyyy rewritten as yyyy-mm-dd (a day that does not exist is
    left for the reader's check to refuse)."""
    return _DAY_VN.sub(lambda d: f"{d[3]}-{int(d[2]):02d}-{int(d[1]):02d}", text)


def parse(
    kind: str, text: str, today: date, mode: str = STATISTICAL, window_end_offset_days: int = 1
) -> Period:
    """The period a report of ``kind`` covers, from what a user typed.

    weekly: ``2026-W47`` (the week whose report is due in ISO week 47), a date inside the window
    (``2026-11-12``), ``this`` or ``last``; monthly: ``2026-11``; quarterly: ``2026-Q4``; half,
    nine-months and annual: ``2026``; custom: ``2026-11-01..2026-11-20``. Monthly to annual also take
    ``this`` and ``last``. A day may also be written as the app shows it (``12/11/2026``) and a month
    as ``11/2026``. Raises ``ValueError`` naming what is wrong."""
    found = _parse(kind, text, today, mode, window_end_offset_days)
    if found.start.year < FIRST_YEAR or found.end.year > LAST_YEAR:
        raise ValueError(
            _(_PERIOD).format(text=repr(text.strip()))
            + _("the register holds the years {first} to {last}").format(first=FIRST_YEAR, last=LAST_YEAR)
        )
    return found


def _parse(
    kind: str, text: str, today: date, mode: str = STATISTICAL, window_end_offset_days: int = 1
) -> Period:
    """``parse`` without the check of the years."""
    _check_mode(mode)
    text = _iso_days(text.strip())
    if kind == "monthly" and (written := _MONTH_VN.match(text)):
        text = f"{written[2]}-{int(written[1]):02d}"
    if kind not in REPORT_KINDS:
        raise ValueError(
            _("unknown report kind {kind}; expected one of {kinds}").format(
                kind=repr(kind), kinds=", ".join(REPORT_KINDS)
            )
        )
    if kind == "custom":
        found = _RANGE.match(text)
        if not found:
            raise ValueError(
                _(_PERIOD).format(text=repr(text))
                + _("expected FIRST..LAST, e.g. {example}").format(example="2026-11-01..2026-11-20")
            )
        return custom(_date(found[1]), _date(found[2]))
    relative = {"this": 0, "last": -1}.get(text.lower())
    if kind == "weekly":
        if relative is not None:
            return week_of(today + timedelta(days=7 * relative), window_end_offset_days)
        found = _WEEK.match(text)
        if found:
            try:
                due = date.fromisocalendar(int(found[1]), int(found[2]), WEEKLY_DUE_WEEKDAY + 1)
            except ValueError:
                raise ValueError(
                    _(_PERIOD).format(text=repr(text))
                    + _("{year} has no week {week}").format(year=found[1], week=int(found[2]))
                ) from None
            return week_of(due - timedelta(days=window_end_offset_days), window_end_offset_days)
        day = _date(text, N_("a week (2026-W47) or a day in it (2026-11-12 or 12/11/2026)"))
        return week_of(day, window_end_offset_days)
    if relative is not None:
        current = {
            "monthly": month_of,
            "quarterly": quarter_of,
            "half": year_of,
            "nine-months": year_of,
            "annual": year_of,
        }[kind](today, mode)
        if kind == "monthly":
            return current if relative == 0 else month_of(current.start - timedelta(days=1), mode)
        if kind == "quarterly":
            return current if relative == 0 else quarter_of(current.start - timedelta(days=1), mode)
        text = str(current.year + relative)
    if kind == "monthly":
        found = _MONTH.match(text)
        if not found or not 1 <= int(found[2]) <= 12:
            raise ValueError(
                _(_PERIOD).format(text=repr(text))
                + _("expected a month, e.g. {example} or {other}").format(example="2026-11", other="11/2026")
            )
        return month(int(found[1]), int(found[2]), mode)
    if kind == "quarterly":
        found = _QUARTER.match(text)
        if not found:
            raise ValueError(
                _(_PERIOD).format(text=repr(text))
                + _("expected a quarter as YYYY-Qn, e.g. {example}").format(example="2026-Q4")
            )
        return quarter(int(found[1]), int(found[2]), mode)
    found = _YEAR.match(text)
    if not found:
        raise ValueError(
            _(_PERIOD).format(text=repr(text)) + _("expected a year, e.g. {example}").format(example="2026")
        )
    number = int(found[1])
    return {"half": half, "nine-months": nine_months, "annual": year}[kind](number, mode)


def _date(text: str, what: str = N_("a date as YYYY-MM-DD")) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            _(_PERIOD).format(text=repr(text)) + _("expected {what}").format(what=_(what))
        ) from None


def label(period: Period) -> str:
    """How a report names its period, in Vietnamese: "Tuần 47/2026 (từ 12/11/2026 đến 18/11/2026)"."""
    span = f"từ ngày {period.start:%d/%m/%Y} đến ngày {period.end:%d/%m/%Y}"
    names = {
        "week": f"Tuần {period.number:02d}/{period.year}",
        "month": f"Tháng {period.number:02d}/{period.year}",
        "quarter": f"Quý {_ROMAN.get(period.number, period.number)}/{period.year}",
        "half": f"6 tháng đầu năm {period.year}",
        "nine_months": f"9 tháng năm {period.year}",
        "year": f"Năm {period.year}",
    }
    name = names.get(period.kind)
    return f"{name} ({span})" if name else span[0].upper() + span[1:]


_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def typed(period: Period) -> str:
    """How ``parse`` would be given ``period``: 2026-W48, 2026-12, 2026-Q4, 2026 or FIRST..LAST."""
    if period.kind == "week":
        return f"{period.year}-W{period.number:02d}"
    if period.kind == "month":
        return f"{period.year}-{period.number:02d}"
    if period.kind == "quarter":
        return f"{period.year}-Q{period.number}"
    if period.kind in ("half", "nine_months", "year"):
        return str(period.year)
    return f"{period.start.isoformat()}..{period.end.isoformat()}"
