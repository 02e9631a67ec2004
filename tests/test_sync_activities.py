"""Activities from a post to HQ (issue 19 item 1): they travel in the bundle with the cases they are
linked to, HQ keeps the newest version and seals it, and a forged activity record is refused whole."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from app import audit
from app.activity_json import parse_activities
from app.errors import ValidationError
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


def test_hq_measures_the_future_from_when_the_post_signed_its_bundle(pair: Pair, clock: Any) -> None:
    """A post whose clock runs two hours ahead of HQ's records a checkpoint that ended an hour ago by
    its clock: HQ takes it (the bundle was signed later still), instead of refusing the post's whole
    bundle; an end after the bundle was signed is still refused."""
    ahead = timedelta(hours=2)
    pair.post.ctx.clock = lambda: clock() + ahead
    ended = (clock() + ahead - timedelta(hours=1)).astimezone(ICT)
    document = {
        **CHECKPOINT,
        "started_at": (ended - timedelta(hours=4)).isoformat(),
        "ended_at": ended.isoformat(),
    }
    activity_id = _add(pair, document)
    summary = import_at_hq(pair, export_parts(pair, "out"))
    assert (summary.activities, summary.rejected) == (1, [])
    assert pair.hq.ctx.activities.get(pair.hq.analyst, activity_id).data.ended_at == ended

    files = export_parts(pair, "out2")
    opened = bundle.open_bundle(files[0], lambda c: bundle.certificate_key(c))
    assert opened.manifest["created_at"] > (clock() + timedelta(minutes=90)).isoformat()[:19]


def test_an_activity_cannot_end_after_the_register_clock(pair: Pair, clock: Any) -> None:
    """Entered through the service (the editor's path) as through ``activity add``: a planned end is
    refused at the post, so that HQ never has to refuse the bundle that would carry it."""
    later = (clock() + timedelta(hours=3)).astimezone(ICT)
    (data,) = parse_activities(CHECKPOINT, pair.post.ctx.reference, now=pair.post.ctx.clock())
    with pytest.raises(ValidationError) as refused:
        pair.post.ctx.activities.add(pair.post.officer, replace(data, ended_at=later))
    assert refused.value.problems == [f"ended_at: {later.isoformat()} is in the future"]
    assert rows(pair.post.ctx, "SELECT count(*) FROM activities") == [(0,)]


@pytest.mark.both_engines
def test_activities_new_to_hq_are_stored_as_one_by_one(pair: Pair) -> None:
    """HQ writes the activities it has not seen in bulk: each row, link and sealed event must be what
    the one-by-one path (``apply_activity``, for a newer version) stores; the audit chain verifies."""
    from sqlalchemy import select

    from app.serialize import row_state
    from app.sync.activity_import import apply_activity
    from db import models as m

    post = pair.post.ctx
    case = post.cases.create(
        pair.post.officer, sample_case(occurred_at=datetime(2026, 11, 20, 23, 0, tzinfo=ICT))
    )
    first = _add(pair, {**CHECKPOINT, "cases": [case.number]})
    second = _add(pair, {**CHECKPOINT, "participants": 3, "notes": "Phối hợp với Hải quan"})
    assert import_at_hq(pair, export_parts(pair, "out")).activities == 2
    hq = pair.hq.ctx
    with hq.sessions.writes.begin() as session:
        bulk = {a.id: row_state(m.Activity.__table__, a) for a in session.scalars(select(m.Activity))}
        station = session.scalars(select(m.Station).where(m.Station.code == "BP-VX")).one()
        (data,) = parse_activities(CHECKPOINT, hq.reference, now=hq.clock())
        document = {
            "id": "one-by-one",
            "version": 1,
            "created_by": "officer",
            "created_at": "2026-11-21T00:00:00+00:00",
        }
        apply_activity(hq, session, document, data, station, [], hq.clock())
        single = row_state(m.Activity.__table__, session.get(m.Activity, "one-by-one"))
        session.rollback()
    assert set(bulk) == {first, second}
    assert set(bulk[first]) == set(single)
    same = {
        "kind",
        "started_at",
        "ended_at",
        "force",
        "cooperating_forces",
        "change_seq",
        "origin",
        "version",
    }
    assert {k: bulk[first][k] for k in same} == {k: single[k] for k in same}
    assert bulk[second]["participants"] == 3 and bulk[second]["notes"] == "Phối hợp với Hải quan"
    assert rows(hq, "SELECT activity_id, case_id FROM activity_cases") == [(first, case.id)]
    with hq.sessions.engine.connect() as conn:
        assert audit.verify(conn, register_key=hq.key).problems == []
