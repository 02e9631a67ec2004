"""One way down: ``cli/`` above ``ui/`` above ``app/`` above ``db/``. The core never loads Qt nor reaches
up to the desktop or the command line; ``ui/`` never talks to SQLAlchemy itself nor to the command line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ("app", "db")

# Runs in a fresh interpreter: this test process has long since loaded Qt for the ui tests.
PROBE = """
import importlib, importlib.util, json, pkgutil, sys
from pathlib import Path
import app, db
imported = []
for package in (app, db):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if info.name.endswith(".__main__"):  # runs the command line when imported
            continue
        importlib.import_module(info.name)
        imported.append(info.name)
# Alembic scripts are files, not a package; env.py only runs inside Alembic.
for script in sorted(Path("db/migrations/versions").glob("*.py")):
    spec = importlib.util.spec_from_file_location("migration_" + script.stem, script)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    imported.append(str(script))
above = sorted(name for name in sys.modules if name.split(".")[0] in ("PySide6", "shiboken6", "ui", "cli"))
print(json.dumps({"imported": imported, "above": above}))
"""


def _core_modules() -> set[str]:
    names = set()
    for package in CORE:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if relative.parts[1] == "migrations" or path.stem == "__main__":
                continue
            parts = relative.with_suffix("").parts
            names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names - set(CORE)


def test_core_modules_never_load_qt_or_the_front_ends() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert _core_modules() <= set(report["imported"])  # every module was really imported
    assert any("migrations/versions" in name for name in report["imported"])
    assert report["above"] == []  # neither Qt nor the desktop nor the command line


def _importers(packages: tuple[str, ...], forbidden: re.Pattern[str]) -> list[str]:
    return [
        str(path.relative_to(ROOT))
        for package in packages
        for path in sorted((ROOT / package).rglob("*.py"))
        if forbidden.search(path.read_text(encoding="utf-8"))
    ]


def test_core_never_imports_the_front_ends() -> None:
    # Read, not imported: an import inside a function (how the old app/cli.py reached ui) never runs
    # in the probe above.
    assert _importers(CORE, re.compile(r"^\s*(from|import)\s+(ui|cli|PySide6|shiboken6)\b", re.M)) == []


def test_ui_never_imports_the_command_line() -> None:
    assert _importers(("ui",), re.compile(r"^\s*(from|import)\s+cli\b", re.M)) == []


def test_ui_never_uses_sqlalchemy_or_sessions() -> None:
    forbidden = re.compile(r"^\s*(from|import)\s+(sqlalchemy|db)\b|\.sessions\b", re.M)
    assert _importers(("ui",), forbidden) == []
