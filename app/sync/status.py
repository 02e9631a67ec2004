"""What HQ has received of each post: the changes covered, the ranges and parts still missing.

Used by HQ's import summary, its return bundles (the receipt) and the list of posts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import deadlines
from app.auth import require
from app.campaigns import list_campaigns
from app.context import Context
from app.deadlines import Deadline
from app.domain import Actor
from app.errors import RegisterError
from app.i18n import _
from db import models as m


def coverage(session: Session, station_id: str) -> tuple[int, list[list[int]]]:
    """What HQ has of a station's changes: the highest sequence up to which everything arrived, and
    the ranges not received below the highest received."""
    missing: list[list[int]] = []
    covered = 0
    for first, last in session.execute(
        select(m.ReceivedBundle.first_seq, m.ReceivedBundle.last_seq)
        .where(m.ReceivedBundle.station_id == station_id)
        .order_by(m.ReceivedBundle.first_seq)
    ):
        if first > covered + 1:
            missing.append([covered + 1, first - 1])
        covered = max(covered, last)
    contiguous = missing[0][0] - 1 if missing else covered
    return contiguous, missing


def unfinished_sets(session: Session, station_id: str) -> list[dict[str, Any]]:
    """The parts HQ lacks of a station's latest sending (the one reaching furthest in its changes):
    ``[{"set_id", "parts", "missing"}]`` with the missing part numbers, or ``[]``. An earlier sending
    does not count: each holds everything HQ had not acknowledged, so a later one replaces it. A part
    missing after the highest range received shows only here."""
    sets: dict[str, tuple[int, set[int], int, datetime]] = {}
    for set_id, index, count, last, when in session.execute(
        select(
            m.ReceivedBundle.set_id,
            m.ReceivedBundle.part_index,
            m.ReceivedBundle.part_count,
            m.ReceivedBundle.last_seq,
            m.ReceivedBundle.received_at,
        ).where(m.ReceivedBundle.station_id == station_id)
    ):
        _count, indexes, reach, latest = sets.setdefault(set_id, (count, set(), last, when))
        indexes.add(index)
        sets[set_id] = (count, indexes, max(reach, last), max(latest, when))
    if not sets:
        return []
    set_id, (count, indexes, _reach, _when) = max(sets.items(), key=lambda item: (item[1][2], item[1][3]))
    if len(indexes) >= count:
        return []
    return [{"set_id": set_id, "parts": count, "missing": sorted(set(range(1, count + 1)) - indexes)}]


ACTIVE, REVOKED = "active", "revoked"
RETIRED = "retired_keys:"  # meta at HQ, + station id: the keys replaced by a re-key, with when


@dataclass(frozen=True)
class PostStatus:
    """An enrolled post as HQ sees it: what arrived, what is missing, its certificate, and whether it is
    late against the reporting deadlines (``app.deadlines``) on the day the list was made."""

    code: str
    name: str
    revoked_at: datetime | None
    acknowledged: int  # every change up to this one has arrived
    missing: list[list[int]]  # ranges not received below the highest received
    last_received: datetime | None  # when HQ last imported one of its bundles
    missing_parts: list[dict[str, Any]] = field(default_factory=list)  # of its latest sending
    certificate: str = ACTIVE  # active | revoked (its current certificate)
    retired_keys: list[date] = field(default_factory=list)  # keys replaced by a re-key, on these days
    overdue: list[Deadline] = field(default_factory=list)  # the deadlines it has missed
    revocation: tuple[str, str] | None = None  # who revoked it and why, from the event that sealed it


def posts(ctx: Context, actor: Actor, today: date | None = None) -> list[PostStatus]:
    """HQ: every post enrolled here, by code, with what HQ has received of it and the deadlines it has
    missed as of ``today`` (the register's own day when None). Read-only: analysts see it too."""
    require(actor, "station.read")
    if ctx.kind != "hq":
        raise RegisterError(_("only HQ has a list of posts"))
    today = today or ctx.today()
    rules = deadlines.load_rules(overrides=ctx.settings.deadlines)  # this install's, if changed
    campaigns = [(c.starts_on, c.ends_on) for c in list_campaigns(ctx)]
    due = deadlines.passed(
        today,
        rules,
        mode=ctx.settings.report_period_mode,
        window_offset=ctx.settings.weekly_window_end_offset_days,
        campaigns=campaigns,
    )
    with ctx.sessions.reads() as session:
        stations = session.scalars(
            select(m.Station)
            .where(m.Station.kind == "post", m.Station.signing_public_key.is_not(None))
            .order_by(m.Station.code)
        ).all()
        last = dict(
            session.execute(
                select(m.ReceivedBundle.station_id, func.max(m.ReceivedBundle.received_at)).group_by(
                    m.ReceivedBundle.station_id
                )
            ).all()
        )
        found = []
        for station in stations:
            received = last.get(station.id)
            late = (
                []
                if station.revoked_at is not None
                else deadlines.late(
                    due,
                    ctx.local(received).date() if received else None,
                    ctx.local(station.created_at).date(),
                )
            )
            found.append(
                PostStatus(
                    station.code,
                    station.name,
                    station.revoked_at,
                    *coverage(session, station.id),
                    received,
                    unfinished_sets(session, station.id),
                    REVOKED if station.revoked_at is not None else ACTIVE,
                    _retired(session, station.id, ctx.zone),
                    late,
                    _revocation(session, station.id) if station.revoked_at is not None else None,
                )
            )
        return found


def _revocation(session: Session, station_id: str) -> tuple[str, str] | None:
    """Who revoked the station and why: the audit event that sealed its ``revoked_at`` (``enrol.revoke``
    keeps the reason there and nowhere else)."""
    events = session.execute(
        select(m.AuditEvent.actor, m.AuditEvent.diff)
        .where(m.AuditEvent.entity == "station", m.AuditEvent.entity_id == station_id)
        .order_by(m.AuditEvent.seq.desc())
    )
    for actor, diff in events:
        try:
            said = json.loads(diff)
        except ValueError:
            continue
        if isinstance(said, dict) and "revoked_at" in said.get("fields", ()) and said.get("reason"):
            return actor, str(said["reason"])
    return None


def _retired(session: Session, station_id: str, zone: tzinfo) -> list[date]:
    """The days (in ``zone``, the register's) a re-key retired one of the post's keys
    (``app.sync.rekey`` keeps the instants in meta)."""
    row = session.get(m.Meta, RETIRED + station_id)
    entries = json.loads(row.value) if row is not None else []
    days = (local_day(str(entry.get("retired_at", "")), zone) for entry in entries)
    return [day for day in days if day is not None]


def local_day(instant: str, zone: tzinfo) -> date | None:
    """The day an instant written as text (``utc_text``, or ISO 8601 with an offset) falls on in
    ``zone``; a bare date is taken as it is; None when it cannot be read."""
    try:
        moment = datetime.fromisoformat(instant)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(zone).date()
