"""The monthly and annual report PDFs' chart annex, read back with pdftotext: the values the charts
write beside their bars against counts made here from the cases the test wrote."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from app import periods
from app.report_charts import report_chart_flowables
from app.report_pdf import report_pdf
from app.reports import Scope, agency_lines, build_report
from tests.helpers.cases import ICT, sample_case
from tests.helpers.charts import write_cases
from tests.helpers.clock import Clock
from tests.helpers.pdf import flat, pdf_text
from tests.helpers.registers import Post

# (when, group, cigarettes in cây); each case also holds 2,5 tấn of sugar.
CASES = [
    (datetime(2026, 12, 10, 9, 0, tzinfo=ICT), "prohibited_smuggled", "150"),
    (datetime(2026, 11, 18, 0, 10, tzinfo=ICT), "prohibited_smuggled", "900"),
    (datetime(2026, 11, 17, 23, 50, tzinfo=ICT), "trade_fraud", "100"),
    (datetime(2026, 1, 10, 8, 0, tzinfo=ICT), "trade_fraud", "10"),
    (datetime(2025, 11, 20, 8, 0, tzinfo=ICT), "other", "30"),  # a year before: "cùng kỳ"
]


def _write(post: Post, clock: Clock) -> None:
    clock.advance(timedelta(days=40))  # to a day after 14/12/2026, so that the first case is not ahead
    write_cases(post, CASES, approve=True)
    post.ctx.cases.create(post.officer, sample_case(occurred_at=CASES[0][0]))  # a draft: not counted


def _pdf(post: Post, kind: str, period: periods.Period) -> bytes:
    ctx, actor = post.ctx, post.chief
    report = build_report(ctx, actor, kind, period, Scope())
    annex = report_chart_flowables(ctx, actor, report, Scope())
    return report_pdf(report, agency_lines(ctx, actor), "An Giang", annex)[0]


def test_the_monthly_report_draws_its_charts_with_the_values_written(
    post: Post, clock: Clock, tmp_path: Path
) -> None:
    _write(post, clock)
    text = flat(pdf_text(_pdf(post, "monthly", periods.month(2026, 12)), tmp_path))  # 15/11 – 14/12/2026
    assert "PHỤ LỤC: BIỂU ĐỒ" in text
    assert "12 tháng từ ngày 15/12/2025 đến ngày 14/12/2026" in text
    # Legend: each group's cases over the 12 months to 14/12/2026 (the 20/11/2025 case is older).
    assert "Buôn bán, vận chuyển trái phép hàng cấm, hàng nhập lậu: 2 vụ" in text
    assert "Gian lận thương mại, gian lận về thuế: 2 vụ" in text
    assert "Vi phạm khác" not in text.split("PHỤ LỤC")[1]
    # Seized: 10 bao a cây, this year's 12 months and the same months a year before.
    assert f"(bao): 12 tháng {1160 * 10:,}".replace(",", ".") + ", cùng kỳ năm trước 300" in text
    assert "(kg): 12 tháng 10.000, cùng kỳ năm trước 2.500" in text
    assert "11.500" in text  # this month's bar: (150 + 900 + 100) cây
    # Reward progress for the report's month.
    assert f"11.500 / 20.000 bao ({11_500 * 100 // 20_000} %)" in text
    assert "9.000 / 10.000 bao (90 %)" in text  # the month's largest case
    assert "7.500 / 30.000 kg (25 %)" in text


def test_the_annual_report_has_the_charts_and_a_quarterly_report_none(
    post: Post, clock: Clock, tmp_path: Path
) -> None:
    _write(post, clock)
    annual = flat(pdf_text(_pdf(post, "annual", periods.year(2026)), tmp_path))
    assert "PHỤ LỤC: BIỂU ĐỒ" in annual
    quarterly = flat(pdf_text(_pdf(post, "quarterly", periods.quarter(2026, 4)), tmp_path))
    assert "BIỂU ĐỒ" not in quarterly


def test_the_weekly_charts_cover_the_reports_12_months_exactly(
    post: Post, clock: Clock, tmp_path: Path
) -> None:
    """The annual report of 2026 runs from 15/12/2025 (a Tuesday) to 14/12/2026 (a Monday): its weekly
    bars count the cases of those days and no other, so that chart 1 adds up to the tables; the first
    and last bars are the parts of their report weeks inside the year, and the chart says so."""
    clock.advance(timedelta(days=40))
    edges = [
        (datetime(2025, 12, 14, 23, 50, tzinfo=ICT), "other", "1"),  # the year before
        (datetime(2025, 12, 15, 0, 10, tzinfo=ICT), "trade_fraud", "1"),  # its first day
        (datetime(2025, 12, 16, 12, 0, tzinfo=ICT), "trade_fraud", "1"),
        (datetime(2025, 12, 17, 12, 0, tzinfo=ICT), "trade_fraud", "1"),  # the first whole week's
        (datetime(2026, 12, 14, 23, 50, tzinfo=ICT), "prohibited_smuggled", "1"),  # its last day
        (datetime(2026, 12, 15, 0, 10, tzinfo=ICT), "prohibited_smuggled", "1"),  # the next year's
    ]
    write_cases(post, edges, approve=True)
    ctx, actor = post.ctx, post.chief
    report = build_report(ctx, actor, "annual", periods.year(2026), Scope())
    assert report.totals.now["cases"] == 4
    text = flat(pdf_text(_pdf(post, "annual", periods.year(2026)), tmp_path))
    annex = text.split("PHỤ LỤC")[1]
    assert "12 tháng từ ngày 15/12/2025 đến ngày 14/12/2026" in annex
    assert "Gian lận thương mại, gian lận về thuế: 3 vụ" in annex  # 15, 16 and 17/12/2025
    assert "Buôn bán, vận chuyển trái phép hàng cấm, hàng nhập lậu: 1 vụ" in annex  # 14/12/2026
    assert "Vi phạm khác" not in annex
    assert (
        "53 cột, mỗi cột một tuần báo cáo, từ 15/12/2025 đến 14/12/2026; không trọn tuần: "
        "15/12 – 16/12/2025 và 09/12 – 14/12/2026 (chỉ các ngày trong 12 tháng)."
    ) in annex
