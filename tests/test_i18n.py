"""The catalog: every string marked in the code has a Vietnamese translation with the same placeholders."""

from __future__ import annotations

import ast
import re
import string
from decimal import Decimal
from pathlib import Path

import pytest

from app import i18n
from app.errors import ValidationError
from app.formatting import format_decimal, format_money, parse_date, parse_decimal, parse_money

ROOT = Path(__file__).resolve().parents[1]
MARKERS = {"_": 0, "N_": 0, "ngettext": 0, "pgettext": 1}


def marked_strings() -> dict[tuple[str | None, str], list[str]]:
    """(context, message id) → where it is used, from every module of app/ and ui/."""
    found: dict[tuple[str | None, str], list[str]] = {}
    problems: list[str] = []
    for path in sorted([*ROOT.glob("app/**/*.py"), *ROOT.glob("ui/**/*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            position = MARKERS.get(node.func.id)
            if position is None or len(node.args) <= position:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            argument = node.args[position]
            if isinstance(argument, ast.JoinedStr) or (
                isinstance(argument, ast.Call) and isinstance(argument.func, ast.Attribute)
                and argument.func.attr == "format"
            ):
                problems.append(f"{where}: {node.func.id}() takes the literal text; format after translating")
                continue
            if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
                continue  # a name holding a string marked with N_() where it was written
            context = None
            if node.func.id == "pgettext":
                first = node.args[0]
                context = first.value if isinstance(first, ast.Constant) else None
            found.setdefault((context, argument.value), []).append(where)
            if node.func.id == "ngettext" and len(node.args) > 1:
                plural = node.args[1]
                if isinstance(plural, ast.Constant):
                    found.setdefault((None, "#plural " + plural.value), []).append(where)
    assert not problems, "\n".join(problems)
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_marked_string_has_a_vietnamese_translation() -> None:
    catalog = i18n.load_catalog("vi")
    missing = [
        f"{places[0]}: {message!r}"
        for (context, message), places in marked_strings().items()
        if not message.startswith("#plural ") and catalog.lookup(context, message) is None
    ]
    assert not missing, "untranslated:\n" + "\n".join(missing)


def test_translations_keep_the_placeholders_and_accelerators() -> None:
    bad = []
    for path, message in i18n.iter_entries("vi"):
        source = message.id[0] if isinstance(message.id, tuple) else message.id  # type: ignore[attr-defined]
        targets = message.string if isinstance(message.string, tuple) else (message.string,)  # type: ignore[attr-defined]
        for target in targets:
            if placeholders(source) != placeholders(target):
                bad.append(f"{path.name}: {source!r} -> {target!r}")
            if ("&" in source.replace("&&", "")) != ("&" in target.replace("&&", "")):
                bad.append(f"{path.name}: accelerator lost or added: {source!r} -> {target!r}")
            if target.count("&") - 2 * target.count("&&") > 1 or "msgstr" in target or '"' in target:
                bad.append(f"{path.name}: damaged entry (stray quote, msgstr, two accelerators): {target!r}")
    assert not bad, "\n".join(bad)


def test_no_message_is_translated_twice_differently() -> None:
    seen: dict[tuple[str | None, str], tuple[Path, object]] = {}
    clashes = []
    for path, message in i18n.iter_entries("vi"):
        key = (message.context, str(message.id))  # type: ignore[attr-defined]
        if key in seen and seen[key][1] != message.string:  # type: ignore[attr-defined]
            clashes.append(f"{key}: {seen[key][0].name} and {path.name}")
        seen[key] = (path, message.string)  # type: ignore[attr-defined]
    assert not clashes, "\n".join(clashes)


def _po_keys(language: str) -> dict[str, str]:
    """What the ``.po`` files translate: gettext's key (context glued to the id) → the first form."""
    keys = {}
    for _path, message in i18n.iter_entries(language):
        if message.fuzzy:  # type: ignore[attr-defined]
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id  # type: ignore[attr-defined]
        string = message.string[0] if isinstance(message.string, tuple) else message.string  # type: ignore[attr-defined]
        if string:
            keys[msgid if not message.context else f"{message.context}\x04{msgid}"] = string  # type: ignore[attr-defined]
    return keys


def test_the_compiled_catalog_is_the_po_files() -> None:
    """The app reads the ``.mo`` compiled at install time; after editing a ``.po`` run ``make`` again."""
    expected = _po_keys("vi")
    compiled = i18n.load_catalog("vi")
    held = {key if isinstance(key, str) else key[0] for key in compiled._catalog if key != ""}
    hint = " (recompile: python scripts/compile_catalogs.py)"
    assert sorted(set(expected) - held) == [], "missing from the compiled catalog" + hint
    assert sorted(held - set(expected)) == [], "no longer in the .po files" + hint
    wrong = [key for key, string in expected.items() if compiled.lookup(None, key) != string]
    assert wrong == [], "translated differently in the compiled catalog" + hint


def test_a_catalog_that_was_not_compiled_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locale" / "vi").mkdir(parents=True)
    (tmp_path / "locale" / "vi" / "ui.po").write_text('msgid "Cancel"\nmsgstr "Hủy"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "resource_path", lambda *parts: tmp_path.joinpath(*parts))
    with pytest.raises(FileNotFoundError, match="catalog was not compiled") as raised:
        i18n.load_catalog("vi")
    assert raised.value.filename == str(tmp_path / "locale" / "vi" / "LC_MESSAGES" / "outpost.mo")


def test_switching_language() -> None:
    try:
        i18n.set_language("vi")
        assert i18n.pgettext("QPlatformTheme", "Cancel") == "Hủy"
        assert i18n._("a string nobody translated") == "a string nobody translated"
        i18n.set_language("en")
        assert i18n.pgettext("QPlatformTheme", "Cancel") == "Cancel"
        i18n.set_language("klingon")
        assert i18n.current_language() == "vi"
    finally:
        i18n.reset()


def test_vietnamese_text_is_nfc() -> None:
    import unicodedata

    for path, message in i18n.iter_entries("vi"):
        targets = message.string if isinstance(message.string, tuple) else (message.string,)  # type: ignore[attr-defined]
        for target in targets:
            assert unicodedata.normalize("NFC", target) == target, f"{path.name}: {target!r} is not NFC"


@pytest.mark.parametrize(
    ("typed", "value"),
    [("1.500", Decimal(1500)), ("1500", Decimal(1500)), ("2,5", Decimal("2.5")), ("2.5", Decimal("2.5")),
     ("1.234,5", Decimal("1234.5")), ("0,375", Decimal("0.375")), (" 12 000 ", Decimal(12000)),
     ("-3", Decimal(-3))],
)
def test_parse_decimal(typed: str, value: Decimal) -> None:
    assert parse_decimal(typed) == value


@pytest.mark.parametrize("typed", ["", "abc", "1,2,3", "1.2.3", "12.34.567", "1..5", ",", "1e5"])
def test_parse_decimal_refuses(typed: str) -> None:
    with pytest.raises(ValidationError):
        parse_decimal(typed)


def test_money_and_dates() -> None:
    assert format_money(22_500_000) == "22.500.000"
    assert format_money(-1500) == "-1.500"
    assert format_money(999) == "999"
    assert format_decimal(Decimal("1500.250")) == "1.500,25"
    assert format_decimal(Decimal("0.375")) == "0,375"
    assert parse_money("22.500.000 đ") == 22_500_000
    with pytest.raises(ValidationError):
        parse_money("1,5")
    assert parse_date("29/02/2028").isoformat() == "2028-02-29"
    assert parse_date("1-2-2026").isoformat() == "2026-02-01"
    for bad in ("29/02/2026", "2026-02-01", "32/01/2026", ""):
        with pytest.raises(ValidationError):
            parse_date(bad)
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", parse_date("1/2/2026").strftime("%d/%m/%Y"))
