"""The charts' figures (app/chart_data.py) against counts made here from the cases the test wrote."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from app.chart_data import build_chart_data
from tests.helpers.cases import ICT, sample_case
from tests.helpers.charts import write_cases
from tests.helpers.registers import Post
from tests.helpers.sync import Pair, export_parts, import_at_hq

MONDAY = date(2026, 11, 23)  # week window Wed 18 – Tue 24 Nov; statistical month 15 Nov – 14 Dec
# (when, group, cigarettes in cây): sample_case also carries 2,5 tấn of sugar.
CASES = [
    (datetime(2026, 11, 20, 23, 40, tzinfo=ICT), "prohibited_smuggled", "150"),
    (datetime(2026, 11, 18, 0, 10, tzinfo=ICT), "prohibited_smuggled", "900"),
    (datetime(2026, 11, 17, 23, 50, tzinfo=ICT), "trade_fraud", "100"),  # the week before
    (datetime(2026, 1, 10, 8, 0, tzinfo=ICT), "trade_fraud", "10"),  # month 15 Dec 2025 – 14 Jan 2026
    (datetime(2025, 11, 25, 8, 0, tzinfo=ICT), "other", "20"),  # the day before the 52 weeks
    (datetime(2025, 11, 20, 8, 0, tzinfo=ICT), "other", "30"),  # last year's month of 15 Nov – 14 Dec
]


def _week_index(when: datetime) -> int:
    """Weeks back from the window 18–24 Nov 2026 (Wednesday to Tuesday), counted by hand."""
    return 51 - (date(2026, 11, 18) - when.date() + timedelta(days=6)).days // 7


def _write(post: Post, approve: bool = False) -> None:
    write_cases(post, CASES, approve=approve)
    voided = post.ctx.cases.create(post.officer, sample_case(occurred_at=CASES[0][0]))
    post.ctx.cases.void(post.chief, voided.id, "Trùng với vụ khác")


def test_weekly_cases_by_group_over_52_weeks_match_a_count_by_hand(post: Post) -> None:
    _write(post)
    data = build_chart_data(post.ctx, post.chief, MONDAY)
    assert len(data.weeks) == 52
    assert (data.weeks[-1].start, data.weeks[-1].end) == (date(2026, 11, 18), date(2026, 11, 24))
    assert data.weeks[0].start == date(2025, 11, 26)
    expected: Counter[tuple[str, int]] = Counter(
        (group, _week_index(when)) for when, group, _ in CASES if _week_index(when) >= 0
    )
    drawn = {(s.code, i): n for s in data.weekly for i, n in enumerate(s.values) if n}
    assert drawn == dict(expected)
    assert data.groups == ("prohibited_smuggled", "trade_fraud")  # "other" fell before the 52 weeks
    assert sum(s.total for s in data.weekly) == 4


def test_seized_quantities_per_month_against_the_same_months_last_year(post: Post) -> None:
    _write(post)
    data = build_chart_data(post.ctx, post.chief, MONDAY)
    assert (data.months[-1].start, data.months[-1].end) == (date(2026, 11, 15), date(2026, 12, 14))
    assert (data.months[0].start, data.months[0].end) == (date(2025, 12, 15), date(2026, 1, 14))
    cigarettes = next(s for s in data.seized if s.commodity == "cigarettes")
    assert cigarettes.unit == "bao"
    # 10 bao a cây; the voided case counts nowhere.
    assert cigarettes.values[-1] == Decimal(150 + 900 + 100) * 10
    assert cigarettes.values[0] == Decimal(100)
    assert sum(cigarettes.values) == Decimal(150 + 900 + 100 + 10) * 10
    assert cigarettes.before[-1] == Decimal(500)  # 20 and 25 Nov 2025
    assert sum(cigarettes.before) == Decimal(500)
    sugar = next(s for s in data.seized if s.commodity == "sugar")
    assert sugar.values[-1] == Decimal(3 * 2500)


def test_reward_progress_for_the_month_and_reports_count_approved_cases_only(post: Post) -> None:
    _write(post)
    rewards = {p.rule: p for p in build_chart_data(post.ctx, post.chief, MONDAY).rewards}
    assert rewards["cigarettes_month"].amount == Decimal(11_500)
    assert rewards["cigarettes_month"].threshold == Decimal(20_000)
    assert not rewards["cigarettes_month"].reached
    assert rewards["cigarettes_month"].share == 11_500 / 20_000
    assert rewards["cigarettes_month"].percent == 57  # floored
    # Past the threshold the bar stops at its end and the label says how far past (it said 100 %).
    passed = replace(rewards["cigarettes_month"], amount=Decimal(116_430))
    assert (passed.share, passed.percent, passed.reached) == (1.0, 582, True)
    assert rewards["cigarettes_case"].amount == Decimal(9_000)  # the largest case
    assert rewards["sugar_month"].amount == Decimal(7_500)
    assert rewards["counterfeit_value"].amount == 0
    # Drafts are not in a report's charts.
    assert build_chart_data(post.ctx, post.chief, MONDAY, reports=True).weekly == ()


@pytest.mark.both_engines  # the per-week GROUP BY and the per-month reads on HQ's PostgreSQL too
def test_at_hq_the_figures_per_post(pair: Pair) -> None:
    _write(pair.post, approve=True)
    import_at_hq(pair, export_parts(pair, "out"))
    data = build_chart_data(pair.hq.ctx, pair.hq.admin, MONDAY, reports=True)
    assert [p.code for p in data.posts] == [pair.post.ctx.station_code]
    (figures,) = data.posts
    assert dict(zip(data.groups, figures.cases, strict=True)) == {"prohibited_smuggled": 2, "trade_fraud": 2}
    assert {p.rule: p.amount for p in figures.rewards}["cigarettes_month"] == Decimal(11_500)


def test_a_reports_weeks_are_cut_to_its_12_months(post: Post) -> None:
    """A report's weekly bars: every day of its 12 months in exactly one week, none outside them; the
    dashboard's stay the 52 whole weeks ending with the week of its day."""
    day = date(2026, 12, 14)  # the statistical year 15/12/2025 – 14/12/2026
    weeks = build_chart_data(post.ctx, post.chief, day, reports=True).weeks
    assert (weeks[0].start, weeks[0].end) == (date(2025, 12, 15), date(2025, 12, 16))
    assert (weeks[-1].start, weeks[-1].end) == (date(2026, 12, 9), date(2026, 12, 14))
    assert all(a.end + timedelta(days=1) == b.start for a, b in zip(weeks, weeks[1:], strict=False))
    assert all(w.days == 7 for w in weeks[1:-1]) and sum(w.days for w in weeks) == 365
    dashboard = build_chart_data(post.ctx, post.chief, day).weeks
    assert len(dashboard) == 52 and all(w.days == 7 for w in dashboard)
    assert dashboard[-1].end == date(2026, 12, 15)


