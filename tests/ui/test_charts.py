"""The dashboard's charts (ui/charts.py) over a real register: what each bar says on hover is the count
made here from the cases the test wrote; and the tab of charts is looked at."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.helpers.cases import ICT
from tests.helpers.charts import write_cases
from tests.helpers.registers import Post
from ui.dashboard import DashboardWidget

SHOTS = Path("/tmp/outpost-shots")
# (when, group, cigarettes in cây); each case also holds 2,5 tấn of sugar.
CASES = [
    (datetime(2026, 11, 20, 9, 0, tzinfo=ICT), "prohibited_smuggled", "150"),
    (datetime(2026, 11, 19, 9, 0, tzinfo=ICT), "trade_fraud", "900"),
    (datetime(2026, 11, 19, 10, 0, tzinfo=ICT), "trade_fraud", "100"),
    (datetime(2026, 3, 10, 8, 0, tzinfo=ICT), "other", "10"),
]


def _dashboard(qtbot: QtBot, post: Post) -> DashboardWidget:
    post.ctx.clock = lambda: datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # week 18–24/11, month 15/11–14/12
    write_cases(post, CASES)
    widget = DashboardWidget(post.ctx, post.chief)
    qtbot.addWidget(widget)
    widget.resize(1100, 860)
    widget.show()
    with qtbot.waitSignal(widget.refreshed, timeout=10_000):
        widget.refresh()
    return widget


def test_each_bar_says_its_value_on_hover(qtbot: QtBot, post: Post) -> None:
    widget = _dashboard(qtbot, post)
    chart = widget.weekly_chart
    marks = [m for m in chart.marks() if "\n" in m.tip]  # bars, not legend swatches
    # This week: 1 prohibited_smuggled and 2 trade_fraud cases, stacked in the last slot.
    last = max(m.rect.left() for m in marks)
    this_week = sorted(m.tip for m in marks if m.rect.left() == last)
    assert len(this_week) == 2
    assert all("(tổng tuần 3)" in tip for tip in this_week)
    assert any(tip.endswith("Gian lận thương mại, gian lận về thuế: 2 vụ (tổng tuần 3)") for tip in this_week)
    assert len(marks) == 3  # and the March case's bar
    bar = next(m for m in marks if m.rect.left() == last and m.tip.endswith(": 2 vụ (tổng tuần 3)"))
    assert chart.tooltip_at(bar.rect.center()) == bar.tip
    assert chart.tooltip_at(chart.rect().topLeft().toPointF()) == ""
    assert "Vi phạm khác: 1 vụ" in chart.words()  # the legend names each group with its total

    seized = widget.seized_chart
    assert widget.commodity_box.currentData() == "cigarettes"
    this_month = [m.tip for m in seized.marks() if "15/11/2026–14/12/2026" in m.tip]
    name = post.ctx.reference.label("commodities", "cigarettes")
    assert this_month == [f"{name}, 15/11/2026–14/12/2026: 11.500 bao"]  # (150 + 900 + 100) cây
    widget.commodity_box.setCurrentIndex(widget.commodity_box.findData("sugar"))
    assert any(m.tip.endswith("15/11/2026–14/12/2026: 7.500 kg") for m in seized.marks())

    rewards = {caption: p for caption, p in widget.rewards_chart.rows}
    monthly = next(p for caption, p in rewards.items() if p.rule == "cigarettes_month")
    assert monthly.amount == Decimal(11_500)
    assert "11.500 / 20.000 bao (57 %)" in widget.rewards_chart.words()  # 11 500 × 100 // 20 000

    SHOTS.mkdir(exist_ok=True)
    for index in range(widget.charts_tabs.count()):
        widget.charts_tabs.setCurrentIndex(index)
        widget.grab().save(str(SHOTS / f"dashboard-chart-{index}.png"))
