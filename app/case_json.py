"""The case's JSON shape, once: one table of fields writes a case, reads what HQ keeps of a received
one, and says which fields are entered, stored or derived.

Why: one document travels everywhere. ``case show --json`` prints it, a bundle record carries it, and
``case add`` and HQ read it back; ``resources/schemas/case-v1.schema.json`` publishes it. When each of
them listed the fields itself they drifted apart (the schema refused what ``case show`` printed, and
HQ stripped a hand-kept list of fields before reading a record). Now the table below is the list: the
writer walks it, HQ's columns come from it, and a test holds the schema's properties to it (an
entered field is an ordinary property, a stored or derived one a ``readOnly`` one).

What a case holds is typed here too (``StoredCase``: the ``CaseInput`` and what the register keeps
beside it), so that a reader of a stored case, such as a printed form, gets dates, instants and
decimals rather than text to parse back. Reading entered values from JSON, with every check and
message, is ``app.interchange``'s; reading a stored document only adds the stored fields HQ keeps.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any

from app.domain import (
    AttachmentInput,
    CaseInput,
    DocumentInput,
    GoodsInput,
    HandlingInput,
    PartyInput,
    VehicleInput,
)
from app.reference import Reference
from db import models as m
from db.types import UTC_FORMAT, decimal_text, utc_text


class Part(Enum):
    """Whose a field is."""

    ENTERED = "entered"  # typed in at a station: a ``CaseInput`` field, read by ``app.interchange``
    STORED = "stored"  # kept by the register that owns the case: identity, workflow, audit
    DERIVED = "derived"  # computed from entered values and reference data


def _same(value: Any) -> Any:
    return value


def _iso(value: date) -> str:
    """A date as YYYY-MM-DD; an instant as ISO text with the offset it was entered with."""
    return value.isoformat()


@dataclass(frozen=True)
class Field:
    """One member of a JSON object of the case document.

    ``attr`` is the attribute of the typed object (``CaseInput`` and its parts, or ``StoredCase``) and
    the column of the stored row, when it is not the member's name. ``members`` are the fields of a
    nested object, or of each object of a list (``many``). ``received``: a stored field HQ keeps as
    the sending post wrote it (``received_columns``), ``absent`` when the post left it out or null."""

    key: str
    part: Part = Part.ENTERED
    write: Callable[[Any], Any] = _same
    attr: str = ""
    members: tuple[Field, ...] = ()
    many: bool = False
    received: bool = False
    absent: Any = None

    @property
    def name(self) -> str:
        return self.attr or self.key


def _entered(*keys: str) -> tuple[Field, ...]:
    return tuple(Field(key) for key in keys)


GOODS_FIELDS = (
    *_entered("commodity", "description"),
    Field("quantity", write=decimal_text),
    Field("unit"),
    Field("base_quantity", Part.DERIVED, decimal_text),
    Field("base_unit", Part.DERIVED),
    *_entered("value_vnd", "condition", "origin_country", "disposition", "note"),
)
PARTY_FIELDS = (
    *_entered("kind", "role", "full_name"),
    Field("birth_date", write=_iso),
    *_entered("gender", "nationality", "id_number"),
    Field("id_issued_on", write=_iso),
    *_entered("id_issued_by", "occupation", "address", "tax_code", "representative"),
)
VEHICLE_FIELDS = _entered("kind", "plate", "description")
DOCUMENT_FIELDS = (
    *_entered("form_code", "number"),
    Field("date", write=_iso, attr="issued_on"),
    Field("signer"),
)
ATTACHMENT_FIELDS = _entered("sha256", "filename", "mime", "size", "caption")
HANDLING_FIELDS = (
    *_entered("outcome", "decision_no"),
    Field("decision_date", write=_iso),
    *_entered("fine_vnd", "proceeds_vnd", "tax_vnd", "receiving_agency", "defendants"),
)
CASE_FIELDS = (
    Field("id", Part.STORED),
    Field("number", Part.STORED, received=True),
    Field("station", Part.STORED),
    Field("status", Part.STORED, received=True),
    Field("version", Part.STORED, received=True),
    Field("occurred_at", write=_iso),
    Field("detected_at", write=_iso),
    *_entered(
        "place",
        "commune_code",
        "location_kind",
        "online_platform",
        "online_account",
        "online_url",
        "latitude",
        "longitude",
        "violation_group",
        "violation",
        "legal_basis",
        "detection",
        "ownerless",
        "lead_force",
    ),
    Field("cooperating_forces", write=list),
    *_entered("campaign_id", "summary"),
    Field("goods", members=GOODS_FIELDS, many=True),
    Field("parties", members=PARTY_FIELDS, many=True),
    Field("vehicles", members=VEHICLE_FIELDS, many=True),
    Field("documents", members=DOCUMENT_FIELDS, many=True),
    Field("attachments", members=ATTACHMENT_FIELDS, many=True),
    Field("handling", members=HANDLING_FIELDS),
    Field("remark", Part.STORED, received=True),
    Field("void_reason", Part.STORED, received=True),
    Field("created_by", Part.STORED),  # HQ keeps it for a case it has not seen (``app.case_rows``)
    Field("created_at", Part.STORED, utc_text),
    Field("updated_by", Part.STORED, received=True, absent=""),
    Field("updated_at", Part.STORED, utc_text),
    Field("submitted_by", Part.STORED, received=True),
    Field("approved_by", Part.STORED, received=True),
    Field("approved_at", Part.STORED, utc_text),
)


@dataclass(frozen=True)
class BaseQuantity:
    """A goods line's quantity in its commodity's base unit (derived from the reference data)."""

    base_quantity: Decimal
    base_unit: str


@dataclass(frozen=True)
class StoredCase:
    """A case as a register holds it: what was entered, and what the register keeps beside it."""

    data: CaseInput
    id: str
    number: str
    station: str  # the code of the station that owns it
    status: str
    version: int
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    remark: str | None = None
    void_reason: str | None = None
    submitted_by: str | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    goods: tuple[BaseQuantity, ...] = ()  # the derived values of each goods line, in order


# A field as the writer walks it: (key, part, attribute, write or None for "as it is", the plan of its
# members or None, many). Compiled once from the table: the writer runs for every case of an export.
_Step = tuple[str, Part, str, Callable[[Any], Any] | None, "tuple[_Step, ...] | None", bool]


def _plan(fields: Sequence[Field]) -> tuple[_Step, ...]:
    return tuple(
        (
            f.key,
            f.part,
            f.name,
            None if f.write is _same else f.write,
            _plan(f.members) if f.members else None,
            f.many,
        )
        for f in fields
    )


_CASE_PLAN = _plan(CASE_FIELDS)


def _object(
    plan: tuple[_Step, ...],
    entered: object,
    stored: object | None,
    derived: object | None,
    given: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON object of the fields of ``plan``, each read from the object of its part (``given``
    holds values found elsewhere, by attribute). The lines of a list take their derived values from the
    stored object's attribute of the list's name (``StoredCase.goods``), or, for rows
    (``stored is entered``), from the line itself. A field without a value (None), or of a part not
    given, is left out; an empty text or list is a value and stays."""
    document: dict[str, Any] = {}
    for key, part, name, write, members, many in plan:
        if given is not None and name in given:
            value = given[name]
        elif part is Part.ENTERED:
            value = getattr(entered, name)
        elif part is Part.STORED and stored is not None:
            value = getattr(stored, name)
        elif part is Part.DERIVED and derived is not None:
            value = getattr(derived, name)
        else:
            continue
        if value is None:
            continue
        if members is None:
            document[key] = value if write is None else write(value)
        elif not many:
            document[key] = _object(members, value, None, None)
        elif stored is entered:  # rows: a line holds its own derived values
            document[key] = [_object(members, item, None, item) for item in value]
        else:
            lines: Sequence[object] = getattr(stored, key, ()) if stored is not None else ()
            document[key] = [
                _object(members, item, None, lines[i] if i < len(lines) else None)
                for i, item in enumerate(value)
            ]
    return document


