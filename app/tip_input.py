"""A tip-off file typed by a person or a program (``outpost tip add FILE|-``) → checked ``TipInput``s.

The form is published as ``resources/schemas/tip-v1.schema.json``, as the case format is
(docs/architecture.md §8), and problems are worded the same way, one ``path: reason`` each, by the
case format's schema layer (``app.case_schema``). Every problem of every tip is reported at once, so a
file is fixed in one pass; what only the register can tell (the case, the officer) the service checks
in the one transaction that stores all the tips or none. A problem never quotes the informant.

Before the schema, the case format's raw scan (``app.case_schema.scan``) refuses what no register can
store (an unpaired surrogate, control characters, hidden direction marks) and what is too deep or too
large to look at; the informant is checked apart, by a message that names the character, never the
text (found by tests/test_properties_field_work.py: a lone surrogate crashed the save)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from app.case_schema import scan, schema_problems
from app.errors import ValidationError
from app.i18n import _
from app.json_messages import Path, render
from app.resources import resource_path
from app.text import nfc

EARLIEST_YEAR, LATEST_YEAR = 1990, 9998  # as HQ's import accepts a tip's times (app/sync/tip_import.py)
# What no register stores in a text (as ``app.case_schema.scan`` refuses it): control characters but
# tab, newline and carriage return, DEL, and unpaired surrogates (which cannot even be sealed).
UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


@dataclass(frozen=True)
class TipInput:
    received_at: datetime
    channel: str
    content: str
    informant: str | None
    case: str | None
    assigned_to: str | None


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator  # when a file is first read: not at start-up

    schema: dict[str, Any] = json.loads(resource_path("schemas", "tip-v1.schema.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    one = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/tip"}
    return Draft202012Validator(one)


def parse_tips(data: object) -> list[TipInput]:
    """One tip or a non-empty list of them; a ``ValidationError`` lists every problem by its path."""
    if isinstance(data, list):
        if not data:
            raise ValidationError(["(tips): " + _("an empty list; expected at least one tip")])
        items: list[tuple[Path, object]] = [((i,), item) for i, item in enumerate(data)]
    else:
        items = [((), data)]
    problems: list[str] = []
    tips: list[TipInput] = []
    for base, item in items:
        found, tip = _one(base, item)
        problems += found
        if tip is not None:
            tips.append(tip)
    if problems:
        raise ValidationError(problems)
    return tips


def _one(base: Path, item: object) -> tuple[list[str], TipInput | None]:
    if not isinstance(item, dict):
        where = render(base) if base else "(tip)"
        return [f"{where}: " + _("expected an object")], None
    problems, fatal, _fractions = scan({k: v for k, v in item.items() if k != "informant"}, base)
    informant = item.get("informant")
    found = UNSTORABLE.search(informant) if isinstance(informant, str) else None
    if found is not None:
        code = f"{ord(found.group()):04X}"
        problems.append(
            f"{render((*base, 'informant'))}: "
            + _("contains a character that cannot be stored (U+{code})").format(code=code)
        )
    if fatal:
        return problems, None
    errors = sorted(_validator().iter_errors(item), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        if list(error.absolute_path)[:1] == ["informant"] and error.validator != "maxLength":
            # The schema's own wording would quote the value: an informant is never shown back.
            where = render((*base, "informant"))
            problems.append(f"{where}: " + _("expected text (an informant is never shown)"))
        else:
            problems += schema_problems(error, base)
    text = {k: nfc(v) if isinstance(v, str) else v for k, v in item.items()}
    received = None
    if isinstance(text.get("received_at"), str):
        received = _instant(text["received_at"])
        if received is None:
            problems.append(
                f"{render((*base, 'received_at'))}: "
                + _("expected a date and time with its UTC offset, e.g. 2026-11-20T21:00:00+07:00")
            )
    if isinstance(item.get("content"), str) and not text["content"] and "content" not in str(problems):
        problems.append(f"{render((*base, 'content'))}: " + _("must not be empty"))
    if problems or received is None:
        return problems, None
    return [], TipInput(
        received_at=received,
        channel=text.get("channel") or "",
        content=text["content"],
        informant=text.get("informant") or None,
        case=text.get("case") or None,
        assigned_to=text.get("assigned_to") or None,
    )


def _instant(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None or not EARLIEST_YEAR <= moment.astimezone(UTC).year <= LATEST_YEAR:
        return None
    return moment
