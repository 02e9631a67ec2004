"""The four tables of a case (goods, people and organisations, vehicles, documents): their columns,
their checks, and the conversion between their rows and the typed case values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from app import countries
from app.domain import DocumentInput, GoodsInput, PartyInput, VehicleInput
from app.i18n import N_, _
from app.reference import Reference
from app.text import check_id_number, check_plate, check_vessel
from app.watch import WatchIndex
from ui.editor.rows import Field, Row, RowsModel

PARTY_KINDS = (("person", N_("Person")), ("organisation", N_("Organisation")))
GENDERS = (("male", N_("male")), ("female", N_("female")))
NATIONALITIES = (
    ("VN", N_("Vietnamese")),
    ("KH", N_("Cambodian")),
    ("CN", N_("Chinese")),
    ("TH", N_("Thai")),
    ("LA", N_("Lao")),
)
PLATE_KINDS = frozenset({"motorbike", "car", "truck"})


def _countries(row: Row, key: str, first: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    """Countries by name to choose from (``first`` before the rest); a value typed before the list
    existed (free text, an unknown code) stays among them, as it is."""
    listed = first or []
    known = {code for code, _name in listed}
    pairs = listed + [(code, name) for code, name in countries.choices() if code not in known]
    value = row.get(key)
    if value and value not in {code for code, _name in pairs}:
        pairs.append((value, str(value)))
    return pairs


def _listed(kind: str, reference: Reference) -> list[tuple[str, str]]:
    return [(code, reference.label(kind, code)) for code in reference.lists[kind]]


def _translated(pairs: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    return [(code, _(text)) for code, text in pairs]


# ----- goods -----------------------------------------------------------------------------------


def goods_model(reference: Reference) -> RowsModel:
    commodities = [(code, c.label()) for code, c in reference.commodities.items()]

    def units(row: Row) -> list[tuple[str, str]]:
        commodity = reference.commodities.get(row.get("commodity") or "")
        return [(unit, unit) for unit in commodity.units] if commodity else []

    def check(row: Row) -> list[tuple[str, str]]:
        commodity = reference.commodities.get(row.get("commodity") or "")
        unit = row.get("unit")
        if commodity is not None and unit and not commodity.accepts(unit):
            return [
                (
                    "unit",
                    _("“{unit}” is not a unit of {commodity}; use {units}").format(
                        unit=unit, commodity=commodity.label(), units=", ".join(commodity.units)
                    ),
                )
            ]
        return []

    fields = (
        Field("commodity", _("Commodity"), "choice", lambda row: commodities, required=True, width=22),
        Field("description", _("Description"), width=24),
        Field("quantity", _("Quantity"), "decimal", required=True, width=10),
        Field("unit", _("Unit"), "choice", units, required=True, width=8),
        Field("value_vnd", _("Value (đồng)"), "money", width=14),
        Field(
            "origin_country", _("Origin"), "choice", lambda row: _countries(row, "origin_country"), width=12
        ),
        Field("condition", _("Condition"), width=12),
        Field("disposition", _("Disposition"), width=14),
        Field("note", _("Note"), width=14),
    )
    return RowsModel(fields, check=check)


def goods_rows(goods: tuple[GoodsInput, ...]) -> list[Row]:
    return [asdict(line) for line in goods]


def goods_values(rows: list[Row]) -> tuple[GoodsInput, ...]:
    return tuple(
        GoodsInput(
            commodity=row["commodity"],
            quantity=Decimal(row["quantity"]),
            unit=row["unit"],
            description=row["description"] or "",
            value_vnd=row["value_vnd"],
            condition=_text(row, "condition"),
            origin_country=_text(row, "origin_country"),
            disposition=_text(row, "disposition"),
            note=_text(row, "note"),
        )
        for row in rows
    )


# ----- people and organisations ------------------------------------------------------------------


def party_model(
    reference: Reference, today: Callable[[], date], watch: WatchIndex | None = None
) -> RowsModel:
    """People and organisations; ``today`` is the register's day (a birth date after it is refused);
    an identity number on HQ's ``watch`` list is flagged with why (app/watch.py)."""
    roles = _listed("party_roles", reference)

    def check(row: Row) -> list[tuple[str, str]]:
        birth, issued = row.get("birth_date"), row.get("id_issued_on")
        found = []
        if isinstance(birth, date) and birth > today():
            found.append(("birth_date", _("is in the future")))
        if isinstance(issued, date) and issued > today():
            found.append(("id_issued_on", _("is in the future")))
        return found

    def warn(row: Row) -> list[tuple[str, str]]:
        if row.get("kind") != "person" or not row.get("id_number"):
            return []
        watched = watch.person(row["id_number"]) if watch is not None else None
        flagged = [("id_number", watched.message())] if watched is not None else []
        notices = check_id_number(
            row["id_number"],
            nationality=row.get("nationality"),
            birth_date=row.get("birth_date"),
            gender=row.get("gender"),
            path="id_number",
        )
        return flagged + [("id_number", notice.message) for notice in notices]

    fields = (
        Field(
            "kind",
            _("Kind"),
            "choice",
            lambda row: _translated(PARTY_KINDS),
            required=True,
            width=10,
            default="person",
        ),
        Field("role", _("Role"), "choice", lambda row: roles, required=True, width=14),
        Field("full_name", _("Full name"), required=True, width=22),
        Field("birth_date", _("Born"), "date", width=10),
        Field("gender", _("Gender"), "choice", lambda row: _translated(GENDERS), width=6),
        Field(
            "nationality",
            _("Nationality"),
            "choice",
            lambda row: _countries(row, "nationality", _translated(NATIONALITIES)),
            width=10,
            default="VN",
        ),
        Field("id_number", _("CCCD / ID number"), width=15),
        Field("id_issued_on", _("Issued on"), "date", width=10),
        Field("id_issued_by", _("Issued by"), width=14),
        Field("occupation", _("Occupation"), width=12),
        Field("address", _("Address"), width=24),
        Field("tax_code", _("Tax code"), width=10),
        Field("representative", _("Representative"), width=16),
    )
    return RowsModel(fields, check=check, warn=warn)


