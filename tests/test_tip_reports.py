"""Tip-offs in the periodic reports (issue 19 item 5): received, acted on and leading to a case, as
the PDF and the Excel show them, checked against a count made here from the tips themselves; and the
informant in none of a run's logs, PDFs or workbooks."""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import load_workbook

from app import periods
from app.logs import log, open_log
from app.report_pdf import report_pdf
from app.report_xlsx import report_xlsx
from app.reports import as_json, build_report
from tests.helpers.cases import ICT, sample_case
from tests.helpers.pdf import flat, pdf_text
from tests.helpers.registers import PASSWORD, Post

INFORMANT = "Phạm Thị Kín, 0911 222 333"


def _tips(post: Post) -> list[tuple[datetime, str, bool]]:
    """Seven tips over November, some acted on, some closed without action, some linked: what each is,
    kept here so the expected figures are counted from it and not from the register."""
    tips = post.ctx.tips
    case = post.ctx.cases.create(post.officer, sample_case())
    made = []
    for day in range(1, 8):
        when = datetime(2026, 11, day * 3, 20, 0, tzinfo=ICT)
        tip = tips.add(post.officer, received_at=when, channel="phone", content=f"Tin số {day}",
                       informant=INFORMANT)
        tips.assign(post.chief, tip.id, "officer")
        acted = day % 2 == 1
        if day > 1:
            tips.set_status(post.officer, tip.id, "checking")
        if acted:
            tips.set_status(post.officer, tip.id, "acted_on", "Bắt giữ")
            if day % 3 == 0:
                tips.set_status(post.officer, tip.id, "closed", "Đã chuyển hồ sơ")
        elif day > 1:
            tips.set_status(post.officer, tip.id, "closed", "Không phát hiện")
        linked = day in (3, 5)
        if linked:
            tips.link(post.officer, tip.id, case.number)
        made.append((when, "acted" if acted else "not", linked))
    tips.read_informant(post.chief, made and tips.find(post.chief)[0].id, PASSWORD)
    return made


def _expected(made: list[tuple[datetime, str, bool]], first: date, last: date) -> tuple[int, int, int]:
    inside = [m for m in made if first <= m[0].date() <= last]
    return len(inside), sum(1 for m in inside if m[1] == "acted"), sum(1 for m in inside if m[2])


def test_reports_count_tips_and_never_carry_an_informant(post: Post, tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    made = _tips(post)
    open_log(post.data_dir)
    log.error("a run's log line, to be searched too")
    month = periods.month(2026, 11, periods.CALENDAR)
    week = periods.week_of(date(2026, 11, 12))
    for kind, period in (("monthly", month), ("weekly", week), ("annual", periods.year(2026))):
        report = build_report(post.ctx, post.chief, kind, period)
        expected = _expected(made, period.start, period.end)
        assert expected[0] > 0
        counts = as_json(report)["tips"]
        assert (counts["received"], counts["acted_on"], counts["led_to_case"]) == expected, kind
        pdf, _pages = report_pdf(report, ["BỘ ĐỘI BIÊN PHÒNG"], "An Giang")
        text = flat(pdf_text(pdf, tmp_path))
        assert "TIN BÁO, TỐ GIÁC CỦA NHÂN DÂN" in text
        layout = flat(pdf_text(pdf, tmp_path, layout=True))
        assert "Tiếp nhận Đã xử lý Dẫn đến vụ việc " + " ".join(str(n) for n in expected) in layout
        book = load_workbook(io.BytesIO(report_xlsx(report)))
        sheet = book["Tin báo"]
        values = [row for row in sheet.iter_rows(values_only=True) if row and row[0] == 1]
        assert values[-1][1:4] == expected
        everything = text + " ".join(
            str(cell) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for cell in row
        )
        for secret in (INFORMANT, "Phạm Thị Kín", "0911 222 333"):
            assert secret not in everything
            assert secret.encode() not in pdf
    logs = b"".join(path.read_bytes() for path in (post.data_dir / "logs").glob("*"))
    assert logs and "Phạm Thị Kín".encode() not in logs and b"0911 222 333" not in logs
