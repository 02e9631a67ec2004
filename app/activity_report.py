"""The field-work section of the 389 reports: patrols, checkpoints, inspections and outreach sessions
in the period, the people taking part, and the cases they led to, beside the same period a year before.

The plan's weekly, monthly and annual reports ask for these counts (issue 19). They are counted here,
apart from the case tallies (``app.tallies``), straight from ``activities``: a period holds a few
hundred at most, so there is nothing to store. The PDF and the Excel file each add the section with
one call (``field_work_flowables``, ``add_field_work_sheet``); the labels are the report's Vietnamese,
as the rest of the form.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.activity_json import KINDS
from app.formatting import format_int
from app.periods import Period
from db import models as m

if TYPE_CHECKING:
    from reportlab.platypus import Flowable

    from app.printing import Styles

TITLE = "KẾT QUẢ TUẦN TRA, CHỐT CHẶN, KIỂM TRA VÀ TUYÊN TRUYỀN"
KIND_LABELS = {
    "patrol": "Tuần tra",
    "checkpoint": "Chốt chặn",
    "inspection": "Kiểm tra cơ sở kinh doanh",
    "outreach": "Tuyên truyền",
}
COLUMNS = (
    "STT",
    "Hoạt động",
    "Số lượt",
    "Số người tham gia (tuyên truyền: số người dự)",
    "Số vụ việc phát hiện",
    "Cùng kỳ (lượt)",
    "Tăng/giảm (%)",
)
NOTE = (
    "Số người tham gia: cán bộ, chiến sĩ của các lực lượng tham gia; với buổi tuyên truyền là số "
    "người dân được tuyên truyền. Số vụ việc: các vụ việc gắn với hoạt động trong sổ."
)


@dataclass(frozen=True)
class FieldWorkRow:
    kind: str
    label: str
    count: int
    participants: int
    cases: int
    count_before: int

    def change(self) -> Decimal | None:
        """Up or down on the same period a year before, in per cent (None when there was none)."""
        if not self.count_before:
            return None
        return (Decimal(self.count - self.count_before) * 100 / self.count_before).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class FieldWork:
    rows: tuple[FieldWorkRow, ...]  # one per kind, in the order of ``KINDS``

    def row(self, kind: str) -> FieldWorkRow:
        return next(r for r in self.rows if r.kind == kind)

    @property
    def total(self) -> FieldWorkRow:
        return FieldWorkRow(
            "total",
            "Tổng cộng",
            sum(r.count for r in self.rows),
            sum(r.participants for r in self.rows),
            sum(r.cases for r in self.rows),
            sum(r.count_before for r in self.rows),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            r.kind: {
                "count": r.count,
                "participants": r.participants,
                "cases": r.cases,
                "before": r.count_before,
            }
            for r in self.rows
        }


def _bounds(period: Period, zone: tzinfo) -> tuple[datetime, datetime]:
    """The period's days in the register's zone, as instants (the end excluded)."""
    return datetime.combine(period.start, time(), zone), datetime.combine(
        period.end + timedelta(days=1), time(), zone
    )


def _counts(
    session: Session, period: Period, station_ids: Sequence[str] | None, zone: tzinfo
) -> dict[str, tuple[int, int, int]]:
    start, end = _bounds(period, zone)
    conditions = [m.Activity.started_at >= start, m.Activity.started_at < end]
    if station_ids is not None:
        conditions.append(m.Activity.origin.in_(station_ids))
    found = {
        kind: (count, int(people or 0), 0)
        for kind, count, people in session.execute(
            select(m.Activity.kind, func.count(), func.sum(m.Activity.participants))
            .where(*conditions)
            .group_by(m.Activity.kind)
        )
    }
    for kind, cases in session.execute(
        select(m.Activity.kind, func.count(func.distinct(m.ActivityCase.case_id)))
        .join(m.ActivityCase, m.ActivityCase.activity_id == m.Activity.id)
        .where(*conditions)
        .group_by(m.Activity.kind)
    ):
        count, people, _none = found[kind]
        found[kind] = (count, people, cases)
    return found


def count_field_work(
    session: Session, period: Period, station_ids: Sequence[str] | None, zone: tzinfo
) -> FieldWork:
    """The section's figures for ``period`` and the same period a year before, for the posts
    ``station_ids`` (None: every post the register holds, as HQ's consolidated report)."""
    now = _counts(session, period, station_ids, zone)
    before = _counts(session, period.shifted_years(-1), station_ids, zone)
    return FieldWork(
        tuple(
            FieldWorkRow(
                kind,
                KIND_LABELS[kind],
                now.get(kind, (0, 0, 0))[0],
                now.get(kind, (0, 0, 0))[1],
                now.get(kind, (0, 0, 0))[2],
                before.get(kind, (0, 0, 0))[0],
            )
            for kind in KINDS
        )
    )


def _cells(number: int | None, row: FieldWorkRow, percent: Any) -> list[Any]:
    return [
        number,
        row.label,
        row.count,
        row.participants,
        row.cases,
        row.count_before,
        percent(row.change()),
    ]


def field_work_table(work: FieldWork, percent: Any) -> list[list[Any]]:
    """The section's rows (each kind, then the total), with ``percent`` writing a change."""
    return [_cells(i, r, percent) for i, r in enumerate(work.rows, start=1)] + [
        _cells(None, work.total, percent)
    ]


def field_work_flowables(
    work: FieldWork, small: Styles, percent: Callable[[Decimal | None], str]
) -> Flowable:
    """The section's table for the PDF (``app.report_pdf`` puts it under its numbered heading)."""
    # ReportLab only for the PDF: the figures are read without it (``report --json``, the dashboard).
    from reportlab.platypus import KeepTogether, Paragraph

    from app.printing import grid, markup

    rows = [
        ["" if cell is None else format_int(cell) if isinstance(cell, int) else str(cell) for cell in row]
        for row in field_work_table(work, percent)
    ]
    table = grid(
        list(COLUMNS),
        rows,
        (7, 38, 10, 22, 14, 13, 13),
        small,
        align=("c", "l", "r", "r", "r", "r", "r"),
        bold_rows=(len(rows) - 1,),
    )
    return KeepTogether([table, Paragraph(f"<i>{markup(NOTE)}</i>", small.body_left)])


def add_field_work_sheet(
    book: Any, work: FieldWork, heading: Any, table: Any, count: str, share: str
) -> None:
    """The section as its own sheet of the report's workbook (``app.report_xlsx`` hands its helpers)."""
    sheet = book.create_sheet("Tuần tra, kiểm tra")
    head_row = heading(sheet, TITLE, len(COLUMNS))
    rows = field_work_table(work, lambda change: None if change is None else float(change))
    table(
        sheet,
        head_row,
        list(COLUMNS),
        rows,
        [count, None, count, count, count, count, share],
        [6, 34, 10, 22, 14, 13, 12],
        bold_last=True,
    )
