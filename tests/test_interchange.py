"""Case interchange JSON v1 (docs/architecture.md §8): schema, parser, validator messages and the inverse."""

from __future__ import annotations

import copy
import json
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from app.case_json import case_json
from app.domain import (
    CaseInput,
    GoodsInput,
    HandlingInput,
    PartyInput,
    VehicleInput,
)
from app.errors import ValidationError
from app.interchange import parse_cases
from app.json_input import MAX_DOCUMENT_BYTES, load_json_text
from app.reference import Reference, load_reference
from app.resources import resource_path
from tests.helpers.cases import full_case

ICT = timezone(timedelta(hours=7))
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ICT)
REFERENCE: Reference = load_reference()
SCHEMA: dict[str, Any] = json.loads(
    resource_path("schemas", "case-v1.schema.json").read_text(encoding="utf-8")
)

# The example case of the interchange format as first designed, verbatim.
DESIGN_EXAMPLE: dict[str, Any] = {
    "occurred_at": "2026-11-20T23:40:00+07:00",
    "place": "Mốc 264, ấp Vĩnh Lợi",
    "commune_code": "30325",
    "location_kind": "border_trail",
    "violation_group": "prohibited_smuggled",
    "violation": "Vận chuyển thuốc lá điếu nhập lậu",
    "detection": "patrol",
    "ownerless": False,
    "lead_force": "border_guard",
    "cooperating_forces": ["police"],
    "summary": "…",
    "goods": [
        {
            "commodity": "cigarettes",
            "description": "Thuốc lá Hero",
            "quantity": "150",
            "unit": "cây",
            "value_vnd": 22500000,
        }
    ],
    "parties": [
        {
            "kind": "person",
            "role": "carrier",
            "full_name": "Nguyễn Văn A",
            "birth_date": "1990-05-01",
            "nationality": "VN",
            "id_number": "089090001234",
        }
    ],
    "vehicles": [{"kind": "motorbike", "plate": "67H1-204.13"}],
    "handling": {
        "outcome": "admin_fine",
        "fine_vnd": 15000000,
        "decision_no": "12/QĐ-XPHC",
        "decision_date": "2026-11-22",
    },
}

DELETE = object()


def parse(data: object) -> list[CaseInput]:
    return parse_cases(data, REFERENCE, now=NOW)


def problems_of(data: object) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        parse(data)
    return caught.value.problems


def edited(path: tuple[str | int, ...], value: object, case: dict[str, Any] | None = None) -> dict[str, Any]:
    """A deep copy of ``case`` (the design example by default) with the field at ``path`` set to
    ``value``, or removed when ``value`` is ``DELETE``."""
    result = copy.deepcopy(DESIGN_EXAMPLE if case is None else case)
    *parents, last = path
    target: Any = result
    for part in parents:
        target = target[part]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return result


def test_design_example_parses() -> None:
    [case] = parse(DESIGN_EXAMPLE)
    assert case.occurred_at == datetime(2026, 11, 20, 23, 40, tzinfo=ICT)
    assert case.occurred_at.utcoffset() == timedelta(hours=7)
    assert (case.commune_code, case.location_kind, case.detection) == ("30325", "border_trail", "patrol")
    assert case.lead_force == "border_guard" and case.cooperating_forces == ("police",)
    assert case.goods == (
        GoodsInput("cigarettes", Decimal("150"), "cây", "Thuốc lá Hero", value_vnd=22_500_000),
    )
    assert case.parties == (
        PartyInput(
            "person",
            "carrier",
            "Nguyễn Văn A",
            birth_date=date(1990, 5, 1),
            nationality="VN",
            id_number="089090001234",
        ),
    )
    assert case.vehicles == (VehicleInput("motorbike", "67H1-204.13"),)
    assert case.handling == HandlingInput(
        outcome="admin_fine", decision_no="12/QĐ-XPHC", decision_date=date(2026, 11, 22), fine_vnd=15_000_000
    )
    assert case.detected_at is None and case.documents == () and case.attachments == ()


def test_design_example_passes_the_schema_alone() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert list(Draft202012Validator(SCHEMA).iter_errors(DESIGN_EXAMPLE)) == []


def test_a_list_of_cases_parses_in_order() -> None:
    second = edited(("violation_group",), "other")
    cases = parse([DESIGN_EXAMPLE, second, DESIGN_EXAMPLE])
    assert [c.violation_group for c in cases] == ["prohibited_smuggled", "other", "prohibited_smuggled"]


