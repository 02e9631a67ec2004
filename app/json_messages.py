"""How a problem in a JSON document is worded: where it stands (``[2].goods[0].unit``) and its value.

The bounded reader (``app.json_input``), the schema layer (``app.case_schema``) and the checks of
meaning (``app.case_reader``) all report a problem as ``path: reason`` on one line; they share this
wording so that a message reads the same whichever layer found it.
"""

from __future__ import annotations

import json
from typing import TypeGuard

MAX_INTEGER_BITS = 128

PathPart = str | int
Path = tuple[PathPart, ...]


def render(path: Path) -> str:
    """``("goods", 0, "unit")`` -> ``goods[0].unit``; ``(2, "goods")`` -> ``[2].goods``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "(case)"


def clip(text: str, limit: int = 60) -> str:
    """Cut short, with control and other unprintable characters escaped: a message is one line."""
    text = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape", "backslashreplace").decode() for ch in text
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(value: object) -> str:
    """A value as JSON text, cut short: ``"yes"``, ``1.5``, ``true``."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INTEGER_BITS:
        return "a number too large to show"
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return clip(text)


def quoted(value: str) -> str:
    """A text value as the messages show it: ``'crate'``."""
    return f"'{clip(value)}'"


def is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)

