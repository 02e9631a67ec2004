"""Report periods: the 15th → 14th statistical cut-off, calendar months, the weekly window."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app import periods
from tests.helpers.cases import ICT


def test_statistical_month_runs_from_the_15th_to_the_14th() -> None:
    november = periods.month(2026, 11)
    assert (november.start, november.end) == (date(2026, 10, 15), date(2026, 11, 14))
    january = periods.month(2026, 1)
    assert (january.start, january.end) == (date(2025, 12, 15), date(2026, 1, 14))


def test_a_day_belongs_to_the_reporting_month_that_ends_after_it() -> None:
    assert periods.reporting_month(date(2026, 11, 14)) == (2026, 11)
    assert periods.reporting_month(date(2026, 11, 15)) == (2026, 12)
    assert periods.reporting_month(date(2026, 12, 20)) == (2027, 1)
    assert periods.reporting_month(date(2026, 12, 20), periods.CALENDAR) == (2026, 12)
    assert date(2026, 11, 23) in periods.month_of(date(2026, 11, 23))


def test_calendar_periods_follow_the_calendar() -> None:
    february = periods.month(2028, 2, periods.CALENDAR)
    assert (february.start, february.end, february.days) == (date(2028, 2, 1), date(2028, 2, 29), 29)
    q4 = periods.quarter(2026, 4, periods.CALENDAR)
    assert (q4.start, q4.end) == (date(2026, 10, 1), date(2026, 12, 31))


def test_statistical_quarter_half_nine_months_and_year() -> None:
    assert (periods.quarter(2026, 1).start, periods.quarter(2026, 1).end) == (
        date(2025, 12, 15),
        date(2026, 3, 14),
    )
    assert (periods.half(2026).start, periods.half(2026).end) == (date(2025, 12, 15), date(2026, 6, 14))
    assert periods.nine_months(2026).end == date(2026, 9, 14)
    year = periods.year(2026)
    assert (year.start, year.end) == (date(2025, 12, 15), date(2026, 12, 14))
    assert periods.year_of(date(2026, 12, 20)).year == 2027


def test_the_weekly_window_ends_the_tuesday_before_the_wednesday_due_date() -> None:
    week = periods.week_of(date(2026, 11, 23))  # a Monday
    assert (week.start, week.end) == (date(2026, 11, 18), date(2026, 11, 24))
    assert periods.weekly_due(week.end) == date(2026, 11, 25)
    assert periods.week_of(date(2026, 11, 25)).start == date(2026, 11, 25)
    shifted = periods.week_of(date(2026, 11, 23), window_end_offset_days=2)  # Tuesday to Monday
    assert (shifted.start, shifted.end) == (date(2026, 11, 17), date(2026, 11, 23))


def test_the_weekly_reminder_shows_on_tuesday_and_wednesday_only() -> None:
    assert periods.weekly_report_due(date(2026, 11, 23)) is None  # Monday
    tuesday = periods.weekly_report_due(date(2026, 11, 24))
    wednesday = periods.weekly_report_due(date(2026, 11, 25))
    assert tuesday is not None and wednesday is not None
    assert tuesday == wednesday
    window, due = wednesday
    assert (window.start, window.end, due) == (date(2026, 11, 18), date(2026, 11, 24), date(2026, 11, 25))
    assert periods.weekly_report_due(date(2026, 11, 26)) is None


def test_same_period_last_year_and_bad_input() -> None:
    last_year = periods.month(2028, 3, periods.CALENDAR).shifted_years(-1)
    assert (last_year.start, last_year.end) == (date(2027, 3, 1), date(2027, 3, 31))
    assert periods.month(2028, 2, periods.CALENDAR).shifted_years(-1).end == date(2027, 2, 28)
    with pytest.raises(ValueError, match="mode"):
        periods.month(2026, 1, "lunar")
    with pytest.raises(ValueError, match="before it starts"):
        periods.custom(date(2026, 2, 1), date(2026, 1, 1))
    with pytest.raises(ValueError, match="quarter"):
        periods.quarter(2026, 5)


@pytest.mark.parametrize(
    ("name", "mode", "start", "end"),
    [
        ("this_week", periods.STATISTICAL, date(2026, 11, 18), date(2026, 11, 24)),
        ("last_week", periods.STATISTICAL, date(2026, 11, 11), date(2026, 11, 17)),
        ("this_month", periods.STATISTICAL, date(2026, 11, 15), date(2026, 12, 14)),
        ("this_month", periods.CALENDAR, date(2026, 11, 1), date(2026, 11, 30)),
        ("last_month", periods.STATISTICAL, date(2026, 10, 15), date(2026, 11, 14)),
        ("last_month", periods.CALENDAR, date(2026, 10, 1), date(2026, 10, 31)),
        ("this_quarter", periods.STATISTICAL, date(2026, 9, 15), date(2026, 12, 14)),
        ("this_quarter", periods.CALENDAR, date(2026, 10, 1), date(2026, 12, 31)),
        ("this_year", periods.STATISTICAL, date(2025, 12, 15), date(2026, 12, 14)),
        ("last_year", periods.CALENDAR, date(2025, 1, 1), date(2025, 12, 31)),
    ],
)
def test_presets_relative_to_monday_23_november_2026(name: str, mode: str, start: date, end: date) -> None:
    period = periods.preset(name, date(2026, 11, 23), mode)
    assert (period.start, period.end) == (start, end)


def test_an_unknown_preset_is_named() -> None:
    with pytest.raises(ValueError, match="unknown period 'fortnight'"):
        periods.preset("fortnight", date(2026, 11, 23))


@pytest.mark.parametrize(
    ("kind", "text", "start", "end"),
    [
        # The report due on Wednesday 7 January 2026 (ISO week 2) covers 31/12/2025 – 06/01/2026.
        ("weekly", "2026-W02", date(2025, 12, 31), date(2026, 1, 6)),
        ("weekly", "2026-01-01", date(2025, 12, 31), date(2026, 1, 6)),
        ("weekly", "last", date(2026, 11, 11), date(2026, 11, 17)),
        ("monthly", "2026-01", date(2025, 12, 15), date(2026, 1, 14)),
        ("monthly", "2024-03", date(2024, 2, 15), date(2024, 3, 14)),
        ("monthly", "this", date(2026, 11, 15), date(2026, 12, 14)),  # 23/11 is in December's month
        ("quarterly", "2026-q1", date(2025, 12, 15), date(2026, 3, 14)),
        ("half", "2026", date(2025, 12, 15), date(2026, 6, 14)),
        ("nine-months", "2026", date(2025, 12, 15), date(2026, 9, 14)),
        ("annual", "2026", date(2025, 12, 15), date(2026, 12, 14)),
        ("annual", "last", date(2024, 12, 15), date(2025, 12, 14)),
        ("custom", "2024-02-01..2024-02-29", date(2024, 2, 1), date(2024, 2, 29)),
        # As the app shows days and months (a new user typed these and was refused).
        ("weekly", "01/01/2026", date(2025, 12, 31), date(2026, 1, 6)),
        ("weekly", "12/11/2026", date(2026, 11, 11), date(2026, 11, 17)),  # in the hint's week 47
        ("monthly", "11/2026", date(2026, 10, 15), date(2026, 11, 14)),
        ("monthly", "1/2026", date(2025, 12, 15), date(2026, 1, 14)),
        ("custom", "1/2/2024..29/02/2024", date(2024, 2, 1), date(2024, 2, 29)),
    ],
)
def test_periods_as_typed(kind: str, text: str, start: date, end: date) -> None:
    period = periods.parse(kind, text, date(2026, 11, 23))
    assert (period.start, period.end) == (start, end)


def test_periods_as_typed_in_calendar_mode_and_their_labels() -> None:
    february = periods.parse("monthly", "2024-02", date(2026, 11, 23), periods.CALENDAR)
    assert (february.start, february.end) == (date(2024, 2, 1), date(2024, 2, 29))
    # The same period of the year before ends on 28 February.
    assert february.shifted_years(-1).end == date(2023, 2, 28)
    assert periods.label(february) == "Tháng 02/2024 (từ ngày 01/02/2024 đến ngày 29/02/2024)"
    assert periods.label(periods.quarter(2026, 4)) == "Quý IV/2026 (từ ngày 15/09/2026 đến ngày 14/12/2026)"
    assert periods.label(periods.custom(date(2026, 1, 1), date(2026, 1, 2))).startswith("Từ ngày 01/01/2026")


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("weekly", "2026-W54", "2026 has no week 54"),
        ("weekly", "2026-02-30", "expected a week"),
        ("weekly", "30/02/2026", "expected a week"),
        ("monthly", "13/2026", "expected a month"),
        ("monthly", "2026-13", "expected a month"),
        ("monthly", "2026", "expected a month"),
        ("quarterly", "2026-Q5", "expected a quarter"),
        ("annual", "20x6", "expected a year"),
        ("custom", "2026-11-20..2026-11-01", "cannot end"),
        ("custom", "2026-11-20", "expected FIRST..LAST"),
        ("fortnightly", "2026", "unknown report kind"),
    ],
)
def test_periods_typed_wrong_are_refused_by_name(kind: str, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        periods.parse(kind, text, date(2026, 11, 23))


@pytest.mark.parametrize("kind", ["weekly", "monthly", "quarterly", "half", "nine-months", "annual"])
def test_a_period_written_back_as_typed_reads_the_same(kind: str) -> None:
    for day in (date(2026, 1, 1), date(2026, 11, 23), date(2024, 2, 29), date(2025, 12, 15)):
        period = periods.parse(kind, "this", day)
        assert periods.parse(kind, periods.typed(period), day) == period


@pytest.mark.parametrize(
    ("kind", "text"),
    [("annual", "9999"), ("annual", "1989"), ("monthly", "2101-01"), ("custom", "2026-01-01..2101-01-01")],
)
def test_years_the_register_cannot_hold_are_refused(kind: str, text: str) -> None:
    with pytest.raises(ValueError, match="the register holds the years 1990 to 2100"):
        periods.parse(kind, text, date(2026, 11, 23))


def test_the_first_and_last_years_the_register_holds_are_taken() -> None:
    assert periods.parse("annual", "2100", date(2026, 11, 23)).end == date(2100, 12, 14)
    assert periods.parse("annual", "1991", date(2026, 11, 23)).start == date(1990, 12, 15)


@pytest.mark.any_day
@pytest.mark.parametrize("mode", [periods.STATISTICAL, periods.CALENDAR])
def test_this_and_last_period_on_any_day(now: datetime, mode: str) -> None:
    """Whatever today is, 'this' period of every kind holds today, 'last' ends the day before it starts,
    and both read back the same once written as typed."""
    today = now.astimezone(ICT).date()
    for kind in ("weekly", "monthly", "quarterly", "annual"):
        this = periods.parse(kind, "this", today, mode)
        last = periods.parse(kind, "last", today, mode)
        assert last.end + timedelta(days=1) == this.start, kind
        for period in (this, last):
            assert periods.parse(kind, periods.typed(period), today, mode) == period, kind
        if kind == "weekly":
            assert (this.end - this.start).days == 6 and this.start.weekday() == 2  # Wednesday to Tuesday
            assert this.start <= today + timedelta(days=7) and this.end >= today - timedelta(days=7)
        else:
            assert this.start <= today <= this.end, kind
