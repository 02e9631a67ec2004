"""HQ's checks and store of the tips a post sends: each tip record checked field by field, applied
owner-wins like a case, and sealed into HQ's audit chain.

The informant travels sealed; nothing here opens it or quotes it in a message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.context import Context
from app.domain import CaseInput
from app.errors import ValidationError
from app.i18n import _
from app.serialize import row_state
from app.sync import received, signing
from app.sync.store import _seal_import
from app.sync.summary import ImportSummary
from app.sync.verify import _Verified
from db import models as m

MAX_SEALED_INFORMANT = 64 * 1024


EARLIEST_YEAR, LATEST_YEAR = 1990, 9998  # of a tip's times


TIP_FIELDS = frozenset(
    {
        "id",
        "received_at",
        "channel",
        "content",
        "case_id",
        "informant_sealed",
        "created_by",
        "created_at",
        "version",
    }
)
# The fields of 0015; a post not upgraded yet sends none of them (its tips stay new and unassigned).
TRACKING_FIELDS = frozenset({"status", "result", "assigned_to", "updated_at", "acted_at"})
TIP_STATUSES = frozenset({"new", "checking", "acted_on", "closed"})
MAX_RESULT = 4000


AGE_HEADER = b"age-encryption.org/v1\n"


def _utc_instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None or not EARLIEST_YEAR <= moment.astimezone(UTC).year <= LATEST_YEAR:
            return None
    except (ValueError, OverflowError):
        return None
    return moment


def _check_tip_record(verified: _Verified, number: int, record: dict[str, Any]) -> str | None:
    """Why a tip record cannot be applied, or None. Messages never quote the tip's content or its
    sealed informant."""
    station, seq = verified.station, verified.opened.manifest["seq"]
    tip = record.get("tip")
    if record.get("origin") != station.id:
        return _("record {number}: claims to belong to another station than the sender {code}").format(
            number=number, code=station.code
        )
    if not isinstance(record.get("seq"), int) or not seq["first"] <= record["seq"] <= seq["last"]:
        return _("record {number}: its sequence number is outside the bundle's range").format(number=number)
    if not isinstance(tip, dict) or not isinstance(tip.get("id"), str) or not 0 < len(tip["id"]) <= 36:
        return _("record {number}: a tip without a valid id").format(number=number)
    label = _("record {number}: tip {tip}").format(number=number, tip=tip["id"])
    sealed = tip.get("informant_sealed")
    problems = [
        ("received_at", _utc_instant(tip.get("received_at")) is not None),
        ("created_at", _utc_instant(tip.get("created_at")) is not None),
        ("channel", isinstance(tip.get("channel"), str) and len(tip["channel"]) <= 40),
        ("content", isinstance(tip.get("content"), str) and 0 < len(tip["content"]) <= 20000),
        (
            "case_id",
            tip.get("case_id") is None or (isinstance(tip["case_id"], str) and len(tip["case_id"]) <= 36),
        ),
        ("created_by", isinstance(tip.get("created_by"), str) and len(tip["created_by"]) <= 64),
        (
            "version",
            isinstance(tip.get("version"), int)
            and not isinstance(tip["version"], bool)
            and 1 <= tip["version"] < 2**31,  # as a case's: a larger one overflows the column
        ),
        ("informant_sealed", sealed is None or _is_sealed(sealed)),
        ("status", isinstance(tip.get("status", "new"), str) and tip.get("status", "new") in TIP_STATUSES),
        ("result", isinstance(tip.get("result", ""), str) and len(tip.get("result", "")) <= MAX_RESULT),
        (
            "assigned_to",
            tip.get("assigned_to") is None
            or (isinstance(tip["assigned_to"], str) and 0 < len(tip["assigned_to"]) <= 64),
        ),
        ("updated_at", tip.get("updated_at") is None or _utc_instant(tip["updated_at"]) is not None),
        ("acted_at", tip.get("acted_at") is None or _utc_instant(tip["acted_at"]) is not None),
    ]
    bad = [name for name, ok in problems if not ok]
    if bad:
        return _("{label}: {fields} not valid").format(label=label, fields=", ".join(bad))
    if set(tip) - TIP_FIELDS - TRACKING_FIELDS:
        return _("{label}: unknown fields").format(label=label)
    if TIP_FIELDS - set(tip) or (set(tip) & TRACKING_FIELDS and TRACKING_FIELDS - set(tip)):
        return _("{label}: missing fields").format(label=label)
    return None


def _is_sealed(value: object) -> bool:
    """An age ciphertext in base64, as a tip's informant travels; plain text never passes."""
    if not isinstance(value, str) or len(value) > MAX_SEALED_INFORMANT * 4 // 3 + 4:
        return False
    try:
        raw = signing.unb64(value, _("the informant"))
    except ValidationError:
        return False
    return raw.startswith(AGE_HEADER)


