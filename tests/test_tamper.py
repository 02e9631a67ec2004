"""Tampering with a real, encrypted register by direct SQL (with its key, as someone who took it from
memory or a slot would): ``outpost audit verify`` names what changed, the register refuses to open, or
HQ's next import refuses the post's bundle (issue 17, docs/security.md).

One post and its HQ are built once, with a row in every audited table, and copied for each tamper."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app import audit, audit_tables
from app.campaigns import add_campaign
from app.case_query import WITH_CHILDREN
from app.register import open_register
from app.serialize import orm_case_state, state_hash
from app.sync.replies import set_reference_items
from db import models as m
from tests.helpers.cases import sample_case
from tests.helpers.cli import outpost
from tests.helpers.clock import NOW, Clock
from tests.helpers.registers import PASSWORD, Post, make_hq, new_post, open_sqlite, register_key
from tests.helpers.sync import (
    Pair,
    add_cases,
    enrol_post,
    export_parts,
    hq_reply,
    import_at_hq,
    import_at_post,
)


@dataclass(frozen=True)
class Base:
    root: Path
    cases: tuple[str, str]  # the first (edited after it reached HQ) and the second (submitted)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    root = tmp_path_factory.mktemp("tamper")
    clock = Clock(NOW)
    post = new_post(root / "post", clock)
    hq = make_hq(root / "hq", clock=clock)
    enrol_post(post, hq, root)
    pair = Pair(post, hq, root)
    add_campaign(hq.ctx, hq.admin, "Cao điểm chống buôn lậu", date(2026, 11, 1), date(2026, 12, 31))
    drone = root / "drone.json"
    drone.write_text(json.dumps({"kind": "detection_methods", "items": [
        {"code": "drone", "vi": "Thiết bị bay không người lái", "en": "Drone"}]}), encoding="utf-8")
    set_reference_items(hq.ctx, hq.admin, drone)
    first, second = add_cases(pair, 2, photos=True)
    post.ctx.cases.submit(post.officer, second)
    post.ctx.tips.add(post.officer, received_at=datetime(2026, 11, 20, 14, 0, tzinfo=UTC), channel="phone",
                      content="Xe tải qua mốc 264", informant="Lê Văn Báo, 0912345678", case_id=first)
    assert import_at_hq(pair, export_parts(pair, "one")).rejected == []
    assert import_at_post(pair, [hq_reply(pair)]).rejected == []
    case = post.ctx.cases.get(post.officer, first)
    post.ctx.cases.update(post.officer, first, sample_case(place="Bến đò Vĩnh Xương"), case.version)
    assert import_at_hq(pair, export_parts(pair, "two")).rejected == []  # a case history row at HQ
    post.ctx.close()
    hq.ctx.close()
    return Base(root, (first, second))


def _copy(base: Base, tmp_path: Path) -> tuple[Path, Path]:
    for name in ("post", "hq"):
        shutil.copytree(base.root / name, tmp_path / name)
    return tmp_path / "post", tmp_path / "hq"


def _sql(data_dir: Path, *statements: tuple[str, tuple[Any, ...]]) -> None:
    conn = open_sqlite(data_dir)
    conn.execute("PRAGMA foreign_keys = OFF")
    for statement, params in statements:
        conn.execute(statement, params)
    conn.commit()
    conn.close()


def _one(data_dir: Path, query: str, params: tuple[Any, ...] = ()) -> Any:
    conn = open_sqlite(data_dir)
    try:
        return conn.execute(query, params).fetchone()
    finally:
        conn.close()


def _verify_fails(data_dir: Path, expected: str) -> str:
    result = outpost(data_dir, "audit", "verify")
    assert result.returncode == 9, (result.stdout, result.stderr)
    assert "AUDIT FAILED" in result.stderr and expected in result.stderr, result.stderr
    return result.stderr


DETECTED: list[str] = []  # the tampers the suite saw detected, counted at the end


def test_untouched_registers_verify(base: Base, tmp_path: Path) -> None:
    post, hq = _copy(base, tmp_path)
    for data_dir in (post, hq):
        result = outpost(data_dir, "audit", "verify")
        assert result.returncode == 0, result.stderr
        assert "Audit chain intact" in result.stdout
    # Every table the suite tampers with holds rows.
    for table in ("goods_lines", "parties", "vehicles", "attachments", "tips", "campaigns", "reference_items",
                  "received_bundles", "change_log"):
        assert _one(post, f"SELECT count(*) FROM {table}")[0] > 0, table
    assert _one(hq, "SELECT count(*) FROM case_history")[0] > 0
    assert _one(hq, "SELECT count(*) FROM audit_anchors")[0] > 0


Sql = Callable[[Base], list[tuple[str, tuple[Any, ...]]]]


def _rows(*statements: str) -> Sql:
    return lambda _base: [(s, ()) for s in statements]


def _first(statement: str) -> Sql:
    return lambda base: [(statement, (base.cases[0],))]


# name -> (register, the SQL, what the report must name)
TAMPERS: dict[str, tuple[str, Sql, str]] = {
    # The attacks of issue 17.
    "a case's change-log rows deleted": ("post", _first("DELETE FROM change_log WHERE entity_id = ?"),
                                         "change_log row"),
    "acknowledged sequence set": ("post", _rows("UPDATE meta SET value = '999' WHERE key = 'acked_seq'"),
                                  "meta row acked_seq"),
    "tip recipient replaced": ("post", _rows(
        "UPDATE meta SET value = 'age1thiefthiefthiefthiefthiefthiefthiefthiefthiefthiefthiefthi' "
        "WHERE key = 'tip_recipient'"), "meta row tip_recipient"),
    "HQ's tip recipient replaced": ("post", _rows(
        "UPDATE meta SET value = 'age1thief' WHERE key = 'hq_tip_recipient'"), "meta row hq_tip_recipient"),
    "officer promoted to admin": ("post", _rows("UPDATE users SET role = 'admin' WHERE username = 'officer'"),
                                  "user officer"),
    "admin's password hash replaced": ("post", _rows(
        "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE username = 'officer') "
        "WHERE username = 'admin'"), "user admin"),
    # Each audited table: edit, insert, delete.
    "case edited": ("post", _first("UPDATE cases SET place = 'X' WHERE id = ?"), "case BP-VX/2026/00001"),
    "case inserted": ("post", _first(
        "INSERT INTO cases SELECT 'ffffffff-0000-4000-8000-000000000000', origin, 'BP-VX/2026/09999', year, "
        "9999, status, occurred_at, utc_offset_min, detected_at, place, commune_code, location_kind, "
        "latitude, "
        "longitude, violation_group, violation, legal_basis, detection, ownerless, lead_force, "
        "cooperating_forces, campaign_id, summary, outcome, decision_no, decision_date, fine_vnd, "
        "proceeds_vnd, tax_vnd, receiving_agency, defendants, remark, void_reason, created_by, created_at, "
        "updated_by, updated_at, submitted_by, submitted_at, approved_by, approved_at, version, change_seq, "
        "online_platform, online_account, online_url "
        "FROM cases WHERE id = ?"), "BP-VX/2026/09999"),
    "case deleted": ("post", _first("DELETE FROM cases WHERE id = ?"), "removed from the register"),
    "goods line edited": ("post", _first("UPDATE goods_lines SET quantity = '1' WHERE case_id = ?"),
                          "case BP-VX/2026/00001"),
    "goods line inserted": ("post", _first(
        "INSERT INTO goods_lines (id, case_id, position, commodity, description, quantity, unit, "
        "base_quantity, base_unit) VALUES ('g-new', ?, 9, 'sugar', 'Đường', '1', 'kg', '1', 'kg')"),
        "case BP-VX/2026/00001"),
    "goods line deleted": ("post", _first("DELETE FROM goods_lines WHERE case_id = ?"),
                           "case BP-VX/2026/00001"),
    "party edited": ("post", _first("UPDATE parties SET id_number = '000000000000' WHERE case_id = ?"),
                     "case BP-VX/2026/00001"),
    "party deleted": ("post", _first("DELETE FROM parties WHERE case_id = ?"), "case BP-VX/2026/00001"),
    "vehicle edited": ("post", _first("UPDATE vehicles SET plate = '99A-00000' WHERE case_id = ?"),
                       "case BP-VX/2026/00001"),
    "attachment swapped": ("post", lambda base: [(
        "UPDATE attachments SET sha256 = '00' || substr(sha256, 3) WHERE case_id = ?", (base.cases[1],))],
        "case BP-VX/2026/00002"),
    "user inserted": ("post", _rows(
        "INSERT INTO users (id, station_id, username, full_name, role, password_hash, active, failed_logins, "
        "created_at, version) SELECT 'u-new', station_id, 'mallory', 'Mallory', 'admin', password_hash, "
        "1, 0, "
        "created_at, 1 FROM users WHERE username = 'admin'"), "user mallory"),
    "user deleted": ("post", _rows("DELETE FROM users WHERE username = 'chief'"),
                     "removed from the register"),
    "user re-activated": ("post", _rows("UPDATE users SET active = 0 WHERE username = 'analyst'"),
                          "user analyst"),
    "lock-out counter reset": ("post", _rows(
        "UPDATE users SET failed_logins = 4 WHERE username = 'chief'"), "user chief (lock-out counters)"),
    "HQ's signing key replaced": ("post", _rows(
        "UPDATE stations SET signing_public_key = x'00' WHERE kind = 'hq'"), "station BCH-AG"),
    "tip's sealed informant replaced": ("post", _rows("UPDATE tips SET informant_sealed = x'00'"), "tip "),
    "tip deleted": ("post", _rows("DELETE FROM tips"), "removed from the register"),
    "campaign dates edited": ("post", _rows("UPDATE campaigns SET ends_on = '2027-12-31'"), "campaign "),
    "meta key inserted": ("post", _rows("INSERT INTO meta VALUES ('hq_station_id2', 'x')"),
                          "meta row hq_station_id2"),
    "meta key deleted": ("post", _rows("DELETE FROM meta WHERE key = 'hq_tip_recipient'"),
                         "meta row hq_tip_recipient: removed"),
    "change-log row inserted": ("post", _first(
        "INSERT INTO change_log SELECT station_id, 999, entity, entity_id, version, at FROM change_log "
        "WHERE entity_id = ? LIMIT 1"), "/999"),
    "change-log version edited": ("post", _rows("UPDATE change_log SET version = 7 WHERE seq = 1"),
                                  "change_log row"),
    "reference item edited": ("post", _rows(
        "UPDATE reference_items SET payload = json_set(payload, '$.vi', 'Máy bay do thám')"),
                              "reference_items row detection_methods/drone"),
    "reference item inserted": ("post", _rows(
        "INSERT INTO reference_items SELECT kind, 'sat', payload, updated_at, source FROM reference_items"),
        "reference_items row detection_methods/sat"),
    "received bundle deleted": ("post", _rows("DELETE FROM received_bundles"), "received_bundles row"),
    "audit event edited": ("post", _rows("UPDATE audit_events SET actor = 'chief' WHERE seq = 6"),
                           "audit event 6"),
    "audit event deleted": ("post", _rows("DELETE FROM audit_events WHERE seq = 3"), "audit event 4"),
    "case history edited at HQ": ("hq", _rows("UPDATE case_history SET document = '{}'"),
                                  "case_history row"),
    "case history deleted at HQ": ("hq", _rows("DELETE FROM case_history"), "case_history row"),
    "a post's chain edited at HQ": ("hq", _rows("UPDATE audit_anchors SET actor = 'x' WHERE seq = 5"),
                                    "post BP-VX: its audit event 5 held at HQ was edited"),
}


@pytest.mark.parametrize("name", list(TAMPERS))
def test_tamper_is_named_by_audit_verify(base: Base, tmp_path: Path, name: str) -> None:
    which, statements, expected = TAMPERS[name]
    post, hq = _copy(base, tmp_path)
    target = post if which == "post" else hq
    _sql(target, *statements(base))
    _verify_fails(target, expected)


def test_events_reordered(base: Base, tmp_path: Path) -> None:
    post, _hq = _copy(base, tmp_path)
    _sql(post, ("UPDATE audit_events SET seq = -1 WHERE seq = 4", ()),
         ("UPDATE audit_events SET seq = 4 WHERE seq = 5", ()),
         ("UPDATE audit_events SET seq = 5 WHERE seq = -1", ()))
    _verify_fails(post, "audit event 4: chain broken before it")


def test_chain_recomputed_with_the_unkeyed_formula_after_an_edit(base: Base, tmp_path: Path) -> None:
    """The published formula gives links and states that hold, but not the MACs: they need the key."""
    post, _hq = _copy(base, tmp_path)
    first = base.cases[0]
    _sql(post, ("UPDATE cases SET fine_vnd = 1 WHERE id = ?", (first,)))
    ctx = open_register(post, key=register_key(post))
    with ctx.sessions.reads() as session:
        query = select(m.Case).where(m.Case.id == first).options(*WITH_CHILDREN)
        stored = session.execute(query).scalar_one()
        sealed = state_hash(orm_case_state(stored))
    ctx.close()
    conn = open_sqlite(post)
    last = conn.execute("SELECT max(seq) FROM audit_events WHERE entity_id = ?", (first,)).fetchone()[0]
    conn.execute("UPDATE audit_events SET state_hash = ? WHERE seq = ?", (sealed, last))
    prev = audit.GENESIS
    for seq, *fields in conn.execute(
        "SELECT seq, at, station_id, actor, action, entity, entity_id, version, diff, state_hash "
        "FROM audit_events ORDER BY seq"
    ).fetchall():
        link = audit.event_hash(prev, *fields)
        conn.execute("UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, link, seq))
        prev = link
    conn.commit()
    conn.close()
    stderr = _verify_fails(post, f"audit event {last}: its MAC does not match")
    assert "chain broken" not in stderr and "edited behind" not in stderr  # links and states hold


def test_planted_trigger_refuses_the_register_at_open(base: Base, tmp_path: Path) -> None:
    post, _hq = _copy(base, tmp_path)
    _sql(post, ("CREATE TRIGGER keep_recipient AFTER UPDATE ON cases BEGIN "
                "UPDATE meta SET value = 'age1thief' WHERE key = 'tip_recipient'; END", ()))
    result = outpost(post, "audit", "verify")
    assert result.returncode != 0
    assert "unknown trigger keep_recipient on table cases" in result.stderr
    assert "schema was changed" in result.stderr


def test_planted_view_and_index_refuse_the_register(base: Base, tmp_path: Path) -> None:
    post, _hq = _copy(base, tmp_path)
    _sql(post, ("CREATE VIEW everyone AS SELECT full_name FROM parties", ()),
         ("DROP INDEX ix_parties_id_normalized", ()))
    result = outpost(post, "audit", "verify")
    assert result.returncode != 0
    assert "unknown view everyone: the migrations do not create it" in result.stderr
    assert "missing index ix_parties_id_normalized on table parties" in result.stderr


def _pair(post_dir: Path, hq_dir: Path, tmp_path: Path) -> Pair:
    clock = Clock(NOW)
    post_ctx = open_register(post_dir, key=register_key(post_dir), clock=clock)
    hq_ctx = open_register(hq_dir, key=register_key(hq_dir), clock=clock)
    officer = post_ctx.login("officer", PASSWORD)
    hq_admin = hq_ctx.login("admin", PASSWORD)
    return Pair(Post(post_ctx, post_ctx.login("admin", PASSWORD), officer, officer, officer, post_dir),
                Post(hq_ctx, hq_admin, hq_admin, hq_admin, hq_admin, hq_dir), tmp_path)


@pytest.mark.parametrize("then", ["a new case", "nothing"])
def test_newest_events_deleted_with_their_rows_are_refused_at_hq(
    base: Base, tmp_path: Path, then: str
) -> None:
    """A case HQ received is deleted at the post with its rows, its change-log row and every event from
    its first on (and the one meta row those events changed put back): the post's register verifies,
    but HQ holds the events it received, and refuses the post's next bundle — whether the post wrote
    new events over the deleted ones (a rewritten chain) or none (a chain cut short, in a bundle made
    after the events HQ holds: not an earlier bundle come late)."""
    post_dir, hq_dir = _copy(base, tmp_path)
    pair = _pair(post_dir, hq_dir, tmp_path)
    sent_before = _one(post_dir, "SELECT value FROM meta WHERE key = 'audit_anchor_sent'")[0]
    [hidden] = add_cases(pair, 1, photos=False)
    assert import_at_hq(pair, export_parts(pair, "three")).new == 1
    pair.post.ctx.close()
    pair.hq.ctx.close()
    conn = open_sqlite(post_dir)
    query = "SELECT station_id, seq FROM change_log WHERE entity_id = ?"
    station, seq = conn.execute(query, (hidden,)).fetchone()
    logged = audit_tables.COVERED_BY_ENTITY["change_log"].entity_id(f"{station}/{seq}")
    first = conn.execute(
        "SELECT min(seq) FROM audit_events WHERE entity_id IN (?, ?)", (hidden, logged)
    ).fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")
    for table in ("goods_lines", "parties", "vehicles", "attachments", "documents"):
        conn.execute(f"DELETE FROM {table} WHERE case_id = ?", (hidden,))
    conn.execute("DELETE FROM cases WHERE id = ?", (hidden,))
    conn.execute("DELETE FROM change_log WHERE entity_id = ?", (hidden,))
    conn.execute("DELETE FROM audit_events WHERE seq >= ?", (first,))
    conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_anchor_sent'", (sent_before,))
    conn.commit()
    conn.close()
    assert outpost(post_dir, "audit", "verify").returncode == 0  # locally, nothing shows
    pair = _pair(post_dir, hq_dir, tmp_path)
    pair.post.ctx.clock.advance(timedelta(hours=1))  # later than the events HQ holds, as time goes
    if then == "a new case":
        add_cases(pair, 1, photos=False)
    summary = import_at_hq(pair, export_parts(pair, "four"))
    pair.post.ctx.close()
    pair.hq.ctx.close()
    assert len(summary.rejected) == 1 and summary.new == 0
    reason = summary.rejected[0]["reason"]
    if then == "a new case":
        assert reason.startswith("post BP-VX: audit event ") and "rewritten" in reason, reason
    else:
        assert "events were deleted at the post" in reason, reason


def test_the_suite_counts_its_tampers() -> None:
    """The 33 direct SQL tampers of issue 17 and more: each one above is a test that must detect it."""
    special = 5  # reorder, unkeyed recomputation, planted trigger, planted view and index, tail deletion
    assert len(TAMPERS) + special == 41
