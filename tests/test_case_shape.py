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
