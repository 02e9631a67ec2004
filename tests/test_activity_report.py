"""The field-work section of the weekly, monthly and annual reports (issue 19): its counts checked
against a count made here from the documents entered, and the section as the PDF and Excel show it."""

from __future__ import annotations

import io
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from app import periods
from app.activity_json import KINDS, parse_activities
from app.periods import Period
from app.report_pdf import report_pdf
from app.report_xlsx import report_xlsx
from app.reports import as_json, build_report
from tests.helpers.cases import ICT, sample_case
from tests.helpers.pdf import pdf_text
from tests.helpers.registers import Post


def _documents(case_number: str) -> list[dict[str, Any]]:
    """Activities spread over 2025 and 2026, some on the edges of a day in An Giang (23:59, 00:00)."""
    draw = random.Random(19)
    documents: list[dict[str, Any]] = []
    start = datetime(2025, 9, 1, 0, 0, tzinfo=ICT)
    edges = [
        datetime(2026, 11, 14, 23, 59, tzinfo=ICT),
        datetime(2026, 11, 15, 0, 0, tzinfo=ICT),
        datetime(2026, 10, 15, 0, 0, tzinfo=ICT),
        datetime(2026, 10, 14, 23, 59, tzinfo=ICT),
    ]
    moments = edges + [start + timedelta(hours=draw.randrange(0, 24 * 450)) for _ in range(70)]
    for i, moment in enumerate(moments):
        kind = KINDS[i % 4]
        document: dict[str, Any] = {"kind": kind, "started_at": moment.isoformat(), "commune_code": "30325"}
        if kind == "inspection":
            document["establishment"] = f"Cơ sở {i}"
        if i % 3:
            document["participants"] = draw.randrange(1, 150)
        if i in (1, 9):
            document["cases"] = [case_number]
        documents.append(document)
    return documents


def _expected(documents: list[dict[str, Any]], period: Period) -> dict[str, dict[str, int]]:
    """Counted from the documents themselves: the day each started on, as the post's clock read it."""
    counts = {kind: {"count": 0, "participants": 0, "cases": 0, "before": 0} for kind in KINDS}
    before = period.shifted_years(-1)
    for document in documents:
        day = datetime.fromisoformat(document["started_at"]).astimezone(ICT).date()
        row = counts[document["kind"]]
        if period.start <= day <= period.end:
            row["count"] += 1
            row["participants"] += document.get("participants", 0)
            row["cases"] = max(row["cases"], len(document.get("cases", [])))  # one case, linked twice
        if before.start <= day <= before.end:
            row["before"] += 1
    return counts


def test_the_reports_count_field_work_as_an_independent_count_does(post: Post, tmp_path: Path) -> None:
    ctx = post.ctx
    case = ctx.cases.create(post.officer, sample_case(occurred_at=datetime(2026, 11, 1, 9, 0, tzinfo=ICT)))
    documents = _documents(case.number)
    ctx.activities.add_many(post.officer, parse_activities(documents, ctx.reference, now=ctx.clock()))
    for kind, period in (
        ("weekly", periods.week_of(date(2026, 11, 20))),
        ("monthly", periods.month(2026, 11)),
        ("annual", periods.year(2026)),
    ):
        report = build_report(ctx, post.chief, kind, period)
        assert as_json(report)["field_work"] == _expected(documents, period), kind
    month = build_report(ctx, post.chief, "monthly", periods.month(2026, 11))
    figures = _expected(documents, periods.month(2026, 11))
    assert figures["patrol"]["count"] and figures["checkpoint"]["count"]  # the edges fall on both sides

    pdf, _pages = report_pdf(month, ["ĐỒN BIÊN PHÒNG VĨNH XƯƠNG"], "An Giang")
    (tmp_path / "month.pdf").write_bytes(pdf)
    layout = pdf_text(pdf, tmp_path, layout=True)
    assert "KẾT QUẢ TUẦN TRA, CHỐT CHẶN, KIỂM TRA VÀ TUYÊN TRUYỀN" in layout
    patrol_line = next(
        line for line in layout.splitlines() if line.strip().startswith("1") and "Tuần tra" in line
    )
    assert patrol_line.split()[3:5] == [
        str(figures["patrol"]["count"]),
        f"{figures['patrol']['participants']:,}".replace(",", "."),
    ]

    sheet = load_workbook(io.BytesIO(report_xlsx(month)))["Tuần tra, kiểm tra"]
    table = {row[1]: row for row in sheet.iter_rows(min_row=6, values_only=True)}
    assert table["Tuyên truyền"][2:6] == tuple(
        figures["outreach"][key] for key in ("count", "participants", "cases", "before")
    )
    assert table["Tổng cộng"][2] == sum(row["count"] for row in figures.values())


