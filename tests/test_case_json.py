"""Hostile and malformed case JSON: every problem named by its path, nothing accepted."""

from __future__ import annotations

import copy
import json
import unicodedata
from datetime import UTC
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.case_json import case_json, received_instant, received_instant_text
from app.errors import ValidationError
from app.interchange import parse_cases
from app.json_input import load_json_text
from app.reference import load_reference
from db.types import UTC_FORMAT, utc_text
from tests.helpers.cases import EXAMPLE_CASE, sample_case

REFERENCE = load_reference()


def problems_of(data: object) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        parse_cases(data, REFERENCE)
    return caught.value.problems


def with_change(path: str, value: Any) -> dict[str, Any]:
    """The design example with one field set (``a.b.0.c``); ``...`` deletes it."""
    case = copy.deepcopy(EXAMPLE_CASE)
    *parents, last = path.split(".")
    target: Any = case
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    key: Any = int(last) if last.isdigit() else last
    if value is ...:
        del target[key]
    else:
        target[key] = value
    return case


def test_design_example_parses() -> None:
    [case] = parse_cases(EXAMPLE_CASE, REFERENCE)
    assert case.goods[0].quantity == 150 and case.goods[0].unit == "cây"
    assert case.occurred_at.utcoffset().total_seconds() == 7 * 3600  # type: ignore[union-attr]
    assert case.parties[0].birth_date.isoformat() == "1990-05-01"  # type: ignore[union-attr]
    assert case.handling.fine_vnd == 15_000_000


def test_a_list_of_cases_parses() -> None:
    assert len(parse_cases([EXAMPLE_CASE, EXAMPLE_CASE], REFERENCE)) == 2


def test_round_trip() -> None:
    case = sample_case()
    assert parse_cases(case_json(case), REFERENCE) == [case]


def test_text_is_normalised_to_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Mốc 264, ấp Vĩnh Lợi")
    [case] = parse_cases(with_change("place", decomposed), REFERENCE)
    assert case.place == "Mốc 264, ấp Vĩnh Lợi"


BAD: list[tuple[str, Any, str]] = [
    ("occurred_at", ..., "occurred_at: required"),
    ("violation_group", ..., "violation_group: required"),
    ("occurred_at", "2026-11-20 23:40", "no time zone offset"),
    ("occurred_at", "20/11/2026", "is not a date and time"),
    ("occurred_at", "2026-02-30T10:00:00+07:00", "is not a date and time"),
    ("occurred_at", "2099-01-01T00:00:00+07:00", "is in the future"),
    ("occurred_at", 20261120, "occurred_at: expected text"),
    ("detected_at", "2026-11-20T22:00:00+07:00", "detected_at: is before occurred_at"),
    ("violation_group", "smuggling", "violation_group: 'smuggling' is not a violation group"),
    ("location_kind", "jungle", "location_kind: 'jungle' is not a location kind"),
    ("detection", "drone", "detection: 'drone' is not a detection method"),
    ("lead_force", "navy", "lead_force: 'navy' is not a force code"),
    ("cooperating_forces", ["police", "police"], "cooperating_forces[1]: 'police' is listed twice"),
    ("cooperating_forces", ["border_guard"], "cooperating_forces[0]: 'border_guard' is the lead force"),
    ("cooperating_forces", "police", "cooperating_forces: expected a list"),
    ("commune_code", "99999", "commune_code: '99999' is not an An Giang commune code"),
    ("ownerless", "yes", 'ownerless: expected true or false, got "yes"'),
    ("latitude", 123.0, "latitude: 123.0 is outside -90..90"),
    ("colour", "red", "colour: unknown field"),
    ("goods.0.unit", "crate", "goods[0].unit: 'crate' is not a unit of cigarettes"),
    ("goods.0.commodity", "tobacco", "goods[0].commodity: 'tobacco' is not a commodity code"),
    ("goods.0.quantity", "abc", "goods[0].quantity: 'abc' is not a number"),
    ("goods.0.quantity", "-3", "goods[0].quantity: '-3' must be a positive quantity"),
    ("goods.0.quantity", "0", "goods[0].quantity: '0' must be a positive quantity"),
    ("goods.0.quantity", "NaN", "goods[0].quantity: 'NaN' must be a positive quantity"),
    ("goods.0.quantity", "1e400", "goods[0].quantity: '1e400' must be a positive quantity"),
    ("goods.0.quantity", "1.1234567", "more than 6 decimal places"),
    ("goods.0.quantity", 1.5, "goods[0].quantity: expected text or a whole number, got 1.5"),
    ("goods.0.quantity", ..., "goods[0].quantity: required"),
    ("goods.0.value_vnd", -1, "goods[0].value_vnd: -1 is below the minimum 0"),
    ("goods.0.value_vnd", "22.500.000", "goods[0].value_vnd: expected a whole number"),
    ("goods.0.value_vnd", 10**16, "goods[0].value_vnd: 10000000000000000 đồng is not a plausible amount"),
    ("goods.0.colour", "red", "goods[0].colour: unknown field"),
    ("goods", {"commodity": "sugar"}, "goods: expected a list"),
    ("parties.0.kind", "alien", 'parties[0].kind: "alien" is not one of person, organisation'),
    ("parties.0.role", "boss", "parties[0].role: 'boss' is not a party role"),
    ("parties.0.birth_date", "1990-13-01", "parties[0].birth_date: '1990-13-01' is not a real date"),
    ("parties.0.birth_date", "2090-01-01", "parties[0].birth_date: '2090-01-01' is in the future"),
    ("parties.0.full_name", ..., "parties[0].full_name: required"),
    ("parties.0.full_name", "", "parties[0].full_name: must not be empty"),
    ("parties.0.gender", "m", 'parties[0].gender: "m" is not one of male, female'),
    ("vehicles.0.kind", "tank", "vehicles[0].kind: 'tank' is not a vehicle kind"),
    ("handling.outcome", "jail", "handling.outcome: 'jail' is not an outcome"),
    ("handling.decision_date", "2026-11-31", "handling.decision_date: '2026-11-31' is not a real date"),
    ("handling.fine_vnd", True, "handling.fine_vnd: expected a whole number, got true"),
    ("handling.defendants", -2, "handling.defendants: -2 is below the minimum 0"),
    (
        "documents",
        [{"form_code": "MBB99", "number": "01"}],
        "documents[0].form_code: 'MBB99' is not a form code",
    ),
    (
        "attachments",
        [{"sha256": "xyz", "filename": "a.jpg", "mime": "image/jpeg", "size": 1}],
        "attachments[0].sha256: must be 64 lower-case hexadecimal characters",
    ),
]


