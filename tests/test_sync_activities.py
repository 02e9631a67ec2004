"""Activities from a post to HQ (issue 19 item 1): they travel in the bundle with the cases they are
linked to, HQ keeps the newest version and seals it, and a forged activity record is refused whole."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from app import audit
from app.activity_json import parse_activities
from app.sync import bundle, keys
from tests.helpers.cases import ICT, sample_case
from tests.helpers.registers import rows
from tests.helpers.sync import PASSPHRASE, Pair, export_parts, import_at_hq, register_snapshot, resigned

CHECKPOINT = {
    "kind": "checkpoint",
    "started_at": "2026-11-20T22:00:00+07:00",
    "ended_at": "2026-11-21T04:00:00+07:00",
    "commune_code": "30325",
    "route": "Quốc lộ 91, cầu Tha La",
    "lead_force": "border_guard",
    "cooperating_forces": ["customs", "police"],
    "participants": 8,
    "result": "Bắt giữ 1 xe tải chở đường cát",
}


def _add(pair: Pair, document: dict[str, Any]) -> str:
    ctx = pair.post.ctx
    (data,) = parse_activities(document, ctx.reference, now=ctx.clock())
    return ctx.activities.add(pair.post.officer, data).view.id


@pytest.mark.both_engines
def test_an_activity_reaches_hq_with_its_case_and_its_edits_replace_it(pair: Pair) -> None:
    post = pair.post.ctx
    case = post.cases.create(
        pair.post.officer, sample_case(occurred_at=datetime(2026, 11, 20, 23, 0, tzinfo=ICT))
    )
    activity_id = _add(pair, {**CHECKPOINT, "cases": [case.number]})
    files = export_parts(pair, "out")
    summary = import_at_hq(pair, files)
    assert (summary.new, summary.activities, summary.rejected) == (1, 1, [])
    held = pair.hq.ctx.activities.get(pair.hq.analyst, activity_id)
    assert held.station_code == "BP-VX" and held.data.cases == (case.number,) and not held.editable
    assert (
        held.data.cooperating_forces == ("customs", "police") and held.data.route == "Quốc lộ 91, cầu Tha La"
    )

    view = post.activities.get(pair.post.officer, activity_id)
    (changed,) = parse_activities({**CHECKPOINT, "participants": 10}, post.reference, now=post.clock())
    post.activities.update(pair.post.officer, activity_id, changed, expected_version=view.version)
    summary = import_at_hq(pair, export_parts(pair, "out2"))
    assert (summary.activities, summary.rejected) == (1, [])
    held = pair.hq.ctx.activities.get(pair.hq.analyst, activity_id)
    assert (held.version, held.data.participants, held.data.cases) == (2, 10, ())
    assert rows(pair.hq.ctx, "SELECT count(*) FROM activity_cases") == [(0,)]
    with pair.hq.ctx.sessions.engine.connect() as conn:
        assert audit.verify(conn, register_key=pair.hq.ctx.key).problems == []


def test_forged_activity_records_are_refused_and_nothing_is_written(pair: Pair) -> None:
    _add(pair, CHECKPOINT)
    good = export_parts(pair, "out")[0]
    opened = bundle.open_bundle(good, lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    (record,) = [r for r in records if r["type"] == "activity"]
    document = record["activity"]
    attempts = [
        ({**record, "origin": "someone-else"}, "another station"),
        ({**record, "activity": {**document, "kind": "raid"}}, "kind"),
        ({**record, "activity": {**document, "participants": 10**30}}, "participants"),
        ({**record, "activity": {**document, "started_at": "2026-11-20T22:00:00"}}, "started_at"),
        ({**record, "activity": {**document, "version": True}}, "version"),
        ({**record, "activity": {**document, "station": "BP-TB"}}, "station"),
        ({**record, "activity": {**document, "cases": ["BP-VX-2026-00999"]}}, "which HQ does not have"),
        ({**record, "activity": {**document, "notes": "a\u202eb"}}, "notes"),
        # The reason for inspecting again (0017): bounded, and an inspection's only.
        ({**record, "activity": {**document, "kind": "inspection", "establishment": "Kho A",
                                 "overlap_reason": "x" * 1001}}, "overlap_reason: longer than 1000"),
        ({**record, "activity": {**document, "overlap_reason": "Phúc tra"}}, "overlap_reason: only an"),
        ({**record, "extra": 1}, "unknown fields"),
        ({**record, "activity": [document]}, "without a valid id"),
    ]
    before = register_snapshot(pair.hq.data_dir)
    for number, (forged, reason) in enumerate(attempts):
        path = resigned(pair, good, pair.tmp / f"activity-{number}.outpost", records=[forged])
        summary = import_at_hq(pair, [path])
        assert len(summary.rejected) == 1 and reason in summary.rejected[0]["reason"], (
            reason,
            summary.rejected,
        )
        assert register_snapshot(pair.hq.data_dir) == before


def test_an_online_case_reaches_hq_with_its_platform_account_and_url(pair: Pair) -> None:
    data = sample_case(
        location_kind="online",
        online_platform="TikTok",
        online_account="@hangxachtay.cd",
        online_url="https://www.tiktok.com/@hangxachtay.cd/live",
    )
    case = pair.post.ctx.cases.create(pair.post.officer, data)
    summary = import_at_hq(pair, export_parts(pair, "out"))
    assert (summary.new, summary.rejected) == (1, [])
    document = pair.hq.ctx.cases.get(pair.hq.analyst, case.id).document
    assert (document["online_platform"], document["online_account"], document["online_url"]) == (
        "TikTok",
        "@hangxachtay.cd",
        "https://www.tiktok.com/@hangxachtay.cd/live",
    )
