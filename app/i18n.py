"""One gettext catalog for the core and the UI: English message ids, Vietnamese by default.

Catalogs are the ``.po`` files under ``resources/locale/<language>/`` (several files per language
are merged, one per area of the app), read directly at start-up so nothing generated is committed.
Qt's own strings (button boxes, line-edit menus, file dialogs) are looked up here too, under their
Qt context, through ``ui.i18n``.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from pathlib import Path

from app.resources import resource_path

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
DEFAULT_LANGUAGE = "vi"
SOURCE_LANGUAGE = "en"
_CONTEXT_GLUE = "\x04"  # how gettext joins a message context to its id


class Catalog(_gettext.NullTranslations):
    """Translations read from ``.po`` files; a missing entry falls back to the English id."""

    def __init__(self, language: str, messages: dict[str, str | tuple[str, ...]]) -> None:
        super().__init__()
        self.language = language
        self._messages = messages

    def gettext(self, message: str) -> str:
        found = self._messages.get(message)
        return found if isinstance(found, str) and found else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self._messages.get(singular)
        if isinstance(found, tuple) and all(found):
            # Vietnamese has one form; English two. Any other language would need its plural rule here.
            return found[0] if len(found) == 1 or n == 1 else found[1]
        return singular if n == 1 else plural

    def pgettext(self, context: str, message: str) -> str:
        found = self._messages.get(context + _CONTEXT_GLUE + message)
        return found if isinstance(found, str) and found else message

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        found = self._messages.get(context + _CONTEXT_GLUE + singular)
        if isinstance(found, tuple) and all(found):
            return found[0] if len(found) == 1 or n == 1 else found[1]
        return singular if n == 1 else plural

    def lookup(self, context: str | None, message: str) -> str | None:
        """The translation if the catalog has one, else None (Qt then keeps its own text)."""
        key = message if not context else context + _CONTEXT_GLUE + message
        found = self._messages.get(key)
        if isinstance(found, tuple):
            found = found[0]
        return found or None


def catalog_files(language: str) -> list[Path]:
    folder = resource_path("locale", language)
    return sorted(folder.glob("*.po")) if folder.is_dir() else []


def iter_entries(language: str) -> Iterator[tuple[Path, object]]:
    """Every message of every ``.po`` file of a language (babel ``Message`` objects), for checks."""
    from babel.messages.pofile import read_po

    for path in catalog_files(language):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=None):
                if message.id:
                    yield path, message


def load_catalog(language: str) -> Catalog:
    messages: dict[str, str | tuple[str, ...]] = {}
    if language != SOURCE_LANGUAGE:
        for _path, message in iter_entries(language):
            key = message.id[0] if isinstance(message.id, tuple) else message.id  # type: ignore[attr-defined]
            if message.context:  # type: ignore[attr-defined]
                key = message.context + _CONTEXT_GLUE + key  # type: ignore[attr-defined]
            if message.fuzzy:  # type: ignore[attr-defined]
                continue
            string = message.string  # type: ignore[attr-defined]
            messages[key] = tuple(string) if isinstance(string, (tuple, list)) else string
    return Catalog(language, messages)


_current: Catalog = Catalog(SOURCE_LANGUAGE, {})
_chosen = False


def set_language(language: str) -> Catalog:
    """Switch every later ``_()`` call to ``language`` (unknown codes fall back to the default)."""
    global _current, _chosen
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    _current = load_catalog(language)
    _chosen = True
    return _current


def current() -> Catalog:
    return _current


def current_language() -> str:
    return _current.language


def label_language() -> str:
    """The language of reference-data labels: the chosen one, else Vietnamese (the labels in the
    CLI's output and in documents stay Vietnamese while its messages are still English)."""
    return _current.language if _chosen else DEFAULT_LANGUAGE


def _(message: str) -> str:
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _current.pgettext(context, message)


def N_(message: str) -> str:
    """Marks a string for the catalog where it is defined; translate it with ``_()`` where shown."""
    return message


def reset() -> None:
    """Back to the English message ids with Vietnamese labels, as before any front end chose (tests)."""
    global _current, _chosen
    _current = Catalog(SOURCE_LANGUAGE, {})
    _chosen = False
