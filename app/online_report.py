"""Online cases broken out in the 389 reports (issue 19 item 7): the counted cases of the period whose
location kind is ``online``, their goods' value and the platforms they were found on, beside the same
period a year before.

The plan asks for close attention to online sales and livestreams; the violation-group tables count
these cases already, among the others, so this is a "trong đó" (of which) line under them and a sheet
of its own in the Excel file, not another table to add up. Counted straight from the cases: a period
holds few of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.formatting import format_int, format_money
from app.tallies import COUNTED
from db import models as m

if TYPE_CHECKING:
    from reportlab.platypus import Flowable

    from app.printing import Styles

ONLINE = "online"
NO_PLATFORM = "Không rõ nền tảng"
SHEET = "Trên không gian mạng"
COLUMNS = ("STT", "Nền tảng", "Số vụ", "Trị giá hàng hóa (đồng)")


@dataclass(frozen=True)
class OnlineCases:
    cases: int
    goods_value: int
    cases_before: int
    platforms: tuple[tuple[str, int, int], ...]  # (platform, cases, goods value), most cases first

    def as_json(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "goods_value": self.goods_value,
            "previous_cases": self.cases_before,
            "platforms": [{"platform": p, "cases": c, "goods_value": v} for p, c, v in self.platforms],
        }


def count_online(session: Session, now: Sequence[Any], before: Sequence[Any]) -> OnlineCases:
    """The online cases among those the report counts: ``now`` and ``before`` are the report's
    conditions on ``cases`` for the period and for the same period a year before."""
    online = (m.Case.location_kind == ONLINE, m.Case.status.in_(COUNTED))
    # Each online case's goods summed by its own lines (an index lookup a case): a sum over every line
    # of the register, joined afterwards, took 3 s of a 1 M-case HQ's annual report (issue 18).
    value = (
        select(func.coalesce(func.sum(m.GoodsLine.value_vnd), 0))
        .where(m.GoodsLine.case_id == m.Case.id)
        .correlate(m.Case)
        .scalar_subquery()
    )
    rows = session.execute(
        select(m.Case.online_platform, func.count(), func.sum(value))
        .where(*now, *online)
        .group_by(m.Case.online_platform)
    ).all()
    platforms = sorted(
        ((platform or NO_PLATFORM, int(count), int(total or 0)) for platform, count, total in rows),
        key=lambda row: (-row[1], row[0]),
    )
    earlier = session.execute(select(func.count()).select_from(m.Case).where(*before, *online)).scalar()
    return OnlineCases(
        cases=sum(row[1] for row in platforms),
        goods_value=sum(row[2] for row in platforms),
        cases_before=int(earlier or 0),
        platforms=tuple(platforms),
    )


def online_sentence(online: OnlineCases) -> str:
    """The "of which" line under the violation-group table."""
    cases, before = format_int(online.cases), format_int(online.cases_before)
    text = (
        f"Trong đó, vụ việc trên không gian mạng (mua bán qua mạng, livestream): {cases} vụ "
        f"(cùng kỳ: {before} vụ), trị giá hàng hóa {format_money(online.goods_value)} đồng"
    )
    if online.platforms:
        text += "; theo nền tảng: " + ", ".join(f"{p} {format_int(c)} vụ" for p, c, _v in online.platforms)
    return text + "."


def online_flowable(online: OnlineCases, small: Styles) -> Flowable:
    # ReportLab only for the PDF: the figures are read without it (``report --json``, the dashboard).
    from reportlab.platypus import Paragraph

    from app.printing import markup

    return Paragraph(f"<i>{markup(online_sentence(online))}</i>", small.body_left)


def add_online_sheet(
    book: Any,
    online: OnlineCases,
    heading: Callable[..., int],
    table: Callable[..., None],
    count: str,
    money: str,
) -> None:
    """The platforms as a sheet of the report's workbook (``app.report_xlsx`` hands its helpers)."""
    sheet = book.create_sheet(SHEET)
    head_row = heading(sheet, "VỤ VIỆC TRÊN KHÔNG GIAN MẠNG", len(COLUMNS))
    rows: list[list[Any]] = [[i, p, c, v] for i, (p, c, v) in enumerate(online.platforms, start=1)]
    rows.append([None, "Tổng cộng", online.cases, online.goods_value])
    table(sheet, head_row, list(COLUMNS), rows, [count, None, count, money], [6, 34, 10, 22], bold_last=True)
