"""Shared fixtures: real registers in temporary folders, with cheap password hashing."""

from __future__ import annotations

import os

os.environ["OUTPOST_ARGON2_PROFILE"] = "test"

import email  # noqa: E402
import socket  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import datetime, timedelta, timezone  # noqa: E402
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
def post(tmp_path: Path) -> Iterator[Post]:
    data_dir = tmp_path / "post"
    ctx = init_register(data_dir, kind="post", code="BP-VX", name="Đồn Biên phòng Vĩnh Xương",
                        admin_username="admin", admin_password=PASSWORD, commune_code="30325",
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
