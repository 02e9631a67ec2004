"""The command line as a user runs it: ``python -m cli`` in a child process, with its own environment.

Only the ``OUTPOST_`` variables a test gives reach it, so a developer's own settings never leak in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers.registers import PASSWORD

ROOT = Path(__file__).resolve().parent.parent.parent


def outpost(
    data_dir: Path,
    *args: str,
    password: str | None = PASSWORD,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OUTPOST_")}
    environment.update({"OUTPOST_DATA_DIR": str(data_dir), "OUTPOST_ARGON2_PROFILE": "test"})
    if password is not None:
        environment["OUTPOST_PASSWORD"] = password
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
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
