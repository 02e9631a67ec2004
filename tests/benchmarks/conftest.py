"""Fixtures shared by the desktop and report benchmarks: a demo register (or the one named by
``OUTPOST_BENCH_REGISTER``), opened once per module with its admin."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.context import Context
from app.demo import generate_demo
from app.domain import Actor
from app.register import open_register
from db import cipher
from db import models as m
from tests.benchmarks.sizes import CASES, PLAIN
from tests.helpers.registers import PASSWORD, init_bench_register, register_key


def bench_key(register_dir: Path) -> bytes | None:
    """The register key of a benchmark register (None for a plain one), from its admin's slot."""
    return None if cipher.is_plain(register_dir / "register.sqlite") else register_key(register_dir)


def actor_of(ctx: Context, username: str) -> Actor:
    """The user's actor without the password (the benchmark measures the app, not Argon2)."""
    with ctx.sessions.reads() as session:
        user = session.execute(select(m.User).where(m.User.username == username)).scalar_one()
        station = session.get(m.Station, user.station_id)
        assert station is not None
        return Actor(user.id, user.username, user.full_name, user.role, station.id, station.code)


@pytest.fixture(scope="module")
def register_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("OUTPOST_BENCH_REGISTER")
    if given:
        return Path(given)
    folder = tmp_path_factory.mktemp("ui-bench") / "register"
    ctx = init_bench_register(
        folder,
        plain=PLAIN,
        kind="post",
        code="BP-DEMO",
        name="Đồn Biên phòng Demo",
        admin_username="admin",
        admin_password=PASSWORD,
        commune_code="30385",
    )
    print(f"generating {CASES:,} demo cases …", flush=True)
    generate_demo(ctx, ctx.login("admin", PASSWORD), cases=CASES, seed=1)
    ctx.close()
    return folder


@pytest.fixture(scope="module")
def opened(register_dir: Path) -> Iterator[tuple[Context, Actor]]:
    ctx = open_register(register_dir, key=bench_key(register_dir))
    yield ctx, actor_of(ctx, "admin")
    ctx.close()