def test_minimal_case_gets_the_defaults() -> None:
    [case] = parse({"occurred_at": "2026-11-20T23:40:00Z", "violation_group": "other"})
    assert case == CaseInput(occurred_at=datetime(2026, 11, 20, 23, 40, tzinfo=UTC), violation_group="other")


def test_quantity_may_be_a_json_whole_number_or_decimal_text() -> None:
    [case] = parse(edited(("goods", 0, "quantity"), 150))
    assert case.goods[0].quantity == Decimal(150)
    for text, expected in (("2.5", "2.5"), ("0.000001", "0.000001"), ("1.50", "1.5"), ("1.5e3", "1500")):
        [case] = parse(edited(("goods", 0, "quantity"), text))
        assert case.goods[0].quantity == Decimal(expected)


def test_round_trip_of_every_field() -> None:
    case = full_case()
    document = case_json(case)
    assert parse(document) == [case]
    assert parse(load_json_text(json.dumps(document, ensure_ascii=False), "x.json")) == [case]


def test_round_trip_of_the_design_example() -> None:
    [case] = parse(DESIGN_EXAMPLE)
    assert parse(case_json(case)) == [case]


def test_json_form_uses_text_for_quantities_and_iso_for_times() -> None:
    document = case_json(full_case())
    assert list(Draft202012Validator(SCHEMA).iter_errors(document)) == []
    assert [g["quantity"] for g in document["goods"]] == ["2.5", "0.000001", "1500"]
    assert document["occurred_at"] == "2026-11-20T23:40:15.250000+07:00"
    assert document["parties"][1]["birth_date"] == "1988-02-29"
    assert document["handling"]["fine_vnd"] == 0  # a zero is a value, not an absence
    # One rule for every case document: a field without a value (None) is left out; an empty text or
    # list is written as it is (a reader takes it as absent).
    assert document["vehicles"][0]["plate"] == "" and document["goods"][1]["description"] == ""
    assert document["ownerless"] is True
    minimal = case_json(CaseInput(occurred_at=NOW, violation_group="other"))
    assert minimal == {
        "occurred_at": "2026-11-23T09:00:00+07:00",
        "violation_group": "other",
        "place": "",
        "violation": "",
        "lead_force": "border_guard",
        "ownerless": False,
        "cooperating_forces": [],
        "summary": "",
        "goods": [],
        "parties": [],
        "vehicles": [],
        "documents": [],
        "attachments": [],
        "handling": {},
    }
    assert list(Draft202012Validator(SCHEMA).iter_errors(minimal)) == []


def test_text_is_normalised_to_nfc_and_trimmed() -> None:
    def nfd(text: str) -> str:
        return unicodedata.normalize("NFD", text)

    case = edited(("place",), nfd("  Mốc 264, ấp Vĩnh Lợi \n"))
    case["goods"][0]["unit"] = nfd("cây")  # a code in NFD still matches the reference data
    case["goods"][0]["description"] = nfd("Thuốc lá Hero")
    case["parties"][0]["full_name"] = nfd("Nguyễn Văn A ")
    [parsed] = parse(case)
    assert parsed.place == "Mốc 264, ấp Vĩnh Lợi"
    assert parsed.goods[0].unit == "cây" and parsed.goods[0].description == "Thuốc lá Hero"
    assert parsed.parties[0].full_name == "Nguyễn Văn A"
    for text in (parsed.place, parsed.goods[0].unit, parsed.parties[0].full_name):
        assert unicodedata.is_normalized("NFC", text)


def test_empty_optional_fields_become_none() -> None:
    case = edited(("detected_at",), "  ")
    case.update(legal_basis="", location_kind="", commune_code=" ", lead_force="")
    case["parties"][0].update(nationality="", birth_date="", id_number="  ")
    case["handling"]["decision_no"] = ""
    [parsed] = parse(case)
    assert parsed.detected_at is None and parsed.legal_basis is None and parsed.location_kind is None
    assert parsed.commune_code is None and parsed.lead_force == "border_guard"
    party = parsed.parties[0]
    assert party.nationality is None and party.birth_date is None and party.id_number is None
    assert parsed.handling.decision_no is None


# --- one bad field at a time -----------------------------------------------------------------

_SHA = "0123456789abcdef" * 4
_ATTACHMENT = {"sha256": _SHA, "filename": "a.jpg", "mime": "image/jpeg", "size": 10}

