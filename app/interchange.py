"""Case interchange format v1 (DESIGN §8): JSON to typed ``CaseInput`` values (the document's fields
and how a case is written are ``app.case_json``'s).

``parse_cases`` checks a whole document before it returns anything and reports every problem of
every case at once, each as ``path: reason`` (``[2].goods[0].unit: 'crate' is not a unit of
cigarettes``). The checks come in three layers:

1. a scan of the raw value: nesting depth, absurd numbers and characters that cannot be stored;
2. the JSON Schema ``resources/schemas/case-v1.schema.json``: fields, types, required fields;
3. Python: what depends on reference data (codes, units, communes) or on meaning (real dates, time
   zones, ranges, positive quantities).

A case becomes a ``CaseInput`` only when all three found nothing. Text is NFC-normalised and
trimmed before it is checked; an optional text field left empty counts as absent. The read-only
fields of a stored case (what ``case show --json`` prints beside the entered ones) pass the schema's
checks of their form and are not read: the register that adds the case gives it its own.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any, TypeGuard

import fastjsonschema
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError as SchemaError

from app.domain import (
    AttachmentInput,
    CaseInput,
    DocumentInput,
    GoodsInput,
    HandlingInput,
    PartyInput,
    VehicleInput,
)
from app.errors import ValidationError
from app.i18n import N_, _
from app.reference import Reference
from app.resources import resource_path
from app.text import nfc, nfc_deep

__all__ = ["MAX_DOCUMENT_BYTES", "load_json_text", "parse_cases"]

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_QUANTITY = Decimal(10) ** 12
MAX_DECIMAL_PLACES = 6
MAX_MONEY = 10**15
EARLIEST_YEAR = 1990  # of occurred_at / detected_at
EARLIEST_DATE = date(1900, 1, 1)  # of any other date
FUTURE_SLACK = timedelta(days=1)
MAX_OFFSET = timedelta(hours=14)  # the largest UTC offset in use (Kiribati)
MAX_DEPTH = 32  # a valid case nests 4 levels deep
MAX_INTEGER_BITS = 128
MAX_NUMBER_DIGITS = 40
DEFAULT_LEAD_FORCE = "border_guard"

PathPart = str | int
Path = tuple[PathPart, ...]

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?P<offset>Z|[+-][0-9]{2}:[0-9]{2})?"
)
_DECIMAL = re.compile(
    r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:nan|inf|infinity)",
    re.IGNORECASE,
)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_PARTY_KINDS = ("person", "organisation")
_GENDERS = ("male", "female")
_TYPE_WORDS = {
    "string": N_("text"),
    "integer": N_("a whole number"),
    "number": N_("a number"),
    "boolean": N_("true or false"),
    "array": N_("a list"),
    "object": N_("an object"),
    "null": "null",
}
A_FORCE = N_("a force code")
A_COMMODITY = N_("a commodity code")
_ALLOWED_CONTROLS = frozenset("\t\n\r")
_LIST_CODES_UP_TO = 12  # a message lists the valid codes of a list no longer than this


# ---------------------------------------------------------------------------------------------
# Paths and values in messages


def _render(path: Path) -> str:
    """``("goods", 0, "unit")`` -> ``goods[0].unit``; ``(2, "goods")`` -> ``[2].goods``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "(case)"


