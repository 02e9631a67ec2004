"""Hand-overs to the police between a post and HQ: the record a bundle carries (``handover_document``),
HQ's check of each one field by field (a hostile bundle gets nothing stored and no quoting), and its
store, owner wins like a case, sealed into HQ's audit chain.

A hand-over travels as its own record, after its case (with a companion copy of the case when the case
travels in another part of the same export, as a tip does: ``app.sync.export``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.case_schema import scan
from app.context import Context
from app.domain import CaseInput
from app.handovers import FOLLOW_UPS, STATUSES
from app.i18n import _
from app.serialize import row_state
from app.sync import received
from app.sync.store import _seal_import
from app.sync.summary import ImportSummary
from app.sync.verify import _Verified
from db import models as m
from db.types import utc_text

EARLIEST_YEAR, LATEST_YEAR = 1990, 9998
MAX_ITEMS = 200  # papers or defendants of one hand-over
MAX_STEPS = 10  # follow-up steps: three at most are ever made

HANDOVER_FIELDS = frozenset(
    {
        "id",
        "case_id",
        "receiving_agency",
        "handed_on",
        "documents",
        "receipt_no",
        "defendants",
        "handed_by",
        "received_by",
        "note",
        "status",
        "status_on",
        "followups",
        "created_by",
        "created_at",
        "updated_by",
        "updated_at",
        "version",
    }
)
DEFENDANT_FIELDS = frozenset({"party_id", "full_name", "id_number"})
STEP_FIELDS = frozenset({"status", "on", "note", "by", "at"})


def handover_document(row: m.Handover) -> dict[str, Any]:
    """A hand-over as it travels to HQ (docs/bundle-format.md, "Hand-over records")."""
    return {
        "id": row.id,
        "case_id": row.case_id,
        "receiving_agency": row.receiving_agency,
        "handed_on": row.handed_on.isoformat(),
        "documents": list(row.documents),
        "receipt_no": row.receipt_no,
        "defendants": [dict(d) for d in row.defendants],
        "handed_by": row.handed_by,
        "received_by": row.received_by,
        "note": row.note,
        "status": row.status,
        "status_on": row.status_on.isoformat(),
        "followups": [dict(f) for f in row.followups],
        "created_by": row.created_by,
        "created_at": utc_text(row.created_at),
        "updated_by": row.updated_by,
        "updated_at": utc_text(row.updated_at),
        "version": row.version,
    }


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None or not EARLIEST_YEAR <= moment.astimezone(UTC).year <= LATEST_YEAR:
            return None
    except (ValueError, OverflowError):
        return None
    return moment


def _day(value: object) -> date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if EARLIEST_YEAR <= day.year <= LATEST_YEAR else None


def _text(value: object, limit: int, *, optional: bool = False, empty: bool = False) -> bool:
    if value is None:
        return optional
    return isinstance(value, str) and (empty or len(value) > 0) and len(value) <= limit


def _items(value: object, ok: Callable[[Any], bool], limit: int = MAX_ITEMS) -> bool:
    return isinstance(value, list) and len(value) <= limit and all(ok(item) for item in value)


def _defendant(value: object) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == DEFENDANT_FIELDS
        and _text(value["party_id"], 36, optional=True)
        and _text(value["full_name"], 200)
        and _text(value["id_number"], 40, optional=True)
    )


def _step(value: object) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == STEP_FIELDS
        and value["status"] in FOLLOW_UPS
        and _day(value["on"]) is not None
        and _text(value["note"], 20000, empty=True)
        and _text(value["by"], 64)
        and _instant(value["at"]) is not None
    )


def check_handover_record(verified: _Verified, number: int, record: dict[str, Any]) -> str | None:
    """Why a hand-over record cannot be applied, or None. Messages never quote its contents."""
    station, seq = verified.station, verified.opened.manifest["seq"]
    handover = record.get("handover")
    if record.get("origin") != station.id:
        return _("record {number}: claims to belong to another station than the sender {code}").format(
            number=number, code=station.code
        )
    if not isinstance(record.get("seq"), int) or not seq["first"] <= record["seq"] <= seq["last"]:
        return _("record {number}: its sequence number is outside the bundle's range").format(number=number)
    if not isinstance(handover, dict) or not _text(handover.get("id"), 36):
        return _("record {number}: a hand-over without a valid id").format(number=number)
    label = _("record {number}: hand-over {id}").format(number=number, id=handover["id"])
    if set(handover) != HANDOVER_FIELDS:
        return (
            _("{label}: unknown fields") if set(handover) - HANDOVER_FIELDS else _("{label}: missing fields")
        ).format(label=label)
    version = handover["version"]
    problems = [
        ("case_id", _text(handover["case_id"], 36)),
        ("receiving_agency", _text(handover["receiving_agency"], 400)),
        ("handed_on", _day(handover["handed_on"]) is not None),
        ("documents", _items(handover["documents"], lambda d: _text(d, 400))),
        ("receipt_no", _text(handover["receipt_no"], 60, optional=True)),
        ("defendants", _items(handover["defendants"], _defendant)),
        ("handed_by", _text(handover["handed_by"], 200)),
        ("received_by", _text(handover["received_by"], 200, optional=True)),
        ("note", _text(handover["note"], 20000, optional=True)),
        ("status", handover["status"] in STATUSES),
        ("status_on", _day(handover["status_on"]) is not None),
        ("followups", _items(handover["followups"], _step, MAX_STEPS)),
        ("created_by", _text(handover["created_by"], 64)),
        ("updated_by", _text(handover["updated_by"], 64)),
        ("created_at", _instant(handover["created_at"]) is not None),
        ("updated_at", _instant(handover["updated_at"]) is not None),
        ("version", isinstance(version, int) and not isinstance(version, bool) and 1 <= version < 2**31),
    ]
    bad = [name for name, ok in problems if not ok]
    if bad:
        return _("{label}: {fields} not valid").format(label=label, fields=", ".join(bad))
    # Control characters and hidden direction marks, as in a case's texts; the path only, never the text.
    hidden, _fatal, _fractions = scan(handover, ())
    if hidden:
        where = sorted({problem.split(":", 1)[0] for problem in hidden})
        return _("{label}: {fields} not valid").format(label=label, fields=", ".join(where))
    steps = handover["followups"]
    last = steps[-1]["status"] if steps else "handed_over"
    if last != handover["status"] or len({s["status"] for s in steps}) != len(steps):
        return _("{label}: its status does not follow from its steps").format(label=label)
    return None


def handovers_to_apply(
    session: Session,
    newest: dict[str, tuple[dict[str, Any], m.Station]],
    newest_cases: dict[str, tuple[dict[str, Any], m.Station, CaseInput | received.NewCase]],
    summary: ImportSummary,
    refused: list[tuple[str, dict[str, str]]],
) -> list[tuple[dict[str, Any], m.Station]]:
    """Owner wins, as for cases; a hand-over names a case of its own station, one hand-over a case."""
    if not newest:
        return []
    ids = list(newest)
    stored = {
        handover_id: (origin, version)
        for handover_id, origin, version in session.execute(
            select(m.Handover.id, m.Handover.origin, m.Handover.version).where(m.Handover.id.in_(ids))
        )
    }
    case_ids = [h["case_id"] for h, _station in newest.values()]
    case_origins = dict(
        session.execute(select(m.Case.id, m.Case.origin).where(m.Case.id.in_(case_ids))).all()
    )
    case_origins.update({case_id: station.id for case_id, (_d, station, _c) in newest_cases.items()})
    held = dict(
        session.execute(
            select(m.Handover.case_id, m.Handover.id).where(m.Handover.case_id.in_(case_ids))
        ).all()
    )
    result = []
    for handover, station in newest.values():
        origin, version = stored.get(handover["id"], (None, 0))
        reason = None
        if origin is not None and origin != station.id:
            reason = _("hand-over {id} belongs to another station").format(id=handover["id"])
        elif case_origins.get(handover["case_id"]) != station.id:
            reason = _("hand-over {id} refers to a case of {code} that HQ does not have").format(
                id=handover["id"], code=station.code
            )
        elif held.get(handover["case_id"], handover["id"]) != handover["id"]:
            reason = _("hand-over {id}: its case was handed over already in another record").format(
                id=handover["id"]
            )
        if reason:
            entry = {"file": "", "record": handover["id"], "reason": reason}
            summary.rejected.append(entry)
            refused.append((station.id, entry))
        elif version < handover["version"]:
            summary.handovers += 1
            result.append((handover, station))
    return result


def apply_handover(
    ctx: Context, session: Session, handover: dict[str, Any], station: m.Station, now: datetime
) -> None:
    row = session.get(m.Handover, handover["id"])
    before = None if row is None else row.version
    if row is None:
        row = m.Handover(id=handover["id"], origin=station.id, change_seq=0)
        session.add(row)
    row.case_id, row.receiving_agency = handover["case_id"], handover["receiving_agency"]
    row.handed_on = date.fromisoformat(handover["handed_on"])
    row.documents, row.receipt_no = list(handover["documents"]), handover["receipt_no"]
    row.defendants = [dict(d) for d in handover["defendants"]]
    row.handed_by, row.received_by, row.note = (
        handover["handed_by"],
        handover["received_by"],
        handover["note"],
    )
    row.status, row.status_on = handover["status"], date.fromisoformat(handover["status_on"])
    row.followups = [dict(f) for f in handover["followups"]]
    row.created_by, row.updated_by = handover["created_by"], handover["updated_by"]
    row.created_at = _instant(handover["created_at"])  # type: ignore[assignment]
    row.updated_at = _instant(handover["updated_at"])  # type: ignore[assignment]
    row.version = handover["version"]
    session.flush()
    _seal_import(
        ctx,
        session,
        station,
        "handover",
        row.id,
        row.version,
        {"version": [before, row.version], "status": [None, row.status]},
        row_state(m.Handover.__table__, row),  # type: ignore[arg-type]
        now,
    )
