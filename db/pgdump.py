"""Backups of HQ's PostgreSQL register with ``pg_dump`` in its custom format (``pg_restore`` reads it).

The SQLite register is copied through SQLite's online backup API (``db.migrate.backup_sqlite``);
PostgreSQL's own tool gives the same guarantee (one consistent snapshot while the register is in use).
The password never goes on ``pg_dump``'s command line, where any user of the machine could read it: the
child process gets it in ``PGPASSWORD``.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import Engine

from db.files import fsync_folder


class PgDumpMissing(Exception):
    """``pg_dump`` is not installed on this computer."""


class PgDumpFailed(Exception):
    """``pg_dump`` ran and refused; its message says why."""


def pg_dump_program() -> Path | None:
    """The newest ``pg_dump`` here: a dump needs a ``pg_dump`` at least as new as the server, and Debian
    keeps one per version under /usr/lib/postgresql while PATH has only a wrapper, if anything."""
    versions = glob.glob("/usr/lib/postgresql/*/bin/pg_dump")
    if versions:
        return Path(max(versions, key=lambda p: int(Path(p).parent.parent.name)))
    found = shutil.which("pg_dump")
    return Path(found) if found else None


def dump(engine: Engine, dest: Path) -> Path:
    """``pg_dump -Fc`` of the engine's database to ``dest``, written beside it first and renamed over it
    once complete, as the SQLite backups are."""
    program = pg_dump_program()
    if program is None:
        raise PgDumpMissing()
    url = engine.url
    conninfo = url._replace(drivername="postgresql", password=None).render_as_string(hide_password=False)
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    tmp = dest.with_name(f".{dest.name}.partial")
    try:
        # Made 0600 before a byte is in it (docs/security.md): the dump holds the register in clear, so it
        # is never readable by others, not even while pg_dump writes it.
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
            done = subprocess.run(
                [str(program), "--format=custom", f"--dbname={conninfo}"],
                env=environment, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.PIPE,
                text=True, check=False,
            )
            if done.returncode != 0:
                raise PgDumpFailed(done.stderr.strip() or f"pg_dump exited with status {done.returncode}")
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_folder(dest.parent)
    return dest
