"""A hand-over typed by people or programs (``outpost handover add CASE FILE``) → ``HandoverInput``,
every problem named by its path, nothing kept unless all is valid.

The same three layers as a case (``app.interchange``): the raw scan (control characters, hidden
direction marks, absurd numbers), the published JSON Schema (``resources/schemas/handover-v1.schema.json``),
then meaning (real dates); the service checks the rest against the case (its parties, its day)."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from typing import Any

from app.case_schema import scan, schema_problems
from app.errors import ValidationError
from app.handovers import HandoverInput
from app.i18n import _
from app.json_messages import shown
from app.resources import resource_path
from app.text import nfc


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator  # when a file is first read: not at start-up

    schema = json.loads(resource_path("schemas", "handover-v1.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def parse_handover(value: object) -> HandoverInput:
    """``value`` (parsed JSON) as a hand-over, or a ``ValidationError`` listing every problem."""
    problems, fatal, _fractions = scan(value, ())
    if fatal:
        raise ValidationError(problems)
    if not isinstance(value, dict):
        raise ValidationError(
            [*problems, "(hand-over): " + _("expected an object, got {value}").format(value=shown(value))]
        )
    clean = {key: _nfc_deep(item) for key, item in value.items()}
    # An optional text left empty counts as absent, as in a case.
    clean = {
        key: item for key, item in clean.items() if item != "" or key in ("receiving_agency", "handed_on")
    }
    for error in sorted(_validator().iter_errors(clean), key=lambda e: [str(p) for p in e.absolute_path]):
        problems += schema_problems(error, ())
    handed_on = None
    if isinstance(clean.get("handed_on"), str):
        try:
            handed_on = date.fromisoformat(clean["handed_on"])
            if len(clean["handed_on"]) != 10:
                raise ValueError
        except ValueError:
            problems.append(
                "handed_on: "
                + _("{value} is not a date (YYYY-MM-DD)").format(value=shown(clean["handed_on"]))
            )
    if problems:
        raise ValidationError(problems)
    assert handed_on is not None
    return HandoverInput(
        receiving_agency=clean["receiving_agency"],
        handed_on=handed_on,
        documents=tuple(clean.get("documents", ())),
        receipt_no=clean.get("receipt_no"),
        defendants=tuple(clean["defendants"]) if "defendants" in clean else None,
        handed_by=clean.get("handed_by"),
        received_by=clean.get("received_by"),
        note=clean.get("note"),
    )


def _nfc_deep(value: Any) -> Any:
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, list):
        return [_nfc_deep(item) for item in value]
    return value
