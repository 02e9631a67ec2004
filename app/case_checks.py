"""Checks of an entered case that every way in shares: the editor, the CLI and a case file.

A case file is read by ``app.interchange`` (which words these refusals by the file's own paths); the
editor builds a ``CaseInput`` itself, so the case service runs the same checks on it before a save.
Refusals are text that deceives a reader (hidden direction changes, a summary that shows nothing) and
an offence time in the future; warnings (docs/domain.md §3) are kept beside a saved case, never block.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING

from app.domain import CaseInput
from app.i18n import _
from app.json_messages import quoted

if TYPE_CHECKING:
    from app.reference import Reference

# Bidi embeddings, overrides (U+202A-U+202E) and isolates (U+2066-U+2069): they reorder what is shown,
# so "67H1-204.13" can display as another plate, in any field a reader trusts.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# A few minutes for the clocks of two computers that disagree; a case cannot have happened later.
CLOCK_SKEW = timedelta(minutes=5)
# Characters that show nothing and are not in the categories below.
_INVISIBLE_LETTERS = frozenset("\u034f\u115f\u1160\u3164\uffa0")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def bidi_problem(value: str) -> str | None:
    """The refusal of a text holding a direction-changing character, or None."""
    found = BIDI_CONTROLS.search(value)
    if found is None:
        return None
    # Shown escaped: the character itself would reorder the message that names it.
    visible = BIDI_CONTROLS.sub(lambda hidden: f"<U+{ord(hidden.group()):04X}>", value)
    return _("{value} contains a hidden direction-changing character (U+{code})").format(
        value=quoted(visible), code=f"{ord(found.group()):04X}"
    )


def only_invisible(value: str) -> bool:
    """True for a non-empty text of which no character shows (white space, zero-width marks)."""
    return bool(value) and all(
        ch in _INVISIBLE_LETTERS or unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in value
    )


def invisible_problem() -> str:
    return _("holds only invisible characters; leave it empty or write the summary")


def future_problem(written: str) -> str:
    """The refusal of an offence time ``written`` (as shown to the reader) after the register's clock."""
    return _("{value} is in the future").format(value=written)


def _texts(value: object, path: str) -> list[tuple[str, str]]:
    """Every text inside a ``CaseInput`` value, with its path as a case file names it."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, tuple):
        return [found for i, item in enumerate(value) for found in _texts(item, f"{path}[{i}]")]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        prefix = f"{path}." if path else ""
        return [
            found
            for field in dataclasses.fields(value)
            for found in _texts(getattr(value, field.name), prefix + field.name)
        ]
    return []


def case_refusals(data: CaseInput, now: datetime) -> list[str]:
    """What keeps ``data`` from being saved, each as ``path: reason``; ``now`` is the register's clock."""
    problems = [
        f"{path}: {problem}"
        for path, text in _texts(data, "")
        if (problem := bidi_problem(text)) is not None
    ]
    if only_invisible(data.summary):
        problems.append("summary: " + invisible_problem())
    for key, moment in (("occurred_at", data.occurred_at), ("detected_at", data.detected_at)):
        if moment is not None and moment > now + CLOCK_SKEW:
            problems.append(f"{key}: {future_problem(quoted(moment.isoformat()))}")
    return problems


def case_warnings(data: CaseInput, reference: Reference, zone: tzinfo) -> list[str]:
    """What a reader should look at again in a case that is kept as entered; ``zone`` is the
    register's, whose day the offence fell on."""
    warnings: list[str] = []
    handling = data.handling
    offence_day = data.occurred_at.astimezone(zone).date()
    if handling.decision_date is not None and handling.decision_date < offence_day:
        warnings.append(
            "handling.decision_date: "
            + _("the decision ({decision}) is dated before the offence ({offence})").format(
                decision=f"{handling.decision_date:%d/%m/%Y}", offence=f"{offence_day:%d/%m/%Y}"
            )
        )
    if handling.outcome == "admin_fine":
        totals: dict[str, Decimal] = {}
        for goods in data.goods:
            commodity = reference.commodities.get(goods.commodity)
            if commodity is None or commodity.criminal_threshold is None:
                continue
            quantity, unit = commodity.to_base(goods.quantity, goods.unit)
            if unit == commodity.base_unit:
                totals[commodity.code] = totals.get(commodity.code, Decimal(0)) + quantity
        for code, total in totals.items():
            commodity = reference.commodities[code]
            threshold = commodity.criminal_threshold
            if threshold is not None and total >= threshold:
                warnings.append(
                    "handling.outcome: "
                    + _(
                        "an administrative fine for {quantity} {unit} of {commodity}, at or over the "
                        "criminal threshold of {threshold} {unit}"
                    ).format(
                        quantity=f"{total.normalize():f}",
                        unit=commodity.base_unit,
                        commodity=commodity.label(),
                        threshold=f"{threshold.normalize():f}",
                    )
                )
    return warnings
