"""Real registers in temporary folders: a post with one user of each role, an HQ.

Made through the same services as the app (``init_register``, ``users.add``), on real SQLite files (and
HQ on a real PostgreSQL database when a test asks for it)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from app.context import Context, utc_now
from app.domain import Actor
from app.register import init_register
from app.zones import DEFAULT_ZONE

PASSWORD = "correct-horse-1"


@dataclass
class Post:
    ctx: Context
    admin: Actor
    chief: Actor
    officer: Actor
    analyst: Actor
    data_dir: Path


def new_post(data_dir: Path, clock: Callable[[], datetime] = utc_now, time_zone: str = DEFAULT_ZONE) -> Post:
    """The post BP-VX with an admin, a chief, an officer and an analyst (all with ``PASSWORD``), its
    register on ``clock`` and in ``time_zone``."""
    ctx = init_register(data_dir, kind="post", code="BP-VX", name="Đồn Biên phòng Vĩnh Xương",
                        admin_username="admin", admin_password=PASSWORD, commune_code="30325", clock=clock,
                        time_zone=time_zone,
                        header_lines=["BỘ CHỈ HUY BỘ ĐỘI BIÊN PHÒNG TỈNH AN GIANG",
                                      "ĐỒN BIÊN PHÒNG CỬA KHẨU QUỐC TẾ VĨNH XƯƠNG"])
    admin = ctx.login("admin", PASSWORD)
    for name, role in (("chief", "chief"), ("officer", "officer"), ("analyst", "analyst")):
        ctx.users.add(admin, name, role=role, full_name=f"Nguyễn {name.title()}", password=PASSWORD,
                      actor_password=PASSWORD)
    return Post(ctx, admin, ctx.login("chief", PASSWORD), ctx.login("officer", PASSWORD),
                ctx.login("analyst", PASSWORD), data_dir)


def make_hq(
    data_dir: Path,
    code: str = "BCH-AG",
    clock: Callable[[], datetime] = utc_now,
    time_zone: str = DEFAULT_ZONE,
    db_url: str | None = None,
) -> Post:
    """An HQ register (its admin stands in for every role): its SQLite file in ``data_dir``, or the
    PostgreSQL database at ``db_url`` (the ``hq_db_url`` fixture)."""
    ctx = init_register(
        data_dir,
        kind="hq",
        code=code,
        name=f"Bộ Chỉ huy {code}",
        admin_username="admin",
        admin_password=PASSWORD,
        clock=clock,
        time_zone=time_zone,
        db_url=db_url,
    )
    admin = ctx.login("admin", PASSWORD)
    return Post(ctx, admin, admin, admin, admin, data_dir)


@contextmanager
def register_sql(data_dir: Path) -> Iterator[sqlite3.Connection]:
    """The register file opened with plain SQL, as someone tampering behind the app's back would;
    committed when the block ends."""
    conn = sqlite3.connect(data_dir / "register.sqlite")
    try:
        yield conn
        conn.commit()
    finally:
        conn.close()


def rows(ctx: Context, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """The rows of a query on a register through its own engine, so that the same test reads HQ's
    SQLite file and HQ's PostgreSQL database (plain SQL both engines read alike)."""
    from sqlalchemy import text

    with ctx.sessions.reads() as session:
        return [tuple(row) for row in session.execute(text(sql), params)]