# (path to change, new value or DELETE, where the problem must be reported, part of the reason)
BAD: list[tuple[tuple[str | int, ...], object, str, str]] = [
    # structure, from the schema
    (("occurred_at",), DELETE, "occurred_at", "required"),
    (("violation_group",), DELETE, "violation_group", "required"),
    (("occurred_at",), "", "occurred_at", "must not be empty"),
    (("violation_group",), "   ", "violation_group", "must not be empty"),
    (("ownerless",), "yes", "ownerless", 'expected true or false, got "yes"'),
    (("ownerless",), 1, "ownerless", "expected true or false, got 1"),
    (("colour",), "red", "colour", "unknown field"),
    (("sumary",), "…", "sumary", "unknown field (did you mean 'summary'?)"),
    (("latitude",), "10.5", "latitude", 'expected a number, got "10.5"'),
    (("cooperating_forces",), "police", "cooperating_forces", 'expected a list, got "police"'),
    (("cooperating_forces",), ["customs", 7], "cooperating_forces[1]", "expected text, got 7"),
    (("goods",), {"commodity": "sugar"}, "goods", "expected a list"),
    (("goods", 0), "150 cây", "goods[0]", 'expected an object, got "150 cây"'),
    (("goods", 0, "colour"), "red", "goods[0].colour", "unknown field"),
    (("goods", 0, "quantity"), DELETE, "goods[0].quantity", "required"),
    (("goods", 0, "quantity"), 150.0, "goods[0].quantity", "expected text or a whole number, got 150.0"),
    (("goods", 0, "unit"), "", "goods[0].unit", "must not be empty"),
    (("goods", 0, "value_vnd"), -1, "goods[0].value_vnd", "-1 is below the minimum 0"),
    (("goods", 0, "value_vnd"), 1.0, "goods[0].value_vnd", "expected a whole number, got 1.0"),
    (
        ("goods", 0, "value_vnd"),
        "22.500.000",
        "goods[0].value_vnd",
        'expected a whole number, got "22.500.000"',
    ),
    (("parties", 0, "kind"), "alien", "parties[0].kind", '"alien" is not one of person, organisation'),
    (("parties", 0, "gender"), "m", "parties[0].gender", '"m" is not one of male, female'),
    (("parties", 0, "full_name"), " ", "parties[0].full_name", "must not be empty"),
    (("vehicles", 0, "kind"), DELETE, "vehicles[0].kind", "required"),
    (("handling",), "paid", "handling", 'expected an object, got "paid"'),
    (("handling", "fine_vnd"), True, "handling.fine_vnd", "expected a whole number, got true"),
    (("handling", "defendants"), -2, "handling.defendants", "-2 is below the minimum 0"),
    (("documents",), [{"form_code": "MBB01"}], "documents[0].number", "required"),
    (("attachments",), [{**_ATTACHMENT, "size": -1}], "attachments[0].size", "-1 is below the minimum 0"),
    (("place",), "x" * 20001, "place", "longer than 20000 characters"),
    # reference data
    (
        ("violation_group",),
        "smuggling",
        "violation_group",
        "'smuggling' is not a violation group (one of: prohibited_smuggled, trade_fraud",
    ),
    (("location_kind",), "jungle", "location_kind", "'jungle' is not a location kind"),
    (("detection",), "drone", "detection", "'drone' is not a detection method"),
    (("lead_force",), "navy", "lead_force", "'navy' is not a force code"),
    (("cooperating_forces",), ["interpol"], "cooperating_forces[0]", "'interpol' is not a force code"),
    (("commune_code",), "99999", "commune_code", "'99999' is not an An Giang commune code"),
    (("goods", 0, "commodity"), "tobacco", "goods[0].commodity", "'tobacco' is not a commodity code"),
    (
        ("goods", 0, "unit"),
        "crate",
        "goods[0].unit",
        "'crate' is not a unit of cigarettes (use bao, gói, cây, thùng)",
    ),
    (("goods", 0, "unit"), "kg", "goods[0].unit", "'kg' is not a unit of cigarettes"),
    (("parties", 0, "role"), "boss", "parties[0].role", "'boss' is not a party role"),
    (("vehicles", 0, "kind"), "tank", "vehicles[0].kind", "'tank' is not a vehicle kind"),
    (("handling", "outcome"), "jail", "handling.outcome", "'jail' is not an outcome"),
    (
        ("documents",),
        [{"form_code": "MBB99", "number": "01"}],
        "documents[0].form_code",
        "'MBB99' is not a form code",
    ),
    # forces of a joint case
    (
        ("cooperating_forces",),
        ["police", "customs", "police"],
        "cooperating_forces[2]",
        "'police' is listed twice",
    ),
    (("cooperating_forces",), ["border_guard"], "cooperating_forces[0]", "'border_guard' is the lead force"),
    # times and dates
    (("occurred_at",), "2026-11-20T23:40:00", "occurred_at", "'2026-11-20T23:40:00' has no time zone offset"),
    (("occurred_at",), "2026-11-20 23:40", "occurred_at", "has no time zone offset"),
    (("occurred_at",), "20/11/2026 23:40", "occurred_at", "'20/11/2026 23:40' is not a date and time like"),
    (("occurred_at",), "2026-11-20", "occurred_at", "'2026-11-20' is not a date and time like"),
    (("occurred_at",), "2026-W47-5T23:40:00+07:00", "occurred_at", "is not a date and time like"),
    (
        ("occurred_at",),
        "2026-02-30T10:00:00+07:00",
        "occurred_at",
        "'2026-02-30T10:00:00+07:00' is not a date and time: day is out of range",
    ),
    (("occurred_at",), "2026-11-20T24:40:00+07:00", "occurred_at", "is not a date and time"),
    (("occurred_at",), "2026-11-20T23:40:00+15:00", "occurred_at", "offset beyond ±14:00"),
    (("occurred_at",), "2026-11-25T00:00:00+07:00", "occurred_at", "'2026-11-25T00:00:00+07:00' is in the"),
    (("detected_at",), "2026-11-23T09:06:00+07:00", "detected_at", "'2026-11-23T09:06:00+07:00' is in the"),
    (("occurred_at",), "1989-12-31T23:59:00+07:00", "occurred_at", "is outside 1990 to today"),
    (("occurred_at",), 20261120, "occurred_at", "expected text, got 20261120"),
    (("detected_at",), "2026-11-20T22:00:00+07:00", "detected_at", "is before occurred_at"),
    (("parties", 0, "birth_date"), "1990-02-30", "parties[0].birth_date", "'1990-02-30' is not a real date"),
    (("parties", 0, "birth_date"), "01/05/1990", "parties[0].birth_date", "in the form YYYY-MM-DD"),
    (("parties", 0, "birth_date"), "1990-5-1", "parties[0].birth_date", "in the form YYYY-MM-DD"),
    (("parties", 0, "birth_date"), "１９９０-05-01", "parties[0].birth_date", "is not a real date"),
    (("parties", 0, "birth_date"), "2026-11-25", "parties[0].birth_date", "'2026-11-25' is in the future"),
    (("parties", 0, "birth_date"), "1899-12-31", "parties[0].birth_date", "is before 1900"),
    (("parties", 0, "id_issued_on"), "2030-01-01", "parties[0].id_issued_on", "is in the future"),
    (
        ("handling", "decision_date"),
        "2026-11-31",
        "handling.decision_date",
        "'2026-11-31' is not a real date",
    ),
    (
        ("documents",),
        [{"form_code": "MBB01", "number": "1", "date": "2026-13-01"}],
        "documents[0].date",
        "is not a real date",
    ),
    # quantities
    (("goods", 0, "quantity"), "abc", "goods[0].quantity", "'abc' is not a number"),
    (("goods", 0, "quantity"), "", "goods[0].quantity", "'' is not a number"),
    (("goods", 0, "quantity"), "1_000", "goods[0].quantity", "'1_000' is not a number"),
    (("goods", 0, "quantity"), "١٥٠", "goods[0].quantity", "is not a number"),
    (("goods", 0, "quantity"), "2,5", "goods[0].quantity", "write decimals with a point"),
    (("goods", 0, "quantity"), "-3", "goods[0].quantity", "'-3' must be a positive quantity"),
    (("goods", 0, "quantity"), "0", "goods[0].quantity", "'0' must be a positive quantity"),
    (("goods", 0, "quantity"), "0.000", "goods[0].quantity", "must be a positive quantity"),
    (("goods", 0, "quantity"), 0, "goods[0].quantity", "0 must be a positive quantity"),
    (
        ("goods", 0, "quantity"),
        "1e400",
        "goods[0].quantity",
        "'1e400' must be a positive quantity below 10^12",
    ),
    (("goods", 0, "quantity"), "1000000000000", "goods[0].quantity", "below 10^12"),
    (("goods", 0, "quantity"), "NaN", "goods[0].quantity", "'NaN' must be a positive quantity"),
    (("goods", 0, "quantity"), "Infinity", "goods[0].quantity", "must be a positive quantity"),
    (("goods", 0, "quantity"), "1.0000001", "goods[0].quantity", "more than 6 decimal places"),
    # money, coordinates, hashes
    (
        ("goods", 0, "value_vnd"),
        10**15,
        "goods[0].value_vnd",
        "1000000000000000 đồng is not a plausible amount",
    ),
    (("handling", "tax_vnd"), 10**16, "handling.tax_vnd", "is not a plausible amount"),
    (("latitude",), 90.5, "latitude", "90.5 is outside -90..90"),
    (("longitude",), -181, "longitude", "-181 is outside -180..180"),
    (
        ("attachments",),
        [{**_ATTACHMENT, "sha256": _SHA.upper()}],
        "attachments[0].sha256",
        "must be 64 lower-case hexadecimal characters",
    ),
    (
        ("attachments",),
        [{**_ATTACHMENT, "sha256": ""}],
        "attachments[0].sha256",
        "must be 64 lower-case hexadecimal characters, got ''",
    ),
    (("attachments",), [{**_ATTACHMENT, "sha256": _SHA + "0"}], "attachments[0].sha256", "must be 64"),
    # characters that cannot be stored
    (("summary",), "\u200b \u2060\ufeff\u3000", "summary", "holds only invisible characters"),
    (("place",), "Ấp\u202eBình", "place", "contains a hidden direction-changing character (U+202E)"),
    (
        ("parties", 0, "full_name"),
        "Nguyễn\u2066A",
        "parties[0].full_name",
        "contains a hidden direction-changing character (U+2066)",
    ),
    (
        ("parties", 0, "id_number"),
        "\u202d089090001234",
        "parties[0].id_number",
        "contains a hidden direction-changing character (U+202D)",
    ),
    (
        ("vehicles", 0, "plate"),
        "67H1-\u202e31.402",
        "vehicles[0].plate",
        "contains a hidden direction-changing character (U+202E)",
    ),
    (
        ("handling", "decision_no"),
        "12/QĐ\u2069-XPHC",
        "handling.decision_no",
        "contains a hidden direction-changing character (U+2069)",
    ),
    (
        ("documents",),
        [{"form_code": "MBB01", "number": "\u202a05/BB"}],
        "documents[0].number",
        "contains a hidden direction-changing character (U+202A)",
    ),
    (("summary",), "a\x00b", "summary", "contains the control character U+0000"),
    (
        ("parties", 0, "full_name"),
        "Nguy\ud800n",
        "parties[0].full_name",
        "contains an unpaired surrogate U+D800",
    ),
]


