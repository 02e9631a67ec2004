"""``serialize.compact_state_hash`` (msgspec) hashes the same bytes as ``ordered_state_hash`` (json).

Why: HQ's import seals each new case's state with it (issue 18, a tenth of the cost); a single byte
written differently would seal a state that ``audit verify`` then finds changed. The floats it is
given are the caller's to check (``fixed_float``); everything else must agree for every value."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.audit import linked_hash
from app.serialize import compact_json as encode
from app.serialize import compact_state_hash, fixed_float, ordered_state_hash


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def test_every_character_is_written_alike() -> None:
    characters = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(characters), 4096):
        text = "".join(characters[start : start + 4096])
        assert encode(text) == _json(text), hex(start)
        assert encode({text: [text]}) == _json({text: [text]}), hex(start)


def test_a_lone_surrogate_is_refused_alike() -> None:
    for writer in (encode, _json):
        with pytest.raises(UnicodeEncodeError):
            writer({"remark": "a\ud800b"})


FIXED = st.floats(allow_nan=False, allow_infinity=False).filter(fixed_float)


@given(FIXED)
def test_a_fixed_float_is_written_alike(value: float) -> None:
    assert encode(value) == _json(value)


@given(st.floats())
@example(1e16)
@example(9999999999999998.0)
@example(1e-4)
@example(9.999999999999999e-5)
@example(-1e-5)
@example(-0.0)
def test_fixed_float_keeps_out_what_is_written_otherwise(value: float) -> None:
    if not math.isfinite(value) or encode(value) != _json(value):
        assert not fixed_float(value)
    if fixed_float(value):
        assert encode(value) == _json(value)


TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | FIXED | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=30,
)


@given(st.dictionaries(TEXT, VALUES, max_size=6))
def test_a_state_hashes_alike(state: dict[str, Any]) -> None:
    ordered = {key: state[key] for key in sorted(state)}
    assert compact_state_hash(ordered) == ordered_state_hash(ordered)
    assert encode(state) == _json(state)  # key order is kept as given, as json keeps it


@given(
    st.lists(st.text(), min_size=9, max_size=9),
    st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.integers() | st.booleans(),
)
@example(["a\ud800b"] * 9, 1)
@example(["\u2028\"\\\n\x7f"] * 9, 2**63)
@example(["x"] * 9, True)
def test_an_audit_link_hashes_the_text_json_writes(texts: list[str], version: int) -> None:
    """``audit.linked_hash`` writes a link with msgspec (issue 18): the same bytes as ``json.dumps``,
    else every event HQ stores or checks would break the chain."""
    fields = [*texts[:7], version, *texts[7:]]
    try:
        expected = hashlib.sha256(_json(fields)).hexdigest()
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            linked_hash(*fields)
        return
    assert linked_hash(*fields) == expected
