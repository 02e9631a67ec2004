"""Text hygiene: NFC normalisation, search folding, and identity-document and plate checks."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.i18n import N_, _

# Old 63-province birth-registration codes used in the first three CCCD digits (unchanged in 2025).
GENDER_TEXT = {"male": N_("male"), "female": N_("female")}
CCCD_PROVINCES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 "
    "036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 "
    "074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096".split()
)

# Tried in order: a five-digit number is the modern form, so "68C02848" reads 68C-028.48.
_PLATES = (
    re.compile(r"^(\d{2})([A-Z]{1,2})(\d{5})$"),
    re.compile(r"^(\d{2})([A-Z]{1,2}\d)(\d{4,5})$"),
    re.compile(r"^(\d{2})([A-Z]{1,2})(\d{4})$"),
)
_VESSEL = re.compile(r"^([A-Z]{2,3})(\d{4,5})TS$")
# Combining marks of the Combining Diacritical Marks block; U+034F (grapheme joiner) is not one.
_COMMON_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]")
# Anything but ASCII and those marks: Vietnamese text decomposes into ASCII letters and such marks only.
_BEYOND_COMMON_MARKS = re.compile("[^\x00-\x7f\u0300-\u034e\u0350-\u036f]")


def nfc(value: str) -> str:
    """Unicode NFC with surrounding white space removed: the one form text is stored in."""
    return unicodedata.normalize("NFC", value).strip()


def nfc_deep(value: Any) -> Any:
    """NFC every string inside a JSON-like value."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, list):
        return [nfc_deep(v) for v in value]
    if isinstance(value, dict):
        return {k: nfc_deep(v) for k, v in value.items()}
    return value


def fold(value: str) -> str:
    """Lower case without diacritics, with đ folded to d: "Đường cát" -> "duong cat"."""
    lowered = unicodedata.normalize("NFC", value).lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", lowered)
    if _BEYOND_COMMON_MARKS.search(decomposed) is None:
        # Only marks of U+0300-U+036F lie outside ASCII (all Vietnamese text): dropping every non-ASCII
        # character removes exactly them, several times faster than replacing them one by one.
        stripped = decomposed.encode("ascii", "ignore").decode("ascii")
    else:
        # Vietnamese marks all lie in U+0300-U+036F: removed by one regular expression, and only what
        # is left outside ASCII (other scripts, symbols) is looked at mark by mark.
        stripped = _COMMON_MARKS.sub("", decomposed)
        if not stripped.isascii():
            stripped = "".join(ch for ch in stripped if not unicodedata.combining(ch))
    # str.split() splits on the characters ``\s`` matches: the runs become one space, the ends none.
    return " ".join(stripped.split())


@dataclass(frozen=True)
class Notice:
    """A warning about a value that is kept as entered: it never blocks a save."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def normalize_id_number(value: str) -> str:
    """Compact form of an identity number for matching: upper case, no spaces, dots or dashes."""
    return re.sub(r"[\s.\-]", "", nfc(value)).upper()


def check_id_number(
    value: str,
    *,
    nationality: str | None,
    birth_date: date | None,
    gender: str | None,
    path: str,
) -> list[Notice]:
    """Warnings for a CCCD (12 digits) or CMND (9 digits); foreign documents are not checked."""
    compact = normalize_id_number(value)
    if not compact:
        return []
    if nationality not in (None, "", "VN"):
        return []
    if compact.isdigit() and len(compact) == 9:
        message = _("9-digit CMND (old identity card); ask for the 12-digit CCCD")
        return [Notice(path, message)]
    if not (compact.isdigit() and len(compact) == 12):
        message = _("'{value}' is not a 12-digit CCCD nor a 9-digit CMND").format(value=value)
        return [Notice(path, message)]
    notices: list[Notice] = []
    province, code = compact[:3], int(compact[3])
    if province not in CCCD_PROVINCES:
        message = _("'{province}' is not a province code of a CCCD").format(province=province)
        notices.append(Notice(path, message))
    century = 1900 + (code // 2) * 100
    if century > 2100:
        message = _("century digit {code} gives a birth year after 2100").format(code=code)
        notices.append(Notice(path, message))
    year = century + int(compact[4:6])
    if birth_date is not None and birth_date.year != year:
        notices.append(
            Notice(path, _("CCCD gives birth year {year} but the birth date is {date}").format(
                year=year, date=f"{birth_date:%d/%m/%Y}"))
        )
    if gender in ("male", "female"):
        coded = "female" if code % 2 else "male"
        if coded != gender:
            message = _("the CCCD gender digit says {coded}, the record says {gender}").format(
                coded=_(GENDER_TEXT[coded]), gender=_(GENDER_TEXT[gender])
            )
            notices.append(Notice(path, message))
    return notices


def normalize_plate(value: str) -> str:
    """Compact plate for matching: "67H1-204.13" -> "67H120413"."""
    return re.sub(r"[^0-9A-Z]", "", nfc(value).upper().replace("Đ", "D"))


def _match_plate(compact: str) -> re.Match[str] | None:
    for pattern in _PLATES:
        match = pattern.match(compact)
        if match:
            return match
    return None


def check_plate(value: str, path: str) -> list[Notice]:
    compact = normalize_plate(value)
    if not compact:
        return []
    match = _match_plate(compact)
    if not match:
        message = _("'{value}' is not in a Vietnamese plate format (e.g. 67H1-204.13)").format(value=value)
        return [Notice(path, message)]
    if int(match.group(1)) < 11:
        return [Notice(path, _("'{code}' is not a province code of a plate").format(code=match.group(1)))]
    return []


def format_plate(value: str) -> str:
    """Display form of a plate in the usual shape when it matches one, else as entered."""
    match = _match_plate(normalize_plate(value))
    if not match:
        return nfc(value)
    digits = match.group(3)
    tail = f"{digits[:3]}.{digits[3:]}" if len(digits) == 5 else digits
    return f"{match.group(1)}{match.group(2)}-{tail}"


def normalize_vessel(value: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", nfc(value).upper().replace("Đ", "D"))


def check_vessel(value: str, path: str) -> list[Notice]:
    compact = normalize_vessel(value)
    if not compact:
        return []
    if not _VESSEL.match(compact):
        message = _("'{value}' is not a fishing-vessel number (e.g. KG-91234-TS)").format(value=value)
        return [Notice(path, message)]
    return []
