"""The audit chain detects edits, insertions and deletions made with plain SQL behind the app."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app import audit
from tests.helpers.cases import sample_case
from tests.helpers.registers import Post, open_sqlite


def _verify(post: Post) -> audit.VerifyReport:
    with post.ctx.sessions.engine.connect() as conn:
        return audit.verify(conn)


@pytest.fixture
def two_cases(post: Post) -> tuple[str, str]:
    first = post.ctx.cases.create(post.officer, sample_case())
    second = post.ctx.cases.create(post.officer, sample_case(place="Kênh Vĩnh Tế"))
    post.ctx.cases.submit(post.officer, second.id)
    return first.id, second.id


def test_untouched_register_verifies(post: Post, two_cases: tuple[str, str]) -> None:
    report = _verify(post)
    assert report.ok, report.problems
    assert report.events >= 7  # station, 4 users, 2 cases created, 1 submitted
    assert report.entities == 1 + 4 + 2


TAMPERING: dict[str, tuple[str, Callable[[tuple[str, str]], tuple[object, ...]], str]] = {
    "case field edited": ("UPDATE cases SET place = 'X' WHERE id = ?", lambda ids: (ids[0],),
                          "case BP-VX/2026/00001"),
    "case status forged": ("UPDATE cases SET status = 'approved' WHERE id = ?", lambda ids: (ids[1],),
                           "case BP-VX/2026/00002"),
    "goods quantity edited": ("UPDATE goods_lines SET quantity = '1' WHERE case_id = ?",
                              lambda ids: (ids[0],), "case BP-VX/2026/00001"),
    "goods line deleted": ("DELETE FROM goods_lines WHERE case_id = ? AND position = 1",
                           lambda ids: (ids[0],), "case BP-VX/2026/00001"),
    "party deleted": ("DELETE FROM parties WHERE case_id = ?", lambda ids: (ids[1],),
                      "case BP-VX/2026/00002"),
    "case deleted": ("DELETE FROM cases WHERE id = ?", lambda ids: (ids[0],), "removed"),
    "role escalated": ("UPDATE users SET role = 'admin' WHERE username = ?", lambda ids: ("officer",),
                       "user officer"),
    "audit event edited": ("UPDATE audit_events SET actor = 'chief' WHERE seq = 6", lambda ids: (),
                           "audit event 6"),
    "audit event deleted": ("DELETE FROM audit_events WHERE seq = 3", lambda ids: (), "audit event 4"),
}


@pytest.mark.parametrize("name", list(TAMPERING))
def test_tampering_is_detected_and_named(post: Post, two_cases: tuple[str, str], name: str) -> None:
    statement, params, expected = TAMPERING[name]
    conn = open_sqlite(post.ctx.paths.register)
    post.ctx.close()
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(statement, params(two_cases))
    conn.commit()
    conn.close()
    report = _verify(post)
    assert not report.ok
    assert any(expected in p for p in report.problems), report.problems


def test_inserted_case_without_audit_is_detected(post: Post, two_cases: tuple[str, str]) -> None:
    conn = open_sqlite(post.ctx.paths.register)
    post.ctx.close()
    columns = [r[1] for r in conn.execute("PRAGMA table_info(cases)")]
    row = list(conn.execute("SELECT * FROM cases WHERE id = ?", (two_cases[0],)).fetchone())
    row[columns.index("id")] = "ffffffff-0000-4000-8000-000000000000"
    row[columns.index("number")] = "BP-VX/2026/09999"
    conn.execute(f"INSERT INTO cases VALUES ({','.join('?' * len(row))})", row)
    conn.commit()
    conn.close()
    report = _verify(post)
    assert any("BP-VX/2026/09999" in p and "no audit event" in p for p in report.problems)


def test_history_diff_never_holds_the_sealed_secret(post: Post) -> None:
    from datetime import UTC, datetime

    tip = post.ctx.tips.add(post.officer, received_at=datetime(2026, 11, 1, tzinfo=UTC),
                            channel="phone", content="Có hàng qua mốc 264 đêm nay",
                            informant="Lê Văn Báo, 0912345678")
    conn = open_sqlite(post.ctx.paths.register)
    tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    dump = "\n".join(repr(row) for table in tables for row in conn.execute(f'SELECT * FROM "{table}"'))
    conn.close()
    assert "Lê Văn Báo" not in dump and "0912345678" not in dump
    assert post.ctx.tips.read_informant(post.chief, tip.id, "correct-horse-1") == "Lê Văn Báo, 0912345678"
    assert _verify(post).ok
