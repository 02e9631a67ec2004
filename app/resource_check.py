"""The manifest of SHA-256 hashes of ``resources/`` and the check of the installed files against it.

Why: the reward rules, the report layout, the case schema, the reference data, the fonts and the
translations decide what the program counts, accepts and prints. A file changed after the build
(the reward thresholds set to 1, a commune renamed) would silently change a report, so
``outpost self-test`` and every start-up compare each file with the manifest shipped with the build
and name every file that was changed, removed or added (docs/architecture.md §6).

Two manifests, both plain ``sha256sum`` text (``<hex>  <path>``, paths relative to ``resources/``):

- ``MANIFEST.sha256`` is committed: every file under ``resources/`` except the generated catalogs
  and their ``.po`` sources. ``scripts/resource_manifest.py`` writes it, a test checks it matches
  the tree, so a resource changed without its manifest fails the tests.
- ``MANIFEST-compiled.sha256`` is written by ``scripts/compile_catalogs.py`` each time it compiles
  the ``.mo`` catalogs (generated, never committed, see ``app/i18n.py``), so the catalog the app
  actually reads is covered too. A frozen build must have it (the PyInstaller spec refuses to build
  without it); a source checkout that has not compiled its catalogs yet simply has nothing to check
  there.

The ``.po`` files are not checked: the app never reads them (only the compiled ``.mo``), and leaving
them out keeps every translation change from touching the committed manifest.

What this does not do: someone who can rewrite the installed program can rewrite its manifest as
well; a signed installer is the answer to that, not this check. Nothing is cached between runs
(a cache would be one more file to tamper with): hashing the whole folder once takes a few
milliseconds (docs/performance.md)."""

from __future__ import annotations

import fnmatch
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

from app.i18n import _
from app.resources import resources_dir

MANIFEST = "MANIFEST.sha256"
COMPILED_MANIFEST = "MANIFEST-compiled.sha256"
COMPILED = ("locale/*/LC_MESSAGES/*.mo",)  # made by scripts/compile_catalogs.py
NOT_CHECKED = ("locale/*/*.po",)  # the sources of the compiled catalogs, never read by the app


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    # fnmatch's '*' also crosses '/', so each pattern is checked part by part.
    parts = name.split("/")
    return any(
        len(parts) == len(pattern.split("/"))
        and all(fnmatch.fnmatchcase(part, glob) for part, glob in zip(parts, pattern.split("/"), strict=True))
        for pattern in patterns
    )


def _digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def scan(folder: Path, *, compiled: bool) -> dict[str, str]:
    """The hash of every file of one manifest's scope: the compiled catalogs (``compiled``) or the rest."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if not path.is_file() or name in (MANIFEST, COMPILED_MANIFEST) or _matches(name, NOT_CHECKED):
            continue
        if _matches(name, COMPILED) == compiled:
            found[name] = _digest(path)
    return found


def manifest_text(entries: dict[str, str]) -> str:
    return "".join(f"{digest}  {name}\n" for name, digest in sorted(entries.items()))


def write_manifest(folder: Path, *, compiled: bool) -> Path:
    """(Re)write one of the manifests from the files as they are now; returns its path."""
    target = folder / (COMPILED_MANIFEST if compiled else MANIFEST)
    temporary = target.with_suffix(".tmp")
    temporary.write_text(manifest_text(scan(folder, compiled=compiled)), encoding="utf-8", newline="\n")
    temporary.replace(target)
    return target


def read_manifest(path: Path) -> dict[str, str] | None:
    """The entries of a manifest file, or None when there is none. A line that is not an entry is
    ignored here: the file it would have named is then reported as not in the build."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    entries: dict[str, str] = {}
    for line in text.splitlines():
        digest, separator, name = line.partition("  ")
        if separator and len(digest) == 64 and name:
            entries[name] = digest.lower()
    return entries


@dataclass(frozen=True)
class ResourceReport:
    """What differs between the installed resources and the manifests, each by its path."""

    folder: Path
    changed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    no_manifest: tuple[str, ...] = ()  # a manifest file that should be there and is not
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.extra or self.no_manifest)

    def lines(self) -> list[str]:
        """One line per problem, each naming its file, for the self-test, the CLI and the GUI."""
        return (
            [_("resource file changed since the build: {name}").format(name=n) for n in self.changed]
            + [_("resource file missing: {name}").format(name=n) for n in self.missing]
            + [_("resource file not in the build: {name}").format(name=n) for n in self.extra]
            + [_("the resources' manifest is missing: {name}").format(name=n) for n in self.no_manifest]
        )


def check_resources(folder: Path | None = None, *, frozen: bool | None = None) -> ResourceReport:
    """Compare every file under ``folder`` (the installed ``resources/``) with the manifests."""
    folder = folder if folder is not None else resources_dir()
    frozen = getattr(sys, "frozen", False) if frozen is None else frozen
    changed: list[str] = []
    missing: list[str] = []
    extra: list[str] = []
    no_manifest: list[str] = []
    checked = 0
    for compiled, name in ((False, MANIFEST), (True, COMPILED_MANIFEST)):
        expected = read_manifest(folder / name)
        if expected is None and compiled and not frozen:
            continue  # a checkout whose catalogs are not compiled yet (or compiled by hand before this)
        if expected is None:
            no_manifest.append(name)
            continue
        actual = scan(folder, compiled=compiled)
        checked += len(actual)
        changed += [n for n in actual if n in expected and expected[n] != actual[n]]
        missing += [n for n in expected if n not in actual]
        extra += [n for n in actual if n not in expected]
    return ResourceReport(
        folder,
        changed=tuple(sorted(changed)),
        missing=tuple(sorted(missing)),
        extra=tuple(sorted(extra)),
        no_manifest=tuple(no_manifest),
        checked=checked,
    )