def test_online_cases_are_broken_out_as_an_independent_count_has_them(post: Post, tmp_path: Path) -> None:
    from dataclasses import replace

    from app.domain import GoodsInput

    ctx = post.ctx
    made = [  # (when, location kind, platform, goods value, approved)
        (datetime(2026, 11, 1, 20, 0, tzinfo=ICT), "online", "Facebook", 12_000_000, True),
        (datetime(2026, 11, 3, 21, 0, tzinfo=ICT), "online", "Facebook", 3_000_000, True),
        (datetime(2026, 11, 5, 9, 0, tzinfo=ICT), "online", "Zalo", 7_500_000, True),
        (datetime(2026, 11, 6, 9, 0, tzinfo=ICT), "online", None, 1_000_000, True),
        (
            datetime(2026, 11, 7, 9, 0, tzinfo=ICT),
            "online",
            "TikTok",
            9_000_000,
            False,
        ),  # a draft: not counted
        (datetime(2026, 11, 8, 9, 0, tzinfo=ICT), "border_trail", None, 50_000_000, True),
        (datetime(2025, 11, 2, 9, 0, tzinfo=ICT), "online", "Facebook", 2_000_000, True),  # the year before
    ]
    for when, kind, platform, value, approved in made:
        data = replace(
            sample_case(occurred_at=when, location_kind=kind, online_platform=platform),
            goods=(  # two lines each: a case's goods are summed over all its lines
                GoodsInput("cosmetics", Decimal("10"), "hộp", value_vnd=value - 400_000),
                GoodsInput("cigarettes", Decimal("2"), "bao", value_vnd=400_000),
            ),
        )
        case = ctx.cases.create(post.officer, data)
        if approved:
            ctx.cases.submit(post.officer, case.id)
            ctx.cases.approve(post.chief, case.id)
    period = periods.month(2026, 11)
    counted = [row for row in made if row[1] == "online" and row[4] and row[0].date() in period]
    before = [
        row for row in made if row[1] == "online" and row[4] and row[0].date() in period.shifted_years(-1)
    ]
    report = build_report(ctx, post.chief, "monthly", period)
    online = as_json(report)["online"]
    assert (online["cases"], online["goods_value"], online["previous_cases"]) == (
        len(counted),
        sum(row[3] for row in counted),
        len(before),
    )
    assert online["platforms"][0] == {"platform": "Facebook", "cases": 2, "goods_value": 15_000_000}
    pdf, _pages = report_pdf(report, ["ĐỒN BIÊN PHÒNG VĨNH XƯƠNG"], "An Giang")
    (tmp_path / "online.pdf").write_bytes(pdf)
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert (
        "Trong đó, vụ việc trên không gian mạng (mua bán qua mạng, livestream): 4 vụ (cùng kỳ: 1 vụ)" in text
    )
    sheet = load_workbook(io.BytesIO(report_xlsx(report)))["Trên không gian mạng"]
    assert [row[1:] for row in sheet.iter_rows(min_row=6, values_only=True)][-1] == (
        "Tổng cộng",
        4,
        23_500_000,
    )
