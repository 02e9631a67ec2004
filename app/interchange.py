"""Case interchange format v1 (docs/architecture.md §8): JSON to typed ``CaseInput`` values (the
document's fields and how a case is written are ``app.case_json``'s).

``parse_cases`` checks a whole document before it returns anything and reports every problem of
every case at once, each as ``path: reason`` (``[2].goods[0].unit: 'crate' is not a unit of
cigarettes``). The checks come in three layers, each in its own module, and this one runs them:

1. a scan of the raw value: nesting depth, absurd numbers, characters that cannot be stored and
   direction-changing characters in any text (``app.case_schema``, ``app.case_checks``);
2. the JSON Schema ``resources/schemas/case-v1.schema.json``: fields, types, required fields
   (``app.case_schema``);
3. Python: what depends on reference data (codes, units, communes) or on meaning (real dates, time
   zones, ranges, positive quantities) (``app.case_reader``).

A case becomes a ``CaseInput`` only when all three found nothing. Text is NFC-normalised and
trimmed before it is checked; an optional text field left empty counts as absent. The read-only
fields of a stored case (what ``case show --json`` prints beside the entered ones) pass the schema's
checks of their form and are not read: the register that adds the case gives it its own. The text
of a file becomes a JSON value through ``app.json_input.load_json_text`` first.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.case_reader import CaseReader
from app.case_schema import plain_nfc, scan, schema_errors, schema_problems
from app.domain import CaseInput
from app.errors import ValidationError
from app.i18n import _
from app.json_messages import Path, render, shown
from app.reference import Reference
from app.text import nfc_deep

__all__ = ["parse_cases"]


def parse_cases(data: object, reference: Reference, *, now: datetime | None = None) -> list[CaseInput]:
    """One case object or a non-empty list of them (as ``json.loads`` gives them), all valid.

    Raises ``ValidationError`` whose ``problems`` list every problem of every case as
    ``path: reason``; nothing is returned unless the whole document is valid. ``now`` (aware)
    is the moment "the future" is measured from; the current time by default.
    """
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("parse_cases needs an aware 'now'")
    if isinstance(data, dict):
        items: list[object] = [data]
        bases: list[Path] = [()]
    elif isinstance(data, list):
        if not data:
            raise ValidationError([_("(document)") + ": " + _("the list holds no case")])
        items, bases = data, [(i,) for i in range(len(data))]
    else:
        raise ValidationError(
            [
                _("(document)")
                + ": "
                + _("expected a case object or a list of cases, got {value}").format(value=shown(data))
            ]
        )
    problems: list[str] = []
    cases: list[CaseInput] = []
    for raw, base in zip(items, bases, strict=True):
        if not isinstance(raw, dict):
            where = render(base) if base else _("(document)")
            problems.append(f"{where}: " + _("expected a case object, got {value}").format(value=shown(raw)))
            continue
        found: list[str] = []
        fractions = False
        plain = plain_nfc(raw)
        if plain is not None:  # nothing for the scan to report: the usual case, in one walk
            clean = plain
        else:
            found, fatal, fractions = scan(raw, base)
            problems += found
            if fatal:
                continue
            clean = nfc_deep(raw)
        errors = schema_errors(clean, fractions)
        for error in errors:
            problems += schema_problems(error, base)
        reader = CaseReader(reference, base, moment)
        case = reader.case(clean)
        problems += reader.problems
        if case is None and not (found or errors or reader.problems):
            raise RuntimeError(f"{render(base)}: case not read, yet no problem was recorded")
        if case is not None and not (found or errors):
            cases.append(case)
    if problems:
        raise ValidationError(list(dict.fromkeys(problems)))
    return cases
