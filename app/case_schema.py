"""The first two checks of a case document: a scan of the raw value, then the JSON Schema.

``resources/schemas/case-v1.schema.json`` publishes the format; this module applies it (a compiled
quick check for the usual valid case, the full validator to word the problems) and words what it
finds as ``path: reason``. It stands apart from the checks of meaning (``app.case_reader``) because
it knows nothing of reference data: only form, types and what can be stored.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from app.case_checks import bidi_problem
from app.case_shape import compile_shape
from app.i18n import N_, _
from app.json_messages import MAX_INTEGER_BITS, Path, PathPart, clip, is_int, render, shown
from app.resources import resource_path
from app.text import nfc

if TYPE_CHECKING:  # the validator is imported when a file is first checked: not by every command
    from jsonschema.exceptions import ValidationError as SchemaError

MAX_DEPTH = 32  # a valid case nests 4 levels deep
_TYPE_WORDS = {
    "string": N_("text"),
    "integer": N_("a whole number"),
    "number": N_("a number"),
    "boolean": N_("true or false"),
    "array": N_("a list"),
    "object": N_("an object"),
    "null": "null",
}


# ---------------------------------------------------------------------------------------------
# Layer 1: the raw value


def scan(value: object, base: Path) -> tuple[list[str], bool, bool]:
    """Problems that no later layer can handle, whether the case must not be looked at further (too
    deep to walk safely, or a number too large to print), and whether a number with a fraction part
    stands anywhere but in the coordinates."""
    problems: list[str] = []
    fatal = fractions = False
    coordinates = {(*base, "latitude"), (*base, "longitude")}
    stack: list[tuple[object, Path, int]] = [(value, base, 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            problems.append(
                f"{render(path)}: " + _("nested more than {depth} levels deep").format(depth=MAX_DEPTH)
            )
            fatal = True
        elif isinstance(item, dict):
            stack.extend((v, (*path, str(k)), depth + 1) for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((v, (*path, i), depth + 1) for i, v in reversed(list(enumerate(item))))
        elif isinstance(item, str):
            found = _UNSTORABLE.search(item)
            if found is not None:
                bad = found.group()
                text = (
                    _("{value} contains an unpaired surrogate U+{code}")
                    if "\ud800" <= bad <= "\udfff"
                    else _("{value} contains the control character U+{code}")
                )
                problems.append(f"{render(path)}: " + text.format(value=shown(item), code=f"{ord(bad):04X}"))
            hidden = bidi_problem(item)
            if hidden is not None:  # in every text of a case: none has a use for them
                problems.append(f"{render(path)}: {hidden}")
        elif isinstance(item, int) and item.bit_length() > MAX_INTEGER_BITS:
            problems.append(f"{render(path)}: " + _("the number is far too large"))
            fatal = True
        elif isinstance(item, float) and path not in coordinates:
            fractions = True
    return problems, fatal, fractions


# Control characters other than tab, newline and carriage return, DEL, and unpaired surrogates.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# What ``scan`` reports in a text: the above and the direction-changing characters (``app.case_checks``).
_REPORTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_COORDINATES = frozenset({"latitude", "longitude"})


class _Unusual(Exception):
    """Something ``scan`` must look at: a text it would report, a huge number, a fraction, deep nesting."""


def plain_nfc(case: dict[str, Any]) -> dict[str, Any] | None:
    """``nfc_deep(case)`` when ``scan`` would find nothing in it (no problem, nothing fatal, no fraction
    outside the coordinates), else None. One walk instead of two, without the paths ``scan`` builds
    for its messages; a case it declines goes through ``scan`` as before."""
    try:
        return {
            key: value if isinstance(value, float) and key in _COORDINATES else _plain_value(value, 1)
            for key, value in case.items()
        }
    except _Unusual:
        return None


def _plain_value(value: object, depth: int) -> Any:
    """``nfc_deep(value)`` for a value ``depth`` levels down, raising ``_Unusual`` where ``scan``
    would report something or count a fraction."""
    if depth > MAX_DEPTH:
        raise _Unusual
    if isinstance(value, str):
        if _REPORTED.search(value) is not None:
            raise _Unusual
        return nfc(value)
    if isinstance(value, dict):
        if depth == MAX_DEPTH:
            return {key: _plain_value(item, depth + 1) for key, item in value.items()}
        # The texts of an object are most of a case: read here rather than one call each.
        plain: dict[Any, Any] = {}
        for key, item in value.items():
            kind = type(item)
            if kind is str:
                if _REPORTED.search(item) is not None:
                    raise _Unusual
                plain[key] = (item if item.isascii() else unicodedata.normalize("NFC", item)).strip()
            elif item is None or kind is bool or kind is int and item.bit_length() <= MAX_INTEGER_BITS:
                plain[key] = item
            else:
                plain[key] = _plain_value(item, depth + 1)
        return plain
    if isinstance(value, list):
        return [_plain_value(item, depth + 1) for item in value]
    if isinstance(value, int) and value.bit_length() > MAX_INTEGER_BITS or isinstance(value, float):
        raise _Unusual
    return value


# ---------------------------------------------------------------------------------------------
# Layer 2: the JSON Schema


def _strict_integer(_checker: object, value: object) -> bool:
    """Unlike JSON Schema's default, 150.0 is not a whole number here: it would be read as one
    silently, and the sender meant something else or made a mistake."""
    return is_int(value)


@cache
def _schema() -> dict[str, Any]:
    from jsonschema import Draft202012Validator

    schema: dict[str, Any] = json.loads(
        resource_path("schemas", "case-v1.schema.json").read_text(encoding="utf-8")
    )
    Draft202012Validator.check_schema(schema)
    return schema


@cache
def _case_schema() -> dict[str, Any]:
    """The schema of one case (``$defs/case``): a list is taken apart here, so that every problem is
    named by the path of its case (``[2].goods[0].unit``), and each case is checked on its own."""
    schema = _schema()
    return {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/case"}


def strict_validator(schema: dict[str, Any]) -> Any:
    """A 2020-12 validator of ``schema`` whose integers are whole numbers only (``_strict_integer``): the
    case format's and every format built like it (activities)."""
    from jsonschema import Draft202012Validator, validators  # when a file is first read: not at start-up

    strict = validators.extend(
        Draft202012Validator,
        type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer),
    )
    return strict(schema)