@pytest.mark.parametrize(
    ("path", "value", "where", "reason"),
    BAD,
    ids=[f"{'.'.join(map(str, p))}={v if v is not DELETE else 'DELETE'!r}"[:60] for p, v, _, _ in BAD],
)
def test_a_bad_field_is_named_with_its_path(
    path: tuple[str | int, ...], value: object, where: str, reason: str
) -> None:
    problems = problems_of(edited(path, value))
    assert any(p.startswith(f"{where}: ") and reason in p for p in problems), problems
    assert all("\n" not in p for p in problems)


@pytest.mark.parametrize(
    ("path", "value", "where", "reason"),
    BAD[::4],
    ids=[f"{'.'.join(map(str, p))}" for p, _, _, _ in BAD[::4]],
)
def test_a_bad_field_in_the_second_case_of_a_list_gets_its_index(
    path: tuple[str | int, ...], value: object, where: str, reason: str
) -> None:
    problems = problems_of([DESIGN_EXAMPLE, edited(path, value)])
    assert problems and all(p.startswith("[1].") for p in problems), problems
    assert any(p.startswith(f"[1].{where}: ") and reason in p for p in problems), problems


def test_exact_message_for_a_bad_unit_in_the_second_case() -> None:
    problems = problems_of([DESIGN_EXAMPLE, edited(("goods", 0, "unit"), "crate")])
    assert problems == ["[1].goods[0].unit: 'crate' is not a unit of cigarettes (use bao, gói, cây, thùng)"]


