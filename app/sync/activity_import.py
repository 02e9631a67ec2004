"""Activities between a post and HQ: the record a post's export carries, HQ's checks of it, and its store.

A post's activity travels as its JSON document (``app.activity_json``) with the read-only fields a
stored one has (id, version, who and when), and its linked cases by their numbers at that post. HQ
reads the document with the very function ``activity add`` uses (``parse_activities``), so a bundle
can hold nothing a person could not type, then checks the read-only fields, applies it owner-wins like
a case (a higher version replaces, an equal or lower one is ignored) and seals it into its own audit
chain. A link to a case HQ neither holds nor receives in the same import refuses the import, as a
tip's does (the export sends a copy of each linked case that travels with it, ``app.sync.export``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, audit_cover
from app.activities import fill_row, row_input
from app.activity_json import ActivityInput, activity_document, parse_activities
from app.audit_tables import COVERED
from app.context import Context
from app.errors import ValidationError
from app.i18n import _
from app.json_messages import clip
from app.serialize import row_state
from app.sync.store import _seal_import
from app.sync.summary import ImportSummary
from app.sync.verify import _Verified
from db import models as m
from db.bulk import BulkInsert
from db.types import utc_text

EARLIEST_YEAR, LATEST_YEAR = 1990, 9998
STORED_FIELDS = ("id", "station", "version", "created_by", "created_at", "updated_by", "updated_at")
MAX_PROBLEMS_SHOWN = 3  # of one activity, in a refusal's reason
LINK = COVERED[m.ActivityCase]
POST_CLOCK_AHEAD = timedelta(days=1)  # the most a post's clock is believed to run ahead of HQ's


def activity_records(session: Session, ids: list[str]) -> dict[str, tuple[dict[str, Any], list[str]]]:
    """Each activity of ``ids`` as its bundle document, and the ids of the cases it is linked to."""
    if not ids:
        return {}
    links: dict[str, list[tuple[str, str]]] = {}
    for activity_id, case_id, number in session.execute(
        select(m.ActivityCase.activity_id, m.Case.id, m.Case.number)
        .join(m.Case, m.Case.id == m.ActivityCase.case_id)
        .where(m.ActivityCase.activity_id.in_(ids))
    ):
        links.setdefault(activity_id, []).append((case_id, number))
    found: dict[str, tuple[dict[str, Any], list[str]]] = {}
    for row in session.scalars(select(m.Activity).where(m.Activity.id.in_(ids))):
        linked = sorted(links.get(row.id, []), key=lambda pair: pair[1])
        document = activity_document(
            row_input(row, tuple(number for _id, number in linked)),
            {
                "id": row.id,
                "version": row.version,
                "created_by": row.created_by,
                "created_at": utc_text(row.created_at),
                "updated_by": row.updated_by,
                "updated_at": utc_text(row.updated_at) if row.updated_at else None,
            },
        )
        found[row.id] = (document, [case_id for case_id, _number in linked])
    return found


def _utc_instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        return None
    if moment.tzinfo is None or not EARLIEST_YEAR <= moment.astimezone(UTC).year <= LATEST_YEAR:
        return None
    return moment


def _measured_from(verified: _Verified, now: datetime) -> datetime:
    """What "the future" of a post's activity is measured from at HQ: the later of HQ's clock and the
    instant the post signed its bundle (nothing in it can be later), but never more than a day ahead
    of HQ. A post whose clock runs ahead of HQ's then sees its field work accepted, not its whole
    bundle refused for what the post itself held to be past."""
    signed = _utc_instant(verified.opened.manifest.get("created_at"))
    if signed is None:
        return now
    return min(max(now, signed), now + POST_CLOCK_AHEAD)


def check_activity_record(
    ctx: Context, verified: _Verified, number: int, record: dict[str, Any], now: datetime
) -> tuple[str | None, ActivityInput | None]:
    """Why an activity record cannot be applied (or None), and the activity it holds when it can."""
    station, seq = verified.station, verified.opened.manifest["seq"]
    document = record.get("activity")
    if record.get("origin") != station.id:
        return _("record {number}: claims to belong to another station than the sender {code}").format(
            number=number, code=station.code
        ), None
    if not isinstance(record.get("seq"), int) or not seq["first"] <= record["seq"] <= seq["last"]:
        return _("record {number}: its sequence number is outside the bundle's range").format(
            number=number
        ), None
    if set(record) != {"type", "seq", "origin", "activity"}:
        return _("record {number}: unknown fields").format(number=number), None
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("id"), str)
        or not 0 < len(document["id"]) <= 36
    ):
        return _("record {number}: an activity without a valid id").format(number=number), None
    label = _("record {number}: activity {activity}").format(number=number, activity=document["id"])
    version = document.get("version")
    bad = [
        name
        for name, ok in (
            # Bounded as a case's version: 2**63 overflowed the column, an error no check foresaw.
            ("version", isinstance(version, int) and not isinstance(version, bool) and 1 <= version < 2**31),
            ("created_at", _utc_instant(document.get("created_at")) is not None),
            (
                "created_by",
                isinstance(document.get("created_by"), str) and 0 < len(document["created_by"]) <= 64,
            ),
            ("updated_at", "updated_at" not in document or _utc_instant(document["updated_at"]) is not None),
            ("station", "station" not in document),  # the sender is the station: never named inside
        )
        if not ok
    ]
    if bad:
        return _("{label}: {fields} not valid").format(label=label, fields=", ".join(bad)), None
    try:
        (activity,) = parse_activities(document, ctx.reference, now=_measured_from(verified, now))
    except ValidationError as exc:
        shown = "; ".join(clip(problem, 120) for problem in exc.problems[:MAX_PROBLEMS_SHOWN])
        return _("{label}: {problems}").format(label=label, problems=shown), None
    return None, activity


def activities_to_apply(
    session: Session,
    newest: dict[str, tuple[dict[str, Any], ActivityInput, m.Station]],
    incoming_cases: dict[tuple[str, str], str],
    summary: ImportSummary,
    refused: list[tuple[str, dict[str, str]]],
) -> list[tuple[dict[str, Any], ActivityInput, m.Station, list[str]]]:
    """Owner wins, as for cases; each linked case number must name a case of the same station that HQ
    holds or receives now (``incoming_cases``: (station id, number) → case id)."""
    if not newest:
        return []
    stored = {
        activity_id: (origin, version)
        for activity_id, origin, version in session.execute(
            select(m.Activity.id, m.Activity.origin, m.Activity.version).where(
                m.Activity.id.in_(list(newest))
            )
        )
    }
    wanted = {number for _d, activity, _s in newest.values() for number in activity.cases}
    held = (
        {
            (origin, number): case_id
            for case_id, origin, number in session.execute(
                select(m.Case.id, m.Case.origin, m.Case.number).where(m.Case.number.in_(wanted))
            )
        }
        if wanted
        else {}
    )
    held.update(incoming_cases)
    result = []
    for document, activity, station in newest.values():
        origin, version = stored.get(document["id"], (None, 0))
        missing = [n for n in activity.cases if (station.id, n) not in held]
        reason = None
        if origin is not None and origin != station.id:
            reason = _("activity {activity} belongs to another station").format(activity=document["id"])
        elif missing:
            reason = _(
                "activity {activity} refers to case {number} of {code}, which HQ does not have"
            ).format(activity=document["id"], number=clip(missing[0], 40), code=station.code)
        if reason:
            entry = {"file": "", "record": document["id"], "reason": reason}
            summary.rejected.append(entry)
            refused.append((station.id, entry))
        elif version < document["version"]:
            summary.activities += 1
            result.append((document, activity, station, [held[(station.id, n)] for n in activity.cases]))
    return result


def apply_activity(
    ctx: Context,
    session: Session,
    document: dict[str, Any],
    activity: ActivityInput,
    station: m.Station,
    case_ids: list[str],
    now: datetime,
) -> None:
    row = session.get(m.Activity, document["id"])
    before = None if row is None else row.version
    if row is None:
        row = m.Activity(id=document["id"], origin=station.id, change_seq=0)
        session.add(row)
    _fill(row, document, activity)
    session.flush()
    old = set(session.scalars(select(m.ActivityCase.case_id).where(m.ActivityCase.activity_id == row.id)))
    for gone in old - set(case_ids):
        session.delete(session.get(m.ActivityCase, (row.id, gone)))
    session.add_all(m.ActivityCase(activity_id=row.id, case_id=c) for c in set(case_ids) - old)
    session.flush()
    _seal_import(
        ctx,
        session,
        station,
        "activity",
        row.id,
        row.version,
        {"version": [before, row.version]},
        row_state(m.Activity.__table__, row),  # type: ignore[arg-type]
        now,
    )


def store_activities(
    ctx: Context,
    session: Session,
    items: list[tuple[dict[str, Any], ActivityInput, m.Station, list[str]]],
    now: datetime,
) -> None:
    """``activities_to_apply``'s activities into HQ: those HQ has not seen in a few ``executemany``
    calls (the row, its case links and its chained ``import`` event, as ``apply_activity`` would store
    them: a post's demo sends 1 500 with its 20 000 cases, and one by one they took a third of the
    import, docs/performance.md), a newer version of a held one through ``apply_activity``."""
    if not items:
        return
    held = set(
        session.scalars(select(m.Activity.id).where(m.Activity.id.in_([d["id"] for d, *_rest in items])))
    )
    fresh = [item for item in items if item[0]["id"] not in held]
    if fresh:
        session.flush()  # the chain's head below is the last event written so far
        conn = session.connection()
        table = m.Activity.__table__
        rows = BulkInsert(conn, table)  # type: ignore[arg-type]
        links = BulkInsert(conn, m.ActivityCase.__table__)  # type: ignore[arg-type]
        events = BulkInsert(conn, m.AuditEvent.__table__)  # type: ignore[arg-type]
        head, mac_key = audit.chain_head(session), audit.session_mac_key(session)
        for document, activity, station, case_ids in fresh:
            row = _new_row(document, activity, station)
            rows.add(row)
            event = audit.sealed_event(
                head,
                at=now,
                station_id=ctx.station_id,
                actor=f"sync:{station.code}",
                action="import",
                entity="activity",
                entity_id=row["id"],
                version=row["version"],
                diff={"version": [None, row["version"]]},
                sealed_state=row_state(table, row),  # type: ignore[arg-type]
                mac_key=mac_key,
            )
            head = event["hash"]
            events.add(event)
            for case_id in dict.fromkeys(case_ids):  # sealed as the flush hook seals a link it sees
                link = {"activity_id": row["id"], "case_id": case_id}
                links.add(link)
                sealed = audit_cover.covered_event(
                    head,
                    LINK,
                    link,
                    at=now,
                    station_id=ctx.station_id,
                    actor=audit_cover.SYSTEM_ACTOR,
                    action="create",
                    version=1,
                    mac_key=mac_key,
                )
                head = sealed["hash"]
                events.add(sealed)
        rows.write(conn)
        links.write(conn)
        events.write(conn)
    for document, activity, station, case_ids in items:
        if document["id"] in held:
            apply_activity(ctx, session, document, activity, station, case_ids, now)


def _fill(row: m.Activity, document: dict[str, Any], activity: ActivityInput) -> None:
    """A received activity's entered fields and the post's read-only ones onto its row."""
    fill_row(row, activity)
    row.created_by, row.created_at = document["created_by"], _utc_instant(document["created_at"])  # type: ignore[assignment]
    row.updated_by = document.get("updated_by")
    row.updated_at = _utc_instant(document["updated_at"]) if "updated_at" in document else None
    row.version = document["version"]


def _new_row(document: dict[str, Any], activity: ActivityInput, station: m.Station) -> dict[str, Any]:
    """The column values ``apply_activity`` stores for an activity HQ has not seen, its columns'
    defaults included (a plain object: nothing enters the session)."""
    row = m.Activity(id=document["id"], origin=station.id, change_seq=0)
    _fill(row, document, activity)
    values = {}
    for column in m.Activity.__table__.columns:
        value = getattr(row, column.key)
        if value is None and column.default is not None:
            if not column.default.is_scalar:
                raise TypeError(f"activities.{column.key}: no value and a computed default")
            value = column.default.arg
        values[column.key] = value
    return values
