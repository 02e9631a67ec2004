"""Canonical forms of stored rows: for the audit chain's state hashes and for JSON output."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Table

from db import models as m
from db.types import decimal_text, utc_text

CHILD_TABLES: dict[str, Table] = {
    "goods": m.GoodsLine.__table__,  # type: ignore[dict-item]
    "parties": m.Party.__table__,  # type: ignore[dict-item]
    "vehicles": m.Vehicle.__table__,  # type: ignore[dict-item]
    "attachments": m.Attachment.__table__,  # type: ignore[dict-item]
    "documents": m.Document.__table__,  # type: ignore[dict-item]
}
CASES: Table = m.Case.__table__  # type: ignore[assignment]

# Columns that change without an audited action (log-in bookkeeping) stay out of the sealed state.
UNSEALED: dict[str, frozenset[str]] = {
    "users": frozenset({"failed_logins", "locked_until", "last_login_at"}),
}


PLAIN = frozenset({str, int, float, bool, type(None)})  # types ``canonical`` gives back as they are


def canonical(value: Any) -> Any:
    """A JSON-ready value that is the same whichever way the row was read or written."""
    if type(value) in PLAIN:
        return value
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    return value


@cache
def _sealed_columns(table: Table) -> tuple[str, ...]:
    skip = UNSEALED.get(table.name, frozenset())
    return tuple(c.key for c in table.columns if c.key not in skip)


def row_state(table: Table, row: Mapping[str, Any] | object) -> dict[str, Any]:
    """Every sealed column of a row (a mapping of column values, or an ORM object)."""
    if isinstance(row, Mapping):
        return {key: canonical(row[key]) for key in _sealed_columns(table)}
    return {key: canonical(getattr(row, key)) for key in _sealed_columns(table)}


def case_state(
    case: Mapping[str, Any] | object, children: Mapping[str, Iterable[Mapping[str, Any] | object]]
) -> dict[str, Any]:
    state: dict[str, Any] = {"case": row_state(CASES, case)}
    for name, table in CHILD_TABLES.items():
        rows = [row_state(table, child) for child in children.get(name, ())]
        rows.sort(key=lambda r: (r["position"], r["id"]))
        state[name] = rows
    return state


def orm_case_state(case: m.Case) -> dict[str, Any]:
    return case_state(
        case,
        {
            "goods": case.goods,
            "parties": case.parties,
            "vehicles": case.vehicles,
            "attachments": case.attachments,
            "documents": case.documents,
        },
    )


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def state_hash(state: Any) -> str:
    return hashlib.sha256(canonical_json(state)).hexdigest()


def ordered_state_hash(state: Any) -> str:
    """``state_hash`` of a state whose every mapping lists its keys in sorted order already: the same
    text, without sorting it again (a third of the cost of hashing a case's state)."""
    return hashlib.sha256(
        json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def local_iso(instant: datetime, offset_min: int) -> str:
    """The instant as local ISO text with its offset, as it was entered: 2026-11-20T23:40:00+07:00."""
    from datetime import timedelta, timezone

    return instant.astimezone(timezone(timedelta(minutes=offset_min))).isoformat()


def _clean(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if v is not None}


def case_document(case: m.Case, station_code: str) -> dict[str, Any]:
    """A stored case in the interchange format (DESIGN §8), plus its identity and workflow fields."""
    offset = case.utc_offset_min
    handling = _clean(
        {
            "outcome": case.outcome,
            "decision_no": case.decision_no,
            "decision_date": _iso(case.decision_date),
            "fine_vnd": case.fine_vnd,
            "proceeds_vnd": case.proceeds_vnd,
            "tax_vnd": case.tax_vnd,
            "receiving_agency": case.receiving_agency,
            "defendants": case.defendants,
        }
    )
    document: dict[str, Any] = {
        "id": case.id,
        "number": case.number,
        "station": station_code,
        "status": case.status,
        "version": case.version,
        "occurred_at": local_iso(case.occurred_at, offset),
        "detected_at": local_iso(case.detected_at, offset) if case.detected_at else None,
        "place": case.place,
        "commune_code": case.commune_code,
        "location_kind": case.location_kind,
        "latitude": case.latitude,
        "longitude": case.longitude,
        "violation_group": case.violation_group,
        "violation": case.violation,
        "legal_basis": case.legal_basis,
        "detection": case.detection,
        "ownerless": case.ownerless,
        "lead_force": case.lead_force,
        "cooperating_forces": list(case.cooperating_forces or []),
        "campaign_id": case.campaign_id,
        "summary": case.summary,
        "goods": [
            _clean(
                {
                    "commodity": g.commodity,
                    "description": g.description,
                    "quantity": decimal_text(g.quantity),
                    "unit": g.unit,
                    "base_quantity": decimal_text(g.base_quantity),
                    "base_unit": g.base_unit,
                    "value_vnd": g.value_vnd,
                    "condition": g.condition,
                    "origin_country": g.origin_country,
                    "disposition": g.disposition,
                    "note": g.note,
                }
            )
            for g in case.goods
        ],
        "parties": [
            _clean(
                {
                    "kind": p.kind,
                    "role": p.role,
                    "full_name": p.full_name,
                    "birth_date": _iso(p.birth_date),
                    "gender": p.gender,
                    "nationality": p.nationality,
                    "id_number": p.id_number,
                    "id_issued_on": _iso(p.id_issued_on),
                    "id_issued_by": p.id_issued_by,
                    "occupation": p.occupation,
                    "address": p.address,
                    "tax_code": p.tax_code,
                    "representative": p.representative,
                }
            )
            for p in case.parties
        ],
        "vehicles": [
            _clean({"kind": v.kind, "plate": v.plate, "description": v.description})
            for v in case.vehicles
        ],
        "documents": [
            _clean({"form_code": d.form_code, "number": d.number, "date": _iso(d.issued_on),
                    "signer": d.signer})
            for d in case.documents
        ],
        "attachments": [
            _clean({"sha256": a.sha256, "filename": a.filename, "mime": a.mime, "size": a.size,
                    "caption": a.caption})
            for a in case.attachments
        ],
        "handling": handling,
        "remark": case.remark,
        "void_reason": case.void_reason,
        "created_by": case.created_by,
        "created_at": canonical(case.created_at),
        "updated_by": case.updated_by,
        "updated_at": canonical(case.updated_at),
        "submitted_by": case.submitted_by,
        "approved_by": case.approved_by,
        "approved_at": canonical(case.approved_at) if case.approved_at else None,
    }
    return _clean(document)
