"""The reporting deadlines the home page reminds a chief of: the next of each kind, with the days left.

Core only: the day is the register's clock (tests/helpers/clock.py NOW, Wednesday 25/11/2026)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from app.deadlines import ANNUAL, MONTHLY, WEEKLY, Rules, upcoming
from app.periods import CALENDAR, STATISTICAL
from app.reminders import reminders
from tests.helpers.registers import Post

RULES = Rules(weekly_when="campaign", monthly_due_day=20, annual_due_month=12, annual_due_day=15)
WEDNESDAY = date(2026, 11, 25)


def test_the_next_deadline_of_each_kind_soonest_first() -> None:
    campaign = [(date(2026, 11, 1), date(2026, 11, 30))]
    found = upcoming(WEDNESDAY, RULES, mode=STATISTICAL, window_offset=1, campaigns=campaign)
    assert [(d.kind, d.period.start, d.period.end, d.due) for d in found] == [
        (WEEKLY, date(2026, 11, 18), date(2026, 11, 24), WEDNESDAY),  # Wednesday to Tuesday, due today
        (ANNUAL, date(2025, 12, 15), date(2026, 12, 14), date(2026, 12, 15)),  # the summary, 15 December
        (MONTHLY, date(2026, 11, 15), date(2026, 12, 14), date(2026, 12, 20)),
    ]


def test_no_weekly_report_outside_a_campaign_and_the_next_campaign_week_is_found() -> None:
    assert WEEKLY not in {d.kind for d in upcoming(WEDNESDAY, RULES, mode=CALENDAR, window_offset=1)}
    later = [(date(2027, 3, 1), date(2027, 3, 31))]
    (weekly,) = [d for d in upcoming(WEDNESDAY, RULES, mode=CALENDAR, window_offset=1, campaigns=later)
                 if d.kind == WEEKLY]
    assert weekly.period.start <= date(2027, 3, 1) <= weekly.period.end and weekly.due.weekday() == 2


def test_after_the_fifteenth_of_december_the_summary_is_next_years() -> None:
    found = {d.kind: d for d in upcoming(date(2026, 12, 16), RULES, mode=CALENDAR, window_offset=1)}
    assert found[ANNUAL].due == date(2027, 12, 15)
    assert found[MONTHLY].due == date(2026, 12, 20)  # November's, calendar months


def test_the_registers_day_and_settings_choose_the_reminders(post: Post) -> None:
    shown = {r.deadline.kind: r for r in reminders(post.ctx)}
    assert shown[MONTHLY].days_left == 25 and not shown[MONTHLY].close
    assert shown[ANNUAL].days_left == 20
    assert shown[ANNUAL].text == "Year-end summary (15/12/2025–14/12/2026): 15/12/2026, due in 20 days"
    close = {r.deadline.kind: r for r in reminders(post.ctx, date(2026, 12, 19))}
    assert close[MONTHLY].close and close[MONTHLY].text.endswith("due in 1 day")


def test_the_home_page_uses_this_installs_deadlines(post: Post) -> None:
    """The settings' deadlines (changed in the settings dialog) move the reminders as they move the
    stations' overdue flags: on 25 November, a monthly report due on the 25th is due today (the shipped
    20th made it December's, 25 days off)."""
    post.ctx.settings = replace(post.ctx.settings, deadlines={"monthly": {"due_day": 25}})
    shown = {r.deadline.kind: r for r in reminders(post.ctx)}
    assert shown[MONTHLY].deadline.due == date(2026, 11, 25) and shown[MONTHLY].days_left == 0
    assert shown[MONTHLY].close and shown[MONTHLY].text.endswith("due today")
