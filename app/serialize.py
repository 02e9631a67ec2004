"""Canonical forms of stored rows, for the audit chain's state hashes (a case's JSON document is
``app.case_json``'s)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import msgspec
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
    return hashlib.sha256(json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


compact_json = msgspec.json.Encoder().encode  # held to json.dumps's bytes: test_serialize_compact


def fixed_float(value: float) -> bool:
    """Whether ``msgspec`` writes this float as ``json.dumps`` does: finite and printed without an
    exponent by ``repr`` (0, or between 1e-4 and 1e16 in size). Beyond that one writes "1e+16" or
    "1e-05" and the other "1e16" or "0.00001"."""
    return value == 0 or 1e-4 <= abs(value) < 1e16


def compact_state_hash(state: Any) -> str:
    """``ordered_state_hash`` of a state of JSON values (dicts in sorted key order, lists, text, whole
    numbers, booleans, None) whose every float is ``fixed_float``: the same bytes written by
    ``msgspec`` at a tenth of the cost (issue 18: ~25 µs a case at HQ's import).
    tests/test_serialize_compact.py holds the two writers to the same bytes for every character and
    such floats; the caller answers for the floats."""
    return hashlib.sha256(compact_json(state)).hexdigest()
