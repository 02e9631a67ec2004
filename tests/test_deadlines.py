"""The reporting deadlines HQ holds the posts to: which were due before a day, and the file's schema.

Core only (no register): the day is always given, never the machine's."""

from __future__ import annotations

from datetime import date

import pytest

from app.deadlines import ANNUAL, MONTHLY, WEEKLY, Rules, late, load_rules, monthly_due, passed
from app.errors import RegisterError
from app.periods import CALENDAR, STATISTICAL, month

RULES = Rules(weekly_when="campaign", monthly_due_day=20, annual_due_month=12, annual_due_day=15)
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def test_the_shipped_file_is_the_documented_rules() -> None:
    assert load_rules() == RULES


def _document(**changes: object) -> dict[str, object]:
    shipped: dict[str, object] = {
        "format": "outpost-deadlines",
        "version": 1,
        "weekly": {"when": "campaign"},
        "monthly": {"due_day": 20},
        "annual": {"due_month": 12, "due_day": 15},
    }
    return {k: v for k, v in {**shipped, **changes}.items() if v is not None}


@pytest.mark.parametrize(
    ("document", "where"),
    [
        (_document(monthly={"due_day": 31}), "monthly/due_day"),
        (_document(weekly={"when": "sometimes"}), "weekly/when"),
        (_document(annual=None), "(top)"),
    ],
)
def test_a_file_that_breaks_the_schema_is_refused_naming_the_place(document: object, where: str) -> None:
    with pytest.raises(RegisterError, match="deadlines file is not valid") as refused:
        load_rules(document)
    assert where in refused.value.message


def test_the_monthly_report_is_due_on_the_first_due_day_after_the_month() -> None:
    assert monthly_due(month(2026, 11, STATISTICAL), 20) == date(2026, 11, 20)  # month ends 14/11
    assert monthly_due(month(2026, 11, CALENDAR), 20) == date(2026, 12, 20)
    assert monthly_due(month(2026, 12, CALENDAR), 5) == date(2027, 1, 5)


def test_on_a_day_the_latest_deadline_of_each_kind_whose_day_is_over_is_in_force() -> None:
    found = {d.kind: d for d in passed(date(2026, 11, 25), RULES, mode=STATISTICAL, window_offset=1,
                                       campaigns=[NOVEMBER])}
    assert (found[MONTHLY].covers_to, found[MONTHLY].due) == (date(2026, 11, 14), date(2026, 11, 20))
    # 25/11 is a Wednesday: that week's report is due today, not late yet; the one due 18/11 is in force.
    assert (found[WEEKLY].covers_to, found[WEEKLY].due) == (date(2026, 11, 17), date(2026, 11, 18))
    assert (found[ANNUAL].covers_to, found[ANNUAL].due) == (date(2025, 12, 14), date(2025, 12, 15))
    outside = passed(date(2026, 11, 25), RULES, mode=STATISTICAL, window_offset=1)
    assert WEEKLY not in {d.kind for d in outside}  # weekly only during a campaign
    on_the_day = {d.kind: d.due for d in passed(date(2026, 11, 20), RULES, mode=STATISTICAL, window_offset=1)}
    assert on_the_day[MONTHLY] == date(2026, 10, 20)  # due today is not late yet
    after = {d.kind: d.due for d in passed(date(2026, 12, 16), RULES, mode=STATISTICAL, window_offset=1)}
    assert after[ANNUAL] == date(2026, 12, 15)


def test_a_post_is_late_without_a_bundle_received_after_the_reports_last_day() -> None:
    due = passed(date(2026, 11, 25), RULES, mode=STATISTICAL, window_offset=1, campaigns=[NOVEMBER])
    enrolled = date(2026, 11, 1)
    assert {d.kind for d in late(due, None, enrolled)} == {WEEKLY, MONTHLY}
    assert {d.kind for d in late(due, date(2026, 11, 14), enrolled)} == {WEEKLY, MONTHLY}  # not after it
    assert {d.kind for d in late(due, date(2026, 11, 15), enrolled)} == {WEEKLY}
    assert late(due, date(2026, 11, 21), enrolled) == []  # late, but it came: nothing is owed now
    assert late(due, None, date(2026, 11, 21)) == []  # enrolled since: it owed nothing yet


def test_the_missed_deadlines_come_oldest_first() -> None:
    """On 21 December a post that sent nothing since November owes its annual summary (due 15/12) and
    its monthly report (due 20/12): listed in that order, as the stations view shows them."""
    due = passed(date(2026, 12, 21), RULES, mode=STATISTICAL, window_offset=1)
    missed = late(due, None, date(2026, 1, 1))
    assert [d.due for d in missed] == sorted(d.due for d in missed)
    assert [d.kind for d in missed][:2] == [ANNUAL, MONTHLY]