def case_json(case: CaseInput | StoredCase) -> dict[str, Any]:
    """A case as its JSON document: the entered fields of a ``CaseInput`` (``parse_cases`` reads it back
    to an equal value), or all the fields of a stored case (what ``case show --json`` prints and a
    bundle record carries, which ``case add`` takes as it is). Quantities are decimal text, dates
    ISO, instants entered ISO with their offset, instants stored UTC text."""
    if isinstance(case, StoredCase):
        return _object(_CASE_PLAN, case.data, case, None)
    return _object(_CASE_PLAN, case, None, None)


def _local(offset_min: int) -> timezone:
    return timezone(timedelta(minutes=offset_min))


def stored_case(case: m.Case, station_code: str) -> StoredCase:
    """A stored case, typed, from its row and lines (loaded), in the time zone it was entered in."""
    zone = _local(case.utc_offset_min)
    data = CaseInput(
        occurred_at=case.occurred_at.astimezone(zone),
        detected_at=case.detected_at.astimezone(zone) if case.detected_at is not None else None,
        violation_group=case.violation_group,
        place=case.place,
        commune_code=case.commune_code,
        location_kind=case.location_kind,
        online_platform=case.online_platform,
        online_account=case.online_account,
        online_url=case.online_url,
        latitude=case.latitude,
        longitude=case.longitude,
        violation=case.violation,
        legal_basis=case.legal_basis,
        detection=case.detection,
        ownerless=case.ownerless,
        lead_force=case.lead_force,
        cooperating_forces=tuple(case.cooperating_forces or ()),
        campaign_id=case.campaign_id,
        summary=case.summary,
        goods=tuple(
            GoodsInput(
                commodity=g.commodity,
                quantity=g.quantity,
                unit=g.unit,
                description=g.description,
                value_vnd=g.value_vnd,
                condition=g.condition,
                origin_country=g.origin_country,
                disposition=g.disposition,
                note=g.note,
            )
            for g in case.goods
        ),
        parties=tuple(
            PartyInput(
                kind=p.kind,
                role=p.role,
                full_name=p.full_name,
                birth_date=p.birth_date,
                gender=p.gender,
                nationality=p.nationality,
                id_number=p.id_number,
                id_issued_on=p.id_issued_on,
                id_issued_by=p.id_issued_by,
                occupation=p.occupation,
                address=p.address,
                tax_code=p.tax_code,
                representative=p.representative,
            )
            for p in case.parties
        ),
        vehicles=tuple(VehicleInput(v.kind, v.plate, v.description) for v in case.vehicles),
        documents=tuple(DocumentInput(d.form_code, d.number, d.issued_on, d.signer) for d in case.documents),
        attachments=tuple(
            AttachmentInput(a.sha256, a.filename, a.mime, a.size, a.caption) for a in case.attachments
        ),
        handling=HandlingInput(
            outcome=case.outcome,
            decision_no=case.decision_no,
            decision_date=case.decision_date,
            fine_vnd=case.fine_vnd,
            proceeds_vnd=case.proceeds_vnd,
            tax_vnd=case.tax_vnd,
            receiving_agency=case.receiving_agency,
            defendants=case.defendants,
        ),
    )
    return StoredCase(
        data=data,
        id=case.id,
        number=case.number,
        station=station_code,
        status=case.status,
        version=case.version,
        created_by=case.created_by,
        created_at=case.created_at,
        updated_by=case.updated_by,
        updated_at=case.updated_at,
        remark=case.remark,
        void_reason=case.void_reason,
        submitted_by=case.submitted_by,
        approved_by=case.approved_by,
        approved_at=case.approved_at,
        goods=tuple(BaseQuantity(g.base_quantity, g.base_unit) for g in case.goods),
    )


