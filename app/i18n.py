"""One gettext catalog for the core and the UI: English message ids, Vietnamese by default.

The translations are kept as ``.po`` files under ``resources/locale/<language>/`` (several files per
language, one per area of the app). ``scripts/compile_catalogs.py`` merges each language's files
into ``<language>/LC_MESSAGES/outpost.mo`` at install and build time (``make`` runs it; the ``.mo``
is not committed), and the app reads that with the standard library, so babel is a build tool only.
Qt's own strings (button boxes, line-edit menus, file dialogs) are looked up here too, under their
Qt context, through ``ui.i18n``.
"""

from __future__ import annotations

import errno
import gettext as _gettext
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from app.resources import resource_path

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
DEFAULT_LANGUAGE = "vi"
SOURCE_LANGUAGE = "en"
DOMAIN = "outpost"  # the compiled catalog's file name, <language>/LC_MESSAGES/outpost.mo
_CONTEXT_GLUE = "\x04"  # how gettext joins a message context to its id


class Catalog(_gettext.GNUTranslations):
    """A compiled catalog; a missing entry falls back to the English id. Without a file, the
    English ids themselves (the source language)."""

    def __init__(self, language: str, fp: BinaryIO | None = None) -> None:
        self.language = language
        if fp is None:
            _gettext.NullTranslations.__init__(self)
            self._catalog: dict[str | tuple[str, int], str] = {}
            self.plural = lambda n: int(n != 1)
        else:
            super().__init__(fp)

    def lookup(self, context: str | None, message: str) -> str | None:
        """The translation if the catalog has one, else None (Qt then keeps its own text)."""
        key = message if not context else context + _CONTEXT_GLUE + message
        # The parsed entries, by gettext's own keys: a plural message is stored under (id, form).
        found = self._catalog.get(key) or self._catalog.get((key, 0))
        return found or None


def catalog_files(language: str) -> list[Path]:
    """The ``.po`` sources of a language (what the compiled catalog is made from)."""
    folder = resource_path("locale", language)
    return sorted(folder.glob("*.po")) if folder.is_dir() else []


def compiled_catalog(language: str) -> Path:
    return resource_path("locale", language, "LC_MESSAGES", DOMAIN + ".mo")


def iter_entries(language: str) -> Iterator[tuple[Path, object]]:
    """Every message of every ``.po`` file of a language (babel ``Message`` objects), for checks:
    babel is a development tool, imported only here."""
    from babel.messages.pofile import read_po

    for path in catalog_files(language):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=None):
                if message.id:
                    yield path, message


def load_catalog(language: str) -> Catalog:
    if language == SOURCE_LANGUAGE:
        return Catalog(language)
    path = compiled_catalog(language)
    try:
        with path.open("rb") as handle:
            return Catalog(language, handle)
    except FileNotFoundError:
        raise FileNotFoundError(
            errno.ENOENT,
            f"the {LANGUAGES.get(language, language)} catalog was not compiled (run 'make' or "
            "'python scripts/compile_catalogs.py' once after installing)",
            str(path),
        ) from None


_current: Catalog = Catalog(SOURCE_LANGUAGE)
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
    _current = Catalog(SOURCE_LANGUAGE)
    _chosen = False
