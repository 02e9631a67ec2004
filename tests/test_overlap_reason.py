"""The reason for inspecting an establishment again within the window (issue 19 item 3): refused without
one (naming the earlier inspection), kept on the activity, in its audit event and its bundle to HQ; and
HQ's province report listing the overlapping inspections of two posts, checked against a count made
here from HQ's rows."""

from __future__ import annotations

import io
import json
import unicodedata
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app import audit, periods
from app.activity_json import MAX_OVERLAP_REASON, ActivityInput, parse_activities
from app.context import Context
from app.errors import ValidationError
from app.inspections import DuplicateInspection
from app.report_pdf import report_pdf
from app.report_xlsx import report_xlsx
from app.reports import Scope, as_json, build_report
from app.sync.export import export_changes
from app.sync.replies import make_reply
from app.sync.returns import import_returns
from db import models as m
from tests.helpers.cases import ICT
from tests.helpers.cli import outpost
from tests.helpers.pdf import pdf_text
from tests.helpers.registers import PASSWORD, Post, rows
from tests.helpers.sync import PASSPHRASE, Pair, enrol_another_post, export_parts, import_at_hq

TIP = "Tin báo về lô hàng mới nhập không rõ nguồn gốc"


def _inspection(ctx: Context, day: str, name: str, force: str = "border_guard", **more: Any) -> ActivityInput:
    document = {"kind": "inspection", "started_at": f"{day}T09:00:00+07:00", "commune_code": "30385",
                "establishment": name, "lead_force": force, "participants": 3, **more}
    return parse_activities(document, ctx.reference, now=ctx.clock())[0]


def _plain(name: str) -> str:
    letters = unicodedata.normalize("NFD", name.lower().replace("đ", "d"))
    return "".join(c for c in letters if not unicodedata.combining(c))


def _chain_holds(ctx: Context) -> None:
    with ctx.sessions.engine.connect() as conn:
        assert audit.verify(conn, register_key=ctx.key).problems == []


def test_an_inspection_within_the_window_is_saved_only_with_its_reason_kept_and_audited(post: Post) -> None:
    ctx = post.ctx
    ctx.activities.add(post.officer, _inspection(ctx, "2026-11-05", "Tạp hóa Minh Châu"))
    second = _inspection(ctx, "2026-11-15", "tap hoa minh chau", "customs")
    with pytest.raises(DuplicateInspection) as refused:
        ctx.activities.add(post.chief, second)
    assert "05/11/2026" in refused.value.warning and "BP-VX" in refused.value.warning
    assert refused.value.problems[0].startswith("overlap_reason: ")
    assert len(rows(ctx, "SELECT id FROM activities")) == 1  # nothing written

    saved = ctx.activities.add(post.chief, replace(second, overlap_reason=TIP))
    assert saved.view.data.overlap_reason == TIP and saved.notices  # still warned, now explained
    (notice,) = saved.notices
    assert notice.endswith("saved with the reason given") and "Give a reason" not in notice
    assert saved.view.document()["overlap_reason"] == TIP  # what `activity list --json` prints
    (event,) = [e for e in ctx.activities.history(post.chief, saved.view.id)]
    assert TIP in json.dumps(event.diff, ensure_ascii=False)

    # Editing what does not touch the overlap keeps it; taking the reason away is refused again.
    notes = replace(saved.view.data, notes="Đã lập biên bản", cases=())
    edited = ctx.activities.update(post.chief, saved.view.id, notes, expected_version=1)
    assert edited.view.version == 2 and edited.view.data.overlap_reason == TIP
    with pytest.raises(DuplicateInspection):
        ctx.activities.update(post.chief, saved.view.id, replace(notes, overlap_reason=None), 2)

    # A file of two inspections of one shop: the second is named by its path; a default reason is kept
    # only on the one that needed it.
    pair = [_inspection(ctx, "2026-11-20", "Kho Bảy Núi"), _inspection(ctx, "2026-11-21", "Kho Bay Nui")]
    with pytest.raises(DuplicateInspection) as both:
        ctx.activities.add_many(post.officer, pair)
    assert [p.split(":")[0] for p in both.value.problems] == ["[1].overlap_reason"]
    first, again = ctx.activities.add_many(post.officer, pair, default_reason="Phúc tra")
    assert (first.view.data.overlap_reason, again.view.data.overlap_reason) == (None, "Phúc tra")
    _chain_holds(ctx)


