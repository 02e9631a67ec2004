"""Hand-overs to the police in the periodic reports: each hand-over and each follow-up step counts on
its own day, in the JSON, the PDF and the Excel file alike, checked against a count made with SQL
straight from the register's rows."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook

from app import periods
from app.domain import HandlingInput, PartyInput
from app.handovers import HandoverInput, HandoverService
from app.report_pdf import report_pdf
from app.report_xlsx import report_xlsx
from app.reports import as_json, build_report
from tests.helpers.cases import ICT, sample_case
from tests.helpers.pdf import pdf_text
from tests.helpers.registers import Post, rows

AGENCY = "Cơ quan Cảnh sát điều tra Công an thị xã Tân Châu"
NOVEMBER = periods.month(2026, 11)  # statistical: 15/10/2026 – 14/11/2026
# (handed on, [(step, on)…], defendants)
HANDOVERS = [
    (date(2025, 10, 20), [("received", date(2025, 10, 25)), ("prosecuted", date(2025, 11, 2))], 1),
    (date(2026, 10, 10), [("received", date(2026, 10, 16))], 2),  # before the period, answered in it
    (date(2026, 10, 20), [("received", date(2026, 10, 22)), ("prosecuted", date(2026, 11, 5))], 2),
    (date(2026, 11, 1), [("received", date(2026, 11, 3)), ("returned", date(2026, 11, 20))], 1),
    (date(2026, 11, 10), [], 1),
    (date(2026, 11, 16), [("received", date(2026, 11, 18))], 1),  # after the period
]


def handovers(post: Post) -> None:
    service = HandoverService(post.ctx)
    for handed_on, steps, defendants in HANDOVERS:
        people = tuple(
            PartyInput("person", "carrier", f"Nguyễn Văn {chr(65 + i)}", id_number=f"08909000{i:04d}")
            for i in range(defendants)
        )
        case = post.ctx.cases.create(
            post.officer,
            sample_case(
                occurred_at=datetime(handed_on.year, handed_on.month, handed_on.day, 1, 0, tzinfo=ICT),
                parties=people,
                handling=HandlingInput(
                    outcome="criminal_transfer", receiving_agency=AGENCY, defendants=defendants
                ),
            ),
        )
        made = service.add(post.officer, case.id, HandoverInput(AGENCY, handed_on)).handover
        for status, on in steps:
            service.follow_up(post.officer, made.id, status, on)


def independent(post: Post, period: periods.Period) -> dict[str, int]:
    """The figures counted with SQL over the rows and their JSON steps."""
    start, end = period.start.isoformat(), period.end.isoformat()
    [(handed, people)] = rows(
        post.ctx,
        "SELECT count(*), coalesce(sum(json_array_length(defendants)), 0) FROM handovers "
        "WHERE handed_on BETWEEN :start AND :end",
        start=start,
        end=end,
    )
    steps = dict(
        rows(
            post.ctx,
            "SELECT json_extract(s.value, '$.status'), count(*) "
            "FROM handovers, json_each(handovers.followups) s "
            "WHERE json_extract(s.value, '$.on') BETWEEN :start AND :end GROUP BY 1",
            start=start,
            end=end,
        )
    )
    [(open_at_end,)] = rows(
        post.ctx,
        "SELECT count(*) FROM handovers h WHERE h.handed_on <= :end AND NOT EXISTS (SELECT 1 FROM "
        "json_each(h.followups) s WHERE json_extract(s.value, '$.status') IN ('prosecuted', 'returned') "
        "AND json_extract(s.value, '$.on') <= :end)",
        end=end,
    )
    return {
        "handed_over": handed,
        "defendants": people,
        "received": steps.get("received", 0),
        "prosecuted": steps.get("prosecuted", 0),
        "returned": steps.get("returned", 0),
        "awaiting": open_at_end,
    }


def test_the_reports_count_hand_overs_and_their_follow_up(post: Post, tmp_path: Path) -> None:
    handovers(post)
    report = build_report(post.ctx, post.chief, "monthly", NOVEMBER)
    expected = independent(post, NOVEMBER)
    assert expected == {
        "handed_over": 3,
        "defendants": 4,
        "received": 3,
        "prosecuted": 1,
        "returned": 0,
        "awaiting": 3,
    }
    assert report.handovers is not None
    assert report.handovers.now == expected
    assert report.handovers.before == independent(post, NOVEMBER.shifted_years(-1))
    assert as_json(report)["handovers"]["now"] == expected
    layout = pdf_text(report_pdf(report, ["ĐỒN BIÊN PHÒNG VĨNH XƯƠNG"], "An Giang")[0], tmp_path, layout=True)
    assert "KẾT QUẢ BÀN GIAO CHO CƠ QUAN CÔNG AN" in layout
    printed = {}
    for key, label in (
        ("handed_over", "Số vụ chuyển giao cơ quan điều tra"),
        ("defendants", "Số đối tượng bàn giao"),
        ("prosecuted", "Số vụ đã khởi tố"),
        ("awaiting", "Số vụ chưa có kết quả cuối cùng"),
    ):
        line = next(line for line in layout.splitlines() if label in line)
        printed[key] = int(line.split()[-2])
    assert printed == {k: expected[k] for k in printed}
    sheet = load_workbook(io.BytesIO(report_xlsx(report)))["Bàn giao công an"]
    table = {r[1]: (r[2], r[3]) for r in sheet.iter_rows(min_row=6, values_only=True) if r[1]}
    assert table["Số vụ cơ quan điều tra đã tiếp nhận"] == (
        expected["received"],
        report.handovers.before["received"],
    )
    week = build_report(
        post.ctx, post.chief, "weekly", periods.custom(date(2026, 11, 14), date(2026, 11, 20))
    )
    assert week.handovers is not None and week.handovers.now == independent(
        post, periods.custom(date(2026, 11, 14), date(2026, 11, 20))
    )
    year = build_report(post.ctx, post.chief, "annual", periods.year(2026))
    assert year.handovers is not None and year.handovers.now == independent(post, periods.year(2026))
