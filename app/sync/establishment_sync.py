"""Establishments and recent inspections in bundles: a post's establishments to HQ, and every post's
establishments and the last days' inspections back to each post in HQ's return bundle.

Apart from the flows (``export``, ``hq_import``, ``replies``, ``returns``), which each call it in a line
or two, so that the record's writing, hostile-input checks and storing live together
(``app.establishments``, ``app.inspections``; the format is docs/bundle-format.md §4)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.context import Context
from app.establishments import apply_document, document_problem, establishment_document, owner_conflict
from app.i18n import _
from app.inspections import notice_row, notices_for_post
from app.sync import enrol
from app.sync.summary import ImportSummary
from app.sync.verify import _Verified
from db import models as m

ESTABLISHMENT = "establishment"
INSPECTION = "inspection"


# --- at the post: export -----------------------------------------------------------------------------


def load(session: Session, ids: list[str]) -> dict[str, m.Establishment]:
    rows = session.execute(select(m.Establishment).where(m.Establishment.id.in_(ids))).scalars()
    return {row.id: row for row in rows}


def export_line(row: m.Establishment, seq: int, origin: str) -> bytes:
    record = {
        "type": ESTABLISHMENT,
        "seq": seq,
        "origin": origin,
        "establishment": establishment_document(row),
    }
    return json.dumps(record, ensure_ascii=False, sort_keys=True).encode() + b"\n"


# --- at HQ: a post's establishments --------------------------------------------------------------------


def check_at_hq(verified: _Verified, number: int, record: dict[str, Any]) -> str | None:
    """Why an establishment record of a post's bundle cannot be applied, or None."""
    station, seq = verified.station, verified.opened.manifest["seq"]
    if set(record) != {"type", "seq", "origin", ESTABLISHMENT}:
        return _("record {number}: an establishment record with unknown or missing fields").format(
            number=number
        )
    if record.get("origin") != station.id:
        return _("record {number}: claims to belong to another station than the sender {code}").format(
            number=number, code=station.code
        )
    if type(record.get("seq")) is not int or not seq["first"] <= record["seq"] <= seq["last"]:
        return _("record {number}: its sequence number is outside the bundle's range").format(number=number)
    problem = document_problem(record.get(ESTABLISHMENT))
    if problem:
        return _("record {number}: {problem}").format(number=number, problem=_(problem))
    return None


def apply_at_hq(
    ctx: Context,
    session: Session,
    newest: dict[str, tuple[dict[str, Any], m.Station]],
    summary: ImportSummary,
    refused: list[tuple[str, dict[str, str]]],
    now: datetime,
    dry_run: bool,
) -> int:
    """Store the newest version of each establishment (owner wins); one held from another station is
    refused and told to its sender. Returns how many are new or newer than the ones held (what a dry
    run would store). Nothing is written once the import has a refusal."""
    for document, station in newest.values():
        if owner_conflict(session, document["id"], station.id):
            entry = {
                "file": "",
                "record": document["id"],
                "reason": _("establishment {name} belongs to another station").format(name=document["name"]),
            }
            summary.rejected.append(entry)
            refused.append((station.id, entry))
    held = dict(
        session.execute(
            select(m.Establishment.id, m.Establishment.version).where(m.Establishment.id.in_(list(newest)))
        ).all()
    )
    newer = [(d, s) for d, s in newest.values() if held.get(d["id"], 0) < d["version"]]
    if summary.rejected or dry_run:
        return len(newer)
    for document, station in newer:
        apply_document(ctx, session, document, station, now, f"sync:{station.code}")
    return len(newer)


def newest_of(verified: list[_Verified]) -> dict[str, tuple[dict[str, Any], m.Station]]:
    """The newest version of each establishment across the files of an import."""
    newest: dict[str, tuple[dict[str, Any], m.Station]] = {}
    for one in verified:
        for record in one.records:
            if record.get("type") == ESTABLISHMENT:
                document = record[ESTABLISHMENT]
                held = newest.get(document["id"])
                if held is None or document["version"] > held[0]["version"]:
                    newest[document["id"]] = (document, one.station)
    return newest


# --- at HQ: the return bundle ----------------------------------------------------------------------------


def return_records(
    session: Session, station_id: str, now: datetime, window_days: int
) -> list[dict[str, Any]]:
    """Every establishment the post did not add itself, then the other stations' inspections of the
    last ``window_days`` (``app.inspections.notices_for_post``)."""
    records: list[dict[str, Any]] = []
    rows = session.execute(
        select(m.Establishment, m.Station.code)
        .join(m.Station, m.Station.id == m.Establishment.origin)
        .where(m.Establishment.origin != station_id)
        .order_by(m.Establishment.created_at, m.Establishment.id)
    ).all()
    for row, code in rows:
        records.append(
            {
                "type": ESTABLISHMENT,
                "origin_id": row.origin,
                "origin": code,
                ESTABLISHMENT: establishment_document(row),
            }
        )
    records.extend(notices_for_post(session, station_id, now, window_days))
    return records


# --- at the post: HQ's return bundle ---------------------------------------------------------------------


def apply_returns(
    ctx: Context, session: Session, records: list[dict[str, Any]], current: bool, now: datetime, hq: m.Station
) -> int:
    """Store a return bundle's establishments (owner wins; the post's own are never replaced) and, from
    the newest bundle only, its inspections in place of the ones held. Returns how many establishments
    were new or newer."""
    stored = 0
    if current:
        session.execute(delete(m.InspectionNotice))
    for record in records:
        if record["type"] == INSPECTION and current:
            session.merge(notice_row(record, now))
        elif record["type"] == ESTABLISHMENT:
            document = record[ESTABLISHMENT]
            origin = _origin_station(ctx, session, record["origin_id"], record["origin"], hq, now)
            if origin.id == ctx.station_id or owner_conflict(session, document["id"], origin.id):
                continue  # the post's own, or one held from elsewhere: the owner's copy stands
            if apply_document(ctx, session, document, origin, now, f"sync:{hq.code}"):
                stored += 1
    return stored


def _origin_station(
    ctx: Context, session: Session, station_id: str, code: str, hq: m.Station, now: datetime
) -> m.Station:
    """The station an establishment came from; another post not known here yet is added by its id and
    code alone (its keys never come to a post) and sealed, as a revocation adds one."""
    station = session.get(m.Station, station_id)
    if station is not None:
        return station
    station = m.Station(id=station_id, code=code, name=code, kind="post", created_at=now)
    session.add(station)
    enrol.seal_station(ctx, session, f"sync:{hq.code}", station, None)
    return station