@pytest.mark.parametrize(("path", "value", "message"), BAD, ids=[f"{p}={v!r}"[:50] for p, v, _ in BAD])
def test_bad_field_is_named(path: str, value: Any, message: str) -> None:
    problems = problems_of(with_change(path, value))
    assert any(message in p for p in problems), problems


def test_all_problems_are_reported_together() -> None:
    case = with_change("goods.0.unit", "crate")
    case["lead_force"] = "navy"
    case["parties"][0]["birth_date"] = "1990-02-30"
    problems = problems_of(case)
    assert len(problems) == 3, problems


def test_problems_in_a_list_carry_the_index() -> None:
    problems = problems_of([EXAMPLE_CASE, with_change("goods.0.unit", "crate")])
    assert problems == ["[1].goods[0].unit: 'crate' is not a unit of cigarettes (use bao, gói, cây, thùng)"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "the list holds no case"),
        ("a case", "expected a case object or a list of cases"),
        (42, "expected a case object or a list of cases"),
        ([EXAMPLE_CASE, 7], "[1]: expected a case object, got 7"),
    ],
)
def test_document_shape(data: object, message: str) -> None:
    assert any(message in p for p in problems_of(data))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"occurred_at": ', "cases.json: line 1 column 17"),
        ("[1, 2,\n 3,]", "cases.json: line 2 column "),
        ('{"latitude": NaN}', "NaN is not allowed"),
        ("", "empty"),
        ("[" * 100000 + "]" * 100000, "nested too deeply"),
    ],
)
def test_json_syntax_errors_name_the_place(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        load_json_text(text, "cases.json")
    assert message in str(caught.value)


def test_valid_json_text_loads() -> None:
    assert load_json_text(json.dumps(EXAMPLE_CASE), "x.json") == EXAMPLE_CASE


_INSTANT_TEXTS = st.one_of(
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.strftime(UTC_FORMAT)),
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat(timespec="microseconds")[:-6] + "Z"),
    st.text(alphabet="0123456789-T:.Z ٣", min_size=27, max_size=27),
    st.sampled_from(
        ["2026-02-30T00:00:00.000000Z", "0999-01-01T00:00:00.000000Z", "2026-01-01T00:00:00.000000"]
    ),
    st.none(),
    st.integers(),
)


@given(_INSTANT_TEXTS)
def test_a_received_instant_keeps_its_text_only_where_utc_text_writes_the_same(value: Any) -> None:
    # ``received_instant_text`` spares writing the text again (issue 18): it must be what was written.
    moment = received_instant(value)
    assert received_instant_text(value) == (None if moment is None else utc_text(moment))
