"""Shared fixtures: real registers in temporary folders, with cheap password hashing."""

from __future__ import annotations

import os

os.environ["OUTPOST_ARGON2_PROFILE"] = "test"

import email  # noqa: E402
import imaplib  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, date, datetime, timedelta, timezone  # noqa: E402
from decimal import Decimal  # noqa: E402
from email.message import Message  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

from app import i18n  # noqa: E402
from app.context import Context  # noqa: E402
from app.domain import Actor, CaseInput, GoodsInput, HandlingInput, PartyInput, VehicleInput  # noqa: E402
from app.register import init_register  # noqa: E402

PASSWORD = "correct-horse-1"
ICT = timezone(timedelta(hours=7))

# "Now" for every test: no test may depend on the calendar of the machine that runs it. A Wednesday
# (the day the weekly report is due), in the second half of a month.
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=ICT)

# The "todays" a sample of the suite also runs at (``@pytest.mark.any_day``): the last day of a half-month
# and the first of the next, a month's last day, New Year's Day just after midnight at the post (still
# 31 December in UTC), a leap day, and a Tuesday and a Wednesday (the weekly window's last and first).
ANY_DAY = {
    "14th": datetime(2026, 12, 14, 16, 0, tzinfo=ICT),
    "15th": datetime(2026, 12, 15, 8, 0, tzinfo=ICT),
    "month-end": datetime(2027, 4, 30, 22, 0, tzinfo=ICT),
    "new-year": datetime(2027, 1, 1, 0, 30, tzinfo=ICT),
    "leap-day": datetime(2028, 2, 29, 12, 0, tzinfo=ICT),
    "wednesday": datetime(2026, 12, 2, 10, 0, tzinfo=ICT),
    "tuesday": datetime(2026, 12, 1, 23, 50, tzinfo=ICT),
}


class Clock:
    """A register's clock in tests: it starts at a fixed instant and runs on with real time (so events
    keep their order), and a test can move it on (``advance``) to see what happens later."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.moved = timedelta()
        self._started = time.monotonic()

    def __call__(self) -> datetime:
        elapsed = timedelta(seconds=time.monotonic() - self._started)
        return (self.start + self.moved + elapsed).astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self.moved += delta

    def today(self) -> date:
        return self().astimezone(ICT).date()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked ``any_day`` runs once at each of the ``ANY_DAY`` instants (through ``now``)."""
    if metafunc.definition.get_closest_marker("any_day") is not None:
        if "now" not in metafunc.fixturenames:
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: an any_day test needs the 'now' fixture")
        metafunc.parametrize("now", list(ANY_DAY.values()), ids=list(ANY_DAY))


@pytest.fixture
def now() -> datetime:
    """The instant a test's registers start their clocks at (``NOW``, or each of ``ANY_DAY``)."""
    return NOW


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)

EXAMPLE_CASE = {
    "occurred_at": "2026-11-20T23:40:00+07:00",
    "place": "Mốc 264, ấp Vĩnh Lợi", "commune_code": "30325", "location_kind": "border_trail",
    "violation_group": "prohibited_smuggled", "violation": "Vận chuyển thuốc lá điếu nhập lậu",
    "detection": "patrol", "ownerless": False, "lead_force": "border_guard",
    "cooperating_forces": ["police"], "summary": "Tuần tra phát hiện xe mô tô chở thuốc lá.",
    "goods": [{"commodity": "cigarettes", "description": "Thuốc lá Hero", "quantity": "150",
               "unit": "cây", "value_vnd": 22500000}],
    "parties": [{"kind": "person", "role": "carrier", "full_name": "Nguyễn Văn A",
                 "birth_date": "1990-05-01", "nationality": "VN", "id_number": "089090001234"}],
    "vehicles": [{"kind": "motorbike", "plate": "67H1-204.13"}],
    "handling": {"outcome": "admin_fine", "fine_vnd": 15000000, "decision_no": "12/QĐ-XPHC",
                 "decision_date": "2026-11-22"},
}


def sample_case(**changes: object) -> CaseInput:
    base = CaseInput(
        occurred_at=datetime(2026, 11, 20, 23, 40, tzinfo=ICT),
        place="Mốc 264, ấp Vĩnh Lợi",
        commune_code="30325",
        location_kind="border_trail",
        violation_group="prohibited_smuggled",
        violation="Vận chuyển thuốc lá điếu nhập lậu",
        detection="patrol",
        lead_force="border_guard",
        cooperating_forces=("police",),
        summary="Tuần tra phát hiện đối tượng vận chuyển thuốc lá và đường cát.",
        goods=(
            GoodsInput("cigarettes", Decimal("150"), "cây", "Thuốc lá Hero", value_vnd=22_500_000),
            GoodsInput("sugar", Decimal("2.5"), "tấn", "Đường cát Thái Lan"),
        ),
        parties=(PartyInput("person", "carrier", "Nguyễn Văn An", nationality="VN",
                            id_number="089090001234"),),
        vehicles=(VehicleInput("motorbike", "67h1 20413"),),
        handling=HandlingInput(outcome="admin_fine", fine_vnd=15_000_000),
    )
    from dataclasses import replace

    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def core_language() -> Iterator[None]:
    """Every test starts and ends with the core's own language (English), whatever it switched to."""
    i18n.reset()
    yield
    i18n.reset()


@dataclass
class Post:
    ctx: Context
    admin: Actor
    chief: Actor
    officer: Actor
    analyst: Actor
    data_dir: Path


@pytest.fixture
def post(tmp_path: Path, clock: Clock) -> Iterator[Post]:
    data_dir = tmp_path / "post"
    ctx = init_register(data_dir, kind="post", code="BP-VX", name="Đồn Biên phòng Vĩnh Xương",
                        admin_username="admin", admin_password=PASSWORD, commune_code="30325", clock=clock,
                        header_lines=["BỘ CHỈ HUY BỘ ĐỘI BIÊN PHÒNG TỈNH AN GIANG",
                                      "ĐỒN BIÊN PHÒNG CỬA KHẨU QUỐC TẾ VĨNH XƯƠNG"])
    admin = ctx.login("admin", PASSWORD)
    for name, role in (("chief", "chief"), ("officer", "officer"), ("analyst", "analyst")):
        ctx.users.add(admin, name, role=role, full_name=f"Nguyễn {name.title()}", password=PASSWORD,
                      actor_password=PASSWORD)
    yield Post(ctx, admin, ctx.login("chief", PASSWORD), ctx.login("officer", PASSWORD),
               ctx.login("analyst", PASSWORD), data_dir)
    ctx.close()


# ----- a real SMTP server on loopback ------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@dataclass(frozen=True)
class Mailbox:
    """HQ's mailbox on a real IMAP server (Dovecot) on loopback."""

    port: int
    username: str
    password: str

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(self.username, self.password)
        client.select("INBOX")
        return client


DOVECOT_CONF = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
default_internal_user = dovecot
default_login_user = dovenull
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


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
