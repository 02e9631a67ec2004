"""A throw-away PostgreSQL server on loopback for the tests that run HQ on PostgreSQL (issue 18).

One server per test session (initdb, ``pg_ctl``, trust authentication on 127.0.0.1 and a Unix socket
in its own folder), and a fresh database for each test copied from an empty template, which takes a
few milliseconds. The server runs as the unprivileged ``postgres`` user when the tests run as root
(initdb refuses root), so its folder is made outside pytest's temporary root, which only root may
enter. Never a mock and never a skip: without the server programs the fixture fails saying how to
install them (``scripts/system-packages.sh``)."""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers.servers import free_port

TEMPLATE = "outpost_template"
# Durability is not what the tests check, and fsync on every commit would make them crawl.
SETTINGS = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")


class PostgresMissing(RuntimeError):
    """The PostgreSQL server programs are not installed."""


def server_bindir() -> Path:
    """The newest installed PostgreSQL server's programs (Debian keeps them per version)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name)
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise PostgresMissing(
        "the HQ tests on PostgreSQL need the PostgreSQL server (initdb, pg_ctl): run "
        "scripts/system-packages.sh (as root it installs the Debian package 'postgresql')"
    )


def _as_owner(command: list[str]) -> list[str]:
    """The server must not run as root: as root, run it as the ``postgres`` user."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@dataclass
class PostgresServer:
    """A running server; ``new_database()`` gives the URL of a fresh, empty database."""

    root: Path
    port: int
    bindir: Path
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database,
                             autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def new_database(self) -> str:
        name = f"outpost_test_{next(self._numbers)}"
        self.sql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        self.sql(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")

    @classmethod
    def start(cls) -> PostgresServer:
        bindir = server_bindir()
        root = Path(tempfile.mkdtemp(prefix="outpost-postgres-"))
        root.chmod(0o755)
        server = cls(root, free_port(), bindir)
        data = root / "data"
        for folder in (data, server.socket_dir):
            folder.mkdir()
            if os.geteuid() == 0:
                owner = pwd.getpwnam("postgres")
                os.chown(folder, owner.pw_uid, owner.pw_gid)
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE}
        done = subprocess.run(
            _as_owner([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                       "--encoding=UTF8", "--locale=C.UTF-8"]),
            **quiet, check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr.decode(errors='replace')}")
        options = f"-p {server.port} -c listen_addresses=127.0.0.1 -k {server.socket_dir} {SETTINGS}"
        done = subprocess.run(
            _as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"),
                       "-o", options, "-w", "-t", "60", "start"]),
            **quiet, check=False,
        )
        if done.returncode != 0:
            log_file = data / "server.log"
            log = log_file.read_text(errors="replace") if log_file.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {done.stderr.decode(errors='replace')}\n{log}")
        server.sql(f"CREATE DATABASE {TEMPLATE}")
        return server

    def stop(self) -> None:
        subprocess.run(
            _as_owner([str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "stop"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)
