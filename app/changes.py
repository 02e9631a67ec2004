"""The station's change sequence: every saved case or tip takes the next number.

Sync cuts its bundles from this sequence, and both the case and the tip services number their
changes with it, so it lives apart from either (the tip service once imported the case service for
it)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db import models as m


def next_change_seq(session: Session, station_id: str) -> int:
    """The number the station's next change takes (call inside the write transaction that logs it)."""
    current = session.execute(
        select(func.max(m.ChangeLog.seq)).where(m.ChangeLog.station_id == station_id)
    ).scalar()
    # After a re-key (app/sync/rekey.py) the restored register may be behind what HQ received: its
    # numbers continue above the highest HQ has, never reusing one.
    floor = session.get(m.Meta, "seq_floor")
    return max(int(current or 0), int(floor.value) if floor is not None else 0) + 1