def test_a_counterfeit_cases_value_counts_whatever_the_unit_of_its_goods(post: Post) -> None:
    """Shoes counted in pairs (a unit with no fixed size in pieces) are no quantity to add up, but their
    value in đồng counts towards the counterfeit reward as the report's reward table counts it."""
    from app import periods
    from app.domain import GoodsInput
    from app.reports import build_report

    made = post.ctx.cases.create(
        post.officer,
        sample_case(
            occurred_at=datetime(2026, 11, 20, 23, 40, tzinfo=ICT),
            violation_group="counterfeit_ip",
            goods=(
                GoodsInput("textiles", Decimal(200), "đôi", "Giày giả nhãn hiệu", value_vnd=26_000_000),
                GoodsInput("textiles", Decimal(10), "cái", "Áo giả nhãn hiệu", value_vnd=4_140_000),
            ),
        ),
    )
    post.ctx.cases.submit(post.officer, made.id)
    post.ctx.cases.approve(post.chief, made.id)
    rewards = {p.rule: p for p in build_chart_data(post.ctx, post.chief, MONDAY, reports=True).rewards}
    assert rewards["counterfeit_value"].amount == Decimal(30_140_000)
    assert rewards["counterfeit_value"].reached
    report = build_report(post.ctx, post.chief, "monthly", periods.month_of(MONDAY))
    assert [(c.rule, c.amount) for c in report.rewards if c.rule == "counterfeit_value"] == [
        ("counterfeit_value", Decimal(30_140_000))
    ]