def case_document(case: m.Case, station_code: str) -> dict[str, Any]:
    """A stored case as its JSON document, written from its row and lines (loaded): the same document
    as ``case_json(stored_case(case, station_code))``, without making the typed case first (an export
    writes every case it sends)."""
    zone = _local(case.utc_offset_min)
    detected = case.detected_at
    given = {
        "station": station_code,
        "occurred_at": case.occurred_at.astimezone(zone),
        "detected_at": detected.astimezone(zone) if detected is not None else None,
        "cooperating_forces": case.cooperating_forces or [],
        "handling": case,  # the handling columns are the case's own
    }
    return _object(_CASE_PLAN, case, case, None, given)


# A stored case was valid when it was saved: its dates are not held against today again.
_FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)


def case_input_from_document(document: Mapping[str, Any], reference: Reference) -> CaseInput:
    """The entered part of a stored case's document, read back as the ``CaseInput`` it was saved from.
    The schema takes a stored case's document as it is (its stored and derived fields are read-only
    members), so nothing is removed before it is read."""
    # Reading a case file needs the schema validator: not imported by the commands that only list.
    from app.interchange import parse_cases

    return parse_cases(document, reference, now=_FAR_FUTURE)[0]


def received_columns(document: Mapping[str, Any]) -> dict[str, Any]:
    """The columns HQ takes from a received case's document as the post wrote it (its ``received``
    stored fields), beside the entered ones; the document has passed ``received.case_problem``."""
    return {name: _or(document.get(key), absent) for name, key, absent in _RECEIVED}


