"""The 389 summary report as an Excel workbook (openpyxl): real numbers with number formats, frozen
header rows, one sheet per table, laid out from the same template as the PDF."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app import handover_report, periods
from app.activity_report import add_field_work_sheet
from app.online_report import add_online_sheet
from app.overlap_report import add_overlap_sheet
from app.reports import Figures, SummaryReport, load_template

MONEY = "#,##0"
COUNT = "#,##0"
QUANTITY = "#,##0.###"
# "So cùng kỳ (±%)" as the PDF prints it: one decimal always, a sign before a rise or a fall, no "%"
# after the figure (the column's title says it); Excel draws the decimal separator of the reader's
# settings (a comma on a Vietnamese Windows).
PERCENT = "+#,##0.0;-#,##0.0;0.0"
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BOLD = Font(bold=True)


def _value(row: Figures, key: str) -> int | float | None:
    if key.endswith("_change"):
        change = row.change(key.removesuffix("_change"))
        return None if change is None else float(change)
    return row.now[key]


def _format(column: dict[str, Any]) -> str:
    if column["key"].endswith("_change"):
        return PERCENT
    return MONEY if column.get("format") == "money" else COUNT


def _heading(sheet: Worksheet, report: SummaryReport, title: str, columns: int) -> int:
    """Title lines above a table; returns the row of the table's header."""
    sheet.append([f"{report.title} — {title}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([f"{periods.label(report.period)} · {report.scope}"])
    sheet.append([f"Cùng kỳ: {report.previous.start:%d/%m/%Y} – {report.previous.end:%d/%m/%Y}"])
    for row in (1, 2, 3):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
    sheet.append([])
    return 5


def _table(
    sheet: Worksheet,
    head_row: int,
    head: Sequence[str],
    rows: Sequence[Sequence[Any]],
    formats: Sequence[str | None],
    widths: Sequence[float],
    bold_last: bool = False,
) -> None:
    sheet.append(list(head))
    for column in range(1, len(head) + 1):
        header = sheet.cell(row=head_row, column=column)
        header.font = _BOLD
        header.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        header.border = _BOX
        sheet.column_dimensions[get_column_letter(column)].width = widths[column - 1]
    # One named style per number format (a cell takes it in one step), and rows counted here:
    # ``sheet.max_row`` looks at every cell, which made a long table quadratic.
    styles = [_style(sheet.parent, number_format) for number_format in formats]
    whole = _style(sheet.parent, COUNT)
    for row, values in enumerate(rows, start=head_row + 1):
        sheet.append(list(values))
        for column, (style, value) in enumerate(zip(styles, values, strict=True), start=1):
            # "#,##0.###" would show a whole quantity with a trailing point ("222,360.").
            number_format = formats[column - 1]
            fitting = whole if number_format == QUANTITY and isinstance(value, int) else style
            sheet.cell(row=row, column=column).style = fitting
    if bold_last and rows:
        for column in range(1, len(head) + 1):
            sheet.cell(row=head_row + len(rows), column=column).font = _BOLD
    sheet.freeze_panes = sheet.cell(row=head_row + 1, column=1)


def _style(book: Workbook, number_format: str | None) -> str:
    """The name of a boxed body cell style with ``number_format``, added to ``book`` the first time."""
    name = f"Ô {number_format or 'chữ'}"
    if name not in book.named_styles:
        book.add_named_style(NamedStyle(name=name, border=_BOX, number_format=number_format or "General"))
    return name


def report_xlsx(report: SummaryReport, template: dict[str, Any] | None = None) -> bytes:
    template = template or load_template()
    book = Workbook()
    first = True
    columns = template["columns"]
    for section in template["sections"]:
        if section.get("province") and not report.province:
            continue
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = {
            "violation_group": "Theo nhóm hành vi",
            "station": "Theo đồn",
            "force": "Theo lực lượng",
        }.get(section["by"], section["by"])[:31]
        head = ["STT", section["first_column"], *(c["title"] for c in columns)]
        head_row = _heading(sheet, report, section["title"], len(head))
        rows: list[list[Any]] = [
            [i, r.label, *(_value(r, c["key"]) for c in columns)]
            for i, r in enumerate(report.sections[section["by"]], start=1)
        ]
        total = report.totals  # every counted case is in one row of each section
        rows.append([None, total.label, *(_value(total, c["key"]) for c in columns)])
        _table(
            sheet,
            head_row,
            head,
            rows,
            [COUNT, None, *(_format(c) for c in columns)],
            [6, 34, *(max(12, len(c["title"]) * 0.6) for c in columns)],
            bold_last=True,
        )
        # The report's notes (cases not counted yet) under each table, as the PDF prints them.
        for note in report.notes:
            sheet.append([])
            sheet.append([None, note])
            sheet.cell(row=sheet.max_row, column=2).font = Font(italic=True)
    if report.handovers is not None:
        sheet = book.create_sheet("Bàn giao công an")
        head_row = _heading(sheet, report, handover_report.TITLE, len(handover_report.HEAD))
        rows = handover_report.rows(report.handovers)
        formats = [COUNT, None, COUNT, COUNT]
        _table(sheet, head_row, list(handover_report.HEAD), rows, formats, [6, 50, 12, 12])
    sheet = book.create_sheet("Tang vật")
    head = list(template["commodities"]["columns"])
    head_row = _heading(sheet, report, template["commodities"]["title"], len(head))
    _table(
        sheet,
        head_row,
        head,
        [
            [
                i,
                c.label,
                c.unit,
                _number(c.quantity),
                c.cases,
                c.value,
                _number(c.quantity_before),
                None if c.change() is None else float(c.change() or 0),
            ]
            for i, c in enumerate(report.commodities, start=1)
        ],
        [COUNT, None, None, QUANTITY, COUNT, MONEY, QUANTITY, PERCENT],
        [6, 34, 10, 16, 9, 18, 16, 9],
    )
    if report.field_work is not None:  # patrols, checkpoints, inspections, outreach (issue 19)
        add_field_work_sheet(
            book,
            report.field_work,
            lambda sheet, title, n: _heading(sheet, report, title, n),
            _table,
            COUNT,
            PERCENT,
        )
    if report.online is not None:  # online cases broken out (issue 19 item 7)
        add_online_sheet(
            book,
            report.online,
            lambda sheet, title, n: _heading(sheet, report, title, n),
            _table,
            COUNT,
            MONEY,
        )
    if report.overlaps is not None:  # HQ: establishments inspected more than once (issue 19 item 3)
        add_overlap_sheet(
            book, report.overlaps, lambda sheet, title, n: _heading(sheet, report, title, n), _table, COUNT
        )
    if report.tips is not None:  # tip-offs (issue 19): counts only, never an informant
        sheet = book.create_sheet("Tin báo")
        head = ["STT", "Tiếp nhận", "Đã xử lý", "Dẫn đến vụ việc"]
        head_row = _heading(sheet, report, "Tin báo, tố giác", len(head))
        counts = report.tips
        _table(
            sheet, head_row, head, [[1, counts.received, counts.acted_on, counts.led_to_case]],
            [COUNT, COUNT, COUNT, COUNT], [6, 16, 16, 18],
        )
    sheet = book.create_sheet("Khen thưởng")
    head = list(template["rewards"]["columns"])
    head_row = _heading(sheet, report, template["rewards"]["title"], len(head))
    _table(
        sheet,
        head_row,
        [*head, "Đơn vị tính"],
        [
            [
                i,
                r.text,
                r.station,
                r.case_number or r.month or "",  # a month given by its days
                _number(r.amount),
                _number(r.threshold),
                r.unit,
            ]
            for i, r in enumerate(report.rewards, start=1)
        ],
        [COUNT, None, None, None, QUANTITY, QUANTITY, None],
        [6, 50, 12, 24, 16, 16, 10],
    )
    book.properties.title = report.title
    book.properties.creator = "Outpost"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _number(value: Decimal) -> int | float:
    """An exact quantity as the number Excel stores: whole numbers stay integers."""
    return int(value) if value == value.to_integral_value() else float(value)
