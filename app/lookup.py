"""Person and vehicle lookup: every case that involved an identity number, a name or a plate."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.auth import require
from app.domain import Actor
from app.text import fold, normalize_id_number, normalize_plate, normalize_vessel
from db import models as m

if TYPE_CHECKING:
    from app.context import Context

MAX_HITS = 500
MIN_COMPACT = 3  # shorter numbers or plates would match half the register


@dataclass(frozen=True)
class LookupHit:
    """One person, organisation or vehicle in one case."""

    kind: str  # person | organisation | vehicle kind (motorbike, truck, ship…)
    name: str  # the name, or the plate as written
    identity: str  # identity number or tax code; the vehicle's description
    role: str  # party role code; "" for vehicles
    case_id: str
    number: str
    occurred_at: datetime  # local time of the case
    status: str
    violation_group: str
    watch: tuple[int, int] | None = None  # on HQ's watch list: (posts, cases) across the province


def _upper_bound(prefix: str) -> str:
    """The smallest string after every string that starts with ``prefix`` (an index range)."""
    return prefix + "\U0010ffff"


def lookup(ctx: Context, actor: Actor, text: str, limit: int = MAX_HITS) -> list[LookupHit]:
    """Newest first. Numbers match identity numbers and plates from their start ("0890" finds
    "089090001234"); words match names from their start, without accents ("nguyen van" finds
    "Nguyễn Văn An"); a plate matches however it is written ("67h1 20413", "67H1-204.13")."""
    require(actor, "case.read")
    name = fold(text)
    id_number = normalize_id_number(text)
    plate = normalize_plate(text)
    if not name and len(plate) < MIN_COMPACT:
        return []
    party_terms: list[Any] = []
    if name:
        party_terms.append((m.Party.name_folded >= name) & (m.Party.name_folded < _upper_bound(name)))
    if len(id_number) >= MIN_COMPACT:
        party_terms.append(
            (m.Party.id_normalized >= id_number) & (m.Party.id_normalized < _upper_bound(id_number))
        )
    case_columns = (
        m.Case.id,
        m.Case.number,
        m.Case.occurred_at,
        m.Case.utc_offset_min,
        m.Case.status,
        m.Case.violation_group,
    )
    hits: list[LookupHit] = []
    with ctx.sessions.reads() as session:
        if party_terms:
            parties = (
                select(
                    m.Party.kind,
                    m.Party.full_name,
                    m.Party.id_number,
                    m.Party.tax_code,
                    m.Party.role,
                    *case_columns,
                )
                .join(m.Case, m.Case.id == m.Party.case_id)
                .where(or_(*party_terms))
                .order_by(m.Case.occurred_at.desc())
                .limit(limit)
            )
            for kind, full_name, id_no, tax_code, role, *case in session.execute(parties):
                hits.append(_hit(kind, full_name, id_no or tax_code or "", role, case))
        if len(plate) >= MIN_COMPACT:
            vehicles = (
                select(m.Vehicle.kind, m.Vehicle.plate, m.Vehicle.description, *case_columns)
                .join(m.Case, m.Case.id == m.Vehicle.case_id)
                .where(m.Vehicle.plate_normalized >= plate, m.Vehicle.plate_normalized < _upper_bound(plate))
                .order_by(m.Case.occurred_at.desc())
                .limit(limit)
            )
            for kind, plate_text, description, *case in session.execute(vehicles):
                hits.append(_hit(kind, plate_text, description or "", "", case))
        hits = _with_watch(session, hits)
    hits.sort(key=lambda hit: (hit.occurred_at, hit.case_id), reverse=True)
    return hits[:limit]


def _watch_key(hit: LookupHit) -> tuple[str, str]:
    if hit.kind in ("person", "organisation"):
        return "person", normalize_id_number(hit.identity) if hit.identity else ""
    if hit.kind == "ship":
        return "vessel", normalize_vessel(hit.name)
    return "vehicle", normalize_plate(hit.name)


def _with_watch(session: Session, hits: list[LookupHit]) -> list[LookupHit]:
    """Hits whose person or vehicle is on HQ's watch list carry its figures."""
    wanted = {_watch_key(hit) for hit in hits} - {("person", ""), ("vehicle", ""), ("vessel", "")}
    if not wanted:
        return hits
    watched = {
        (kind, key): (stations, cases)
        for kind, key, stations, cases in session.execute(
            select(m.WatchEntry.kind, m.WatchEntry.key, m.WatchEntry.stations, m.WatchEntry.cases).where(
                m.WatchEntry.key.in_([key for _, key in wanted])
            )
        )
    }
    return [replace(hit, watch=watched.get(_watch_key(hit))) for hit in hits]


def _hit(kind: str, name: str, identity: str, role: str, case: list[Any]) -> LookupHit:
    case_id, number, occurred_at, offset, status, group = case
    local = occurred_at.astimezone(timezone(timedelta(minutes=offset)))
    return LookupHit(kind, name, identity, role, case_id, number, local, status, group)
