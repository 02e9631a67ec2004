"""Real registers in temporary folders: a post with one user of each role, an HQ.

Made through the same services as the app (``init_register``, ``users.add``), on real SQLite files (and
HQ on a real PostgreSQL database when a test asks for it)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from app.context import Context, utc_now
from app.domain import Actor
from app.errors import AuthError
from app.keyslots import SLOTS_FILE
from app.register import init_register
from app.sync import keywrap
from app.zones import DEFAULT_ZONE
from db import cipher

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


def register_key(data_dir: Path, username: str | None = None, password: str = PASSWORD, *,
                 slots: Path | None = None) -> bytes:
    """The register key, from ``username``'s slot, or from the first slot ``password`` opens (a test
    may have changed the admin's password); read directly: no lock-out counter moves."""
    users = json.loads((slots or data_dir / SLOTS_FILE).read_text())["users"]
    for name in [username] if username else sorted(users, key=lambda n: n != "admin"):
        entry = users[name]
        if "migrated" in entry:
            continue
        try:
            return keywrap.unwrap(base64.b64decode(entry["wrapped"]), password)
        except AuthError:
            continue
    raise AuthError(f"no key slot in {data_dir} opens with the test password")


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


def init_bench_register(data_dir: Path, *, plain: bool, **kwargs: Any) -> Context:
    """``init_register``, or with ``plain`` a register as the version before encryption made it (the
    plain engine, no key slots): the baseline of the encrypted-versus-plain benchmarks."""
    from unittest import mock

    from app import keyslots

    if not plain:
        return init_register(data_dir, **kwargs)
    with mock.patch.object(keyslots, "new_key", return_value=None):
        return init_register(data_dir, **kwargs)


def plain_post(data_dir: Path, clock: Callable[[], datetime] = utc_now, cases: int = 40) -> None:
    """A post's register as the version before encryption left it: plain SQLite, no key slots, an
    admin, a chief and an officer (all with ``PASSWORD``), ``cases`` demo cases, a case with a photo
    (``PLAIN_PHOTO``, kept in clear) and a plain backup."""
    from unittest import mock

    from app import keyslots
    from app.demo import generate_demo
    from app.register import backup_register
    from tests.helpers.cases import sample_case

    # No register key: the plain engine and no key slots, as the version before encryption made it.
    with mock.patch.object(keyslots, "new_key", return_value=None):
        ctx = init_register(data_dir, kind="post", code="BP-VX", name="Đồn Biên phòng Vĩnh Xương",
                            admin_username="admin", admin_password=PASSWORD, commune_code="30325",
                            clock=clock)
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


def before_reviewed_watch_list(conn: Any) -> None:
    """Undo migration 0011 in a register: no review table, watch entries without their reasons."""
    conn.execute("DROP TABLE IF EXISTS watch_reviews")
    conn.execute("DROP TABLE IF EXISTS handovers")  # 0016 came later still
    if "overlap_reason" in {r[1] for r in conn.execute("PRAGMA table_info(activities)")}:
        conn.execute("ALTER TABLE activities DROP COLUMN overlap_reason")  # and 0017
    columns = {row[1] for row in conn.execute("PRAGMA table_info(watch_entries)")}
    for column in ("posts", "case_numbers", "reason"):
        if column in columns:
            conn.execute(f"ALTER TABLE watch_entries DROP COLUMN {column}")


