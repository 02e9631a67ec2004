"""The command line as a user runs it: ``python -m cli`` in a child process, with its own environment.

Only the ``OUTPOST_`` variables a test gives reach it, so a developer's own settings never leak in."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.helpers.registers import PASSWORD

ROOT = Path(__file__).resolve().parent.parent.parent


def outpost(
    data_dir: Path,
    *args: str,
    password: str | None = PASSWORD,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    at: datetime | None = None,
) -> subprocess.CompletedProcess[str]:
    """``at``: the command runs with the computer's clock set to that instant (libfaketime), for the
    commands whose answer depends on when they ran (an import's received time)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OUTPOST_")}
    environment.update({"OUTPOST_DATA_DIR": str(data_dir), "OUTPOST_ARGON2_PROFILE": "test"})
    if password is not None:
        environment["OUTPOST_PASSWORD"] = password
    environment.update(env or {})
    command = [sys.executable, "-m", "cli", *args]
    if at is not None:
        faketime = shutil.which("faketime")
        assert faketime, "needs faketime (scripts/system-packages.sh installs it)"
        environment["TZ"] = "UTC"
        command = [faketime, at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"), *command]
    return subprocess.run(
        command,
        cwd=ROOT,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def db_env(db_url: str | None) -> dict[str, str]:
    """The environment ``init hq`` is given to put HQ on PostgreSQL (the ``hq_db_url`` fixture); later
    commands find the database from the data folder."""
    return {} if db_url is None else {"OUTPOST_DB_URL": db_url}
