"""The rows a case is stored as, built in one place: its columns from what was entered (with every
derived value), and the whole row of a case HQ receives for the first time.

Why: the case service (a case typed in, or a newer version HQ receives, ``CaseService.fill``), HQ's
check of new cases in the helper process (``received.new_case``) and HQ's bulk write on a database
other than SQLite (``app.sync.store._insert_new_cases``) each assembled these rows; three copies of
"how a case is stored" drift. The columns copied as they are come from the field table
(``app.case_json``); the derived ones (base quantities, folded names, normalised identity numbers
and plates) are made here.
Nothing here reads or writes the database, so the helper process can use it without the services.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from app.case_json import (
    ATTACHMENT_FIELDS,
    CASE_FIELDS,
    DOCUMENT_FIELDS,
    GOODS_FIELDS,
    HANDLING_FIELDS,
    PARTY_FIELDS,
    VEHICLE_FIELDS,
    Field,
    Part,
    received_columns,
    received_instants,
)
from app.domain import CaseInput
from app.reference import Reference
from app.text import fold, format_plate, normalize_id_number, normalize_plate, normalize_vessel

ROAD_VEHICLES = ("motorbike", "car", "truck")


def _copied(fields: tuple[Field, ...]) -> tuple[str, ...]:
    """The entered fields of a table stored in a column of their own name, as they are."""
    return tuple(f.name for f in fields if f.part is Part.ENTERED and not f.members and f.write is not list)


# Entered fields whose column is not a plain copy: instants (stored with the offset they were entered
# with) and the lists (stored as lines, or as a JSON list).
_CASE_COPIED = tuple(name for name in _copied(CASE_FIELDS) if name not in ("occurred_at", "detected_at"))
_HANDLING_COPIED = _copied(HANDLING_FIELDS)
_GOODS_COPIED = _copied(GOODS_FIELDS)
_PARTY_COPIED = _copied(PARTY_FIELDS)
_DOCUMENT_COPIED = _copied(DOCUMENT_FIELDS)
_ATTACHMENT_COPIED = _copied(ATTACHMENT_FIELDS)
# A road vehicle's plate is stored formatted.
_VEHICLE_COPIED = tuple(name for name in _copied(VEHICLE_FIELDS) if name != "plate")


def offset_minutes(moment: datetime) -> int:
    offset = moment.utcoffset()
    assert offset is not None, "occurred_at must be aware"
    return int(offset.total_seconds() // 60)


def _normalized_plate(kind: str, plate: str) -> str:
    return normalize_vessel(plate) if kind == "ship" else normalize_plate(plate)


Lines = dict[str, list[dict[str, Any]]]


def case_values(data: CaseInput, reference: Reference) -> tuple[dict[str, Any], Lines]:
    """What a case stores of ``data``: its editable columns, and the columns of its goods, parties,
    vehicles, documents and attachments (without ids), with every derived value (base quantities,
    folded names, normalised ID numbers and plates). The one place that says how input is stored."""
    handling = data.handling
    fields: dict[str, Any] = {
        "occurred_at": data.occurred_at,
        "utc_offset_min": offset_minutes(data.occurred_at),
        "detected_at": data.detected_at,
        **{name: getattr(data, name) for name in _CASE_COPIED},
        "cooperating_forces": list(data.cooperating_forces),
        **{name: getattr(handling, name) for name in _HANDLING_COPIED},
    }
    goods = []
    for i, g in enumerate(data.goods):
        base_quantity, base_unit = reference.commodities[g.commodity].to_base(g.quantity, g.unit)
        goods.append(
            {
                "position": i,
                **{name: getattr(g, name) for name in _GOODS_COPIED},
                "base_quantity": base_quantity,
                "base_unit": base_unit,
            }
        )
    parties = [
        {
            "position": i,
            **{name: getattr(p, name) for name in _PARTY_COPIED},
            "name_folded": fold(p.full_name),
            "id_normalized": normalize_id_number(p.id_number) if p.id_number else None,
        }
        for i, p in enumerate(data.parties)
    ]
    vehicles = [
        {
            "position": i,
            **{name: getattr(v, name) for name in _VEHICLE_COPIED},
            "plate": format_plate(v.plate) if v.kind in ROAD_VEHICLES else v.plate,
            "plate_normalized": _normalized_plate(v.kind, v.plate),
        }
        for i, v in enumerate(data.vehicles)
    ]
    documents = [
        {"position": i, **{name: getattr(d, name) for name in _DOCUMENT_COPIED}}
        for i, d in enumerate(data.documents)
    ]
    attachments = [
        {"position": i, **{name: getattr(a, name) for name in _ATTACHMENT_COPIED}}
        for i, a in enumerate(data.attachments)
    ]
    return fields, {
        "goods": goods,
        "parties": parties,
        "vehicles": vehicles,
        "documents": documents,
        "attachments": attachments,
    }


def number_parts(number: str, occurred_at: datetime) -> tuple[int, int]:
    """The year and sequence of a case number CODE/YEAR/SEQUENCE (the occurrence year and 0 when the
    number is not in that form)."""
    pieces = number.split("/")
    digits = len(pieces) == 3 and all(p.isascii() and p.isdigit() for p in pieces[1:])
    year = int(pieces[1]) if digits else occurred_at.year
    seq = int(pieces[2]) if digits else 0
    return year, seq


def received_version(document: Mapping[str, Any], occurred_at: datetime) -> dict[str, Any]:
    """The columns a received version of a case takes from its document as the post sent it, beside its
    entered ones: its number (and the year and sequence in it), status, version and workflow fields."""
    year, seq = number_parts(document["number"], occurred_at)
    return {**received_columns(document), "year": year, "seq": seq}


def received_case_rows(
    document: Mapping[str, Any],
    data: CaseInput,
    reference: Reference,
    origin: str,
    now: datetime | str,
    ids: Iterator[str],
) -> tuple[dict[str, Any], Lines]:
    """The row and lines of a case HQ has not seen, received from station ``origin`` at ``now`` (an
    instant, or its ``utc_text`` for rows made canonical), its lines given ids from ``ids``."""
    fields, lines = case_values(data, reference)
    case_id = document["id"]
    row = {
        **fields,
        **received_version(document, data.occurred_at),
        "id": case_id,
        "origin": origin,
        "created_by": str(document.get("created_by") or ""),
        **received_instants(document, now),
        "submitted_at": None,  # the document does not carry it (docs/bundle-format.md)
        "change_seq": 0,
    }
    for rows in lines.values():
        for line in rows:
            line["id"], line["case_id"] = next(ids), case_id
    return row, lines