def _tips_to_apply(
    session: Session,
    newest_tips: dict[str, tuple[dict[str, Any], m.Station]],
    newest_cases: dict[str, tuple[dict[str, Any], m.Station, CaseInput | received.NewCase]],
    summary: ImportSummary,
    refused: list[tuple[str, dict[str, str]]],
) -> list[tuple[dict[str, Any], m.Station]]:
    """Owner wins, as for cases; a tip may link only to a case of its own station."""
    if not newest_tips:
        return []
    stored = {
        tip_id: (origin, version)
        for tip_id, origin, version in session.execute(
            select(m.Tip.id, m.Tip.origin, m.Tip.version).where(m.Tip.id.in_(list(newest_tips)))
        )
    }
    linked = {t["case_id"] for t, _ in newest_tips.values() if t["case_id"] is not None}
    case_origins = dict(
        session.execute(select(m.Case.id, m.Case.origin).where(m.Case.id.in_(list(linked)))).all()
    )
    case_origins.update({case_id: station.id for case_id, (_d, station, _c) in newest_cases.items()})
    result = []
    for tip, station in newest_tips.values():
        origin, version = stored.get(tip["id"], (None, 0))
        reason = None
        if origin is not None and origin != station.id:
            reason = _("tip {tip} belongs to another station").format(tip=tip["id"])
        elif tip["case_id"] is not None and case_origins.get(tip["case_id"]) != station.id:
            reason = _("tip {tip} refers to a case of {code} that HQ does not have").format(
                tip=tip["id"], code=station.code
            )
        if reason:
            entry = {"file": "", "record": tip["id"], "reason": reason}
            summary.rejected.append(entry)
            refused.append((station.id, entry))
        elif version < tip["version"]:
            summary.tips += 1
            result.append((tip, station))
    return result


def _apply_tip(
    ctx: Context, session: Session, tip: dict[str, Any], station: m.Station, now: datetime
) -> None:
    row = session.get(m.Tip, tip["id"])
    before = None if row is None else row.version
    if row is None:
        row = m.Tip(id=tip["id"], origin=station.id, change_seq=0)
        session.add(row)
    row.received_at = _utc_instant(tip["received_at"])  # type: ignore[assignment]
    row.created_at = _utc_instant(tip["created_at"])  # type: ignore[assignment]
    row.channel, row.content, row.case_id = tip["channel"], tip["content"], tip["case_id"]
    row.informant_sealed = (
        signing.unb64(tip["informant_sealed"], _("the informant")) if tip["informant_sealed"] else None
    )
    row.created_by, row.version = tip["created_by"], tip["version"]
    row.status, row.result = tip.get("status", "new"), tip.get("result", "")
    row.assigned_to = tip.get("assigned_to")
    row.updated_at = _utc_instant(tip.get("updated_at"))
    row.acted_at = _utc_instant(tip.get("acted_at"))
    session.flush()
    _seal_import(
        ctx,
        session,
        station,
        "tip",
        row.id,
        row.version,
        {
            "version": [before, row.version],
            "informant": [None, row.informant_sealed is not None],
            "status": [None, row.status],
        },
        row_state(m.Tip.__table__, row),  # type: ignore[arg-type]
        now,
    )