def test_problems_in_several_cases_of_a_list_all_carry_their_index() -> None:
    first = edited(("parties", 0, "role"), "boss")
    third = edited(("goods", 0, "quantity"), "-3")
    problems = problems_of([first, DESIGN_EXAMPLE, third, "not a case"])
    assert problems == [
        "[0].parties[0].role: 'boss' is not a party role"
        " (one of: owner, carrier, hirer, buyer, seller, witness)",
        "[2].goods[0].quantity: '-3' must be a positive quantity below 10^12",
        '[3]: expected a case object, got "not a case"',
    ]


def test_every_problem_of_a_document_is_reported_at_once() -> None:
    case = edited(("goods", 0, "unit"), "crate")
    case["colour"] = "red"
    case["ownerless"] = "no"
    case["lead_force"] = "navy"
    case["occurred_at"] = "2026-11-20T23:40:00"
    case["parties"][0]["birth_date"] = "1990-02-30"
    case["vehicles"][0]["plate"] = 6712345
    case["handling"]["fine_vnd"] = -5
    problems = problems_of(case)
    assert sorted(p.split(":")[0] for p in problems) == sorted(
        [
            "colour",
            "ownerless",
            "lead_force",
            "occurred_at",
            "goods[0].unit",
            "parties[0].birth_date",
            "vehicles[0].plate",
            "handling.fine_vnd",
        ]
    )


