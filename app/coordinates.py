"""Coordinates as people at a post type and read them: ``10,7725`` (the Vietnamese decimal comma) or
``10.7725``, a pair pasted from a map (``10.7725, 105.1264``), and shown back with the decimal comma as
every other number in the app (app/formatting.py).

Why not ``parse_decimal``: there ``1.500`` is fifteen hundred (a point groups thousands), but a degree
is never written with thousands, so here a lone point or comma is always the decimal mark."""

from __future__ import annotations

import re

from app.errors import ValidationError
from app.i18n import _

PLACES = 6  # about 10 cm: more is noise from a phone's GPS
_NUMBER = r"[+-]?\d{1,3}(?:[.,]\d+)?"
_PAIR = re.compile(rf"^\s*({_NUMBER})\s*°?\s*(?:[;/]|,\s|\s)\s*({_NUMBER})\s*°?\s*$")
_POINTS = re.compile(r"^\s*([+-]?\d{1,3}\.\d+)\s*,\s*([+-]?\d{1,3}\.\d+)\s*$")  # 10.77,105.12


def format_coordinate(value: float | None) -> str:
    """``10,7725``: up to six decimals, no trailing zeros, the decimal comma."""
    if value is None:
        return ""
    text = f"{value:.{PLACES}f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def parse_coordinate(text: str, limit: int) -> float | None:
    """Degrees from ``10,7725``, ``10.7725``, ``-8.5°``; None for empty text; ValidationError saying what
    to write otherwise (``limit``: 90 for a latitude, 180 for a longitude)."""
    raw = text.strip().removesuffix("°").strip().replace(" ", "")
    if not raw:
        return None
    if not re.fullmatch(_NUMBER, raw):
        raise ValidationError([_("Write degrees as a decimal number, e.g. 10,7725.")])
    value = float(raw.replace(",", "."))
    if not -limit <= value <= limit:
        raise ValidationError([_("Must be between -{limit} and {limit}.").format(limit=limit)])
    return value


def split_pair(text: str) -> tuple[str, str] | None:
    """A latitude and a longitude pasted together (``10.7725, 105.1264``, ``10,7725 105,1264``,
    ``10,7725; 105,1264``), as their two texts; None for anything else (one number, say)."""
    match = _PAIR.match(text) or _POINTS.match(text)
    return (match.group(1), match.group(2)) if match else None
