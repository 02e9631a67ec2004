"""Writes or checks ``resources/MANIFEST.sha256``, the SHA-256 of every resource file the build ships.

The app checks the installed files against it at start-up and in ``outpost self-test``
(``app/resource_check.py``, which says what the manifest covers and why). After changing anything
under ``resources/`` (other than a ``.po`` file), run ``python scripts/resource_manifest.py`` (or
``make manifest``) and commit the manifest with the change; ``make test`` and ``make package`` run
``--check``, which fails naming each file that differs.

Usage: ``python scripts/resource_manifest.py [--check] [--compiled] [resources folder]``
(``--compiled``: the manifest of the compiled catalogs, which ``compile_catalogs.py`` writes itself).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the app's own code does the hashing

from app.resource_check import check_resources, write_manifest  # noqa: E402

HOW_TO_FIX = (
    "run `python scripts/resource_manifest.py` (or `make manifest`) and commit resources/MANIFEST.sha256"
)


def main(argv: list[str]) -> int:
    flags = {a for a in argv if a.startswith("--")}
    folders = [Path(a) for a in argv if not a.startswith("--")]
    folder = folders[0] if folders else ROOT / "resources"
    if "--check" in flags:
        report = check_resources(folder, frozen=False)
        if report.ok:
            print(f"resource_manifest: {report.checked} files match {folder / 'MANIFEST.sha256'}")
            return 0
        for name in report.changed:
            print(f"resource_manifest: changed: {name}", file=sys.stderr)
        for name in report.missing:
            print(f"resource_manifest: missing: {name}", file=sys.stderr)
        for name in report.extra:
            print(f"resource_manifest: not in the manifest: {name}", file=sys.stderr)
        for name in report.no_manifest:
            print(f"resource_manifest: no manifest: {name}", file=sys.stderr)
        print(f"resource_manifest: the resources differ from their manifest: {HOW_TO_FIX}", file=sys.stderr)
        return 1
    print(f"wrote {write_manifest(folder, compiled='--compiled' in flags)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
