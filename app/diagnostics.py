"""Help → Save diagnostics…: one zip file for the technical staff — the log, the versions, the
self-test's result — with no personal data in it, so that it may be e-mailed from a post.

Why the log is filtered rather than copied: an unexpected error is logged with its message, and a
message may quote what was being saved (a name, an ID number, a plate, a path under the user's home).
So each log line keeps its time, level and source, each traceback its frames (file, line, function,
the code line) and the error's type; of a message only the plain lower-case words stay ("could not
open the register: database is locked"), and only those found in Outpost's own messages or a short
list of the system's: every other word — capitalised, with digits, quoted, accented, a path, a name
folded to plain letters — becomes "…". The self-test runs in a separate process on a throw-away register
(app/selftest.py); nothing of the register itself is read but its kind, code and a few settings.
"""

from __future__ import annotations

import io
import json
import os
import platform
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from app import __version__
from app.context import Context
from app.files import write_atomically
from app.i18n import catalog_files

SELF_TEST_SECONDS = 180
# The packages whose versions matter to support (the runtime dependencies, pyproject.toml).
PACKAGES = ("PySide6-Essentials", "PySide6-Pdf", "SQLAlchemy", "alembic", "argon2-cffi", "cryptography",
            "sqlcipher3", "pyrage", "jsonschema", "fastjsonschema", "platformdirs", "reportlab", "openpyxl",
            "tzdata")
# Settings that say how the register works, never who uses it (no mail addresses, no place names).
SETTINGS = ("language", "report_period_mode", "weekly_window_end_offset_days", "auto_lock_minutes")

_RECORD = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ [\w.]+: )(.*)$")
_FRAME = re.compile(r'^(\s+)File "(.+)", line (\d+)(,? in .*)?$')
_ERROR = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt|Failed|Refused))(:.*)?$")
_PLAIN_WORD = re.compile(r"^[a-z][a-z'-]*[.,:;!?)]?$|^[(\-–—=:]$")


# Words an error message of Python's, SQLite's or PostgreSQL's may hold besides Outpost's own.
_SYSTEM_WORDS = frozenset(
    "a an and are as at be by can cannot could database denied directory disk does done during error "
    "exist exists failed file for from full in into invalid is it its locked malformed no not of on or "
    "out permission read refused server such the timeout to too unexpected unexpectedly was while with "
    "write connection closed terminating memory space left key value none null true false".split()
)


