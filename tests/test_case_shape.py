"""The compiled shape check (app/case_shape.py) and the quick reading of a received instant: faster
ways to the same answers as the schema and ``strptime`` (issue 18), never a check dropped."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest

from app.case_json import received_instant
from app.case_shape import UnknownKeyword, compile_shape
from db.types import UTC_FORMAT


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": properties}


@pytest.mark.parametrize(
    "schema",
    [
        _object(code={"type": "string", "pattern": "^[a-z]+$"}),  # a keyword it cannot check
        {"type": "object", "properties": {"a": {"type": "string"}}},  # unknown fields allowed
        _object(items={"type": "array"}),  # a list of anything
        _object(kind={"enum": [1, 2]}),
        _object(note={"description": "no type"}),
    ],
)
def test_a_schema_it_cannot_check_in_full_stops_it(schema: dict[str, Any]) -> None:
    with pytest.raises(UnknownKeyword):
        compile_shape(schema)


def test_the_shape_is_as_strict_as_each_keyword() -> None:
    valid = compile_shape(
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["name"],
            "properties": {
                "name": {"allOf": [{"type": "string", "maxLength": 5}, {"minLength": 2}]},
                "count": {"type": "integer", "minimum": 0, "maximum": 9},
                "kind": {"enum": ["a", "b"]},
                "by": {"type": ["string", "null"], "maxLength": 3},
                "where": {"type": "number"},
                "lines": {"type": "array", "items": _object(x={"type": "boolean"})},
            },
        }
    )
    assert valid({"name": "ab", "count": 9, "kind": "a", "by": None, "where": 1, "lines": [{"x": True}]})
    for wrong in (
        {},  # required
        {"name": "a"},
        {"name": "abcdef"},
        {"name": "ab", "count": 10},
        {"name": "ab", "count": -1},
        {"name": "ab", "count": True},
        {"name": "ab", "count": 1.0},
        {"name": "ab", "kind": "c"},
        {"name": "ab", "by": "abcd"},
        {"name": "ab", "where": True},
        {"name": "ab", "where": None},  # null only where the schema lists it
        {"name": "ab", "lines": [{"x": 1}]},
        {"name": "ab", "lines": [{"y": True}]},
        {"name": "ab", "extra": 1},
    ):
        assert not valid(wrong), wrong


def _by_strptime(value: Any) -> datetime | None:
    """``received_instant`` as it was: ``strptime`` alone."""
    if not isinstance(value, str) or len(value) != 27:
        return None
    try:
        return datetime.strptime(value, UTC_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def test_a_received_instant_is_read_as_strptime_read_it() -> None:
    usual = "2026-11-20T23:40:05.123456Z"
    values: list[Any] = [
        usual,
        None,
        20261120,
        "2026-01- 2T03:04:05.123456Z",  # strptime takes a day written " 2"
        "٢٠٢٦-01-02T03:04:05.123456Z",  # and other digits than ASCII
        "2026-01-02t03:04:05.123456z",  # and either case
        "0000-01-02T03:04:05.123456Z",
        "2026-02-30T03:04:05.123456Z",
        "2026-01-02T24:04:05.123456Z",
        "2026-01-02T03:04:60.123456Z",
    ]
    rng = random.Random(18)
    for _ in range(5000):
        chars = list(usual)
        for _ in range(rng.randint(1, 3)):
            chars[rng.randrange(len(chars))] = rng.choice("0123456789-T:.Z z٣+")
        values.append("".join(chars))
    assert received_instant(usual) == datetime(2026, 11, 20, 23, 40, 5, 123456, tzinfo=UTC)
    for value in values:
        assert received_instant(value) == _by_strptime(value), value


def test_list_lengths_and_unique_lists_of_the_top_object() -> None:
    valid = compile_shape(
        _object(
            forces={"type": "array", "maxItems": 2, "uniqueItems": True, "items": {"type": "string"}},
            names={"type": "array", "minItems": 1, "items": {"type": "string"}},
        )
    )
    assert valid({"forces": ["a", "b"], "names": ["x", "x"]}) and valid({})
    for wrong in ({"forces": ["a", "a"]}, {"forces": ["a", "b", "c"]}, {"names": []}):
        assert not valid(wrong), wrong
    with pytest.raises(UnknownKeyword):  # only where it is checked: a field of the top object
        compile_shape(_object(inner=_object(forces={"type": "array", "uniqueItems": True, "items": {}})))


def test_the_quick_activity_check_never_passes_what_the_schema_refuses() -> None:
    """The activity format's compiled shape (``app.activity_json``) against its full validator, on
    thousands of mutations of a full activity: where the quick check says valid, so does the schema."""
    from app import activity_json, case_schema

    full = {
        "kind": "inspection",
        "started_at": "2026-11-20T08:00:00+07:00",
        "ended_at": "2026-11-20T10:00:00+07:00",
        "commune_code": "30385",
        "border_marker": "Mốc 245",
        "route": "Tỉnh lộ 956",
        "place": "Chợ Vĩnh Xương",
        "establishment": "Cửa hàng Tư Hùng",
        "lead_force": "market_surveillance",
        "cooperating_forces": ["border_guard", "police"],
        "participants": 4,
        "participant_names": ["Nguyễn Văn An"],
        "result": "Không vi phạm",
        "notes": "",
        "cases": ["BP-VX/2026/00001"],
    }
    validator, quick = activity_json._validator(), activity_json._quick_check()
    assert quick(full) and list(validator.iter_errors(full)) == []
    pool: list[Any] = [None, "", "x" * 5000, 10**6, -1, 7, True, [], ["a", "a"], ["a", 1], {"a": 1}, "patrol"]
    rng = random.Random(19)
    refused = 0
    for _ in range(3000):
        mutated = dict(full)
        for _ in range(rng.randint(1, 3)):
            key = rng.choice([*full, "station", "version", "extra"])
            if rng.random() < 0.2:
                mutated.pop(key, None)
            else:
                mutated[key] = rng.choice(pool)
        _, fatal, fractions = case_schema.scan(mutated, ())
        if fatal:
            continue
        errors = list(validator.iter_errors(mutated))
        if not quick(mutated):
            refused += bool(errors)
        elif not fractions:
            assert errors == [], (mutated, errors[0].message)
    assert refused > 1500  # the mutations really do break the schema
