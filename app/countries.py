"""Countries by name: ``KH`` is shown and printed as "Campuchia" (in English, "Cambodia"), and a name
typed in either language is stored as its code.

Why codes underneath: a person's nationality and goods' origin are compared, counted and exported by
code (ISO 3166-1 alpha-2, as the case JSON has them); people read names. The table holds the countries
a border post in An Giang meets (its neighbours, the origins of smuggled goods, the usual passports);
a code not in it is shown as it is, and so is free text typed before this table existed."""

from __future__ import annotations

import unicodedata

from app.i18n import label_language

# code: (Vietnamese, English)
COUNTRIES: dict[str, tuple[str, str]] = {
    "VN": ("Việt Nam", "Viet Nam"),
    "KH": ("Campuchia", "Cambodia"),
    "LA": ("Lào", "Laos"),
    "TH": ("Thái Lan", "Thailand"),
    "CN": ("Trung Quốc", "China"),
    "MM": ("Myanmar", "Myanmar"),
    "MY": ("Malaysia", "Malaysia"),
    "SG": ("Singapore", "Singapore"),
    "ID": ("Indonesia", "Indonesia"),
    "PH": ("Philippines", "Philippines"),
    "TW": ("Đài Loan", "Taiwan"),
    "HK": ("Hồng Kông", "Hong Kong"),
    "KR": ("Hàn Quốc", "South Korea"),
    "JP": ("Nhật Bản", "Japan"),
    "IN": ("Ấn Độ", "India"),
    "AU": ("Úc", "Australia"),
    "US": ("Hoa Kỳ", "United States"),
    "GB": ("Anh", "United Kingdom"),
    "FR": ("Pháp", "France"),
    "DE": ("Đức", "Germany"),
    "RU": ("Nga", "Russia"),
    "AE": ("Các Tiểu vương quốc Ả Rập Thống nhất", "United Arab Emirates"),
}


def country_name(code: str | None, language: str | None = None) -> str:
    """The country's name in the label language (``KH`` → "Campuchia"); text that is not a known code
    (an older free-text entry) is returned as it is."""
    if not code:
        return ""
    names = COUNTRIES.get(code.strip().upper())
    if names is None:
        return code
    return names[1] if (language or label_language()) == "en" else names[0]


def _folded(text: str) -> str:
    plain = unicodedata.normalize("NFD", text.strip().casefold().replace("đ", "d"))
    return "".join(ch for ch in plain if not unicodedata.combining(ch))


_BY_NAME = {_folded(name): code for code, names in COUNTRIES.items() for name in names}


def country_code(text: str | None) -> str | None:
    """The code for what a person typed: a code (``kh``), or a name in either language, with or without
    diacritics ("campuchia", "Cambodia"); other text is kept as typed (None for empty)."""
    if text is None or not text.strip():
        return None
    if text.strip().upper() in COUNTRIES:
        return text.strip().upper()
    return _BY_NAME.get(_folded(text), text.strip())


def choices(language: str | None = None) -> list[tuple[str, str]]:
    """(code, name) pairs for a list to choose from: Viet Nam and its neighbours first, as in the table."""
    return [(code, country_name(code, language)) for code in COUNTRIES]