def _clip(text: str, limit: int = 60) -> str:
    """Cut short, with control and other unprintable characters escaped: a message is one line."""
    text = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape", "backslashreplace").decode() for ch in text
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shown(value: object) -> str:
    """A value as JSON text, cut short: ``"yes"``, ``1.5``, ``true``."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INTEGER_BITS:
        return "a number too large to show"
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return _clip(text)


def _quoted(value: str) -> str:
    """A text value as the messages show it: ``'crate'``."""
    return f"'{_clip(value)}'"


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


# ---------------------------------------------------------------------------------------------
# Layer 1: the raw value


def _scan(value: object, base: Path) -> tuple[list[str], bool, bool]:
    """Problems that no later layer can handle, whether the case must not be looked at further (too
    deep to walk safely, or a number too large to print), and whether a number with a fraction part
    stands anywhere but in the coordinates."""
    problems: list[str] = []
    fatal = fractions = False
    coordinates = {(*base, "latitude"), (*base, "longitude")}
    stack: list[tuple[object, Path, int]] = [(value, base, 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            problems.append(
                f"{_render(path)}: " + _("nested more than {depth} levels deep").format(depth=MAX_DEPTH)
            )
            fatal = True
        elif isinstance(item, dict):
            stack.extend((v, (*path, str(k)), depth + 1) for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((v, (*path, i), depth + 1) for i, v in reversed(list(enumerate(item))))
        elif isinstance(item, str):
            found = _UNSTORABLE.search(item)
            if found is not None:
                bad = found.group()
                text = (
                    _("{value} contains an unpaired surrogate U+{code}")
                    if "\ud800" <= bad <= "\udfff"
                    else _("{value} contains the control character U+{code}")
                )
                problems.append(
                    f"{_render(path)}: " + text.format(value=_shown(item), code=f"{ord(bad):04X}")
                )
        elif isinstance(item, int) and item.bit_length() > MAX_INTEGER_BITS:
            problems.append(f"{_render(path)}: " + _("the number is far too large"))
            fatal = True
        elif isinstance(item, float) and path not in coordinates:
            fractions = True
    return problems, fatal, fractions


# Control characters other than tab, newline and carriage return, DEL, and unpaired surrogates.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_COORDINATES = frozenset({"latitude", "longitude"})


class _Unusual(Exception):
    """Something ``_scan`` must look at: a text it would report, a huge number, a fraction, deep nesting."""


def _plain_nfc(case: dict[str, Any]) -> dict[str, Any] | None:
    """``nfc_deep(case)`` when ``_scan`` would find nothing in it (no problem, nothing fatal, no fraction
    outside the coordinates), else None. One walk instead of two, without the paths ``_scan`` builds
    for its messages; a case it declines goes through ``_scan`` as before."""
    try:
        return {
            key: value if isinstance(value, float) and key in _COORDINATES else _plain_value(value, 1)
            for key, value in case.items()
        }
    except _Unusual:
        return None


def _plain_value(value: object, depth: int) -> Any:
    """``nfc_deep(value)`` for a value ``depth`` levels down, raising ``_Unusual`` where ``_scan``
    would report something or count a fraction."""
    if depth > MAX_DEPTH:
        raise _Unusual
    if isinstance(value, str):
        if _UNSTORABLE.search(value) is not None:
            raise _Unusual
        return nfc(value)
    if isinstance(value, dict):
        if depth == MAX_DEPTH:
            return {key: _plain_value(item, depth + 1) for key, item in value.items()}
        # The texts of an object are most of a case: read here rather than one call each.
        plain: dict[Any, Any] = {}
        for key, item in value.items():
            kind = type(item)
            if kind is str:
                if _UNSTORABLE.search(item) is not None:
                    raise _Unusual
                plain[key] = (item if item.isascii() else unicodedata.normalize("NFC", item)).strip()
            elif item is None or kind is bool or kind is int and item.bit_length() <= MAX_INTEGER_BITS:
                plain[key] = item
            else:
                plain[key] = _plain_value(item, depth + 1)
        return plain
    if isinstance(value, list):
        return [_plain_value(item, depth + 1) for item in value]
    if isinstance(value, int) and value.bit_length() > MAX_INTEGER_BITS or isinstance(value, float):
        raise _Unusual
    return value


# ---------------------------------------------------------------------------------------------
# Layer 2: the JSON Schema


def _strict_integer(_checker: object, value: object) -> bool:
    """Unlike JSON Schema's default, 150.0 is not a whole number here: it would be read as one
    silently, and the sender meant something else or made a mistake."""
    return _is_int(value)


_CaseValidator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer),
)


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        resource_path("schemas", "case-v1.schema.json").read_text(encoding="utf-8")
    )
    Draft202012Validator.check_schema(schema)
    return schema


@cache
def _case_schema() -> dict[str, Any]:
    """The schema of one case (``$defs/case``): a list is taken apart here, so that every problem is
    named by the path of its case (``[2].goods[0].unit``), and each case is checked on its own."""
    schema = _schema()
    return {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/case"}


@cache
def _validator() -> Any:
    return _CaseValidator(_case_schema())


def _inlined(node: Any, defs: Mapping[str, Any]) -> Any:
    """The schema with every ``$ref`` replaced by what it names, its sibling keywords kept beside it
    in an ``allOf`` (2020-12 applies them; a draft-07 validator would ignore them)."""
    if isinstance(node, list):
        return [_inlined(v, defs) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: _inlined(v, defs) for k, v in node.items() if k not in ("$defs", "$schema", "$id")}
    ref = node.pop("$ref", None)
    if ref is None:
        return node
    target = _inlined(defs[str(ref).rsplit("/", 1)[-1]], defs)
    return {"allOf": [target, node]} if node else target


@cache
def _quick_check() -> Callable[[Any], Any]:
    """A compiled form of the schema that answers "valid or not" some hundred times faster than the
    validator that words the messages. It is only trusted to say "valid", and only where it is at least
    as strict as the schema: formats are not asserted (as in the validator), and a JSON number with a
    fraction part (which it would take for an integer) sends the case to the full validator."""
    schema = _case_schema()
    anything: dict[str, Callable[[str], bool]] = {"date": lambda _: True, "date-time": lambda _: True}
    return fastjsonschema.compile(_inlined(schema, schema["$defs"]), formats=anything)


def _schema_errors(clean: dict[str, Any], has_fractions: bool) -> list[SchemaError]:
    if not has_fractions:
        try:
            _quick_check()(clean)
        except fastjsonschema.JsonSchemaException:
            pass  # the full validator says what is wrong
        else:
            return []
    return sorted(_validator().iter_errors(clean), key=lambda e: _path_key(e.absolute_path))


def _path_key(path: Sequence[PathPart]) -> list[tuple[int, int, str]]:
    return [(0, part, "") if isinstance(part, int) else (1, 0, part) for part in path]


def _schema_problems(error: SchemaError, base: Path) -> list[str]:
    path: Path = (*base, *error.absolute_path)
    where = _render(path)
    kind, value, rule = error.validator, error.instance, error.validator_value
    if kind == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        problems = []
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.75)
                text = _("unknown field (did you mean '{name}'?)") if close else _("unknown field")
                problems.append(
                    f"{_render((*path, _clip(str(key), 40)))}: " + text.format(name=close[0] if close else "")
                )
        return problems
    if kind == "required":
        return [f"{_render((*path, key))}: " + _("required") for key in rule if key not in value]
    if kind == "type":
        wanted = rule if isinstance(rule, list) else [rule]
        words = _(" or ").join(_(_TYPE_WORDS[str(w)]) if str(w) in _TYPE_WORDS else str(w) for w in wanted)
        return [f"{where}: " + _("expected {kind}, got {value}").format(kind=words, value=_shown(value))]
    if kind == "enum":
        choices = ", ".join(map(str, rule))
        return [
            f"{where}: " + _("{value} is not one of {choices}").format(value=_shown(value), choices=choices)
        ]
    if kind == "minimum":
        return [
            f"{where}: "
            + _("{value} is below the minimum {minimum}").format(value=_shown(value), minimum=rule)
        ]
    if kind == "minLength":
        return [f"{where}: " + _("must not be empty")]
    if kind == "maxLength":
        return [f"{where}: " + _("longer than {limit} characters").format(limit=rule)]
    return [f"{where}: {_clip(error.message, 200)}"]


# ---------------------------------------------------------------------------------------------
# Layer 3: meaning and reference data


def _text(obj: Mapping[str, Any], key: str) -> str | None:
    """A text field, or None when it is absent, empty or not text (the schema reports that)."""
    value = obj.get(key)
    return value if isinstance(value, str) and value else None


def _all[T](items: list[T | None]) -> tuple[T, ...] | None:
    """The items, or None when one of them could not be read."""
    kept = tuple(item for item in items if item is not None)
    return kept if len(kept) == len(items) else None


class _CaseReader:
    """Reads one case (already NFC) into a ``CaseInput``, recording every problem it meets.

    A method returns None for a value it cannot read; it has then either recorded a problem or the
    schema has (a missing field, a wrong type). A caller never returns a partial result: the case
    is read only when nothing was recorded anywhere.
    """

    def __init__(self, reference: Reference, base: Path, now: datetime) -> None:
        self.ref = reference
        self.base = base
        self.now = now
        self.today = (now.astimezone(UTC) + MAX_OFFSET).date()  # the latest date anywhere on earth
        self.problems: list[str] = []

    def bad(self, path: Path, message: str) -> None:
        self.problems.append(f"{_render((*self.base, *path))}: {message}")

    # -- values ----------------------------------------------------------------------------

    def code(self, obj: Mapping[str, Any], key: str, path: Path, kind: str, what: str) -> str | None:
        value = _text(obj, key)
        codes = self.ref.lists[kind]
        if value is not None and value not in codes:
            message = _("{value} is not {what}").format(value=_quoted(value), what=_(what))
            if len(codes) <= _LIST_CODES_UP_TO:
                message += " " + _("(one of: {codes})").format(codes=", ".join(codes))
            self.bad(path, message)
            return None
        return value

    def top_code(self, obj: Mapping[str, Any], key: str, kind: str, what: str) -> str | None:
        return self.code(obj, key, (key,), kind, what)

    def instant(self, obj: Mapping[str, Any], key: str) -> datetime | None:
        value = _text(obj, key)
        if value is None:
            return None
        shape = _DATE_TIME.fullmatch(value)
        if shape is None:
            self.bad(
                (key,),
                _("{value} is not a date and time like {example}").format(
                    value=_quoted(value), example="2026-11-20T23:40:00+07:00"
                ),
            )
            return None
        if shape["offset"] is None:
            self.bad(
                (key,),
                _("{value} has no time zone offset (add {offset})").format(
                    value=_quoted(value), offset="+07:00"
                ),
            )
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            self.bad(
                (key,), _("{value} is not a date and time: {reason}").format(value=_quoted(value), reason=exc)
            )
            return None
        offset = moment.utcoffset()
        if offset is not None and abs(offset) > MAX_OFFSET:
            self.bad(
                (key,),
                _("{value} has a time zone offset beyond {limit}").format(
                    value=_quoted(value), limit="±14:00"
                ),
            )
            return None
        if moment.year < EARLIEST_YEAR or moment > self.now + FUTURE_SLACK:
            self.bad(
                (key,),
                _("{value} is outside {year} to today").format(value=_quoted(value), year=EARLIEST_YEAR),
            )
            return None
        return moment

    def day(self, obj: Mapping[str, Any], key: str, path: Path, *, past: bool = False) -> date | None:
        value = _text(obj, key)
        if value is None:
            return None
        try:
            if not _DATE.fullmatch(value):
                raise ValueError(value)
            parsed = date.fromisoformat(value)
        except ValueError:
            self.bad(
                path,
                _("{value} is not a real date in the form {form}").format(
                    value=_quoted(value), form="YYYY-MM-DD"
                ),
            )
            return None
        if parsed < EARLIEST_DATE:
            self.bad(
                path, _("{value} is before {year}").format(value=_quoted(value), year=EARLIEST_DATE.year)
            )
            return None
        if past and parsed > self.today:
            self.bad(path, _("{value} is in the future").format(value=_quoted(value)))
            return None
        return parsed

    def coordinate(self, obj: Mapping[str, Any], key: str, limit: int) -> float | None:
        value = obj.get(key)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return None
        if not (math.isfinite(value) and -limit <= value <= limit):
            self.bad(
                (key,),
                _("{value} is outside {range}").format(value=_shown(value), range=f"-{limit}..{limit}"),
            )
            return None
        return float(value)

    def money(self, obj: Mapping[str, Any], key: str, path: Path) -> int | None:
        value = obj.get(key)
        if not _is_int(value):
            return None
        if value >= MAX_MONEY:
            self.bad(
                path,
                _("{value} đồng is not a plausible amount (the limit is {limit})").format(
                    value=_shown(value), limit="10^15"
                ),
            )
            return None
        return int(value)

    def quantity(self, obj: Mapping[str, Any], path: Path) -> Decimal | None:
        raw = obj.get("quantity")
        if _is_int(raw):
            value, shown = Decimal(raw), _shown(raw)
        elif isinstance(raw, str):
            shown = _quoted(raw)
            if not _DECIMAL.fullmatch(raw):
                text = (
                    _('{value} is not a number (write decimals with a point, e.g. "2.5")')
                    if "," in raw
                    else _("{value} is not a number")
                )
                self.bad(path, text.format(value=shown))
                return None
            value = Decimal(raw)
        else:
            return None
        if not value.is_finite() or value <= 0 or value >= MAX_QUANTITY:
            self.bad(
                path,
                _("{value} must be a positive quantity below {limit}").format(value=shown, limit="10^12"),
            )
            return None
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
            self.bad(
                path,
                _("{value} has more than {places} decimal places").format(
                    value=shown, places=MAX_DECIMAL_PLACES
                ),
            )
            return None
        return value

    def each[T](
        self, obj: Mapping[str, Any], key: str, read: Callable[[Path, Mapping[str, Any]], T | None]
    ) -> tuple[T, ...] | None:
        value = obj.get(key, [])
        if not isinstance(value, list):
            return None
        return _all([read((key, i), v) if isinstance(v, dict) else None for i, v in enumerate(value)])

    # -- the case and its parts --------------------------------------------------------------

    def case(self, raw: Mapping[str, Any]) -> CaseInput | None:
        occurred = self.instant(raw, "occurred_at")
        detected = self.instant(raw, "detected_at")
        if occurred is not None and detected is not None and detected < occurred:
            self.bad(
                ("detected_at",),
                _("is before occurred_at ({value})").format(value=_quoted(raw["detected_at"])),
            )
        commune = _text(raw, "commune_code")
        if commune is not None and commune not in self.ref.communes:
            self.bad(
                ("commune_code",), _("{value} is not an An Giang commune code").format(value=_quoted(commune))
            )
        latitude = self.coordinate(raw, "latitude", 90)
        longitude = self.coordinate(raw, "longitude", 180)
        group = self.top_code(raw, "violation_group", "violation_groups", N_("a violation group"))
        location = self.top_code(raw, "location_kind", "location_kinds", N_("a location kind"))
        detection = self.top_code(raw, "detection", "detection_methods", N_("a detection method"))
        lead = self.top_code(raw, "lead_force", "forces", A_FORCE)
        cooperating = self.cooperating(raw, _text(raw, "lead_force") or DEFAULT_LEAD_FORCE)
        goods = self.each(raw, "goods", self.goods)
        parties = self.each(raw, "parties", self.party)
        vehicles = self.each(raw, "vehicles", self.vehicle)
        documents = self.each(raw, "documents", self.document)
        attachments = self.each(raw, "attachments", self.attachment)
        handling_raw = raw.get("handling", {})
        handling = self.handling(handling_raw if isinstance(handling_raw, dict) else {})
        if (
            self.problems
            or occurred is None
            or group is None
            or cooperating is None
            or goods is None
            or parties is None
            or vehicles is None
            or documents is None
            or attachments is None
        ):
            return None
        return CaseInput(
            occurred_at=occurred,
            violation_group=group,
            place=_text(raw, "place") or "",
            detected_at=detected,
            commune_code=commune,
            location_kind=location,
            latitude=latitude,
            longitude=longitude,
            violation=_text(raw, "violation") or "",
            legal_basis=_text(raw, "legal_basis"),
            detection=detection,
            ownerless=raw.get("ownerless") is True,
            lead_force=lead or DEFAULT_LEAD_FORCE,
            cooperating_forces=cooperating,
            campaign_id=_text(raw, "campaign_id"),
            summary=_text(raw, "summary") or "",
            goods=goods,
            parties=parties,
            vehicles=vehicles,
            documents=documents,
            attachments=attachments,
            handling=handling,
        )

    def cooperating(self, raw: Mapping[str, Any], lead: str) -> tuple[str, ...] | None:
        value = raw.get("cooperating_forces", [])
        if not isinstance(value, list):
            return None
        seen: list[str] = []
        for i, force in enumerate(value):
            if not isinstance(force, str) or not force:
                continue  # the schema reports it
            path = ("cooperating_forces", i)
            if force not in self.ref.lists["forces"]:
                self.bad(path, _("{value} is not {what}").format(value=_quoted(force), what=_(A_FORCE)))
            elif force == lead:
                self.bad(
                    path,
                    _("{value} is the lead force; a joint case lists it only once").format(
                        value=_quoted(force)
                    ),
                )
            elif force in seen:
                self.bad(path, _("{value} is listed twice").format(value=_quoted(force)))
            else:
                seen.append(force)
        return tuple(seen) if len(seen) == len(value) else None

    def goods(self, path: Path, raw: Mapping[str, Any]) -> GoodsInput | None:
        code = _text(raw, "commodity")
        commodity = self.ref.commodities.get(code) if code is not None else None
        if code is not None and commodity is None:
            self.bad(
                (*path, "commodity"),
                _("{value} is not {what}").format(value=_quoted(code), what=_(A_COMMODITY)),
            )
        unit = _text(raw, "unit")
        if commodity is not None and unit is not None and not commodity.accepts(unit):
            self.bad(
                (*path, "unit"),
                _("{value} is not a unit of {commodity} (use {units})").format(
                    value=_quoted(unit), commodity=commodity.code, units=", ".join(commodity.units)
                ),
            )
            unit = None
        quantity = self.quantity(raw, (*path, "quantity"))
        value = self.money(raw, "value_vnd", (*path, "value_vnd"))
        if commodity is None or unit is None or quantity is None:
            return None
        return GoodsInput(
            commodity=commodity.code,
            quantity=quantity,
            unit=unit,
            description=_text(raw, "description") or "",
            value_vnd=value,
            condition=_text(raw, "condition"),
            origin_country=_text(raw, "origin_country"),
            disposition=_text(raw, "disposition"),
            note=_text(raw, "note"),
        )

    def party(self, path: Path, raw: Mapping[str, Any]) -> PartyInput | None:
        role = self.code(raw, "role", (*path, "role"), "party_roles", N_("a party role"))
        birth = self.day(raw, "birth_date", (*path, "birth_date"), past=True)
        issued = self.day(raw, "id_issued_on", (*path, "id_issued_on"), past=True)
        kind, name, gender = _text(raw, "kind"), _text(raw, "full_name"), _text(raw, "gender")
        if role is None or name is None or kind not in _PARTY_KINDS or gender not in (*_GENDERS, None):
            return None
        return PartyInput(
            kind=kind,
            role=role,
            full_name=name,
            birth_date=birth,
            gender=gender,
            nationality=_text(raw, "nationality"),
            id_number=_text(raw, "id_number"),
            id_issued_on=issued,
            id_issued_by=_text(raw, "id_issued_by"),
            occupation=_text(raw, "occupation"),
            address=_text(raw, "address"),
            tax_code=_text(raw, "tax_code"),
            representative=_text(raw, "representative"),
        )

    def vehicle(self, path: Path, raw: Mapping[str, Any]) -> VehicleInput | None:
        kind = self.code(raw, "kind", (*path, "kind"), "vehicle_kinds", N_("a vehicle kind"))
        if kind is None:
            return None
        return VehicleInput(kind=kind, plate=_text(raw, "plate") or "", description=_text(raw, "description"))

    def document(self, path: Path, raw: Mapping[str, Any]) -> DocumentInput | None:
        form = self.code(raw, "form_code", (*path, "form_code"), "form_codes", N_("a form code"))
        issued = self.day(raw, "date", (*path, "date"))
        number = _text(raw, "number")
        if form is None or number is None:
            return None
        return DocumentInput(form_code=form, number=number, issued_on=issued, signer=_text(raw, "signer"))

    def attachment(self, path: Path, raw: Mapping[str, Any]) -> AttachmentInput | None:
        sha = raw.get("sha256")
        if isinstance(sha, str) and not _SHA256.fullmatch(sha):
            self.bad(
                (*path, "sha256"),
                _("must be 64 lower-case hexadecimal characters, got {value}").format(value=_quoted(sha)),
            )
            return None
        filename, mime, size = _text(raw, "filename"), _text(raw, "mime"), raw.get("size")
        if not isinstance(sha, str) or filename is None or mime is None or not _is_int(size):
            return None
        return AttachmentInput(
            sha256=sha, filename=filename, mime=mime, size=int(size), caption=_text(raw, "caption")
        )

    def handling(self, raw: Mapping[str, Any]) -> HandlingInput:
        path: Path = ("handling",)
        defendants = raw.get("defendants")
        return HandlingInput(
            outcome=self.code(raw, "outcome", (*path, "outcome"), "outcomes", N_("an outcome")),
            decision_no=_text(raw, "decision_no"),
            decision_date=self.day(raw, "decision_date", (*path, "decision_date")),
            fine_vnd=self.money(raw, "fine_vnd", (*path, "fine_vnd")),
            proceeds_vnd=self.money(raw, "proceeds_vnd", (*path, "proceeds_vnd")),
            tax_vnd=self.money(raw, "tax_vnd", (*path, "tax_vnd")),
            receiving_agency=_text(raw, "receiving_agency"),
            defendants=int(defendants) if _is_int(defendants) else None,
        )


# ---------------------------------------------------------------------------------------------
# Public functions


def parse_cases(data: object, reference: Reference, *, now: datetime | None = None) -> list[CaseInput]:
    """One case object or a non-empty list of them (as ``json.loads`` gives them), all valid.

    Raises ``ValidationError`` whose ``problems`` list every problem of every case as
    ``path: reason``; nothing is returned unless the whole document is valid. ``now`` (aware)
    is the moment "the future" is measured from; the current time by default.
    """
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("parse_cases needs an aware 'now'")
    if isinstance(data, dict):
        items: list[object] = [data]
        bases: list[Path] = [()]
    elif isinstance(data, list):
        if not data:
            raise ValidationError([_("(document)") + ": " + _("the list holds no case")])
        items, bases = data, [(i,) for i in range(len(data))]
    else:
        raise ValidationError(
            [
                _("(document)")
                + ": "
                + _("expected a case object or a list of cases, got {value}").format(value=_shown(data))
            ]
        )
    problems: list[str] = []
    cases: list[CaseInput] = []
    for raw, base in zip(items, bases, strict=True):
        if not isinstance(raw, dict):
            where = _render(base) if base else _("(document)")
            problems.append(f"{where}: " + _("expected a case object, got {value}").format(value=_shown(raw)))
            continue
        found: list[str] = []
        fractions = False
        plain = _plain_nfc(raw)
        if plain is not None:  # nothing for the scan to report: the usual case, in one walk
            clean = plain
        else:
            found, fatal, fractions = _scan(raw, base)
            problems += found
            if fatal:
                continue
            clean = nfc_deep(raw)
        errors = _schema_errors(clean, fractions)
        for error in errors:
            problems += _schema_problems(error, base)
        reader = _CaseReader(reference, base, moment)
        case = reader.case(clean)
        problems += reader.problems
        if case is None and not (found or errors or reader.problems):
            raise RuntimeError(f"{_render(base)}: case not read, yet no problem was recorded")
        if case is not None and not (found or errors):
            cases.append(case)
    if problems:
        raise ValidationError(list(dict.fromkeys(problems)))
    return cases


def load_json_text(text: str, source: str) -> object:
    """Parse a JSON document; any fault becomes a ``ValidationError`` naming ``source``.

    Refuses documents over 50 MB, NaN and Infinity, numbers too large to be real, and an object
    that names the same key twice (JSON would silently keep the last). A leading byte-order mark
    is ignored.
    """
    size = len(text)
    if size * 4 > MAX_DOCUMENT_BYTES:  # only then can the UTF-8 form exceed the limit
        size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_DOCUMENT_BYTES:
        mib = 1024 * 1024
        raise ValidationError(
            [
                f"{source}: "
                + _(
                    "{size} MB is larger than the {limit} MB limit for a case file; "
                    "split it into several files"
                ).format(size=f"{size / mib:.1f}", limit=MAX_DOCUMENT_BYTES // mib)
            ]
        )
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ValidationError([f"{source}: " + _("empty; expected a case object or a list of cases")])
    try:
        return json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            parse_int=_whole_number,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as exc:
        where = _("line {line} column {column}").format(line=exc.lineno, column=exc.colno)
        raise ValidationError([f"{source}: {where}: {exc.msg}"]) from None
    except ValueError as exc:
        raise ValidationError([f"{source}: {exc}"]) from None
    except RecursionError:
        raise ValidationError([f"{source}: " + _("nested too deeply")]) from None


def _reject_constant(name: str) -> object:
    raise ValueError(
        _("{name} is not allowed in JSON (give a number or leave the field out)").format(name=name)
    )


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {_clip(text, 40)} is too large")
    return value


def _whole_number(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise ValueError(f"the number {_clip(text, 24)} has more than {MAX_NUMBER_DIGITS} digits")
    return int(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {_shown(key)} appears twice in one object")
        result[key] = value
    return result