def test_the_reason_is_bounded_and_given_by_inspections_only(post: Post) -> None:
    ref, now = post.ctx.reference, post.ctx.clock()
    base = {"kind": "inspection", "started_at": "2026-11-05T09:00:00+07:00", "establishment": "Kho A"}
    cases = {
        "long": ({**base, "overlap_reason": "x" * (MAX_OVERLAP_REASON + 1)}, "overlap_reason"),
        "patrol": ({"kind": "patrol", "started_at": base["started_at"], "overlap_reason": "vì sao"},
                   "overlap_reason"),
        "not text": ({**base, "overlap_reason": 7}, "overlap_reason"),
        "direction mark": ({**base, "overlap_reason": "lý do\u202e"}, "overlap_reason"),
    }
    for name, (document, path) in cases.items():
        with pytest.raises(ValidationError) as refused:
            parse_activities(document, ref, now=now)
        assert any(p.startswith(path) for p in refused.value.problems), (name, refused.value.problems)
    kept = parse_activities({**base, "overlap_reason": "  " + "x" * MAX_OVERLAP_REASON}, ref, now=now)
    assert kept[0].overlap_reason == "x" * MAX_OVERLAP_REASON  # trimmed, at the bound


@pytest.mark.both_engines  # HQ's side: the report's overlaps on PostgreSQL too
def test_hq_report_lists_the_overlapping_inspections_of_two_posts_with_their_reasons(
    pair: Pair, tmp_path: Path
) -> None:
    """Vĩnh Xương inspects a shop; HQ's return bundle tells Tịnh Biên, whose inspection of it 10 days
    later is refused until it gives a reason. Both posts' bundles reach HQ, whose November report lists
    the overlaps (post, force, day, reason) as counted here from HQ's own rows."""
    a, hq = pair.post, pair.hq
    b = enrol_another_post(hq, tmp_path, "BP-TB", "Đồn Tịnh Biên")
    a.ctx.activities.add(a.officer, _inspection(a.ctx, "2026-11-10", "Cửa hàng Minh Châu"))
    a.ctx.activities.add(a.officer, _inspection(a.ctx, "2026-11-03", "Kho Phú Lợi"))
    again = _inspection(a.ctx, "2026-11-18", "Kho Phu Loi", overlap_reason="Phúc tra")
    a.ctx.activities.add(a.officer, again)
    a.ctx.activities.add(a.officer, _inspection(a.ctx, "2026-11-12", "Đại lý Hồng Phát"))  # once only
    a.ctx.activities.add(a.officer, _inspection(a.ctx, "2026-11-15", "Vựa Tư Lành"))
    b.ctx.activities.add(b.officer, _inspection(b.ctx, "2026-10-05", "Vựa Tư Lành"))  # 41 days before
    assert import_at_hq(pair, export_parts(pair, "out-vx")).rejected == []
    reply = make_reply(hq.ctx, hq.admin, PASSPHRASE, "BP-TB", tmp_path / "back-tb")
    assert import_returns(b.ctx, b.admin, PASSPHRASE, [reply]).rejected == []
    second = _inspection(b.ctx, "2026-11-20", "cua hang minh chau", "market_surveillance")
    with pytest.raises(DuplicateInspection) as refused:
        b.ctx.activities.add(b.officer, second)
    assert "10/11/2026" in refused.value.warning and "BP-VX" in refused.value.warning
    b.ctx.activities.add(b.officer, replace(second, overlap_reason=TIP))
    files = list(export_changes(b.ctx, b.admin, PASSPHRASE, tmp_path / "out-tb").files)
    assert import_at_hq(Pair(b, hq, tmp_path), files).rejected == []

    # The independent count: HQ's inspection rows in November, by establishment name (without accents or
    # case) in its commune, kept when another of the same one is within 30 days.
    november = periods.month(2026, 11, periods.CALENDAR)
    by_shop: dict[str, list[tuple[datetime, str, str, str | None]]] = defaultdict(list)
    with hq.ctx.sessions.reads() as session:
        held = session.execute(
            select(m.Activity.establishment, m.Activity.commune_code, m.Activity.started_at,
                   m.Station.code, m.Activity.force, m.Activity.overlap_reason)
            .join(m.Station, m.Station.id == m.Activity.origin)
            .where(m.Activity.kind == "inspection")
        ).all()
    for name, commune, moment, code, force, reason in held:
        if november.start <= moment.astimezone(ICT).date() <= november.end:
            by_shop[f"{_plain(name)} {commune}"].append((moment, code, force, reason))
    expected = set()
    for found in by_shop.values():
        found.sort()
        for before, after in zip(found, found[1:], strict=False):
            if after[0] - before[0] <= timedelta(days=30):
                expected |= {before, after}
    want = sorted((at.astimezone(ICT).date(), code, reason or "") for at, code, _f, reason in expected)
    assert len(want) == 4  # the shop by both posts, the warehouse twice by Vĩnh Xương

    report = build_report(hq.ctx, hq.analyst, "monthly", november, Scope(province=True), mode="calendar")
    section = report.overlaps
    assert section is not None and (section.establishments, section.across_forces) == (2, 1)
    got = sorted((line.day, line.post, "" if line.reason == "(không ghi lý do)" else line.reason)
                 for line in section.lines)
    assert got == want
    label = hq.ctx.reference.label
    assert {line.force for line in section.lines} == {label("forces", f) for _m, _c, f, _r in expected}
    assert as_json(report)["overlapping_inspections"]["establishments"] == 2

    pdf, _pages = report_pdf(report, ["BỘ CHỈ HUY BỘ ĐỘI BIÊN PHÒNG TỈNH AN GIANG"], "An Giang")
    (tmp_path / "province.pdf").write_bytes(pdf)
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert "CƠ SỞ KINH DOANH BỊ KIỂM TRA TRÙNG LẶP" in text
    assert TIP in text and "Phúc tra" in text and "20/11/2026" in text and "BP-TB" in text
    sheet = load_workbook(io.BytesIO(report_xlsx(report)))["Kiểm tra trùng lặp"]
    cells = [[c for c in row] for row in sheet.iter_rows(min_row=6, max_row=9, values_only=True)]
    assert sorted((row[4].date(), row[2], row[5] or "") for row in cells) == [
        (d, p, "" if r == "" else r) for d, p, r in want
    ]
    # A post's own report has no such section: overlaps across forces are HQ's to list.
    own = build_report(a.ctx, a.chief, "monthly", november, mode="calendar")
    assert own.overlaps is None
    for ctx in (hq.ctx, a.ctx, b.ctx):
        _chain_holds(ctx)
    b.ctx.close()


