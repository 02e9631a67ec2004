"""Folding for search, identity numbers and plates."""

from __future__ import annotations

from datetime import date

import pytest

from app.text import check_id_number, check_plate, check_vessel, fold, format_plate, normalize_plate


@pytest.mark.parametrize(("text", "folded"), [
    ("Thuốc lá Hero", "thuoc la hero"),
    ("ĐƯỜNG CÁT", "duong cat"),
    ("Đồn Biên phòng  Vĩnh   Xương", "don bien phong vinh xuong"),
    ("Nguyễn Thị Ánh", "nguyen thi anh"),
    ("Thuo\u0302\u0301c", "thuoc"),  # decomposed input
])
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_valid_cccd_has_no_warning() -> None:
    assert check_id_number("089090001234", nationality="VN", birth_date=date(1990, 5, 1),
                           gender="male", path="p") == []


@pytest.mark.parametrize(("number", "kwargs", "message"), [
    ("12345", {}, "not a 12-digit CCCD"),
    ("123456789", {}, "9-digit CMND"),
    ("000090001234", {}, "'000' is not a province code"),
    ("089090001234", {"birth_date": date(1991, 5, 1)}, "birth year 1990"),
    ("089190001234", {"gender": "male"}, "gender digit says female, the record says male"),
    ("089890001234", {}, "after 2100"),
])
def test_cccd_warnings(number: str, kwargs: dict[str, object], message: str) -> None:
    args = {"nationality": "VN", "birth_date": None, "gender": None, **kwargs}
    notices = check_id_number(number, path="parties[0].id_number", **args)  # type: ignore[arg-type]
    assert any(message in n.message for n in notices), notices
    assert all(n.path == "parties[0].id_number" for n in notices)


def test_foreign_documents_are_not_checked() -> None:
    assert check_id_number("N1234567", nationality="KH", birth_date=None, gender=None, path="p") == []


@pytest.mark.parametrize(("plate", "compact", "shown"), [
    ("67H1-204.13", "67H120413", "67H1-204.13"),
    ("67h1 20413", "67H120413", "67H1-204.13"),
    ("68C-028.48", "68C02848", "68C-028.48"),
    ("67C 02848", "67C02848", "67C-028.48"),
])
def test_plates(plate: str, compact: str, shown: str) -> None:
    assert normalize_plate(plate) == compact
    assert format_plate(plate) == shown
    assert check_plate(plate, "v") == []


@pytest.mark.parametrize("plate", ["ABC", "05H1-204.13", "67H1-20"])
def test_odd_plates_warn_but_are_kept(plate: str) -> None:
    assert check_plate(plate, "vehicles[0].plate")
    assert format_plate(plate) == plate


def test_vessels() -> None:
    assert check_vessel("KG-91234-TS", "v") == []
    assert check_vessel("ghe không số", "v")


def test_fold_removes_exactly_the_combining_marks_of_every_character() -> None:
    """The quick path (one regular expression for Vietnamese marks) gives what removing every
    combining mark one by one gives, for every character of the Basic Multilingual Plane."""
    import re
    import unicodedata

    def reference(value: str) -> str:
        lowered = unicodedata.normalize("NFC", value).lower().replace("đ", "d")
        kept = "".join(ch for ch in unicodedata.normalize("NFD", lowered) if not unicodedata.combining(ch))
        return re.sub(r"\s+", " ", kept).strip()

    characters = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(characters), 64):
        chunk = "".join(characters[start : start + 64])
        assert fold(chunk) == reference(chunk), hex(ord(chunk[0]))
        assert fold("Đường " + chunk[:8]) == reference("Đường " + chunk[:8])
    sample = "Thuốc lá Hero ĐƯỜNG CÁT Thái Lan, ghe gỗ 8 m — Nguyễn Văn Ánh Ð ǅ ﬁ"
    assert fold(sample) == reference(sample)
    # Each character alone in Vietnamese text, where the quickest path (dropping what is not ASCII)
    # is taken unless the character rules it out.
    for character in characters:
        text = f"Đường\t{character}  cát "
        assert fold(text) == reference(text), hex(ord(character))
