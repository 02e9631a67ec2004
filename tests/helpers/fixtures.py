"""The fixtures every test may ask for, loaded by ``tests/conftest.py``: the core's language reset,
the registers' clock (``now``, ``clock``, and the ``any_day`` marker's "todays"), a post, a post
enrolled with HQ (``pair``, or ``demo_pair`` with demo cases), HQ's database (``engine``: SQLite, or
PostgreSQL on a throw-away server for the ``both_engines`` marker's second run), and the SMTP and IMAP
servers.

Each is built from the helpers beside it; a test that needs a variation calls the helper itself."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from app import i18n
from app.demo import generate_demo
from tests.helpers.clock import ANY_DAY, NOW, Clock
from tests.helpers.postgres import PostgresMissing, PostgresServer
from tests.helpers.registers import Post, make_hq, new_post
from tests.helpers.servers import DOVECOT_CONF, Inbox, Mailbox, free_port
from tests.helpers.sync import Pair, enrol_post


@pytest.fixture(autouse=True)
def core_language() -> Iterator[None]:
    """Every test starts and ends with the core's own language (English), whatever it switched to."""
    i18n.reset()
    yield
    i18n.reset()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked ``any_day`` runs once at each of the ``ANY_DAY`` instants (through ``now``)."""
    if metafunc.definition.get_closest_marker("any_day") is not None:
        if "now" not in metafunc.fixturenames:
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: an any_day test needs the 'now' fixture")
        metafunc.parametrize("now", list(ANY_DAY.values()), ids=list(ANY_DAY))
    # A test (or module) marked ``both_engines`` runs once with HQ on SQLite and once on PostgreSQL;
    # only the tests whose fixtures reach ``engine`` (an HQ register) are run twice.
    both = metafunc.definition.get_closest_marker("both_engines") is not None
    if both and "engine" in metafunc.fixturenames:
        metafunc.parametrize("engine", ENGINES)


ENGINES = ["sqlite", "postgresql"]


@pytest.fixture
def engine() -> str:
    """HQ's database engine: SQLite unless the test is marked ``both_engines``."""
    return "sqlite"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throw-away PostgreSQL server for the whole run (``scripts/system-packages.sh`` installs it)."""
    try:
        server = PostgresServer.start()
    except PostgresMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database on the test server, dropped after the test."""
    url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(url)


@pytest.fixture
def hq_db_url(engine: str, request: pytest.FixtureRequest) -> str | None:
    """Where HQ's register lives: None for its SQLite file, else a fresh PostgreSQL database."""
    if engine == "sqlite":
        return None
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def now() -> datetime:
    """The instant a test's registers start their clocks at (``NOW``, or each of ``ANY_DAY``)."""
    return NOW


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
def post(tmp_path: Path, clock: Clock) -> Iterator[Post]:
    made = new_post(tmp_path / "post", clock)
    yield made
    made.ctx.close()


@pytest.fixture
def pair(post: Post, tmp_path: Path, clock: Clock, hq_db_url: str | None) -> Iterator[Pair]:
    """A post enrolled with an HQ, both in ``tmp_path`` and on the same clock."""
    hq = make_hq(tmp_path / "hq", clock=clock, db_url=hq_db_url)
    enrol_post(post, hq, tmp_path)
    yield Pair(post, hq, tmp_path)
    hq.ctx.close()


@pytest.fixture
def demo_pair(post: Post, tmp_path: Path, hq_db_url: str | None) -> Iterator[Callable[[int, int], Pair]]:
    """``demo_pair(cases, seed)``: the post with that many demo cases, then enrolled with an HQ (in that
    order: an enrolled post refuses demo cases, which would reach HQ as real ones)."""
    made: list[Pair] = []

    def make(cases: int, seed: int) -> Pair:
        generate_demo(post.ctx, post.admin, cases=cases, seed=seed)
        hq = make_hq(tmp_path / "hq", db_url=hq_db_url)
        enrol_post(post, hq, tmp_path)
        made.append(Pair(post, hq, tmp_path))
        return made[-1]

    yield make
    for pair in made:
        pair.hq.ctx.close()


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def imap() -> Iterator[Mailbox]:
    """A Dovecot IMAP server of its own (``.ci/run`` installs dovecot-imapd), stopped afterwards. Its
    folder is outside pytest's (which only root may enter): the mail processes run as nobody."""
    dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not Path(dovecot).exists():
        pytest.fail("the IMAP tests need Dovecot: apt-get install dovecot-imapd", pytrace=False)
    root = Path(tempfile.mkdtemp(prefix="outpost-dovecot-"))
    root.chmod(0o755)
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    shutil.chown(root / "mail", "nobody", "nogroup")
    mailbox = Mailbox(free_port(), "bch-ag", "mat-khau-hop-thu")
    conf = root / "dovecot.conf"
    conf.write_text(DOVECOT_CONF.format(root=root, port=mailbox.port, password=mailbox.password))
    # Dovecot goes to the background: its output goes to its log, not to pipes it would keep open.
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.run([dovecot, "-c", str(conf)], check=True, **quiet)
    try:
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", mailbox.port)) == 0:
                    break
            time.sleep(0.05)
        yield mailbox
    finally:
        subprocess.run([dovecot, "-c", str(conf), "stop"], **quiet)
        shutil.rmtree(root, ignore_errors=True)
