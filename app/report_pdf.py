"""The 389 summary report as a PDF, laid out from the template in ``resources/reports``."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer, Table

from app import periods
from app.formatting import format_decimal, format_int, format_money
from app.printing import Letterhead, Styles, grid, header, markup, render, signing_table, styles
from app.reports import Figures, SummaryReport, load_template

_FORMATS = {"int": format_int, "money": format_money}
# The PDF lists this many reward candidates; the Excel file and the JSON list every one.
MAX_REWARD_ROWS = 100
_MODE_WORDS = {
    periods.STATISTICAL: "mốc thống kê (ngày 15 đến ngày 14)",
    periods.CALENDAR: "tháng dương lịch",
}


def percent(value: Decimal | None) -> str:
    """ "+12,5" / "-3,0" / "—" (no figure last year)."""
    if value is None:
        return "—"
    text = format_decimal(value)
    return "+" + text if value > 0 else text


def cell(row: Figures, column: dict[str, Any]) -> str:
    key = column["key"]
    if key.endswith("_change"):
        return percent(row.change(key.removesuffix("_change")))
    return str(_FORMATS[column.get("format", "int")](row.now[key]))


def _figures_table(
    rows: Sequence[Figures], total: Figures, first: str, template: dict[str, Any], st: Styles
) -> Table:
    columns = template["columns"]
    head = ["STT", first, *(c["title"] for c in columns)]
    body = [[str(i), r.label, *(cell(r, c) for c in columns)] for i, r in enumerate(rows, start=1)]
    body.append(["", total.label, *(cell(total, c) for c in columns)])
    widths = [7, template.get("first_column_width", 27), *(c.get("width", 12) for c in columns)]
    return grid(head, body, widths, st, align=["c", "l", *["r"] * len(columns)], bold_rows=[len(body) - 1])


# A section heading starts a new page when less is left below it than its table's head and first rows.
HEADING_ROOM = 35 * mm


def _heading(title: str, st: Styles) -> list[Flowable]:
    return [CondPageBreak(HEADING_ROOM), Spacer(1, 6), Paragraph(f"<b>{markup(title)}</b>", st.body_left)]


def report_flowables(
    report: SummaryReport,
    agency: Sequence[str],
    place: str,
    st: Styles | None = None,
    template: dict[str, Any] | None = None,
) -> list[Flowable]:
    st = st or styles(12)
    template = template or load_template()
    small = styles(9.5)
    flow: list[Flowable] = [
        header(Letterhead(agency, "Số: ……/BC", place, report.generated_at.date()), st),
        Paragraph(markup(report.title), st.title),
        Paragraph(f"<b>{markup(template['subject'])}</b>", st.subtitle),
        Paragraph(f"<i>{markup(periods.label(report.period))}</i>", st.italic_centre),
        Spacer(1, 6),
        Paragraph(
            f"Đơn vị: {markup(report.scope)}. So sánh cùng kỳ: từ ngày {report.previous.start:%d/%m/%Y} "
            f"đến ngày {report.previous.end:%d/%m/%Y}. Cách tính kỳ: "
            f"{_MODE_WORDS.get(report.mode, report.mode)}.",
            st.body,
        ),
    ]
    for note in report.notes:
        flow.append(Paragraph(f"<i>{markup(note)}</i>", st.body))
    for section in template["sections"]:
        figures = report.sections[section["by"]]
        total = report.totals  # every counted case is in one row of each section
        flow += [
            *_heading(section["title"], st),
            _figures_table(figures, total, section["first_column"], template, small),
        ]
        if section.get("note"):
            flow.append(Paragraph(f"<i>{markup(section['note'])}</i>", small.body_left))
    flow.append(Paragraph(f"<i>{markup(template['collections_note'])}</i>", small.body_left))
    commodities = template["commodities"]
    rows = [
        [
            str(i),
            c.label,
            c.unit,
            format_decimal(c.quantity),
            format_int(c.cases),
            format_money(c.value),
            format_decimal(c.quantity_before),
            percent(c.change()),
        ]
        for i, c in enumerate(report.commodities, start=1)
    ]
    flow += _heading(commodities["title"], st)
    if rows:
        flow.append(
            grid(
                commodities["columns"],
                rows,
                (7, 30, 10, 16, 9, 20, 16, 9),
                small,
                align=("c", "l", "c", "r", "r", "r", "r", "r"),
            )
        )
    else:
        flow.append(Paragraph("Không có tang vật trong kỳ.", st.body_left))
    rewards = template["rewards"]
    flow += _heading(rewards["title"], st)
    foot: list[Flowable] = [
        Spacer(1, 10),
        signing_table(template["recipients"], template["signer"], "(Ký, ghi rõ họ tên, đóng dấu)", "", st),
    ]
    if not report.rewards:
        flow.append(KeepTogether([Paragraph(markup(rewards["none"]), st.body_left), *foot]))
        return flow
    shown = report.rewards[:MAX_REWARD_ROWS]
    rows = [
        [
            str(i),
            r.text,
            r.station,
            r.case_number or f"Tháng {r.month}",
            f"{format_decimal(r.amount)} {r.unit}",
            f"{format_decimal(r.threshold)} {r.unit}",
        ]
        for i, r in enumerate(shown, start=1)
    ]
    if len(report.rewards) > len(shown):
        more = len(report.rewards) - len(shown)
        foot.insert(
            0,
            Paragraph(
                f"<i>… và {more} trường hợp khác: xem tệp Excel hoặc lệnh 'outpost report rewards'.</i>",
                small.body_left,
            ),
        )
    # The signature block ends the rewards table, so that it never stands alone on the last page.
    flow.append(
        grid(
            rewards["columns"],
            rows,
            (7, 42, 12, 20, 17, 15),
            small,
            align=("c", "l", "c", "l", "r", "r"),
            foot=foot,
        )
    )
    return flow


def report_pdf(report: SummaryReport, agency: Sequence[str], place: str) -> tuple[bytes, int]:
    """The report's PDF bytes and page count."""
    return render(
        report_flowables(report, agency, place), title=report.title, subject=periods.label(report.period)
    )
