"""One way down: ``app/`` and ``db/`` never load Qt; ``ui/`` never talks to SQLAlchemy itself."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import importlib, pkgutil, sys
import app, db
names = []
for package in (app, db):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if ".migrations" in info.name or info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)
        names.append(info.name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] == "PySide6")
print(len(names), loaded)
"""


def test_core_never_loads_qt() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True,
                          check=True, timeout=120)
    count, loaded = done.stdout.split(" ", 1)
    assert int(count) >= 20  # every core module was imported
    assert loaded.strip() == "[]"


def test_ui_does_not_use_sqlalchemy() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "ui").rglob("*.py")
        if re.search(r"^\s*(from|import)\s+(sqlalchemy|db)\b", path.read_text(encoding="utf-8"), re.M)
    ]
    assert offenders == []