def party_rows(parties: tuple[PartyInput, ...]) -> list[Row]:
    return [asdict(party) for party in parties]


def party_values(rows: list[Row]) -> tuple[PartyInput, ...]:
    return tuple(
        PartyInput(
            kind=row["kind"],
            role=row["role"],
            full_name=row["full_name"],
            birth_date=row["birth_date"],
            gender=row["gender"],
            nationality=row["nationality"],
            id_number=_text(row, "id_number"),
            id_issued_on=row["id_issued_on"],
            id_issued_by=_text(row, "id_issued_by"),
            occupation=_text(row, "occupation"),
            address=_text(row, "address"),
            tax_code=_text(row, "tax_code"),
            representative=_text(row, "representative"),
        )
        for row in rows
    )


# ----- vehicles and vessels ----------------------------------------------------------------------


def vehicle_model(reference: Reference, watch: WatchIndex | None = None) -> RowsModel:
    """Vehicles and vessels; a plate or vessel number on HQ's ``watch`` list is flagged with why."""
    kinds = _listed("vehicle_kinds", reference)

    def warn(row: Row) -> list[tuple[str, str]]:
        plate = row.get("plate") or ""
        watched = watch.vehicle(row.get("kind"), plate) if watch is not None and plate else None
        flagged = [("plate", watched.message())] if watched is not None else []
        if row.get("kind") in PLATE_KINDS:
            return flagged + [("plate", n.message) for n in check_plate(plate, "plate")]
        if row.get("kind") == "ship":
            return flagged + [("plate", n.message) for n in check_vessel(plate, "plate")]
        return flagged

    fields = (
        Field("kind", _("Kind"), "choice", lambda row: kinds, required=True, width=16),
        Field("plate", _("Plate or number"), width=16, default=""),
        Field("description", _("Description"), width=30),
    )
    return RowsModel(fields, warn=warn)


def vehicle_rows(vehicles: tuple[VehicleInput, ...]) -> list[Row]:
    return [asdict(vehicle) for vehicle in vehicles]


def vehicle_values(rows: list[Row]) -> tuple[VehicleInput, ...]:
    return tuple(
        VehicleInput(kind=row["kind"], plate=row["plate"] or "", description=_text(row, "description"))
        for row in rows
    )


# ----- documents ---------------------------------------------------------------------------------


def document_model(reference: Reference) -> RowsModel:
    forms = [
        (code, f"{code} — {reference.label('form_codes', code)}") for code in reference.lists["form_codes"]
    ]
    fields = (
        Field("form_code", _("Form"), "choice", lambda row: forms, required=True, width=30),
        Field("number", _("Number"), required=True, width=16),
        Field("issued_on", _("Date"), "date", width=10),
        Field("signer", _("Signed by"), width=20),
    )
    return RowsModel(fields)


def document_rows(documents: tuple[DocumentInput, ...]) -> list[Row]:
    return [asdict(document) for document in documents]


def document_values(rows: list[Row]) -> tuple[DocumentInput, ...]:
    return tuple(
        DocumentInput(
            form_code=row["form_code"],
            number=row["number"],
            issued_on=row["issued_on"],
            signer=_text(row, "signer"),
        )
        for row in rows
    )


def _text(row: Row, key: str) -> Any:
    value = row.get(key)
    return value.strip() or None if isinstance(value, str) else value
