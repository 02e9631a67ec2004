"""Hand-overs to the police in the periodic reports (weekly, monthly, annual): how many cases and
defendants were handed over in the period, what the police answered in it (received, prosecuted,
returned for administrative handling), and how many still wait for an answer at its end, beside the
same period a year before.

Counted apart from the 389 figures (``app.reports``), which count cases by the day they happened: a
hand-over and each follow-up step count on their own day, so a case of October handed over in
November counts in November's report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.formatting import format_int
from app.handovers import FINAL
from app.periods import Period
from db import models as m

if TYPE_CHECKING:
    from reportlab.platypus import Flowable

    from app.printing import Styles

TITLE = "KẾT QUẢ BÀN GIAO CHO CƠ QUAN CÔNG AN"
HEAD = ("STT", "Chỉ tiêu", "Kỳ này", "Cùng kỳ")
METRICS = ("handed_over", "defendants", "received", "prosecuted", "returned", "awaiting")
LABELS = {
    "handed_over": "Số vụ chuyển giao cơ quan điều tra",
    "defendants": "Số đối tượng bàn giao",
    "received": "Số vụ cơ quan điều tra đã tiếp nhận",
    "prosecuted": "Số vụ đã khởi tố",
    "returned": "Số vụ trả lại để xử lý hành chính",
    "awaiting": "Số vụ chưa có kết quả cuối cùng (đến cuối kỳ)",
}


@dataclass(frozen=True)
class HandoverFigures:
    now: dict[str, int]
    before: dict[str, int]  # the same period a year before


def count(
    session: Session, period: Period, station_ids: Sequence[str] | None, campaign_id: str | None = None
) -> dict[str, int]:
    """The figures of ``period`` for the posts ``station_ids`` (None: every post)."""
    start, end = period.start, period.end
    query = (
        select(m.Handover.handed_on, m.Handover.defendants, m.Handover.followups)
        .join(m.Case, m.Case.id == m.Handover.case_id)
        .where(m.Case.status != "voided", m.Handover.handed_on <= end)
        # Only hand-overs made in the period, or with a step in it (steps never precede ``status_on``),
        # or still open at its end, can count.
        .where(
            or_(m.Handover.handed_on >= start, m.Handover.status_on >= start, m.Handover.status.notin_(FINAL))
        )
    )
    if station_ids is not None:
        query = query.where(m.Handover.origin.in_(station_ids))
    if campaign_id is not None:
        query = query.where(m.Case.campaign_id == campaign_id)
    figures = dict.fromkeys(METRICS, 0)
    for handed_on, defendants, followups in session.execute(query):
        if start <= handed_on <= end:
            figures["handed_over"] += 1
            figures["defendants"] += len(defendants)
        final_by_end = False
        for step in followups:
            on = date.fromisoformat(step["on"])
            if start <= on <= end:
                figures[step["status"]] += 1
            if on <= end and step["status"] in FINAL:
                final_by_end = True
        if not final_by_end:
            figures["awaiting"] += 1
    return figures


def figures(
    session: Session,
    period: Period,
    previous: Period,
    station_ids: Sequence[str] | None,
    campaign_id: str | None,
) -> HandoverFigures:
    return HandoverFigures(
        count(session, period, station_ids, campaign_id), count(session, previous, station_ids, campaign_id)
    )


def rows(handovers: HandoverFigures) -> list[list[object]]:
    """The table's rows (number, label, this period, the same period before), for the PDF and Excel."""
    return [
        [i, LABELS[key], handovers.now[key], handovers.before[key]] for i, key in enumerate(METRICS, start=1)
    ]


def table(handovers: HandoverFigures, st: Styles) -> Flowable:
    """The PDF's table of the figures."""
    # ReportLab only for the PDF: the figures are read without it (``report --json``, the dashboard).
    from app.printing import grid

    return grid(
        HEAD,
        [[str(i), label, format_int(now), format_int(before)] for i, label, now, before in rows(handovers)],  # type: ignore[arg-type]
        (8, 62, 15, 15),
        st,
        align=("c", "l", "r", "r"),
    )
