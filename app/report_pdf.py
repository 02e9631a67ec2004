"""The 389 summary report as a PDF, laid out from the template in ``resources/reports``.

What a new reader tripped over (issue 18) is kept out here rather than left to ReportLab: a section
heading always has its table's first rows (or the whole of what cannot be split) below it on the
same page; a title never ends on a word of its own; case numbers and post codes are set smaller
rather than cut; every "so cùng kỳ" figure has one decimal (``percent``)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table

from app import handover_report, periods
from app.activity_report import TITLE as FIELD_WORK_TITLE
from app.activity_report import field_work_flowables
from app.formatting import format_decimal, format_int, format_money, group_thousands
from app.online_report import online_flowable
from app.overlap_report import TITLE as OVERLAP_TITLE
from app.overlap_report import overlap_flowable
from app.printing import (
    Letterhead,
    Styles,
    grid,
    header,
    keep_with_next,
    markup,
    render,
    signing_table,
    styles,
    whole_last_words,
)
from app.reports import Figures, SummaryReport, load_template
from app.text import fold

_FORMATS = {"int": format_int, "money": format_money}
# The PDF lists this many reward candidates; the Excel file and the JSON list every one.
MAX_REWARD_ROWS = 100
_MODE_WORDS = {
    periods.STATISTICAL: "mốc thống kê (ngày 15 đến ngày 14)",
    periods.CALENDAR: "tháng dương lịch",
}


def percent(value: Decimal | None) -> str:
    """ "+12,5" / "-60,0" / "0,0" / "+1.250,0" / "—" (no figure last year): always one decimal after
    a decimal comma, so that a column never mixes "-60" with "-46,7"."""
    if value is None:
        return "—"
    rounded = value.quantize(Decimal("0.1"))
    whole, _point, tenth = f"{abs(rounded):.1f}".partition(".")
    sign = "+" if rounded > 0 else "-" if rounded < 0 else ""
    return f"{sign}{group_thousands(whole)},{tenth}"


ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


# "BĐBP" on a recipient line is the same unit as "Bộ đội Biên phòng" in a station's name.
_ABBREVIATIONS = {"bdbp": "bo doi bien phong"}


def _folded_name(text: str) -> str:
    return " ".join(_ABBREVIATIONS.get(word, word) for word in fold(text).split())


def report_recipients(report: SummaryReport, agency: Sequence[str], template: dict[str, Any]) -> list[str]:
    """The "Nơi nhận" lines: HQ's own list at HQ, a post's at a post; a line naming the issuing unit
    (the last letterhead line) is left out, so HQ never sends its report to itself."""
    lines = (
        template.get("recipients_hq", template["recipients"])
        if report.issued_at_hq
        else template["recipients"]
    )
    issuer = _folded_name(agency[-1]) if agency else ""

    def names_issuer(line: str) -> bool:
        named = _folded_name(line)
        return bool(issuer and named) and (
            named == issuer or issuer.startswith(named + " ") or named.startswith(issuer + " ")
        )

    return [str(line) for line in lines if not names_issuer(str(line))]


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


def _heading(number: int, title: str, st: Styles, following: Flowable) -> list[Flowable]:
    """A numbered section heading kept on the page of what ``following`` starts with."""
    heading = [
        Spacer(1, 6),
        Paragraph(f"<b>{ROMAN[number]}. {markup(whole_last_words(title))}</b>", st.body_left),
    ]
    return keep_with_next(heading, following)


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
        Paragraph(markup(whole_last_words(report.title)), st.title),
        Paragraph(f"<b>{markup(whole_last_words(template['subject']))}</b>", st.subtitle),
        Paragraph(f"<i>{markup(whole_last_words(periods.label(report.period)))}</i>", st.italic_centre),
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
    number = 0
    for section in template["sections"]:
        if section.get("province") and not report.province:
            continue
        figures = report.sections[section["by"]]
        total = report.totals  # every counted case is in one row of each section
        flow += _heading(
            number,
            section["title"],
            st,
            _figures_table(figures, total, section["first_column"], template, small),
        )
        number += 1
        if section.get("note"):
            flow.append(Paragraph(f"<i>{markup(section['note'])}</i>", small.body_left))
    if report.online is not None:  # online cases broken out (issue 19 item 7)
        flow.append(online_flowable(report.online, small))
    flow.append(Paragraph(f"<i>{markup(template['collections_note'])}</i>", small.body_left))
    if report.handovers is not None:
        flow += _heading(number, handover_report.TITLE, st, handover_report.table(report.handovers, small))
        number += 1
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
    goods: Flowable = (
        grid(
            commodities["columns"],
            rows,
            (7, 30, 10, 16, 9, 20, 16, 9),
            small,
            align=("c", "l", "c", "r", "r", "r", "r", "r"),
        )
        if rows
        else Paragraph("Không có tang vật trong kỳ.", st.body_left)
    )
    flow += _heading(number, commodities["title"], st, goods)
    if report.field_work is not None:  # patrols, checkpoints, inspections, outreach (issue 19)
        number += 1
        flow += _heading(
            number, FIELD_WORK_TITLE, st, field_work_flowables(report.field_work, small, percent)
        )
    if report.overlaps is not None:  # HQ: establishments inspected more than once (issue 19 item 3)
        number += 1
        flow += _heading(number, OVERLAP_TITLE, st, overlap_flowable(report.overlaps, small))
    if report.tips is not None:  # tip-offs (issue 19): counts only, never an informant
        number += 1
        counts = report.tips
        flow += _heading(
            number,
            "TIN BÁO, TỐ GIÁC CỦA NHÂN DÂN",
            st,
            grid(
                ["Tiếp nhận", "Đã xử lý", "Dẫn đến vụ việc"],
                [[format_int(counts.received), format_int(counts.acted_on), format_int(counts.led_to_case)]],
                (40, 40, 40),
                small,
                align=("r", "r", "r"),
            ),
        )
    rewards = template["rewards"]
    foot: list[Flowable] = [
        Spacer(1, 10),
        signing_table(
            report_recipients(report, agency, template),
            template["signer"],
            "(Ký, ghi rõ họ tên, đóng dấu)",
            "",
            st,
        ),
    ]
    if not report.rewards:
        flow += _heading(
            number + 1,
            rewards["title"],
            st,
            KeepTogether([Paragraph(markup(rewards["none"]), st.body_left), *foot]),
        )
        return flow
    shown = report.rewards[:MAX_REWARD_ROWS]
    rows = [
        [
            str(i),
            r.text,
            r.station,
            r.case_number or r.month or "",  # a month given by its days: "15/10/2026 – 14/11/2026"
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
    table = grid(
        rewards["columns"],
        rows,
        (7, 37, 13, 25, 17, 15),
        small,
        align=("c", "l", "c", "l", "r", "r"),
        foot=foot,
        whole=(2, 3),  # the post's code and the case number
    )
    flow += _heading(number + 1, rewards["title"], st, table)
    return flow


def report_pdf(
    report: SummaryReport, agency: Sequence[str], place: str, annex: Sequence[Flowable] = ()
) -> tuple[bytes, int]:
    """The report's PDF bytes and page count; ``annex`` follows the signature (the monthly and annual
    reports' charts, ``app.report_charts``)."""
    return render(
        [*report_flowables(report, agency, place), *annex],
        title=report.title,
        subject=periods.label(report.period),
    )