@cache
def _known_words() -> frozenset[str]:
    """The lower-case words of Outpost's own messages (the English message ids of its catalogs) and of
    the system's: a word a log line keeps must be one of them. A name folded to plain lower case
    ("nguyen van dung", as the search index keeps it) has the look of plain words and is not one."""
    words = set(_SYSTEM_WORDS)
    for path in catalog_files("vi"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(("msgid ", '"')):
                words.update(re.findall(r"[a-z][a-z'-]*", line.lower()))
    return frozenset(words)


def plain_words(message: str) -> str:
    """``message`` with every word that could be personal replaced by "…" (see the module's why)."""
    known = _known_words()
    kept = [
        word if _PLAIN_WORD.match(word) and word.rstrip(".,:;!?)") in known | {"(", "-", "–", "—", "=", ":"}
        else "…"
        for word in message.split()
    ]
    return re.sub(r"…( …)+", "…", " ".join(kept))


def _home_relative(path: str) -> str:
    home = str(Path.home())
    return "~" + path[len(home):] if home and path.startswith(home) else path


def scrub_log(text: str) -> str:
    """The log without personal data: structure and plain words only."""
    out = []
    code_line = False  # the line after a traceback frame is the source code it points at
    for line in text.splitlines():
        record, frame, error = _RECORD.match(line), _FRAME.match(line), _ERROR.match(line.strip())
        if record:
            out.append(record[1] + plain_words(record[2]))
            code_line = False
        elif frame:
            out.append(f'{frame[1]}File "{_home_relative(frame[2])}", line {frame[3]}{frame[4] or ""}')
            code_line = True
            continue
        elif line.startswith(("Traceback (most recent call last)", "Fatal Python error", "Current thread",
                              "Thread 0x", "Stack (most recent call first)")):
            out.append(plain_words(line) if line.startswith("Fatal") else line.split(":")[0] + ":")
        elif error:
            out.append(error[1] + (": " + plain_words(error[2][1:]) if error[2] else ""))
        elif code_line and line.startswith("    ") and not line.strip().startswith(("'", '"')):
            out.append("    " + plain_words(line.strip()) if '"' in line or "'" in line else line)
        elif line.strip():
            out.append("  " + plain_words(line.strip()))
        code_line = False
    return "\n".join(out) + ("\n" if out else "")


def versions(extra: dict[str, str] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "outpost": __version__,
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "frozen": bool(getattr(sys, "frozen", False)),
        "packages": {},
    }
    for name in PACKAGES:
        try:
            found["packages"][name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found["packages"][name] = None  # a frozen build may carry no metadata: the self-test says more
    found.update(extra or {})
    return found


def self_test_command() -> list[str]:
    """``outpost self-test`` as this installation runs it: the console executable beside a frozen app
    (the windowed one has no output to read), or this Python with the ``cli`` package."""
    if getattr(sys, "frozen", False):
        folder = Path(sys.executable).resolve().parent
        for name in ("outpost-console.exe", "outpost-console"):
            if (folder / name).is_file():
                return [str(folder / name), "self-test"]
        return [sys.executable, "self-test"]
    return [sys.executable, "-m", "cli", "self-test"]


def run_self_test(command: Sequence[str] | None = None) -> str:
    """The self-test's report (its output and exit code), or why it could not run."""
    # Not the passwords and keys the environment may hold for the command line (OUTPOST_PASSWORD…).
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith("OUTPOST_") or k == "OUTPOST_RESOURCES"}
    environment.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        done = subprocess.run(list(command or self_test_command()), capture_output=True, text=True,
                              timeout=SELF_TEST_SECONDS, env=environment, encoding="utf-8", errors="replace",
                              cwd=Path(__file__).resolve().parent.parent if not getattr(sys, "frozen", False)
                              else None)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"the self-test could not run: {type(exc).__name__}\n"
    return f"exit code {done.returncode}\n{done.stdout}{scrub_log(done.stderr)}"


def register_summary(ctx: Context) -> dict[str, Any]:
    """What kind of register this is, without anything of its cases or users."""
    settings = {name: getattr(ctx.settings, name, None) for name in SETTINGS}
    return {"kind": ctx.kind, "station_code": ctx.station_code, "time_zone": str(ctx.zone),
            "engine": ctx.sessions.engine.dialect.name, "settings": settings}


def write_diagnostics(
    ctx: Context,
    target: Path,
    *,
    extra_versions: dict[str, str] | None = None,
    self_test: Callable[[], str] = run_self_test,
    now: datetime | None = None,
) -> Path:
    """Write the zip to ``target`` (atomically) and return its path."""
    logs = ctx.paths.logs
    members: dict[str, str] = {
        "README.txt": (
            "Outpost diagnostics\n\nversions.json: the program, Python and package versions;\n"
            "register.json: the register's kind, code and a few settings;\n"
            "self-test.txt: 'outpost self-test' on a throw-away register;\n"
            "logs/: the log files with personal data removed (only plain words of each message,\n"
            "the tracebacks' frames and the errors' types).\n"
        ),
        "versions.json": json.dumps(versions(extra_versions), indent=2, ensure_ascii=False),
        "register.json": json.dumps(register_summary(ctx), indent=2, ensure_ascii=False, default=str),
        "self-test.txt": self_test(),
        "written.txt": (now or ctx.clock()).isoformat() + "\n",
    }
    if logs.is_dir():
        for path in sorted(logs.iterdir()):
            if path.is_file() and (path.name.startswith("outpost.log") or path.name == "faults.log"):
                members[f"logs/{path.name}"] = scrub_log(path.read_text(encoding="utf-8", errors="replace"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    if target.suffix.lower() != ".zip":
        target = target.with_name(target.name + ".zip")
    write_atomically(target, buffer.getvalue())
    return target
