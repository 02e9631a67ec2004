"""Compiles each language's ``.po`` files under ``resources/locale/`` into one gettext ``.mo`` file.

The app reads the compiled catalog with the standard library's ``gettext``, so babel (which reads
``.po`` files) is needed only here, at install and build time, and stays out of the frozen app.
The ``.mo`` files are generated, never committed: ``make`` runs this before ``run``, ``test`` and
``package``. Each run also rewrites ``resources/MANIFEST-compiled.sha256``, the hashes of the catalogs
just compiled, which the app checks them against (``app/resource_check.py``).
Usage: ``python scripts/compile_catalogs.py [resources/locale]``.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "outpost"  # the .mo name app/i18n.py asks gettext for
LOCALE = Path(__file__).resolve().parent.parent / "resources" / "locale"
# A fixed date in the header keeps the compiled file the same from one build to the next.
FIXED = datetime(2026, 1, 1, tzinfo=UTC)


def merged(language: str, files: list[Path]) -> Catalog:
    """The language's files as one catalog. Fuzzy entries are left out, and a message found in two
    files keeps the later file's translation, as the app always merged them."""
    catalog = Catalog(locale=language, domain=DOMAIN, creation_date=FIXED, revision_date=FIXED)
    for path in files:
        with path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if not message.id or message.fuzzy:
                    continue
                catalog.delete(message.id, context=message.context)
                catalog.add(message.id, message.string, context=message.context)
    return catalog


def compile_language(folder: Path) -> Path:
    target = folder / "LC_MESSAGES" / f"{DOMAIN}.mo"
    target.parent.mkdir(exist_ok=True)
    temporary = target.with_suffix(".tmp")
    with temporary.open("wb") as handle:
        write_mo(handle, merged(folder.name, sorted(folder.glob("*.po"))))
    temporary.replace(target)  # a build never sees half a catalog
    return target


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else LOCALE
    folders = sorted({path.parent for path in root.glob("*/*.po")})
    if not folders:
        print(f"compile_catalogs: no .po files under {root}", file=sys.stderr)
        return 1
    for folder in folders:
        print(f"compiled {compile_language(folder)}")
    if root == LOCALE:  # the app's own catalogs: record what was built, for the start-up check
        sys.path.insert(0, str(LOCALE.parent.parent))
        from app.resource_check import write_manifest

        write_manifest(LOCALE.parent, compiled=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
