"""Real registers in temporary folders: a post with one user of each role, an HQ.

Made through the same services as the app (``init_register``, ``users.add``), on real SQLite files."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from app.context import Context, utc_now
from app.domain import Actor
from app.keyslots import SLOTS_FILE
from app.register import init_register
from app.sync import keywrap
from db import cipher
from db.engine import sqlite_url

PASSWORD = "correct-horse-1"
PLAIN_PHOTO = b"\xff\xd8 photo of the record: Tran Thi Bich Ngoc, CCCD 089312345678"


@dataclass
class Post:
    ctx: Context
    admin: Actor
    chief: Actor
    officer: Actor
    analyst: Actor
    data_dir: Path


def new_post(data_dir: Path, clock: Callable[[], datetime] = utc_now) -> Post:
    """The post BP-VX with an admin, a chief, an officer and an analyst (all with ``PASSWORD``), its
    register on ``clock``."""
    ctx = init_register(data_dir, kind="post", code="BP-VX", name="Đồn Biên phòng Vĩnh Xương",
                        admin_username="admin", admin_password=PASSWORD, commune_code="30325", clock=clock,
                        header_lines=["BỘ CHỈ HUY BỘ ĐỘI BIÊN PHÒNG TỈNH AN GIANG",
                                      "ĐỒN BIÊN PHÒNG CỬA KHẨU QUỐC TẾ VĨNH XƯƠNG"])
    admin = ctx.login("admin", PASSWORD)
    for name, role in (("chief", "chief"), ("officer", "officer"), ("analyst", "analyst")):
        ctx.users.add(admin, name, role=role, full_name=f"Nguyễn {name.title()}", password=PASSWORD,
                      actor_password=PASSWORD)
    return Post(ctx, admin, ctx.login("chief", PASSWORD), ctx.login("officer", PASSWORD),
                ctx.login("analyst", PASSWORD), data_dir)


def make_hq(data_dir: Path, code: str = "BCH-AG", clock: Callable[[], datetime] = utc_now) -> Post:
    """An HQ register (its admin stands in for every role)."""
    ctx = init_register(
        data_dir,
        kind="hq",
        code=code,
        name=f"Bộ Chỉ huy {code}",
        admin_username="admin",
        admin_password=PASSWORD,
        clock=clock,
    )
    admin = ctx.login("admin", PASSWORD)
    return Post(ctx, admin, admin, admin, admin, data_dir)


def register_key(data_dir: Path, username: str = "admin", password: str = PASSWORD, *,
                 slots: Path | None = None) -> bytes:
    """The register key, from ``username``'s slot (read directly: no lock-out counter moves)."""
    doc = json.loads((slots or data_dir / SLOTS_FILE).read_text())
    return keywrap.unwrap(base64.b64decode(doc["users"][username]["wrapped"]), password)


def open_sqlite(path: Path, **kwargs: Any) -> Any:
    """A raw SQL connection to a register or a backup (``path``: a data dir or the file), keyed as the
    app keys it (from the slots beside a backup, else the register's): what a test uses to look at
    rows or to tamper with them behind the app's back."""
    data_dir = path if path.is_dir() else path.parent
    register = data_dir / "register.sqlite" if path.is_dir() else path
    slots = register.with_name(register.name + ".keys")
    if not slots.exists():
        slots = data_dir / SLOTS_FILE
    encrypted = slots.exists() and register.exists() and not cipher.is_plain(register)
    key = register_key(data_dir, slots=slots) if encrypted else None
    return cipher.connect(register, key, **kwargs)


def plain_post(data_dir: Path, clock: Callable[[], datetime] = utc_now, cases: int = 40) -> None:
    """A post's register as the version before encryption left it: plain SQLite, no key slots, an
    admin, a chief and an officer (all with ``PASSWORD``), ``cases`` demo cases, a case with a photo
    (``PLAIN_PHOTO``, kept in clear) and a plain backup."""
    from app.demo import generate_demo
    from app.register import backup_register
    from tests.helpers.cases import sample_case

    ctx = init_register(data_dir, kind="post", code="BP-VX", name="Đồn Biên phòng Vĩnh Xương",
                        admin_username="admin", admin_password=PASSWORD, commune_code="30325", clock=clock,
                        db_url=sqlite_url(data_dir / "register.sqlite"))  # the plain engine, as before
    admin = ctx.login("admin", PASSWORD)
    for name, role in (("chief", "chief"), ("officer", "officer")):
        ctx.users.add(admin, name, role=role, full_name=f"Nguyễn {name.title()}", password=PASSWORD,
                      actor_password=PASSWORD)
    generate_demo(ctx, admin, cases=cases, seed=5)
    photo = data_dir.parent / "bien-ban.jpg"
    photo.write_bytes(PLAIN_PHOTO)
    ctx.cases.create(admin, sample_case(attachments=(ctx.attachments.store_file(photo),)))
    backup_register(ctx)
    ctx.close()
    assert cipher.is_plain(data_dir / "register.sqlite") and not (data_dir / SLOTS_FILE).exists()


def as_first_schema(path: Path) -> None:
    """Take a register or a backup (keyed as ``open_sqlite`` keys it) back to the first migration's
    schema, as an older Outpost would have left it."""
    conn = open_sqlite(path)
    conn.execute("DROP TABLE case_search")
    for index in ("number_id", "place_id", "group_id", "status_id", "campaign_occurred"):
        conn.execute(f"DROP INDEX ix_cases_{index}")
    conn.execute("DROP INDEX ix_goods_lines_case_totals")
    conn.execute("DROP INDEX ix_cases_report")
    conn.execute("CREATE INDEX ix_cases_status_occurred ON cases (status, occurred_at)")  # 0001 made it
    for table in ("received_bundles", "case_history", "sent_files", "sync_rejections", "watch_entries",
                  "report_halves", "report_cells", "report_goods", "report_case_totals"):
        conn.execute(f"DROP TABLE {table}")
    for (trigger,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {trigger}")
    conn.execute("DELETE FROM meta WHERE key = 'search_rebuild'")
    conn.execute("UPDATE alembic_version SET version_num = '0001'")
    conn.commit()
    conn.close()
