"""Case interchange JSON v1 (DESIGN §8): validate everything, report every problem by its path."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaViolation

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
from app.reference import Reference
from app.resources import resource_path
from app.text import nfc_deep

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_QUANTITY = Decimal("1e12")
MAX_MONEY = 10**15
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_TYPE_WORDS = {
    "string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
    "array": "a list", "object": "an object", "null": "null",
}


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(resource_path("schemas", "case-v1.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _path(prefix: str, parts: Iterable[Any]) -> str:
    text = prefix
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(case)"


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def _schema_problems(error: SchemaViolation, prefix: str) -> list[str]:
    path = list(error.absolute_path)
    where = _path(prefix, path)
    kind, value = error.validator, error.instance
    if kind == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        return [f"{_path(prefix, [*path, key])}: unknown field" for key in value if key not in allowed]
    if kind == "required":
        missing = [k for k in error.validator_value if k not in value]
        return [f"{_path(prefix, [*path, key])}: required" for key in missing]
    if kind == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        words = " or ".join(_TYPE_WORDS.get(str(w), str(w)) for w in wanted)
        return [f"{where}: expected {words}, got {_shown(value)}"]
    if kind == "enum":
        return [f"{where}: {_shown(value)} is not one of {', '.join(map(str, error.validator_value))}"]
    if kind == "minimum":
        return [f"{where}: {_shown(value)} is below the minimum {error.validator_value}"]
    if kind == "maxLength":
        return [f"{where}: longer than {error.validator_value} characters"]
    return [f"{where}: {error.message}"]


class _Checker:
    """Semantic checks of one schema-valid (or partly valid) case; collects problems."""

    def __init__(self, reference: Reference, prefix: str, now: datetime) -> None:
        self.ref = reference
        self.prefix = prefix
        self.now = now
        self.problems: list[str] = []

    def bad(self, path: str, message: str) -> None:
        self.problems.append(f"{_path(self.prefix, [path]) if self.prefix else path}: {message}")

    def text(self, obj: Mapping[str, Any], key: str) -> str | None:
        value = obj.get(key)
        return value if isinstance(value, str) and value != "" else None

    def code(self, obj: Mapping[str, Any], key: str, kind: str, path: str, what: str) -> str | None:
        value = self.text(obj, key)
        if value is not None and value not in self.ref.lists[kind]:
            self.bad(path, f"'{value}' is not {what}")
            return None
        return value

    def instant(self, obj: Mapping[str, Any], key: str, path: str) -> datetime | None:
        value = self.text(obj, key)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.bad(path, f"'{value}' is not a date and time like 2026-11-20T23:40:00+07:00")
            return None
        if moment.tzinfo is None:
            self.bad(path, f"'{value}' has no time zone offset (add +07:00)")
            return None
        if moment < EARLIEST or moment > self.now + timedelta(days=1):
            self.bad(path, f"'{value}' is outside 1990 to today")
            return None
        return moment

    def day(self, obj: Mapping[str, Any], key: str, path: str, *, past: bool = False) -> date | None:
        value = self.text(obj, key)
        if value is None:
            return None
        try:
            if not _DATE.match(value):
                raise ValueError
            parsed = date.fromisoformat(value)
        except ValueError:
            self.bad(path, f"'{value}' is not a real date in the form YYYY-MM-DD")
            return None
        if parsed.year < 1900 or (past and parsed > self.now.date()):
            self.bad(path, f"'{value}' is {'in the future' if past else 'before 1900'}")
            return None
        return parsed

    def money(self, obj: Mapping[str, Any], key: str, path: str) -> int | None:
        value = obj.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        if value >= MAX_MONEY:
            self.bad(path, f"{value} đồng is not a plausible amount")
            return None
        return value

    def quantity(self, obj: Mapping[str, Any], path: str) -> Decimal | None:
        raw = obj.get("quantity")
        if isinstance(raw, bool) or not isinstance(raw, (str, int)):
            return None
        try:
            value = Decimal(str(raw).strip().replace(",", "."))
        except InvalidOperation:
            self.bad(path, f"'{raw}' is not a number")
            return None
        if not value.is_finite() or value <= 0 or value >= MAX_QUANTITY:
            self.bad(path, f"'{raw}' must be a positive quantity below 10^12")
            return None
        if value.as_tuple().exponent < -6:  # type: ignore[operator]
            self.bad(path, f"'{raw}' has more than 6 decimal places")
            return None
        return value

    def items(self, obj: Mapping[str, Any], key: str) -> list[tuple[int, Mapping[str, Any]]]:
        value = obj.get(key)
        if not isinstance(value, list):
            return []
        return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]

    def case(self, raw: Mapping[str, Any]) -> CaseInput | None:
        occurred = self.instant(raw, "occurred_at", "occurred_at")
        detected = self.instant(raw, "detected_at", "detected_at")
        if occurred and detected and detected < occurred:
            self.bad("detected_at", "is before occurred_at")
        commune = self.text(raw, "commune_code")
        if commune is not None and commune not in self.ref.communes:
            self.bad("commune_code", f"'{commune}' is not an An Giang commune code")
        for key, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
            value = raw.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and not low <= value <= high:
                self.bad(key, f"{value} is outside {low}..{high}")
        group = self.code(raw, "violation_group", "violation_groups", "violation_group", "a violation group")
        location = self.code(raw, "location_kind", "location_kinds", "location_kind", "a location kind")
        detection = self.code(raw, "detection", "detection_methods", "detection", "a detection method")
        lead = self.code(raw, "lead_force", "forces", "lead_force", "a force code") or "border_guard"
        cooperating: list[str] = []
        for i, force in enumerate(raw.get("cooperating_forces") or []):
            if not isinstance(force, str):
                continue
            path = f"cooperating_forces[{i}]"
            if force not in self.ref.lists["forces"]:
                self.bad(path, f"'{force}' is not a force code")
            elif force == lead:
                self.bad(path, f"'{force}' is the lead force; a joint case lists it only once")
            elif force in cooperating:
                self.bad(path, f"'{force}' is listed twice")
            else:
                cooperating.append(force)
        goods = [g for i, item in self.items(raw, "goods") if (g := self.goods(i, item))]
        parties = [p for i, item in self.items(raw, "parties") if (p := self.party(i, item))]
        vehicles = [v for i, item in self.items(raw, "vehicles") if (v := self.vehicle(i, item))]
        documents = [d for i, item in self.items(raw, "documents") if (d := self.document(i, item))]
        attachments = [a for i, item in self.items(raw, "attachments") if (a := self.attachment(i, item))]
        handling_raw = raw.get("handling")
        handling = self.handling(handling_raw if isinstance(handling_raw, dict) else {})
        if self.problems or occurred is None or group is None:
            return None
        return CaseInput(
            occurred_at=occurred, detected_at=detected, violation_group=group,
            place=self.text(raw, "place") or "", commune_code=commune, location_kind=location,
            latitude=raw.get("latitude"), longitude=raw.get("longitude"),
            violation=self.text(raw, "violation") or "", legal_basis=self.text(raw, "legal_basis"),
            detection=detection, ownerless=bool(raw.get("ownerless", False)), lead_force=lead,
            cooperating_forces=tuple(cooperating), campaign_id=self.text(raw, "campaign_id"),
            summary=self.text(raw, "summary") or "", goods=tuple(goods), parties=tuple(parties),
            vehicles=tuple(vehicles), documents=tuple(documents), attachments=tuple(attachments),
            handling=handling,
        )

    def goods(self, i: int, raw: Mapping[str, Any]) -> GoodsInput | None:
        base = f"goods[{i}]"
        code = self.text(raw, "commodity")
        commodity = self.ref.commodities.get(code) if code else None
        if code and commodity is None:
            self.bad(f"{base}.commodity", f"'{code}' is not a commodity code")
        unit = self.text(raw, "unit")
        if commodity is not None and unit is not None and not commodity.accepts(unit):
            self.bad(f"{base}.unit", f"'{unit}' is not a unit of {commodity.code} "
                                     f"(use {', '.join(commodity.units)})")
        quantity = self.quantity(raw, f"{base}.quantity")
        value = self.money(raw, "value_vnd", f"{base}.value_vnd")
        if commodity is None or unit is None or quantity is None or not commodity.accepts(unit):
            return None
        return GoodsInput(
            commodity=commodity.code, quantity=quantity, unit=unit,
            description=self.text(raw, "description") or "", value_vnd=value,
            condition=self.text(raw, "condition"), origin_country=self.text(raw, "origin_country"),
            disposition=self.text(raw, "disposition"), note=self.text(raw, "note"),
        )

    def party(self, i: int, raw: Mapping[str, Any]) -> PartyInput | None:
        base = f"parties[{i}]"
        role = self.code(raw, "role", "party_roles", f"{base}.role", "a party role")
        name = self.text(raw, "full_name")
        if raw.get("full_name") is not None and name is None:
            self.bad(f"{base}.full_name", "must not be empty")
        birth = self.day(raw, "birth_date", f"{base}.birth_date", past=True)
        issued = self.day(raw, "id_issued_on", f"{base}.id_issued_on", past=True)
        kind = self.text(raw, "kind")
        if role is None or name is None or kind not in ("person", "organisation"):
            return None
        return PartyInput(
            kind=kind, role=role, full_name=name, birth_date=birth, gender=self.text(raw, "gender"),
            nationality=self.text(raw, "nationality"), id_number=self.text(raw, "id_number"),
            id_issued_on=issued, id_issued_by=self.text(raw, "id_issued_by"),
            occupation=self.text(raw, "occupation"), address=self.text(raw, "address"),
            tax_code=self.text(raw, "tax_code"), representative=self.text(raw, "representative"),
        )

    def vehicle(self, i: int, raw: Mapping[str, Any]) -> VehicleInput | None:
        kind = self.code(raw, "kind", "vehicle_kinds", f"vehicles[{i}].kind", "a vehicle kind")
        if kind is None:
            return None
        return VehicleInput(kind=kind, plate=self.text(raw, "plate") or "",
                            description=self.text(raw, "description"))

    def document(self, i: int, raw: Mapping[str, Any]) -> DocumentInput | None:
        base = f"documents[{i}]"
        form = self.code(raw, "form_code", "form_codes", f"{base}.form_code", "a form code")
        issued = self.day(raw, "date", f"{base}.date")
        number = self.text(raw, "number")
        if form is None or number is None:
            return None
        return DocumentInput(form_code=form, number=number, issued_on=issued, signer=self.text(raw, "signer"))

    def attachment(self, i: int, raw: Mapping[str, Any]) -> AttachmentInput | None:
        sha = self.text(raw, "sha256")
        if sha is not None and not _SHA256.match(sha):
            self.bad(f"attachments[{i}].sha256", "must be 64 lower-case hexadecimal characters")
            return None
        filename, mime, size = self.text(raw, "filename"), self.text(raw, "mime"), raw.get("size")
        if sha is None or filename is None or mime is None or not isinstance(size, int):
            return None
        return AttachmentInput(sha256=sha, filename=filename, mime=mime, size=size,
                               caption=self.text(raw, "caption"))

    def handling(self, raw: Mapping[str, Any]) -> HandlingInput:
        defendants = raw.get("defendants")
        return HandlingInput(
            outcome=self.code(raw, "outcome", "outcomes", "handling.outcome", "an outcome"),
            decision_no=self.text(raw, "decision_no"),
            decision_date=self.day(raw, "decision_date", "handling.decision_date"),
            fine_vnd=self.money(raw, "fine_vnd", "handling.fine_vnd"),
            proceeds_vnd=self.money(raw, "proceeds_vnd", "handling.proceeds_vnd"),
            tax_vnd=self.money(raw, "tax_vnd", "handling.tax_vnd"),
            receiving_agency=self.text(raw, "receiving_agency"),
            defendants=defendants if isinstance(defendants, int) and not isinstance(defendants, bool) else None,
        )


def parse_cases(
    data: object, reference: Reference, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> list[CaseInput]:
    """One case object or a non-empty list of them, all valid, or ``ValidationError`` listing
    every problem as ``path: reason``."""
    if isinstance(data, dict):
        items, prefixes = [data], [""]
    elif isinstance(data, list):
        if not data:
            raise ValidationError(["(document): the list holds no case"])
        items, prefixes = data, [f"[{i}]" for i in range(len(data))]
    else:
        raise ValidationError([f"(document): expected a case object or a list of cases, got {_shown(data)}"])
    problems: list[str] = []
    parsed: list[CaseInput] = []
    moment = now()
    for raw, prefix in zip(items, prefixes, strict=True):
        if not isinstance(raw, dict):
            problems.append(f"{prefix or '(document)'}: expected a case object, got {_shown(raw)}")
            continue
        raw = nfc_deep(raw)
        errors = sorted(_validator().iter_errors(raw), key=lambda e: list(map(str, e.absolute_path)))
        for error in errors:
            problems += _schema_problems(error, prefix)
        checker = _Checker(reference, prefix, moment)
        case = checker.case(raw)
        problems += checker.problems
        if case is not None and not errors:
            parsed.append(case)
    if problems:
        raise ValidationError(list(dict.fromkeys(problems)))
    return parsed


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def load_json_text(text: str, source: str) -> object:
    """Parse JSON, turning syntax errors into a message with the line and column."""
    if len(text.encode("utf-8", errors="replace")) > MAX_DOCUMENT_BYTES:
        raise ValidationError([f"{source}: larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB"])
    if not text.strip():
        raise ValidationError([f"{source}: empty; expected a case object or a list of cases"])
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ValidationError([f"{source}: line {exc.lineno} column {exc.colno}: {exc.msg}"]) from None
    except ValueError as exc:
        raise ValidationError([f"{source}: {exc}"]) from None
    except RecursionError:
        raise ValidationError([f"{source}: nested too deeply"]) from None


def case_input_to_json(case: CaseInput) -> dict[str, Any]:
    """The interchange form of a ``CaseInput`` (parses back to an equal value)."""

    def clean(values: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in values.items() if v not in (None, "", [], {})}

    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    from db.types import decimal_text

    h = case.handling
    return clean({
        "occurred_at": case.occurred_at.isoformat(),
        "detected_at": case.detected_at.isoformat() if case.detected_at else None,
        "place": case.place, "commune_code": case.commune_code, "location_kind": case.location_kind,
        "latitude": case.latitude, "longitude": case.longitude,
        "violation_group": case.violation_group, "violation": case.violation,
        "legal_basis": case.legal_basis, "detection": case.detection, "ownerless": case.ownerless,
        "lead_force": case.lead_force, "cooperating_forces": list(case.cooperating_forces),
        "campaign_id": case.campaign_id, "summary": case.summary,
        "goods": [clean({
            "commodity": g.commodity, "description": g.description,
            "quantity": decimal_text(g.quantity), "unit": g.unit, "value_vnd": g.value_vnd,
            "condition": g.condition, "origin_country": g.origin_country,
            "disposition": g.disposition, "note": g.note,
        }) for g in case.goods],
        "parties": [clean({
            "kind": p.kind, "role": p.role, "full_name": p.full_name, "birth_date": day(p.birth_date),
            "gender": p.gender, "nationality": p.nationality, "id_number": p.id_number,
            "id_issued_on": day(p.id_issued_on), "id_issued_by": p.id_issued_by,
            "occupation": p.occupation, "address": p.address, "tax_code": p.tax_code,
            "representative": p.representative,
        }) for p in case.parties],
        "vehicles": [clean({"kind": v.kind, "plate": v.plate, "description": v.description})
                     for v in case.vehicles],
        "documents": [clean({"form_code": d.form_code, "number": d.number, "date": day(d.issued_on),
                             "signer": d.signer}) for d in case.documents],
        "attachments": [clean({"sha256": a.sha256, "filename": a.filename, "mime": a.mime,
                               "size": a.size, "caption": a.caption}) for a in case.attachments],
        "handling": clean({
            "outcome": h.outcome, "decision_no": h.decision_no, "decision_date": day(h.decision_date),
            "fine_vnd": h.fine_vnd, "proceeds_vnd": h.proceeds_vnd, "tax_vnd": h.tax_vnd,
            "receiving_agency": h.receiving_agency, "defendants": h.defendants,
        }),
    }) | {"ownerless": case.ownerless}
