"""What the accent-insensitive search sees of a case: one folded text per case."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.reference import Reference
from app.text import fold, normalize_id_number, normalize_plate


def case_search_body(document: Mapping[str, Any], reference: Reference) -> str:
    """Folded words of a case document (``case_json.case_document`` shape)."""
    parts: list[str] = [
        document.get("number", ""),
        document.get("place", ""),
        reference.label("communes", document.get("commune_code")),
        document.get("violation", ""),
        document.get("summary", ""),
        document.get("handling", {}).get("decision_no", ""),
    ]
    for goods in document.get("goods", ()):
        parts.append(goods.get("description", ""))
        # The commodity's name in both languages, whatever language the app runs in: the index must
        # not depend on who saved the case, and either name finds it.
        parts.append(reference.label("commodities", goods.get("commodity"), "vi"))
        parts.append(reference.label("commodities", goods.get("commodity"), "en"))
    for party in document.get("parties", ()):
        parts.append(party.get("full_name", ""))
        if party.get("id_number"):
            parts.append(party["id_number"])
            parts.append(normalize_id_number(party["id_number"]))
    for vehicle in document.get("vehicles", ()):
        if vehicle.get("plate"):
            parts.append(vehicle["plate"])
            parts.append(normalize_plate(vehicle["plate"]))
        if vehicle.get("description"):
            parts.append(vehicle["description"])
    return fold(" ".join(p for p in parts if p))


def rows_search_body(
    case: Mapping[str, Any], lines: Mapping[str, Sequence[Mapping[str, Any]]], reference: Reference
) -> str:
    """``case_search_body`` of a case given as its stored columns and the columns of its lines."""
    return case_search_body(
        {
            "number": case["number"],
            "place": case["place"],
            "commune_code": case["commune_code"],
            "violation": case["violation"],
            "summary": case["summary"],
            "handling": {"decision_no": case["decision_no"]} if case["decision_no"] else {},
            "goods": lines.get("goods", ()),
            "parties": lines.get("parties", ()),
            "vehicles": lines.get("vehicles", ()),
        },
        reference,
    )