def test_a_goods_line_with_a_wrong_type_is_never_dropped_silently() -> None:
    """JSON Schema counts 150.0 as an integer; the format does not, so nothing is lost."""
    case = edited(("goods", 0, "quantity"), 150.0)
    case["attachments"] = [{**_ATTACHMENT, "size": 10.0}]
    case["handling"]["defendants"] = 2.0
    problems = problems_of(case)
    assert {p.split(":")[0] for p in problems} == {
        "goods[0].quantity",
        "attachments[0].size",
        "handling.defendants",
    }


def test_lead_force_left_out_means_border_guard_for_the_duplicate_check() -> None:
    case = edited(("lead_force",), DELETE)
    case["cooperating_forces"] = ["police", "border_guard"]
    assert problems_of(case) == [
        "cooperating_forces[1]: 'border_guard' is the lead force; a joint case lists it only once"
    ]


def test_future_is_measured_from_now_with_a_few_minutes_of_clock_skew() -> None:
    skewed = edited(("occurred_at",), "2026-11-23T09:05:00+07:00")  # 5 min after NOW
    skewed["detected_at"] = "2026-11-23T02:05:00Z"  # the same moment, written in UTC
    assert parse(skewed)[0].occurred_at.minute == 5
    later = edited(("occurred_at",), "2026-11-23T09:06:00+07:00")  # 6 min after NOW
    assert problems_of(later) == ["occurred_at: '2026-11-23T09:06:00+07:00' is in the future"]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ([], "(document): the list holds no case"),
        ("case", '(document): expected a case object or a list of cases, got "case"'),
        (None, "(document): expected a case object or a list of cases, got null"),
        ([DESIGN_EXAMPLE, 7], "[1]: expected a case object, got 7"),
    ],
)
def test_document_shape(data: object, problem: str) -> None:
    assert problems_of(data) == [problem]


def test_deep_nesting_is_refused_without_recursion_errors() -> None:
    deep: Any = "leaf"
    for _ in range(5000):
        deep = [deep]
    case = copy.deepcopy(DESIGN_EXAMPLE)
    case["colour"] = deep
    problems = problems_of(case)
    assert len(problems) == 1 and problems[0].startswith("colour")
    assert "nested more than 32 levels deep" in problems[0]


def test_an_absurdly_large_number_is_refused_without_crashing() -> None:
    problems = problems_of(edited(("goods", 0, "value_vnd"), -(10**5000)))
    assert problems == ["goods[0].value_vnd: the number is far too large"]


# --- JSON text ---------------------------------------------------------------------------------