def back_to_unkeyed_chain(conn: Any) -> None:
    """Rewrite a register's audit trail as releases before migration 0010 left it: no MAC column, no
    HQ anchors table, no events for the bookkeeping tables, every link in the first (v1) formula."""
    from app import audit, audit_tables

    before_reviewed_watch_list(conn)  # 0011 came later still
    covered = tuple(audit_tables.COVERED_BY_ENTITY)
    conn.execute(f"DELETE FROM audit_events WHERE entity IN ({','.join('?' * len(covered))})", covered)
    conn.execute("DELETE FROM meta WHERE key IN ('audit_chain', 'audit_mac')")
    conn.execute("DROP TABLE audit_anchors")
    conn.execute("ALTER TABLE audit_events DROP COLUMN mac")
    prev = audit.GENESIS
    rows = conn.execute(
        "SELECT seq, at, station_id, actor, action, entity, entity_id, version, diff, state_hash "
        "FROM audit_events ORDER BY seq"
    ).fetchall()
    for seq, *fields in rows:
        link = audit.event_hash_v1(prev, *fields)
        conn.execute("UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, link, seq))
        prev = link


@contextmanager
def register_sql(data_dir: Path) -> Iterator[Any]:
    """The register file opened with SQL, keyed (``open_sqlite``), as someone tampering behind the
    app's back with a user's password would; committed when the block ends."""
    conn = open_sqlite(data_dir)
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


def before_establishments(conn: Any) -> None:
    """Undo migration 0014 in a register: no establishments, no inspection notices, activities without
    the establishment they name (rebuilt as SQLite rebuilds a table: the column has a reference)."""
    conn.execute("DROP TABLE IF EXISTS inspection_notices")
    if "overlap_reason" in {r[1] for r in conn.execute("PRAGMA table_info(activities)")}:
        conn.execute("ALTER TABLE activities DROP COLUMN overlap_reason")  # 0017 came later still
    table = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'activities'"
    ddl = conn.execute(table).fetchone()[0]
    if "establishment_id" in ddl:
        kept = [line for line in ddl.split("\n") if "establishment_id" not in line]
        kept[-2] = kept[-2].rstrip().rstrip(",")  # the last line before ")" takes no comma
        columns = [r[1] for r in conn.execute("PRAGMA table_info(activities)") if r[1] != "establishment_id"]
        listed_indexes = "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'activities'"
        indexes = [sql for (sql,) in conn.execute(listed_indexes) if sql and "establishment_id" not in sql]
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DROP INDEX IF EXISTS ix_activities_establishment_id")
        conn.execute("\n".join(kept).replace('"activities"', '"activities_rebuilt"', 1))
        listed = ", ".join(columns)
        conn.execute(f"INSERT INTO activities_rebuilt ({listed}) SELECT {listed} FROM activities")
        conn.execute("DROP TABLE activities")
        conn.execute("ALTER TABLE activities_rebuilt RENAME TO activities")
        for index in indexes:  # the table's other indexes, gone with the old table
            conn.execute(index)
    conn.execute("DROP TABLE IF EXISTS establishments")


def as_first_schema(path: Path) -> None:
    """Take a register or a backup (keyed as ``open_sqlite`` keys it) back to the first migration's
    schema, as an older Outpost would have left it."""
    conn = open_sqlite(path)
    before_establishments(conn)  # 0014
    conn.execute("DROP TABLE case_search")
    for index in ("number_id", "place_id", "group_id", "status_id", "campaign_occurred",
                  "origin_occurred", "lead_force_occurred", "ownerless_occurred",
                  "location_kind_occurred"):  # 0004, 0012, 0018
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
    conn.execute("DROP TABLE activity_cases")  # 0013
    conn.execute("DROP INDEX ix_activities_started_at")
    for column in ("cooperating_forces", "border_marker", "route", "latitude", "longitude", "result",
                   "participant_names", "updated_at", "updated_by"):
        conn.execute(f"ALTER TABLE activities DROP COLUMN {column}")
    for column in ("online_platform", "online_account", "online_url"):
        conn.execute(f"ALTER TABLE cases DROP COLUMN {column}")
    for column in ("status", "result", "assigned_to", "updated_at", "acted_at"):  # 0015
        conn.execute(f"ALTER TABLE tips DROP COLUMN {column}")
    back_to_unkeyed_chain(conn)
    conn.execute("UPDATE alembic_version SET version_num = '0001'")
    conn.commit()
    conn.close()
