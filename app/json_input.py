"""A bounded JSON reader for case files: text to Python values, or a ``ValidationError`` naming the file.

It stands apart from the case format: it only refuses what ``json.loads`` would let through but no
case file can hold (oversized files, NaN, numbers too large to be real, a key named twice), before
``app.interchange`` looks at what the values mean.
"""

from __future__ import annotations

import json
import math
from typing import Any

from app.errors import ValidationError
from app.i18n import _
from app.json_messages import clip, shown

__all__ = ["MAX_DOCUMENT_BYTES", "load_json_text"]

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_NUMBER_DIGITS = 40


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
        raise ValidationError([f"{source}: " + _("empty; expected a case object or a list of cases")])
    try:
        return json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            parse_int=_whole_number,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as exc:
        where = _("line {line} column {column}").format(line=exc.lineno, column=exc.colno)
        raise ValidationError([f"{source}: {where}: {exc.msg}"]) from None
    except ValueError as exc:
        raise ValidationError([f"{source}: {exc}"]) from None
    except RecursionError:
        raise ValidationError([f"{source}: " + _("nested too deeply")]) from None


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
