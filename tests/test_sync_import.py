"""HQ's import: owner wins (a newer version replaces an older one, kept in the history), replays and
dry runs change nothing, what HQ stores is what the post sent, and HQ's reports follow every import.

Every test runs with HQ on SQLite and on PostgreSQL (``both_engines``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import text

from app.sync import bundle, keys
from tests.helpers.cases import ICT, sample_case
from tests.helpers.sync import (
    PASSPHRASE,
    Pair,
    add_cases,
    export_parts,
    import_at_hq,
    register_snapshot,
    resigned,
)

pytestmark = pytest.mark.both_engines


def test_newer_versions_replace_older_ones_and_history_is_kept(pair: Pair) -> None:
    first, second = add_cases(pair, 2, photos=False)
    assert import_at_hq(pair, export_parts(pair, "one")).new == 2
    case = pair.post.ctx.cases.get(pair.post.officer, first)
    changed = replace(sample_case(occurred_at=datetime(2026, 11, 1, 8, 0, tzinfo=ICT)), place="Bến đò mới")
    pair.post.ctx.cases.update(pair.post.officer, first, changed, case.version)
    pair.post.ctx.cases.create(pair.post.officer, sample_case())
    # Nothing acknowledged yet: everything is sent again.
    summary = import_at_hq(pair, export_parts(pair, "two"))
    assert (summary.new, summary.updated, summary.unchanged) == (1, 1, 1)
    assert pair.hq.ctx.cases.get(pair.hq.admin, first).document["place"] == "Bến đò mới"
    with pair.hq.ctx.sessions.reads() as session:
        history = session.execute(text("SELECT case_id, version FROM case_history")).all()
    assert [tuple(row) for row in history] == [(first, 1)]
    assert pair.hq.ctx.cases.get(pair.hq.admin, second).document["version"] == 1


def test_a_replay_and_a_dry_run_change_nothing(pair: Pair) -> None:
    add_cases(pair, 3, photos=False)
    files = export_parts(pair, "out")
    before = register_snapshot(pair.hq.data_dir)
    dry = import_at_hq(pair, files, dry_run=True)
    assert (dry.new, dry.rejected) == (3, []) and register_snapshot(pair.hq.data_dir) == before
    assert import_at_hq(pair, files).new == 3
    after = register_snapshot(pair.hq.data_dir)
    replay = import_at_hq(pair, files)
    assert (replay.rejected, replay.applied, replay.new) == ([], [], 0)
    assert [r["reason"].split(" on ")[0] for r in replay.skipped] == [
        f"{files[0].name}: this bundle was imported already"
    ]
    assert register_snapshot(pair.hq.data_dir) == after


def test_a_file_imported_before_does_not_hold_back_a_new_one(pair: Pair) -> None:
    """A reused USB stick: last week's part beside this week's (and one file given twice)."""
    add_cases(pair, 2, photos=False)
    old = export_parts(pair, "week1")
    assert import_at_hq(pair, old).new == 2
    add_cases(pair, 3, photos=False)
    new = export_parts(pair, "week2")
    summary = import_at_hq(pair, [*old, *new, new[0]])
    assert summary.rejected == [] and summary.new == 3
    assert summary.applied == [path.name for path in new]
    assert [item["file"] for item in summary.skipped] == [old[0].name, new[0].name]
    assert "given twice" in summary.skipped[1]["reason"]


def test_what_hq_stores_is_what_the_post_sent_sealed_and_searchable(
    demo_pair: Callable[[int, int], Pair],
) -> None:
    """Cases written in bulk at HQ read back as the post's own documents, HQ's audit chain verifies
    (each import event seals the stored rows), and the search finds them however the words are typed."""
    from app import audit
    from app.domain import CaseFilter

    pair = demo_pair(300, 5)
    made = add_cases(pair, 2)  # with photos, documents and people
    changed = pair.post.ctx.cases.get(pair.post.officer, made[0])
    pair.post.ctx.cases.update(
        pair.post.officer, made[0], replace(sample_case(), place="Bến đò Vĩnh Xương"), changed.version
    )
    assert import_at_hq(pair, export_parts(pair, "out")).new == 302
    identity = ("created_at", "updated_at", "submitted_at", "approved_at")
    post_ids = [r.id for r in pair.post.ctx.cases.list(pair.post.admin, limit=1000)]
    assert len(post_ids) == 302
    for case_id in post_ids:
        sent = pair.post.ctx.cases.get(pair.post.admin, case_id).document
        stored = pair.hq.ctx.cases.get(pair.hq.admin, case_id).document
        assert {k: v for k, v in stored.items() if k not in identity} == {
            k: v for k, v in sent.items() if k not in identity
        }
    with pair.hq.ctx.sessions.reads() as session:
        report = audit.verify(session.connection())
    assert report.ok, report
    for words in ("ben do vinh xuong", "Bến đò Vĩnh", "thuoc la"):
        found = pair.hq.ctx.cases.list(pair.hq.admin, CaseFilter(query=words), limit=1000)
        expected = pair.post.ctx.cases.list(pair.post.admin, CaseFilter(query=words), limit=1000)
        assert sorted(r.id for r in found) == sorted(r.id for r in expected) != []


def test_a_case_naming_a_campaign_hq_never_declared_is_refused(pair: Pair) -> None:
    add_cases(pair, 1, photos=False)
    good = export_parts(pair, "out")[0]
    opened = bundle.open_bundle(good, lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    record = records[0]
    record["document"]["campaign_id"] = "e0000000-0000-4000-8000-00000000beef"
    path = resigned(pair, good, pair.tmp / "campaign.outpost", records=[record])
    before = register_snapshot(pair.hq.data_dir)
    summary = import_at_hq(pair, [path])
    assert len(summary.rejected) == 1 and "campaign HQ has not declared" in summary.rejected[0]["reason"]
    assert register_snapshot(pair.hq.data_dir) == before


def test_an_earlier_part_that_arrives_after_a_later_one_is_taken_as_already_covered(
    pair: Pair, clock: Any
) -> None:
    """A post exports twice before HQ hears from it (a stick, then an e-mail with everything since); the
    later bundle arrives first. The earlier one, made before the post wrote the events HQ now holds, is
    an old part come late: applied with nothing new, not refused as a chain cut short at the post."""
    from datetime import timedelta

    from app import audit

    post = pair.post
    made = add_cases(pair, 2, photos=False)
    earlier = export_parts(pair, "stick")
    clock.advance(timedelta(minutes=5))
    post.ctx.cases.submit(post.officer, made[0])
    later = export_parts(pair, "mail")
    assert import_at_hq(pair, later).new == 2
    late = import_at_hq(pair, earlier)
    assert late.rejected == [] and (late.new, late.updated) == (0, 0)
    assert pair.hq.ctx.cases.get(pair.hq.admin, made[0]).document["status"] == "submitted"
    with pair.hq.ctx.sessions.reads() as session:
        assert audit.verify(session.connection(), register_key=pair.hq.ctx.key).problems == []


def test_reports_at_hq_follow_every_import(pair: Pair) -> None:
    """HQ's stored report tallies are dropped by the import that changes their cases (bulk path)."""
    from datetime import date

    from sqlalchemy import select

    from app import periods
    from app.reports import as_json, build_report
    from db import models as m

    post = pair.post
    made = add_cases(pair, 6, photos=False)  # 1-6 November 2026: the first half of the month
    for case_id in made:
        post.ctx.cases.submit(post.officer, case_id)
        post.ctx.cases.approve(post.chief, case_id)
    assert import_at_hq(pair, export_parts(pair, "a")).new == 6
    november = periods.month(2026, 11)  # statistical: 15/10 – 14/11

    def total() -> dict[str, Any]:
        return dict(as_json(build_report(pair.hq.ctx, pair.hq.admin, "monthly", november))["total"])

    def stored() -> set[Any]:
        with pair.hq.ctx.sessions.reads() as session:
            query = select(m.ReportHalf.half).where(m.ReportHalf.origin == post.officer.station_id)
            return set(session.execute(query).scalars())

    first = total()
    assert first["cases"] == 6
    assert stored() >= {date(2026, 10, 15), date(2026, 11, 1)}
    post.ctx.cases.void(post.chief, made[0], "Nhập trùng")
    post.ctx.cases.close(post.chief, made[1])
    extra = post.ctx.cases.create(
        post.officer, sample_case(occurred_at=datetime(2026, 10, 20, 7, 0, tzinfo=ICT))
    )
    post.ctx.cases.submit(post.officer, extra.id)
    post.ctx.cases.approve(post.chief, extra.id)
    summary = import_at_hq(pair, export_parts(pair, "b"))
    assert (summary.new, summary.updated) == (1, 2)
    # The updates dropped the first half of November, the new case the second half of October; the
    # year before stays stored.
    assert not {date(2026, 11, 1), date(2026, 10, 15)} & stored()
    assert {date(2025, 10, 15), date(2025, 11, 1)} <= stored()
    second = total()
    assert second["cases"] == 6 and second["goods_value"] == first["goods_value"]
    assert {date(2026, 11, 1), date(2026, 10, 15)} <= stored()