def test_valid_json_text_loads() -> None:
    text = json.dumps([DESIGN_EXAMPLE], ensure_ascii=False, indent=2)
    assert load_json_text(text, "cases.json") == [DESIGN_EXAMPLE]
    assert load_json_text("\ufeff" + text, "cases.json") == [DESIGN_EXAMPLE]  # Notepad's BOM


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            '{\n  "occurred_at": "2026-11-20T23:40:00+07:00",\n  "place": ,\n}',
            "cases.json: line 3 column 12: Expecting value",
        ),
        ('{"occurred_at": ', "cases.json: line 1 column 17: Expecting value"),
        ("[1, 2,\n 3,]", "cases.json: line 2 column "),  # the wording differs between Pythons
        ('{"a": 1} {"b": 2}', "cases.json: line 1 column 10: Extra data"),
        ("{'place': 'x'}", "cases.json: line 1 column 2: Expecting property name enclosed in double quotes"),
        ('{"latitude": NaN}', "cases.json: NaN is not allowed in JSON"),
        ('{"latitude": Infinity}', "cases.json: Infinity is not allowed in JSON"),
        ('{"latitude": -Infinity}', "cases.json: -Infinity is not allowed in JSON"),
        ('{"latitude": 1e400}', "cases.json: the number 1e400 is too large"),
        ('{"fine_vnd": ' + "9" * 50 + "}", "has more than 40 digits"),
        ('{"place": "a", "place": "b"}', 'cases.json: the key "place" appears twice in one object'),
        ("", "cases.json: empty"),
        (" \n\t", "cases.json: empty"),
        ("[" * 100_000 + "]" * 100_000, "cases.json: nested too deeply"),
    ],
)
def test_bad_json_text_is_named(text: str, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        load_json_text(text, "cases.json")
    assert len(caught.value.problems) == 1
    assert problem in caught.value.problems[0], caught.value.problems


def test_a_document_over_50_mb_is_refused() -> None:
    text = '"' + "x" * MAX_DOCUMENT_BYTES + '"'
    with pytest.raises(ValidationError) as caught:
        load_json_text(text, "big.json")
    assert caught.value.problems == [
        "big.json: 50.0 MB is larger than the 50 MB limit for a case file; split it into several files"
    ]
    wide = "ấ" * (MAX_DOCUMENT_BYTES // 3 + 1)  # fewer characters than the limit, more bytes
    with pytest.raises(ValidationError, match="larger than the 50 MB limit"):
        load_json_text(wide, "wide.json")


# --- the schema file ---------------------------------------------------------------------------


def _object_schemas(node: object) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == "object":
            found.append(node)
        for value in node.values():
            found += _object_schemas(value)
    elif isinstance(node, list):
        for value in node:
            found += _object_schemas(value)
    return found


def test_schema_is_described_and_closed() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"].endswith("case-v1.schema.json") and SCHEMA["title"] and SCHEMA["description"]
    objects = _object_schemas(SCHEMA)
    assert len(objects) == 7  # case, goods, party, vehicle, document, attachment, handling
    assert all(o.get("additionalProperties") is False for o in objects)
    assert set(SCHEMA["$defs"]["case"]["required"]) == {"occurred_at", "violation_group"}


def test_schema_keeps_code_lists_out() -> None:
    """Codes are reference data that HQ can update: only fixed vocabularies are enums."""
    enums: list[list[str]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "enum" in node:
                enums.append(node["enum"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(SCHEMA)
    assert sorted(enums) == [
        ["draft", "submitted", "approved", "closed", "voided"],  # the workflow's, fixed in the code
        ["male", "female"],
        ["person", "organisation"],
    ]
    assert "const" not in json.dumps(SCHEMA)


def test_messages_are_single_printable_lines() -> None:
    case = edited(("goods", 0, "unit"), "cr\nate")
    case["parties"][0]["role"] = "bo\ud800ss"
    case["colour\n"] = 1
    problems = problems_of(case)
    assert "goods[0].unit: 'cr\\nate' is not a unit of cigarettes (use bao, gói, cây, thùng)" in problems
    assert all("\n" not in p for p in problems)
    assert all(p.encode("utf-8") for p in problems)  # printable on any terminal, no lone surrogates


# --- the quick schema check is never more lenient than the schema ----------------------------


def _mutations(rng: Any, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with one to three random changes at random places: values of the wrong type,
    empty or over-long text, fractions, booleans for numbers, unknown or missing fields."""
    result = copy.deepcopy(document)
    for _ in range(rng.randint(1, 3)):
        node: Any = result
        while True:  # walk down to a random container
            children = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
            containers = [v for _, v in children if isinstance(v, (dict, list)) and v]
            if not containers or rng.random() < 0.4:
                break
            node = rng.choice(containers)
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            continue
        key = rng.choice(keys)
        old = node[key]
        choice = rng.randrange(12)
        if choice == 0 and isinstance(node, dict):
            del node[key]
        elif choice == 1 and isinstance(node, dict):
            node[rng.choice(["extra", "Place", "goods_", "id"])] = "x"
        else:
            node[key] = rng.choice(
                [None, True, False, 0, -1, 1.0, 2.5, 10**20, "", "x" * 41, "y" * 201, "z" * 20001,
                 [], {}, [old], {"a": old}, str(old), "2026-13-45", -0.0]
            )
    return result


def test_the_quick_schema_check_never_passes_what_the_schema_refuses() -> None:
    import random

    from app import case_schema

    rng = random.Random(20261123)
    validator = case_schema._validator()
    quick = case_schema._quick_check()
    originals = [case_json(full_case()), case_json(full_case()) | {"goods": []}]
    for original in originals:
        assert quick(original)  # valid documents pass both
        assert list(validator.iter_errors(original)) == []
    refused_by_both = 0
    for _ in range(4000):
        mutated = _mutations(rng, rng.choice(originals))
        _, fatal, fractions = case_schema.scan(mutated, ())
        if fatal:
            continue
        errors = list(validator.iter_errors(mutated))
        if not quick(mutated):
            refused_by_both += bool(errors)
            continue
        if not fractions:  # where the quick check is trusted, the schema must agree
            assert errors == [], (mutated, errors[0].message)
    assert refused_by_both > 2000  # the mutations really do break the schema


def test_the_one_walk_for_usual_cases_agrees_with_the_scan() -> None:
    """``plain_nfc`` takes a case only when ``scan`` finds nothing in it, and gives ``nfc_deep``'s
    result; anything else goes through the scan that words the problems."""
    import random

    from app import case_schema
    from app.text import nfc_deep

    rng = random.Random(20261124)
    original = case_json(full_case()) | {"latitude": 10.5, "longitude": 105.25}
    assert case_schema.plain_nfc(original) == nfc_deep(original)
    deep: Any = "leaf"
    for _ in range(40):
        deep = [deep]
    odd = ["Thuo\u0302\u0301c  ", "a\x01b", "a\ud800", "tab\tnew\nline\r", 10**50, 2**128, -(2**129), 1.5,
           float("nan"), deep, [[["x"]]]]
    taken = 0
    for _ in range(4000):
        mutated = _mutations(rng, original)
        node: Any = mutated
        for key in rng.choice([(), ("goods", 0), ("parties", 0), ("handling",)]):
            if isinstance(node, dict) and key in node or isinstance(node, list) and key in range(len(node)):
                node = node[key]
        if isinstance(node, dict) and node:
            node[rng.choice(list(node))] = rng.choice(odd)
        plain = case_schema.plain_nfc(mutated)
        if plain is not None:
            taken += 1
            assert case_schema.scan(mutated, ()) == ([], False, False), mutated
            assert plain == nfc_deep(mutated)
    assert 500 < taken < 3500, taken


def test_in_the_app_the_problems_are_in_vietnamese_with_the_field_paths_unchanged() -> None:
    from app import i18n

    i18n.set_language("vi")
    for path, value, where, english in BAD:
        problems = problems_of(edited(path, value))
        named = [p for p in problems if p.startswith(f"{where}: ")]
        assert named and not any(english in p for p in named), (where, problems)
    assert problems_of([DESIGN_EXAMPLE, edited(("goods", 0, "unit"), "crate")]) == [
        "[1].goods[0].unit: 'crate' không phải đơn vị tính của cigarettes (dùng bao, gói, cây, thùng)"
    ]
    assert problems_of(edited(("occurred_at",), "yesterday")) == [
        "occurred_at: 'yesterday' không phải ngày giờ dạng 2026-11-20T23:40:00+07:00"
    ]
    assert problems_of(edited(("bogus",), 1)) == ["bogus: trường không có trong định dạng"]


def test_a_summary_of_visible_text_between_invisible_characters_is_kept() -> None:
    [case] = parse(edited(("summary",), "\u200bBắt giữ\u00a0thuốc lá"))
    assert case.summary == "\u200bBắt giữ\u00a0thuốc lá"


def test_direction_changing_characters_are_refused_in_every_text_field() -> None:
    case = edited(("violation",), "Vận chuyển\u2067 hàng cấm")
    case["goods"][0]["description"] = "\u202bthuốc lá"
    problems = problems_of(case)
    assert [p.split(":")[0] for p in problems] == ["violation", "goods[0].description"]