def test_the_command_line_refuses_an_overlap_without_a_reason_and_keeps_the_one_given(post: Post) -> None:
    register = post.data_dir
    post.ctx.activities.add(post.officer, _inspection(post.ctx, "2026-11-05", "Tạp hóa Minh Châu"))
    post.ctx.close()
    second = json.dumps({"kind": "inspection", "commune_code": "30385", "establishment": "tap hoa minh chau",
                         "started_at": "2026-11-15T09:00:00+07:00", "lead_force": "customs"})
    refused = outpost(register, "--user", "officer", "activity", "add", "-", stdin=second)
    assert refused.returncode == 2, refused.stderr
    assert "overlap_reason: " in refused.stderr and "05/11/2026" in refused.stderr, refused.stderr
    assert "BP-VX" in refused.stderr and "--reason TEXT" in refused.stderr
    added = outpost(register, "--user", "officer", "activity", "add", "-", "--reason", TIP, stdin=second)
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)[0]["overlap_reason"] == TIP
    listed = outpost(register, "establishment", "overlaps", "--period", "2026-11-01..2026-11-30")
    assert listed.returncode == 0 and f"reason: {TIP}" in listed.stdout, listed.stdout


def test_a_register_from_0016_gains_the_reason_and_keeps_its_inspections(post: Post) -> None:
    from app.register import open_register
    from db import migrate
    from tests.helpers.registers import open_sqlite

    ctx = post.ctx
    saved = ctx.activities.add(post.officer, _inspection(ctx, "2026-11-05", "Tạp hóa Minh Châu"))
    ctx.close()
    conn = open_sqlite(ctx.paths.register)
    conn.execute("ALTER TABLE activities DROP COLUMN overlap_reason")
    conn.execute("UPDATE alembic_version SET version_num = '0016'")
    conn.commit()
    conn.close()
    upgraded = open_register(post.data_dir, key=ctx.key)
    try:
        assert migrate.current_revision(upgraded.sessions.engine) == migrate.HEAD
        officer = upgraded.login("officer", PASSWORD)
        view = upgraded.activities.get(officer, saved.view.id)
        assert (view.data.establishment, view.data.overlap_reason) == ("Tạp hóa Minh Châu", None)
        _chain_holds(upgraded)
    finally:
        upgraded.close()
