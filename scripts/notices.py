"""Write NOTICES.txt, the third-party notices shipped with the frozen build (packaging/README.md).

Every package the build carries is listed from its installed metadata (name, version, licence,
home page) followed by the licence files the package itself ships, so the notices follow the
versions actually bundled instead of a hand-kept list that drifts. Qt and PySide6 are used under the
LGPL v3: the notice says so and where their source is, which the LGPL asks of a program that ships
them. Python's own licence and PyInstaller's bootloader (GPL with an exception for the programs it
starts) are added too.
"""

from __future__ import annotations

import argparse
import re
import sys
import sysconfig
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

QT_NOTICE = """\
Qt for Python (PySide6, shiboken6) and the Qt libraries it contains are used under the GNU Lesser
General Public License version 3 (LGPL-3.0-only). Outpost links to them dynamically: the Qt and
PySide6 libraries are the separate files in this program's folder (_internal/PySide6), and you may
replace them with your own build of the same version. Their source code is available from
https://download.qt.io/official_releases/QtForPython/ (PySide6, shiboken6) and
https://download.qt.io/official_releases/qt/ (Qt); the LGPL text is at
https://www.gnu.org/licenses/lgpl-3.0.txt and the GPL it builds on at https://www.gnu.org/licenses/gpl-3.0.txt.
"""

PYINSTALLER_NOTICE = """\
The program's launcher is PyInstaller's bootloader, distributed under the GNU General Public License
version 2 with an exception that allows it to start programs under any licence
(https://github.com/pyinstaller/pyinstaller/blob/develop/COPYING.txt).
"""


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[(]", requirement, maxsplit=1)[0]


def runtime_distributions(pyproject: Path = ROOT / "pyproject.toml") -> list[metadata.Distribution]:
    """The installed distributions the runtime dependencies need, recursively, without extras."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    wanted = [_name(r) for r in project["dependencies"]]
    seen: dict[str, metadata.Distribution] = {}
    while wanted:
        name = wanted.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a dependency for another platform (a marker pip skipped here)
        seen[key] = dist
        for requirement in dist.requires or []:
            if "extra ==" in requirement:
                continue
            marker = requirement.split(";", 1)[1] if ";" in requirement else ""
            if marker and not _marker_holds(marker):
                continue
            wanted.append(_name(requirement))
    return sorted(seen.values(), key=lambda d: d.metadata["Name"].lower())


def _marker_holds(marker: str) -> bool:
    try:
        from packaging.markers import Marker
    except ImportError:  # packaging missing: list the dependency rather than leave a notice out
        return True
    return Marker(marker).evaluate()


def _licence(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    text = (meta.get("License") or "").strip()
    if text and len(text) < 200:
        return text.splitlines()[0]
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or []
                   if c.startswith("License")]
    return ", ".join(classifiers) or "see the licence text below"


def _licence_files(dist: metadata.Distribution) -> list[tuple[str, str]]:
    found = []
    for file in dist.files or []:
        parts = str(file).split("/")
        if ".dist-info" in parts[0] and (parts[1:2] == ["licenses"] or re.match(
                r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", parts[-1], re.IGNORECASE)):
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                found.append((str(file), path.read_text(encoding="utf-8", errors="replace")))
    return found


def notices_text(dists: list[metadata.Distribution]) -> str:
    lines = ["Outpost: third-party notices", "=" * 28, "",
             "Outpost includes the following third-party software. Each is listed with its version,",
             "its licence and the licence text it is distributed with.", "", QT_NOTICE, PYINSTALLER_NOTICE]
    lines.append("Packages")
    lines.append("--------")
    for dist in dists:
        meta = dist.metadata
        urls = {label.strip().lower(): url.strip() for label, _, url in
                (entry.partition(",") for entry in meta.get_all("Project-URL") or [])}
        home = meta.get("Home-page") or next(
            (urls[k] for k in ("homepage", "home", "source", "source code", "repository", "documentation")
             if k in urls), "")
        lines.append(f"- {meta['Name']} {dist.version}: {_licence(dist)}" + (f" ({home})" if home else ""))
    lines.append("")
    python_licence = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    if python_licence.is_file():
        title = f"Python {sys.version.split()[0]}"
        lines += [title, "-" * len(title), python_licence.read_text(encoding="utf-8"), ""]
    for dist in dists:
        for file, text in _licence_files(dist):
            title = f"{dist.metadata['Name']} {dist.version}: {file.split('/', 1)[-1]}"
            lines += [title, "-" * len(title), text.rstrip(), ""]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, nargs="?", default=ROOT / "build" / "NOTICES.txt")
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(notices_text(runtime_distributions()), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
