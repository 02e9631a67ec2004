"""HQ's section of the province report listing the establishments inspected more than once within the
window in the period: by which post and force, on which day, and the reason given for inspecting again.

Why: "không kiểm tra nhiều lần, trùng lấp tại một đơn vị" (issue 19 item 3, docs/domain.md §2). The
overlaps are found by ``app.inspections.overlaps`` (the same establishment by registered id, tax code or
folded name in its commune, by any post or force HQ holds); this module only lays them out. The PDF and
the Excel file each add the section with one call (``overlap_flowable``, ``add_overlap_sheet``); the
labels are the report's Vietnamese, as the rest of the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from app.inspections import overlaps
from app.periods import Period
from app.reference import Reference

if TYPE_CHECKING:
    from reportlab.platypus import Flowable

    from app.printing import Styles

TITLE = "CƠ SỞ KINH DOANH BỊ KIỂM TRA TRÙNG LẶP"
COLUMNS = (
    "STT",
    "Cơ sở kinh doanh (xã, phường)",
    "Đồn",
    "Lực lượng chủ trì",
    "Ngày kiểm tra",
    "Lý do kiểm tra lại",
)
NO_REASON = "(không ghi lý do)"  # a later inspection saved before reasons were asked for (migration 0017)


@dataclass(frozen=True)
class OverlapLine:
    """One inspection of an overlapping establishment; ``number`` and ``establishment`` on its first."""

    number: int | None
    establishment: str
    post: str
    force: str
    day: date
    reason: str  # "" for the first inspection of the run, which needed none


@dataclass(frozen=True)
class OverlapSection:
    window_days: int
    establishments: int  # inspected more than once within the window
    across_forces: int  # of those, by more than one post or force
    lines: tuple[OverlapLine, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "window_days": self.window_days,
            "establishments": self.establishments,
            "across_forces": self.across_forces,
            "inspections": [
                {
                    "number": line.number,
                    "establishment": line.establishment,
                    "post": line.post,
                    "force": line.force,
                    "day": line.day.isoformat(),
                    "reason": line.reason,
                }
                for line in self.lines
            ],
        }


def overlap_section(
    session: Session, period: Period, zone: tzinfo, window_days: int, reference: Reference
) -> OverlapSection:
    """The section for ``period`` (its days in the register's zone), every post HQ holds."""
    start = datetime.combine(period.start, time(), zone)
    end = datetime.combine(period.end + timedelta(days=1), time(), zone)
    found = overlaps(session, start, end, window_days)
    lines: list[OverlapLine] = []
    for number, overlap in enumerate(found, start=1):
        commune = reference.label("communes", overlap.commune_code) if overlap.commune_code else ""
        name = f"{overlap.establishment} ({commune})" if commune else overlap.establishment
        for index, seen in enumerate(overlap.inspections):
            lines.append(
                OverlapLine(
                    number if index == 0 else None,
                    name if index == 0 else "",
                    seen.station_code,
                    reference.label("forces", seen.force),
                    seen.started_at.astimezone(zone).date(),
                    (seen.reason or NO_REASON) if index else (seen.reason or ""),
                )
            )
    return OverlapSection(window_days, len(found), sum(1 for o in found if o.across_forces), tuple(lines))


def _rows(section: OverlapSection) -> list[list[Any]]:
    return [
        [line.number, line.establishment, line.post, line.force, line.day, line.reason]
        for line in section.lines
    ]


def _summary(section: OverlapSection) -> str:
    return (
        f"Trong kỳ có {section.establishments} cơ sở bị kiểm tra từ hai lần trở lên trong vòng "
        f"{section.window_days} ngày, trong đó {section.across_forces} cơ sở do nhiều đồn hoặc lực lượng "
        "khác nhau kiểm tra."
    )


def overlap_flowable(section: OverlapSection, small: Styles) -> Flowable:
    """The section's table for the PDF (``app.report_pdf`` puts it under its numbered heading)."""
    # ReportLab only for the PDF: the figures are read without it (``report --json``, the dashboard).
    from reportlab.platypus import Paragraph

    from app.printing import KeepOrFlow, grid, markup

    summary = Paragraph(f"<i>{markup(_summary(section))}</i>", small.body_left)
    if not section.lines:
        return KeepOrFlow([summary])
    rows = [
        ["" if cell is None else f"{cell:%d/%m/%Y}" if isinstance(cell, date) else str(cell) for cell in row]
        for row in _rows(section)
    ]
    table = grid(
        list(COLUMNS),
        rows,
        (7, 32, 12, 20, 14, 32),
        small,
        align=("c", "l", "c", "l", "c", "l"),
        whole=(2,),  # the post's code
    )
    return KeepOrFlow([summary, table])  # split by the page when it is longer than one


def add_overlap_sheet(book: Any, section: OverlapSection, heading: Any, table: Any, count: str) -> None:
    """The section as its own sheet of the report's workbook (``app.report_xlsx`` hands its helpers)."""
    sheet = book.create_sheet("Kiểm tra trùng lặp")
    head_row = heading(sheet, TITLE, len(COLUMNS))
    table(
        sheet,
        head_row,
        list(COLUMNS),
        _rows(section),
        [count, None, None, None, "dd/mm/yyyy", None],
        [6, 36, 10, 24, 13, 44],
    )
    sheet.append([])
    sheet.append([None, _summary(section)])
