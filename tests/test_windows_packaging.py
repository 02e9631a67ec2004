"""The Windows build's checks that run on Linux: the wheel check fails loudly without an index, and the
third-party notices name every bundled package with Qt's LGPL terms (packaging/windows/README.md)."""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_wheel_check_fails_loudly_without_an_index(monkeypatch: pytest.MonkeyPatch) -> None:
    check = _script("check_windows_wheels")
    # No configuration file (this machine's names local indexes), and an index nothing answers on.
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_NO_INDEX", "0")
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    monkeypatch.delenv("PIP_EXTRA_INDEX_URL", raising=False)
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_TIMEOUT", "2")
    with pytest.raises(SystemExit) as failed:
        check.resolve(["sqlcipher3>=0.6.4"], "3.12")
    assert "FAILED for Python 3.12 on win_amd64" in str(failed.value)


def test_a_linux_only_wheel_is_refused() -> None:
    check = _script("check_windows_wheels")
    found = [("pyrage", "1.4.0", "pyrage-1.4.0-cp310-abi3-win_amd64.whl"),
             ("tzdata", "2026.6", "tzdata-2026.6-py2.py3-none-any.whl"),
             ("odd", "1.0", "odd-1.0-cp312-cp312-manylinux_2_28_x86_64.whl")]
    assert check.wrong_wheels(found) == ["odd-1.0-cp312-cp312-manylinux_2_28_x86_64.whl"]
    assert "PySide6-Essentials>=6.8,<6.13" in check.runtime_requirements()


def test_the_notices_name_every_bundled_package_and_qts_lgpl() -> None:
    notices = _script("notices")
    dists = notices.runtime_distributions()
    names = {re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower() for d in dists}
    # Every runtime dependency and what they pull in (pillow through reportlab, cffi through argon2).
    assert {"pyside6-essentials", "shiboken6", "sqlcipher3", "pyrage", "reportlab", "pillow", "cffi",
            "sqlalchemy", "tzdata"} <= names
    assert "pytest" not in names and "psycopg" not in names  # development and HQ-only packages stay out
    text = " ".join(notices.notices_text(dists).split())  # the notice is wrapped; its words are what count
    assert "GNU Lesser General Public License version 3" in text
    assert "https://download.qt.io/official_releases/QtForPython/" in text
    assert re.search(r"- PySide6_Essentials [\d.]+: LGPL-3\.0-only", text)
    assert re.search(r"sqlcipher3 [\d.]+: licenses/LICENSE -+ ", text)  # the package's own licence text
