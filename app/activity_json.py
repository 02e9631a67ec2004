"""Activity interchange format v1: JSON to a checked ``ActivityInput``, and an activity back to JSON.

The same three layers as a case document (``app.interchange``), reusing their parts: the raw scan
(``app.case_schema.scan``: depth, absurd numbers, unstorable and direction-changing characters), the
JSON Schema ``resources/schemas/activity-v1.schema.json``, then what depends on meaning and reference
data (``app.case_reader.CaseReader``: codes, times with their offset, coordinates). Every problem of
every activity is reported as ``path: reason``; nothing is returned unless the whole document is
valid, so ``activity add`` writes all of a file or none of it. HQ's import of a post's activities
(``app.sync.activity_import``) reads the bundle's documents with the same function.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from app.case_reader import DEFAULT_LEAD_FORCE, CaseReader
from app.case_schema import inlined, scan, schema_problems, strict_validator
from app.case_shape import compile_shape
from app.errors import ValidationError
from app.i18n import N_, _
from app.json_messages import Path, quoted, render, shown
from app.reference import Reference
from app.resources import resource_path
from app.text import nfc_deep
from db.types import utc_text

__all__ = ["KINDS", "ActivityInput", "activity_document", "parse_activities"]

KINDS = ("patrol", "checkpoint", "inspection", "outreach")
KIND_TEXT = {
    "patrol": N_("patrol"),
    "checkpoint": N_("checkpoint"),
    "inspection": N_("inspection"),
    "outreach": N_("outreach session"),
}
A_FORCE = N_("a force code")
# Far enough around An Giang for a post on the border or a team sent elsewhere in the country; a point
# outside is a typing slip (latitude and longitude swapped, a sign lost).
LATITUDES, LONGITUDES = (5.0, 25.0), (100.0, 112.0)
# The reason for inspecting an establishment again within the window (app/inspections.py): a sentence
# or two; the schema holds the same bound, so a bundle cannot carry more than a person could type.
MAX_OVERLAP_REASON = 1000


@dataclass(frozen=True)
class ActivityInput:
    """An activity as entered (by a person, a file or a received bundle), checked."""

    kind: str
    started_at: datetime
    ended_at: datetime | None = None
    commune_code: str | None = None
    border_marker: str | None = None
    route: str | None = None
    place: str = ""
    latitude: float | None = None
    longitude: float | None = None
    establishment: str | None = None
    lead_force: str = DEFAULT_LEAD_FORCE
    cooperating_forces: tuple[str, ...] = ()
    participants: int | None = None
    participant_names: tuple[str, ...] = ()
    result: str | None = None
    notes: str | None = None
    cases: tuple[str, ...] = ()  # case numbers in a document; case ids once the service resolved them
    # Why an establishment inspected within the window is inspected again (inspections only).
    overlap_reason: str | None = None


@cache
def _schema() -> dict[str, Any]:
    """The published activity format, read once for both checks below."""
    schema: dict[str, Any] = json.loads(
        resource_path("schemas", "activity-v1.schema.json").read_text(encoding="utf-8")
    )
    return schema


@cache
def _validator() -> Any:
    """Integers are whole numbers only (3.0 is not one), as in the case format."""
    from jsonschema import Draft202012Validator

    schema = _schema()
    Draft202012Validator.check_schema(schema)
    one = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/activity"}
    return strict_validator(one)


@cache
def _quick_check() -> Callable[[Any], bool]:
    """The activity's shape compiled (``app.case_shape``, msgspec), as for a case: trusted only to say
    "valid"; a no, or a number with a fraction part, goes to the full validator, which words every
    problem. The generated validator took a fifth of HQ's import of a post's demo (issue 18)."""
    defs = _schema()["$defs"]
    return compile_shape(inlined(defs["activity"], defs))


def _text(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return value if isinstance(value, str) and value else None


def _read(raw: dict[str, Any], reader: CaseReader) -> ActivityInput | None:
    """The meaning of one activity that passed the schema; None when the reader recorded a problem."""
    kind = raw["kind"]
    started = reader.instant(raw, "started_at")
    ended = reader.instant(raw, "ended_at")
    if started is not None and ended is not None and ended < started:
        reader.bad(("ended_at",), _("ends before it starts"))
    commune = _text(raw, "commune_code")
    if commune is not None and commune not in reader.ref.communes:
        reader.bad(
            ("commune_code",), _("{value} is not an An Giang commune code").format(value=quoted(commune))
        )
    lead = reader.top_code(raw, "lead_force", "forces", A_FORCE) or DEFAULT_LEAD_FORCE
    cooperating = reader.cooperating(raw, lead)
    latitude, longitude = raw.get("latitude"), raw.get("longitude")
    if (latitude is None) != (longitude is None):
        reader.bad(("latitude" if latitude is None else "longitude",), _("give both coordinates or neither"))
    for key, value, (low, high) in (("latitude", latitude, LATITUDES), ("longitude", longitude, LONGITUDES)):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not low <= value <= high:
            reader.bad(
                (key,),
                _("{value} is outside {range} (are latitude and longitude swapped?)").format(
                    value=shown(value), range=f"{low:g}..{high:g}"
                ),
            )
    establishment = _text(raw, "establishment")
    if establishment is not None and kind != "inspection":
        reader.bad(("establishment",), _("only an inspection names an establishment"))
    if kind == "inspection" and establishment is None:
        reader.bad(("establishment",), _("an inspection names the establishment it inspected"))
    if _text(raw, "overlap_reason") is not None and kind != "inspection":
        reader.bad(("overlap_reason",), _("only an inspection gives a reason for inspecting again"))
    if started is None or cooperating is None or reader.problems:
        return None
    return ActivityInput(
        kind=kind,
        started_at=started,
        ended_at=ended,
        commune_code=commune,
        border_marker=_text(raw, "border_marker"),
        route=_text(raw, "route"),
        place=_text(raw, "place") or "",
        latitude=float(latitude) if latitude is not None else None,
        longitude=float(longitude) if longitude is not None else None,
        establishment=establishment,
        lead_force=lead,
        cooperating_forces=cooperating,
        participants=raw.get("participants"),
        participant_names=tuple(n for n in raw.get("participant_names", ()) if n),
        result=_text(raw, "result"),
        notes=_text(raw, "notes"),
        cases=tuple(raw.get("cases", ())),
        overlap_reason=_text(raw, "overlap_reason"),
    )


def parse_activities(
    data: object, reference: Reference, *, now: datetime | None = None
) -> list[ActivityInput]:
    """One activity object or a non-empty list of them, all valid, or ``ValidationError`` listing every
    problem of every activity as ``path: reason``. ``now`` (aware) is what "the future" is measured
    from."""
    moment = now if now is not None else datetime.now(UTC)
    if isinstance(data, dict):
        items: list[object] = [data]
        bases: list[Path] = [()]
    elif isinstance(data, list) and data:
        items, bases = data, [(i,) for i in range(len(data))]
    else:
        raise ValidationError(
            [_("(document)") + ": " + _("expected an activity object or a non-empty list of activities")]
        )
    problems: list[str] = []
    read: list[ActivityInput] = []
    for raw, base in zip(items, bases, strict=True):
        if not isinstance(raw, dict):
            where = render(base) if base else _("(document)")
            problems.append(
                f"{where}: " + _("expected an activity object, got {value}").format(value=shown(raw))
            )
            continue
        found, fatal, fractions = scan(raw, base)
        problems += found
        if fatal:
            continue
        clean = nfc_deep(raw)
        errors = (
            []
            if not fractions and _quick_check()(clean)
            else sorted(_validator().iter_errors(clean), key=lambda e: [str(p) for p in e.absolute_path])
        )
        for error in errors:
            problems += schema_problems(error, base)
        if errors:
            continue
        reader = CaseReader(reference, base, moment)
        activity = _read(clean, reader)
        problems += reader.problems
        if activity is not None and not found:
            read.append(activity)
    if problems:
        raise ValidationError(list(dict.fromkeys(problems)))
    return read


def offset_text(moment: datetime) -> str:
    """An instant as the format writes it: UTC, with its offset spelled out (+00:00)."""
    return utc_text(moment).replace("Z", "+00:00")


def activity_document(data: ActivityInput, stored: dict[str, Any] | None = None) -> dict[str, Any]:
    """An activity as JSON (``activity list --json``; what ``activity add`` reads back): the entered
    fields that are set, then ``stored``'s read-only ones (id, station, version, who and when)."""
    document: dict[str, Any] = {"kind": data.kind, "started_at": offset_text(data.started_at)}
    optional: dict[str, Any] = {
        "ended_at": offset_text(data.ended_at) if data.ended_at else None,
        "commune_code": data.commune_code,
        "border_marker": data.border_marker,
        "route": data.route,
        "place": data.place or None,
        "latitude": data.latitude,
        "longitude": data.longitude,
        "establishment": data.establishment,
        "lead_force": data.lead_force,
        "cooperating_forces": list(data.cooperating_forces) or None,
        "participants": data.participants,
        "participant_names": list(data.participant_names) or None,
        "result": data.result,
        "notes": data.notes,
        "cases": list(data.cases) or None,
        "overlap_reason": data.overlap_reason,
        **(stored or {}),
    }
    document.update({key: value for key, value in optional.items() if value is not None})
    return document
