"""The home dashboard's figures against a real register."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from app.dashboard import build_dashboard
from app.domain import GoodsInput
from tests.helpers.cases import ICT, sample_case
from tests.helpers.clock import Clock
from tests.helpers.registers import Post

MONDAY = date(2026, 11, 23)  # week window 18–24 Nov; statistical month 15 Nov – 14 Dec


def _goods(*lines: tuple[str, str, str]) -> tuple[GoodsInput, ...]:
    return tuple(
        GoodsInput(c, Decimal(q), u, c, value_vnd=30_000_000 if c == "cosmetics" else None)
        for c, q, u in lines
    )


def test_counts_by_group_and_commodity_for_the_week_and_the_month(post: Post) -> None:
    create = post.ctx.cases.create
    this_week = datetime(2026, 11, 20, 23, 40, tzinfo=ICT)
    earlier_this_month = datetime(2026, 11, 16, 9, 0, tzinfo=ICT)
    last_month = datetime(2026, 11, 14, 23, 59, tzinfo=ICT)  # the 14th closes October's statistical month
    create(post.officer, sample_case(occurred_at=this_week))
    create(
        post.officer,
        sample_case(
            occurred_at=earlier_this_month,
            violation_group="trade_fraud",
            goods=_goods(("fuel", "900", "lít")),
        ),
    )
    create(post.officer, sample_case(occurred_at=last_month))
    voided = create(post.officer, sample_case(occurred_at=this_week))
    post.ctx.cases.void(post.chief, voided.id, "Trùng với vụ khác")
    submitted = create(post.officer, sample_case(occurred_at=this_week, goods=_goods(("sugar", "1", "tấn"))))
    # Bottles and cans have no fixed size: each unit is added up on its own, beside the litres.
    create(
        post.officer,
        sample_case(
            occurred_at=earlier_this_month,
            goods=_goods(("alcohol", "24", "chai"), ("alcohol", "30", "lon"), ("alcohol", "6", "chai")),
        ),
    )
    post.ctx.cases.submit(post.officer, submitted.id)

    board = build_dashboard(post.ctx, post.chief, MONDAY)
    assert (board.week.start, board.week.end) == (date(2026, 11, 18), date(2026, 11, 24))
    assert (board.month.start, board.month.end) == (date(2026, 11, 15), date(2026, 12, 14))
    assert (board.week_total, board.month_total) == (2, 4)
    groups = {t.code: (t.week, t.month) for t in board.by_group}
    assert groups == {"prohibited_smuggled": (2, 3), "trade_fraud": (0, 1)}
    goods = {t.code: (t.week, t.month, t.month_quantity, t.unit) for t in board.by_commodity}
    assert goods["cigarettes"] == (1, 1, Decimal(1500), "bao")  # 150 cây
    assert goods["sugar"] == (2, 2, Decimal("3500"), "kg")  # 2,5 tấn + 1 tấn
    assert goods["fuel"][:2] == (0, 1)
    assert goods["alcohol"] == (0, 1, None, "")
    (alcohol,) = [t for t in board.by_commodity if t.code == "alcohol"]
    assert alcohol.other_quantities == ((Decimal(30), "chai"), (Decimal(30), "lon"))
    assert (board.awaiting, board.drafts) == (1, 4)


def test_cases_over_the_criminal_and_reward_thresholds_and_the_monthly_goals(post: Post) -> None:
    create = post.ctx.cases.create
    when = datetime(2026, 11, 20, 23, 40, tzinfo=ICT)
    below = create(post.officer, sample_case(occurred_at=when, goods=_goods(("cigarettes", "149", "cây"))))
    criminal = create(
        post.officer, sample_case(occurred_at=when, goods=_goods(("cigarettes", "1500", "bao")))
    )
    # Two lines of one commodity add up within the case: 600 + 400 cây = 10 000 bao.
    big = create(
        post.officer,
        sample_case(
            occurred_at=when, goods=_goods(("cigarettes", "600", "cây"), ("cigarettes", "400", "cây"))
        ),
    )
    fake = create(
        post.officer,
        sample_case(
            occurred_at=when, violation_group="counterfeit_ip", goods=_goods(("cosmetics", "40", "hộp"))
        ),
    )
    board = build_dashboard(post.ctx, post.chief, MONDAY)
    found = {(a.number, a.kind, a.amount, a.unit) for a in board.alerts}
    assert found == {
        (criminal.number, "criminal", Decimal(1500), "bao"),
        (big.number, "criminal", Decimal(10000), "bao"),
        (big.number, "reward", Decimal(10000), "bao"),
        (fake.number, "reward", Decimal(30_000_000), "đồng"),
    }
    assert below.number not in {a.number for a in board.alerts}
    goals = {g.code: (g.total, g.threshold, g.reached) for g in board.goals}
    assert goals["cigarettes_month"] == (Decimal(1490 + 1500 + 10000), Decimal(20000), False)
    assert goals["sugar_month"] == (Decimal(0), Decimal(30000), False)  # every line above replaced the sugar


def test_the_weekly_report_reminder_shows_on_tuesday_and_wednesday_only(post: Post) -> None:
    assert build_dashboard(post.ctx, post.chief, MONDAY).weekly_due is None
    for day in (date(2026, 11, 24), date(2026, 11, 25)):
        board = build_dashboard(post.ctx, post.chief, day)
        assert board.weekly_due == date(2026, 11, 25)
        assert board.weekly_window is not None and board.weekly_window.end == date(2026, 11, 24)
    assert build_dashboard(post.ctx, post.chief, date(2026, 11, 26)).weekly_due is None


def test_reward_rules_outside_their_year_do_not_apply(post: Post, clock: Clock) -> None:
    clock.advance(timedelta(days=366))  # a case is entered after it happened
    post.ctx.cases.create(
        post.officer,
        sample_case(
            occurred_at=datetime(2027, 11, 20, 8, 0, tzinfo=ICT), goods=_goods(("cigarettes", "1000", "cây"))
        ),
    )
    board = build_dashboard(post.ctx, post.chief, date(2027, 11, 23))
    assert [a.kind for a in board.alerts] == ["criminal"] and board.goals == ()


def test_counterfeit_value_counts_whatever_the_unit(post: Post) -> None:
    # 40 chai of cosmetics: a unit without a fixed size, so no quantity total, but the value still counts.
    fake = post.ctx.cases.create(
        post.officer,
        sample_case(
            occurred_at=datetime(2026, 11, 20, 23, 40, tzinfo=ICT),
            violation_group="counterfeit_ip",
            goods=(GoodsInput("cosmetics", Decimal(40), "chai", "Nước hoa giả", value_vnd=45_000_000),),
        ),
    )
    board = build_dashboard(post.ctx, post.chief, MONDAY)
    assert [(a.number, a.kind, a.amount) for a in board.alerts] == [
        (fake.number, "reward", Decimal(45_000_000))
    ]


@pytest.mark.any_day
def test_a_case_of_today_counts_in_this_week_and_month_whatever_the_day(post: Post, now: datetime) -> None:
    """The dashboard's week and month are those holding the register's today, and a case of ten minutes
    ago counts in both (at 00:30 on New Year's Day the post's today is 1 January, UTC's still 31 December)."""
    post.ctx.cases.create(post.officer, sample_case(occurred_at=now - timedelta(minutes=10)))
    board = build_dashboard(post.ctx, post.chief)
    today = now.astimezone(ICT).date()
    assert board.week.start <= today <= board.week.end
    assert board.month.start <= today <= board.month.end
    assert (board.week_total, board.month_total) == (1, 1)
    reminded = board.weekly_due is not None
    assert reminded == (today.weekday() in (1, 2))  # on the Tuesday before and the due Wednesday