@cache
def _validator() -> Any:
    return strict_validator(_case_schema())


def inlined(node: Any, defs: Mapping[str, Any]) -> Any:
    """The schema with every ``$ref`` replaced by what it names, its sibling keywords kept beside it
    in an ``allOf`` (2020-12 applies them; a draft-07 validator would ignore them)."""
    if isinstance(node, list):
        return [inlined(v, defs) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: inlined(v, defs) for k, v in node.items() if k not in ("$defs", "$schema", "$id")}
    ref = node.pop("$ref", None)
    if ref is None:
        return node
    target = inlined(defs[str(ref).rsplit("/", 1)[-1]], defs)
    return {"allOf": [target, node]} if node else target


@cache
def _quick_check() -> Callable[[Any], bool]:
    """A compiled form of the schema (``app.case_shape``, msgspec) that answers "valid or not" far
    faster than the validator that words the messages. It is only trusted to say "valid", and only
    where it is at least as strict as the schema: formats are not asserted (as in the validator), and a
    JSON number with a fraction part (which the scan counts) sends the case to the full validator."""
    schema = _case_schema()
    return compile_shape(inlined(schema, schema["$defs"]))


def schema_errors(clean: dict[str, Any], has_fractions: bool) -> list[SchemaError]:
    if not has_fractions:
        if _quick_check()(clean):
            return []
        # else the full validator says what is wrong
    return sorted(_validator().iter_errors(clean), key=lambda e: _path_key(e.absolute_path))


def _path_key(path: Sequence[PathPart]) -> list[tuple[int, int, str]]:
    return [(0, part, "") if isinstance(part, int) else (1, 0, part) for part in path]


def schema_problems(error: SchemaError, base: Path) -> list[str]:
    path: Path = (*base, *error.absolute_path)
    where = render(path)
    kind, value, rule = error.validator, error.instance, error.validator_value
    if kind == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        problems = []
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.75)
                text = _("unknown field (did you mean '{name}'?)") if close else _("unknown field")
                problems.append(
                    f"{render((*path, clip(str(key), 40)))}: " + text.format(name=close[0] if close else "")
                )
        return problems
    if kind == "required":
        return [f"{render((*path, key))}: " + _("required") for key in rule if key not in value]
    if kind == "type":
        wanted = rule if isinstance(rule, list) else [rule]
        words = _(" or ").join(_(_TYPE_WORDS[str(w)]) if str(w) in _TYPE_WORDS else str(w) for w in wanted)
        return [f"{where}: " + _("expected {kind}, got {value}").format(kind=words, value=shown(value))]
    if kind == "enum":
        choices = ", ".join(map(str, rule))
        return [
            f"{where}: " + _("{value} is not one of {choices}").format(value=shown(value), choices=choices)
        ]
    if kind == "minimum":
        return [
            f"{where}: "
            + _("{value} is below the minimum {minimum}").format(value=shown(value), minimum=rule)
        ]
    if kind == "minLength":
        return [f"{where}: " + _("must not be empty")]
    if kind == "maxLength":
        return [f"{where}: " + _("longer than {limit} characters").format(limit=rule)]
    return [f"{where}: {clip(error.message, 200)}"]
