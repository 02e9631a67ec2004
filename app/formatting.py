"""Numbers, money and dates as people at the post read and type them: 22.500.000 đ, 1,5 kg, 23/11/2026.

Vietnamese conventions (``.`` groups thousands, ``,`` marks decimals, dates dd/MM/yyyy) are used
in both languages: the figures on screen must match the printed forms and the reports.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from app.errors import ValidationError
from app.i18n import _

DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"
_GROUPS = re.compile(r"^\d{1,3}(\.\d{3})*$")


def group_thousands(digits: str) -> str:
    """``"22500000"`` → ``"22.500.000"`` (digits only, no sign)."""
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return ".".join(parts)


def format_int(value: int | None) -> str:
    if value is None:
        return ""
    sign = "-" if value < 0 else ""
    return sign + group_thousands(str(abs(value)))


def format_money(value: int | None) -> str:
    """Đồng, whole numbers: ``22.500.000``."""
    return format_int(value)


def format_decimal(value: Decimal | int | None) -> str:
    """Exact quantities without trailing zeros: ``1.500``, ``2,5``, ``0,375``."""
    if value is None:
        return ""
    value = Decimal(value)
    sign = "-" if value < 0 else ""
    text = format(abs(value).normalize(), "f")
    whole, _, fraction = text.partition(".")
    return sign + group_thousands(whole) + ("," + fraction if fraction else "")


def parse_decimal(text: str) -> Decimal:
    """Reads what a person types: ``1.500``, ``1500``, ``2,5``, ``2.5`` (a lone point with other
    than three digits after it is a decimal point), ``1.234,5``. Raises ``ValidationError``."""
    raw = text.strip().replace(" ", "").replace("\u00a0", "")
    if not raw:
        raise ValidationError([_("no number given")])
    negative = raw.startswith("-")
    raw = raw.lstrip("+-")
    if "," in raw:
        whole, _comma, fraction = raw.rpartition(",")
        if "," in whole or (whole and "." in whole and not _GROUPS.match(whole)):
            raise ValidationError([_("“{text}” is not a number").format(text=text.strip())])
        whole = whole.replace(".", "")
    elif raw.count(".") == 1 and not _GROUPS.match(raw):
        whole, _point, fraction = raw.partition(".")
    else:
        if "." in raw and not _GROUPS.match(raw):
            raise ValidationError([_("“{text}” is not a number").format(text=text.strip())])
        whole, fraction = raw.replace(".", ""), ""
    if not (whole or fraction) or not (whole + fraction).isdigit():
        raise ValidationError([_("“{text}” is not a number").format(text=text.strip())])
    try:
        value = Decimal(f"{whole or '0'}.{fraction or '0'}")
    except InvalidOperation as exc:  # pragma: no cover - digits only reach here
        raise ValidationError([_("“{text}” is not a number").format(text=text.strip())]) from exc
    return -value if negative else value


def parse_money(text: str) -> int:
    """Whole đồng: ``22.500.000``, ``22500000``, ``22 500 000 đ``."""
    raw = text.strip().removesuffix("đ").removesuffix("VND").removesuffix("vnđ").strip()
    value = parse_decimal(raw)
    if value != value.to_integral_value():
        raise ValidationError([_("“{text}”: amounts in đồng are whole numbers").format(text=text.strip())])
    return int(value)


def format_date(value: date | None) -> str:
    return value.strftime(DATE_FORMAT) if value else ""


def format_datetime(value: datetime | None) -> str:
    return value.strftime(DATETIME_FORMAT) if value else ""


def parse_date(text: str) -> date:
    """``23/11/2026`` (also with ``-`` or ``.``, and one-digit day or month)."""
    match = re.fullmatch(r"\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*", text)
    if not match:
        raise ValidationError([_("“{text}” is not a date (dd/mm/yyyy)").format(text=text.strip())])
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValidationError([_("“{text}” is not a real date").format(text=text.strip())]) from exc