_RECEIVED = tuple((f.name, f.key, f.absent) for f in CASE_FIELDS if f.received)


# The instants HQ keeps as the post wrote them (``utc_text``): when the case was made, last saved and
# approved are the post's, not the time of the import (docs/bundle-format.md), so HQ's copy seals the
# same content and keeps when a case was approved.
RECEIVED_INSTANTS = ("created_at", "updated_at", "approved_at")


def received_instant(value: Any) -> datetime | None:
    """The instant of a received ``utc_text`` member; None when it is absent, or not such a text.

    What ``utc_text`` writes is read from its digits: ``strptime`` costs ~9 µs a value, read three
    times a case by HQ's import (issue 18), this ~1.5 µs. Anything else goes to ``strptime`` as
    before, which decides as it always did (it also takes other digits than ASCII, or a day " 2")."""
    if not isinstance(value, str) or len(value) != 27:
        return None
    usual = _UTC_TEXT.fullmatch(value)
    try:
        if usual is not None:  # the fields strptime would read, and the same range checks
            year, month, day, hour, minute, second, micro = map(int, usual.groups())
            return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
        return datetime.strptime(value, UTC_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


_UTC_TEXT = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{6})Z", re.ASCII)


def received_instant_text(value: Any) -> str | None:
    """``utc_text(received_instant(value))``, or None: the value itself when it is already that text
    (written by ``utc_text``, from the year 1000: ``utc_text`` writes earlier years as ``strftime``
    does), without writing it again (issue 18: three a case at HQ's import)."""
    moment = received_instant(value)
    if moment is None:
        return None
    if value[0] != "0" and _UTC_TEXT.fullmatch(value) is not None:
        return str(value)
    return utc_text(moment)


def received_instants(document: Mapping[str, Any], now: datetime | str) -> dict[str, Any]:
    """``RECEIVED_INSTANTS`` of a received case as the post wrote them; a missing creation or save
    time is ``now`` (the time HQ received it), a missing approval None. With ``now`` given as its
    ``utc_text`` (rows made canonical, ``received.new_case``) they come as their ``utc_text`` too."""
    if isinstance(now, str):
        texts = {name: received_instant_text(document.get(name)) for name in RECEIVED_INSTANTS}
        return {
            "created_at": texts["created_at"] or now,
            "updated_at": texts["updated_at"] or now,
            "approved_at": texts["approved_at"],
        }
    found = {name: received_instant(document.get(name)) for name in RECEIVED_INSTANTS}
    return {
        "created_at": found["created_at"] or now,
        "updated_at": found["updated_at"] or now,
        "approved_at": found["approved_at"],
    }


def _or(value: Any, absent: Any) -> Any:
    return absent if value is None else value


def fields_of(part: Part, fields: Sequence[Field] = CASE_FIELDS) -> dict[str, Any]:
    """The names of the fields of ``part``, nested as the document nests them: ``{"id": None,
    "goods": {"base_quantity": None, …}, …}``; an object appears when one of its members belongs."""
    found: dict[str, Any] = {}
    for field in fields:
        if field.members:
            inner = fields_of(part, field.members)
            if inner or field.part is part:
                found[field.key] = inner
        elif field.part is part:
            found[field.key] = None
    return found
