"""Check that every runtime dependency has a Windows wheel, so a dependency that would break the posts'
Windows build fails here and in CI (issue 20, packaging/windows/README.md).

pip resolves the runtime dependencies of pyproject.toml for ``win_amd64`` and each supported Python
with ``--only-binary=:all:`` (no source builds: the posts' laptops have no compiler). It is
``pip install --dry-run --report`` rather than ``pip download``: the same resolver and the same
wheel choice, but only the wheels' metadata is fetched (PyPI serves it beside each wheel), so the
check takes seconds instead of downloading PySide6's 100 MB. If the package index cannot be reached
the check fails loudly: a skipped check would let a Linux-only dependency through unnoticed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The Pythons the Windows build may use (packaging/windows/build.ps1 asks for 3.13).
PYTHONS = ("3.12", "3.13")
PLATFORM = "win_amd64"


def runtime_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The ``[project] dependencies`` the frozen app ships (no extras: HQ's psycopg is not on posts)."""
    return list(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"])


def resolve(requirements: list[str], python: str) -> list[tuple[str, str, str]]:
    """(name, version, wheel file name) of every package pip would install on Windows for ``python``;
    raises SystemExit with pip's own words when it cannot (no wheel, no index)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [
            sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
            "--disable-pip-version-check", "--report", str(report), "--target", str(Path(tmp) / "t"),
            "--platform", PLATFORM, "--python-version", python, "--implementation", "cp",
            "--only-binary=:all:", *requirements,
        ]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0 or not report.is_file():
            errors = [line for line in done.stderr.splitlines() if "is ignored: it is neither" not in line]
            raise SystemExit(
                f"check_windows_wheels: FAILED for Python {python} on {PLATFORM} "
                f"(pip exit {done.returncode}):\n" + "\n".join(errors[-20:])
            )
        installs = json.loads(report.read_text(encoding="utf-8"))["install"]
    found = []
    for item in installs:
        wheel = item["download_info"]["url"].rsplit("/", 1)[-1]
        found.append((item["metadata"]["name"], item["metadata"]["version"], wheel))
    return found


def wrong_wheels(found: list[tuple[str, str, str]]) -> list[str]:
    """Files that are not a wheel for Windows or for every platform (belt and braces: pip chose them)."""
    return [wheel for _, _, wheel in found if not wheel.endswith((f"-{PLATFORM}.whl", "-any.whl"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="append", help="a Python version (repeatable); default: "
                        + ", ".join(PYTHONS))
    parser.add_argument("--verbose", action="store_true", help="list every wheel chosen")
    args = parser.parse_args(argv)
    requirements = runtime_requirements()
    for python in args.python or PYTHONS:
        found = resolve(requirements, python)
        bad = wrong_wheels(found)
        if bad:
            print(f"check_windows_wheels: FAILED for Python {python}: not Windows wheels: {', '.join(bad)}",
                  file=sys.stderr)
            return 1
        if args.verbose:
            for name, version, wheel in found:
                print(f"  {name} {version}: {wheel}")
        print(f"check_windows_wheels: Python {python} {PLATFORM}: {len(found)} packages, all with wheels")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
