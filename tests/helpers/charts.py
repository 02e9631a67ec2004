"""Cases for the chart tests: each holds cigarettes (in cây) and 2,5 tấn of sugar, so that what the
charts draw can be counted by hand from the list that made them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from app.domain import GoodsInput
from tests.helpers.cases import sample_case
from tests.helpers.registers import Post


def write_cases(post: Post, cases: Sequence[tuple[datetime, str, str]], *, approve: bool = False) -> None:
    """``cases`` as (when, violation group, cigarettes in cây); approved if asked."""
    for when, group, cay in cases:
        goods = (
            GoodsInput("cigarettes", Decimal(cay), "cây", "Thuốc lá"),
            GoodsInput("sugar", Decimal("2.5"), "tấn", "Đường cát"),
        )
        made = post.ctx.cases.create(
            post.officer, sample_case(occurred_at=when, violation_group=group, goods=goods)
        )
        if approve:
            post.ctx.cases.submit(post.officer, made.id)
            post.ctx.cases.approve(post.chief, made.id)
