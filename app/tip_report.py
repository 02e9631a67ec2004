"""The tip-off figures of a periodic report: tips received in the period, how many were acted on, and
how many led to a case (issue 19 item 5).

Counted by the day each tip was received, in the register's zone, like the cases
(``app.case_query.occurred_between``); a tip acted on and closed since still counts as acted on
(``Tip.acted_at``). Only counts leave this module: never a tip's content, and never its informant,
which a report must not carry (docs/security.md, "Tip-offs")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import models as m


@dataclass(frozen=True)
class TipCounts:
    received: int = 0
    acted_on: int = 0
    led_to_case: int = 0


def tip_counts(
    session: Session, first: date, last: date, station_ids: Sequence[str] | None, zone: tzinfo
) -> TipCounts:
    """The tips received from ``first`` to ``last`` (both included) at ``station_ids`` (None: all)."""
    conditions = [
        m.Tip.received_at >= datetime.combine(first, time(), zone),
        m.Tip.received_at < datetime.combine(last + timedelta(days=1), time(), zone),
    ]
    if station_ids is not None:
        conditions.append(m.Tip.origin.in_(station_ids))
    received, acted, cases = session.execute(
        select(
            func.count(),
            func.count(m.Tip.acted_at),
            func.count(m.Tip.case_id),
        ).where(*conditions)
    ).one()
    return TipCounts(int(received), int(acted), int(cases))
