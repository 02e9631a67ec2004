"""The bounded JSON reader's two ways of reading a record line agree (``app.json_input``).

Why: HQ reads each record line of a bundle with msgspec's compiled decoder (``_quick``, issue 18), and
only when msgspec refuses it, or a run of digits is too long, with ``json.loads`` and this reader's own
checks. A line read differently by the two would be a record HQ stores differently from what the post
signed; a line one refuses and the other accepts would slip past a check."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.json_input import _UNREAD, MAX_NUMBER_DIGITS, JsonRefused, _quick, parse_json

LIMIT = 1_000_000


def _exact(text: bytes) -> object:
    """The exact reader alone: what ``parse_json`` answered before it had a quick way."""
    with mock.patch("app.json_input._quick", lambda _raw: _UNREAD):
        return parse_json(text, LIMIT, unique_keys=False)


def _outcome(read: object) -> tuple[str, object]:
    try:
        return "read", read()  # type: ignore[operator]
    except JsonRefused as exc:
        return "refused", str(exc)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**45), max_value=10**45)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)

# Pieces of JSON and of what is not quite JSON, glued together at random.
TOKENS = st.sampled_from(
    [
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        " ",
        "\n",
        '"',
        "\\",
        "\\u",
        "d800",
        "dc00",
        "00e9",
        "\\n",
        "\\x",
        "a",
        "đ",
        "\u2028",
        "\x00",
        "\x7f",
        "0",
        "01",
        "-",
        "1",
        "9" * 20,
        "9" * 41,
        ".",
        "e",
        "E",
        "+",
        "1e400",
        "1e-400",
        "NaN",
        "Infinity",
        "-Infinity",
        "true",
        "false",
        "null",
        "tru",
        '"k"',
        '"k":1',
        "\ufeff",
    ]
)


@given(JSON_VALUES)
@example({"n": 10**40, "m": -(10**40)})
@example({"n": 10**41})
@example({"k": "\U0001f600", "j": 'a\\b"c\n', "l": "\ud800"})
@example([1e308, 5e-324, -0.0, 0.1, 1e16, 1e-5])
def test_what_json_writes_is_read_alike(value: object) -> None:
    for ascii_only in (True, False):  # a lone surrogate escaped ("\\ud800"), or written as it is
        text = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
        quick = _outcome(lambda text=text: parse_json(text, LIMIT, unique_keys=False))
        assert quick == _outcome(lambda text=text: _exact(text))


@given(st.lists(TOKENS, max_size=30).map("".join))
@example('{"a": 1, "a": 2}')
@example('{"a": "\\ud800"}')
@example('{"a": "\\udc00\\ud800"}')
@example("\ufeff{}")
@example('{"a": 1e400}')
@example('{"a": NaN}')
@example('{"a": "x\ny"}')
def test_any_text_is_read_or_refused_alike(text: str) -> None:
    raw = text.encode("utf-8", "surrogatepass")
    quick = _outcome(lambda: parse_json(raw, LIMIT, unique_keys=False))
    exact = _outcome(lambda: _exact(raw))
    assert quick[0] == exact[0]
    if quick[0] == "read":
        assert json.dumps(quick[1]) == json.dumps(exact[1])  # NaN-free, so equal texts are equal values
    else:
        assert quick[1] == exact[1]  # the same reason: the exact reader gives every refusal


def test_the_quick_way_leaves_long_numbers_and_lone_surrogates_to_the_exact_reader() -> None:
    assert _quick(b'{"n": 1' + b"0" * MAX_NUMBER_DIGITS + b"}") is _UNREAD
    assert _quick(b'{"n": "' + b"1" * (MAX_NUMBER_DIGITS + 1) + b'"}') is _UNREAD  # inside a text too
    assert _quick(b'{"n": 1' + b"0" * (MAX_NUMBER_DIGITS - 1) + b"}") == {"n": 10 ** (MAX_NUMBER_DIGITS - 1)}
    assert _quick(b'{"a": "\\ud800"}') is _UNREAD
    with pytest.raises(JsonRefused, match="lone surrogate"):
        parse_json(b'{"a": "\\ud800"}', LIMIT, unique_keys=False)
    with pytest.raises(JsonRefused, match="more than 40 digits"):
        parse_json(b'{"n": 1' + b"0" * MAX_NUMBER_DIGITS + b"}", LIMIT, unique_keys=False)
    assert parse_json(b'{"a": 1, "a": 2}', LIMIT, unique_keys=False) == {"a": 2}
    with pytest.raises(JsonRefused, match="appears twice"):
        parse_json(b'{"a": 1, "a": 2}', LIMIT)  # with unique keys, never the quick way
