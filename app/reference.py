"""Reference data (forces, violation groups, commodities and units, communes, …) as frozen lookups."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.i18n import label_language
from app.resources import resource_path

# Kinds of simple code lists, each a ``<kind>.json`` file of {code, vi, en} objects.
CODE_LISTS = (
    "forces",
    "violation_groups",
    "location_kinds",
    "detection_methods",
    "outcomes",
    "party_roles",
    "vehicle_kinds",
    "case_statuses",
    "roles",
    "form_codes",
)


@dataclass(frozen=True)
class Item:
    code: str
    vi: str
    en: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    def label(self, language: str | None = None) -> str:
        return self.en if (language or label_language()) == "en" else self.vi


@dataclass(frozen=True)
class Commodity:
    code: str
    vi: str
    en: str
    base_unit: str
    units: Mapping[str, Decimal | None]
    any_unit: bool = False
    criminal_threshold: Decimal | None = None

    def label(self, language: str | None = None) -> str:
        return self.en if (language or label_language()) == "en" else self.vi

    def accepts(self, unit: str) -> bool:
        return unit in self.units or (self.any_unit and bool(unit))

    def to_base(self, quantity: Decimal, unit: str) -> tuple[Decimal, str]:
        """Exact quantity in the base unit; a unit without a fixed size stays in its own unit."""
        factor = self.units.get(unit)
        if factor is None:
            return quantity, unit
        return quantity * factor, self.base_unit


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    kind: str
    province_code: str
    predecessors: str
    effective_from: str = "2025-07-01"


@dataclass(frozen=True)
class Reference:
    lists: Mapping[str, Mapping[str, Item]]
    commodities: Mapping[str, Commodity]
    communes: Mapping[str, Commune]
    rewards: Mapping[str, Any]

    def codes(self, kind: str) -> frozenset[str]:
        return frozenset(self.lists[kind])

    def label(self, kind: str, code: str | None, language: str | None = None) -> str:
        if code is None:
            return ""
        if kind == "commodities":
            commodity = self.commodities.get(code)
            return commodity.label(language) if commodity else code
        if kind == "communes":
            commune = self.communes.get(code)
            return commune.name if commune else code
        item = self.lists.get(kind, {}).get(code)
        return item.label(language) if item else code


def _items(rows: Iterable[Mapping[str, Any]]) -> dict[str, Item]:
    out: dict[str, Item] = {}
    for row in rows:
        extra = {k: v for k, v in row.items() if k not in ("code", "vi", "en")}
        out[row["code"]] = Item(row["code"], row["vi"], row["en"], extra)
    return out


def _commodity(row: Mapping[str, Any]) -> Commodity:
    units = {u: (Decimal(f) if f is not None else None) for u, f in row["units"].items()}
    threshold = row.get("criminal_threshold")
    return Commodity(
        code=row["code"],
        vi=row["vi"],
        en=row["en"],
        base_unit=row["base_unit"],
        units=units,
        any_unit=bool(row.get("any_unit", False)),
        criminal_threshold=Decimal(threshold) if threshold is not None else None,
    )


def load_reference(
    folder: Path | None = None, overrides: Mapping[str, list[dict[str, Any]]] | None = None
) -> Reference:
    """Load the shipped reference data; ``overrides`` (from HQ updates) replace or add entries."""
    base = folder or resource_path("reference")
    overrides = overrides or {}
    lists: dict[str, dict[str, Item]] = {}
    for kind in CODE_LISTS:
        rows = json.loads((base / f"{kind}.json").read_text(encoding="utf-8"))
        lists[kind] = _items([*rows, *overrides.get(kind, [])])
    raw = json.loads((base / "commodities.json").read_text(encoding="utf-8"))["commodities"]
    commodities = {row["code"]: _commodity(row) for row in [*raw, *overrides.get("commodities", [])]}
    communes: dict[str, Commune] = {}
    with (base / "communes_an_giang_2025.csv").open(encoding="utf-8", newline="") as handle:
        for rec in csv.DictReader(handle):
            communes[rec["ma_xa"]] = Commune(
                rec["ma_xa"], rec["ten"], rec["loai"], rec["tinh_ma"], rec["tien_than_truoc_01_07_2025"]
            )
    for override in overrides.get("communes", []):
        communes[override["code"]] = Commune(**override)
    rules_path = base.parent / "rules" / "rewards-2026.json"
    rewards = json.loads(rules_path.read_text(encoding="utf-8"))
    return Reference(lists=lists, commodities=commodities, communes=communes, rewards=rewards)
