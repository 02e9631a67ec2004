"""The one bounded JSON reader: text from outside to Python values, or a refusal naming the source.

Case files, bundle members (manifest, certificate, record lines), enrolment files and replies all come
from people or machines Outpost does not control. ``json.loads`` alone lets through what no Outpost
document holds and what later crashes the code that reads it (oversized text, nesting deep enough to
exhaust the stack, integers of thousands of digits, NaN, a key named twice, a list where an object
belongs); this module refuses all of that before anything looks at what the values mean
(``app.interchange`` for cases, ``app.sync`` for bundles).
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

import msgspec

from app.errors import ValidationError
from app.i18n import _
from app.json_messages import clip, shown

__all__ = [
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "JsonRefused",
    "load_json_text",
    "parse_json",
    "shape_problem",
]

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_NUMBER_DIGITS = 40
MAX_DEPTH = 64  # no Outpost document nests deeper than about 6; the stack gives out near 1 000

# A JSON string, matched without backtracking (possessive), so that brackets inside one are not counted.
_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
# A surrogate escape (only then can a parsed text hold a lone surrogate), and a surrogate in a text.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonRefused(ValueError):
    """Text the bounded reader refuses; the message says why (in the user's language), not where."""


Shape = type | tuple[type, ...] | dict[str, "Shape"]


def parse_json(text: str | bytes, max_bytes: int, *, unique_keys: bool = True) -> object:
    """``text`` as JSON values, or ``JsonRefused`` with the reason: more than ``max_bytes``, not UTF-8,
    not JSON, nested more than ``MAX_DEPTH`` deep, NaN or Infinity, an integer of more than
    ``MAX_NUMBER_DIGITS`` digits, a lone surrogate (``"\\ud800"``), or (with ``unique_keys``) an
    object naming a key twice. A leading byte-order mark is ignored."""
    if len(text) > max_bytes:
        raise JsonRefused(
            _("{size} bytes is more than the {limit} allowed").format(
                size=f"{len(text):,}", limit=f"{max_bytes:,}"
            )
        )
    raw = None
    if isinstance(text, bytes):
        raw = text.removeprefix(b"\xef\xbb\xbf")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise JsonRefused(_("not UTF-8 text")) from None
    text = text.removeprefix("\ufeff")
    if _too_deep(text):
        raise JsonRefused(_("nested more than {depth} levels deep").format(depth=MAX_DEPTH))
    value = _quick(raw) if raw is not None and not unique_keys else _UNREAD
    try:
        if value is _UNREAD:
            value = _loads(text, unique_keys)
    except json.JSONDecodeError as exc:
        where = _("line {line} column {column}").format(line=exc.lineno, column=exc.colno)
        raise JsonRefused(_("not valid JSON ({where}: {error})").format(where=where, error=exc.msg)) from None
    except RecursionError:  # the scan above should have stopped it; kept as the last guard
        raise JsonRefused(_("nested more than {depth} levels deep").format(depth=MAX_DEPTH)) from None
    except ValueError as exc:
        raise JsonRefused(str(exc)) from None
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise JsonRefused(_("a text holds half of a UTF-16 pair (a lone surrogate), which is no character"))
    return value


_UNREAD = object()
# Every ASCII digit to "9", every other byte to " ": a run of more than MAX_NUMBER_DIGITS nines in the
# translated text is the only way a number longer than the limit can hide in it (UTF-8 puts no ASCII
# byte inside another character).
_DIGIT_RUNS = bytes(ord("9") if ord("0") <= code <= ord("9") else ord(" ") for code in range(256))
_TOO_MANY_DIGITS = b"9" * (MAX_NUMBER_DIGITS + 1)
_msgspec_decode = msgspec.json.Decoder().decode


def _quick(raw: bytes) -> object:
    """UTF-8 JSON ``raw`` read by msgspec's compiled decoder (about twice as fast as ``json.loads`` with
    this reader's hooks; a bundle's record lines come through here, issue 18), or ``_UNREAD`` when the
    exact reader must look: whenever msgspec refuses the text (``_loads`` then gives the reason, or
    reads what msgspec will not, a lone surrogate, which ``parse_json`` refuses after), and whenever a
    run of digits is longer than ``MAX_NUMBER_DIGITS`` (msgspec would read such an integer). What
    msgspec reads is what ``json.loads`` reads: the same values, the last of two equal keys kept, NaN,
    Infinity and numbers beyond a float refused (``tests/test_json_input.py`` compares the two on
    random texts). Only without ``unique_keys``: msgspec does not tell when a key is named twice."""
    if _TOO_MANY_DIGITS in raw.translate(_DIGIT_RUNS):
        return _UNREAD
    try:
        return _msgspec_decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return _UNREAD


def read_again(raw: bytes) -> Any:
    """A line ``parse_json`` has accepted already, read again (a helper process given the line rather
    than its values): by msgspec, which reads it as ``json.loads`` does (``_quick``), or by ``json.loads``
    in the rare case msgspec will not."""
    try:
        return _msgspec_decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return json.loads(raw)


def _has_lone_surrogate(value: object) -> bool:
    """Whether a text in ``value`` (a key too) holds a lone surrogate, which ``json.loads`` makes of an
    unpaired ``\\ud800`` escape: nothing can write it as UTF-8 (a signature over it, the register), so
    it is refused here rather than crash whatever reads the document next (found by the property tests)."""
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def shape_problem(value: object, shape: Shape, where: str = "") -> str | None:
    """Why ``value`` does not have ``shape``, or None. A shape is a type (or a tuple of types) the value
    must be an instance of, or a dict: then the value must be an object, and each key it names, when
    present and not null, must have its own shape (a missing key is for the caller's checks of meaning).
    ``bool`` never passes for ``int``: ``true`` is not a number."""
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return _("{field} is not a JSON object").format(field=where or _("the document"))
        for key, inner in shape.items():
            if value.get(key) is not None:
                problem = shape_problem(value[key], inner, f"{where}.{key}" if where else key)
                if problem:
                    return problem
        return None
    types = shape if isinstance(shape, tuple) else (shape,)
    if isinstance(value, bool) and bool not in types:
        return _("{field} has the wrong type").format(field=where or _("the document"))
    if not isinstance(value, types):
        return _("{field} has the wrong type").format(field=where or _("the document"))
    return None


def _too_deep(text: str) -> bool:
    """Whether brackets outside strings nest more than ``MAX_DEPTH`` deep. Most documents have fewer
    brackets than that in all and are not scanned at all."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    brackets = _BRACKET.findall(_STRING.sub("", text))
    return max(accumulate(_STEP[b] for b in brackets), default=0) > MAX_DEPTH


def load_json_text(text: str, source: str) -> object:
    """Parse a JSON document; any fault becomes a ``ValidationError`` naming ``source``.

    Refuses documents over 50 MB, NaN and Infinity, numbers too large to be real, and an object
    that names the same key twice (JSON would silently keep the last). A leading byte-order mark
    is ignored.
    """
    size = len(text)
    if size * 4 > MAX_DOCUMENT_BYTES:  # only then can the UTF-8 form exceed the limit
        size = len(text.encode("utf-8", errors="surrogatepass"))
    if size > MAX_DOCUMENT_BYTES:
        mib = 1024 * 1024
        raise ValidationError(
            [
                f"{source}: "
                + _(
                    "{size} MB is larger than the {limit} MB limit for a case file; "
                    "split it into several files"
                ).format(size=f"{size / mib:.1f}", limit=MAX_DOCUMENT_BYTES // mib)
            ]
        )
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ValidationError([f"{source}: " + _("empty: the file holds no JSON document")])
    if _too_deep(text):
        raise ValidationError([f"{source}: " + _("nested too deeply")])
    try:
        return _loads(text, unique_keys=True)
    except json.JSONDecodeError as exc:
        where = _("line {line} column {column}").format(line=exc.lineno, column=exc.colno)
        raise ValidationError([f"{source}: {where}: {exc.msg}"]) from None
    except ValueError as exc:
        raise ValidationError([f"{source}: {exc}"]) from None
    except RecursionError:
        raise ValidationError([f"{source}: " + _("nested too deeply")]) from None


def _loads(text: str, unique_keys: bool) -> object:
    """``json.loads`` with the number and key checks of this reader (they raise ``ValueError``)."""
    return json.loads(
        text,
        parse_constant=_reject_constant,
        parse_float=_finite_float,
        parse_int=_whole_number,
        object_pairs_hook=_unique_keys if unique_keys else None,
    )


def _reject_constant(name: str) -> object:
    raise ValueError(
        _("{name} is not allowed in JSON (give a number or leave the field out)").format(name=name)
    )


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {clip(text, 40)} is too large")
    return value


def _whole_number(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise ValueError(f"the number {clip(text, 24)} has more than {MAX_NUMBER_DIGITS} digits")
    return int(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {shown(key)} appears twice in one object")
        result[key] = value
    return result
