"""HQ's return bundles and the post's import of them: receipts, revocations, refusals told once, the
watch list, reference data and campaigns; forged or outdated return bundles change nothing.

The tests with an HQ run with HQ on SQLite and on PostgreSQL (``both_engines``)."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from app.errors import ValidationError
from app.register import open_register
from app.sync import bundle, keys
from app.sync.bundle import MANIFEST, RECORDS, Member, write_bundle
from app.sync.enrol import revoke
from tests.helpers.cases import ICT, sample_case
from tests.helpers.registers import PASSWORD, open_sqlite, rows
from tests.helpers.sync import (
    PASSPHRASE,
    Pair,
    add_cases,
    bundle_records,
    change_records,
    enrol_second_post,
    export_parts,
    hq_reply,
    import_at_hq,
    import_at_post,
    photo_file,
    register_snapshot,
    resigned,
)

pytestmark = pytest.mark.both_engines


def test_after_the_receipt_the_next_export_holds_only_what_is_new(pair: Pair) -> None:
    first_cases = add_cases(pair, 5)
    first = export_parts(pair, "one", size=100_000)
    assert import_at_hq(pair, first).new == 5
    back = import_at_post(pair, [hq_reply(pair)])
    assert back.rejected == [] and back.acknowledged_seq == 5
    # Nothing new: nothing to send.
    assert export_parts(pair, "empty") == []
    # Two new cases, one with a new photo and one reusing a photo HQ already has.
    folder = pair.tmp / "photos"
    reused = pair.post.ctx.cases.get(pair.post.officer, first_cases[0]).document["attachments"][0]
    new_photo = pair.post.ctx.attachments.store_file(photo_file(folder, 99), caption="mới")
    from app.domain import AttachmentInput

    old_photo = AttachmentInput(reused["sha256"], reused["filename"], reused["mime"], reused["size"])
    pair.post.ctx.cases.create(pair.post.officer, sample_case(attachments=(new_photo,)))
    pair.post.ctx.cases.create(pair.post.officer, sample_case(attachments=(old_photo,)))
    second = export_parts(pair, "two")
    with zipfile.ZipFile(second[0]) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    assert manifest["seq"] == {"first": 6, "last": 7} and manifest["counts"]["files"] == 1
    assert change_records(pair, second[0]) == 2
    # HQ holds the chain up to the first export's last event: the second carries it again (the overlap)
    # and every event since.
    events = [r["event"] for r in bundle_records(pair, second[0]) if r["type"] == "audit"]
    with pair.hq.ctx.sessions.engine.connect() as conn:
        held = conn.exec_driver_sql("SELECT max(seq) FROM audit_anchors").scalar()
    assert events[0]["seq"] == held and [e["seq"] for e in events] == list(range(held, events[-1]["seq"] + 1))
    summary = import_at_hq(pair, second)
    assert (summary.new, summary.updated, summary.unchanged, summary.rejected) == (2, 0, 0, [])
    assert summary.missing == {"BP-VX": []}
    assert import_at_post(pair, [hq_reply(pair, "back2")]).acknowledged_seq == 7


def test_return_bundles_carry_revocations_and_refuse_replays_and_strangers(
    pair: Pair, tmp_path: Path
) -> None:
    add_cases(pair, 1, photos=False)
    import_at_hq(pair, export_parts(pair, "one"))
    other_post = enrol_second_post(pair, tmp_path)
    other = other_post.ctx
    from app.sync.replies import make_reply

    for_other = make_reply(pair.hq.ctx, pair.hq.admin, PASSPHRASE, "BP-TB", tmp_path / "tb")
    revoke(pair.hq.ctx, pair.hq.admin, "BP-TB", "laptop stolen")
    with pytest.raises(ValidationError, match="BP-TB was revoked on .*; HQ sends it nothing"):
        make_reply(pair.hq.ctx, pair.hq.admin, PASSPHRASE, "BP-TB", tmp_path / "tb2")
    assert not (tmp_path / "tb2").exists() or not any((tmp_path / "tb2").iterdir())
    reply = hq_reply(pair)
    done = import_at_post(pair, [reply])
    assert (done.acknowledged_seq, done.revocations, done.rejected) == (1, 1, [])
    conn = open_sqlite(pair.post.data_dir / "register.sqlite")
    assert conn.execute("SELECT revoked_at IS NOT NULL FROM stations WHERE code = 'BP-TB'").fetchone() == (1,)
    conn.close()
    replay = import_at_post(pair, [reply])
    assert (replay.rejected, replay.applied) == ([], [])
    assert "imported already" in replay.skipped[0]["reason"]
    newer = hq_reply(pair, "back2")  # beside the old one on the stick: the old one is skipped
    both = import_at_post(pair, [reply, newer, newer])
    assert reply.name != newer.name and (both.rejected, both.applied) == ([], [newer.name])
    assert [item["file"] for item in both.skipped] == [reply.name, newer.name]
    # A reply written for another post cannot be used here.
    assert "addressed to BP-TB" in import_at_post(pair, [for_other]).rejected[0]["reason"]
    # A post's change bundle is not a return bundle.
    pair.post.ctx.cases.create(pair.post.officer, sample_case())
    changes = export_parts(pair, "again")
    assert import_at_post(pair, changes).rejected[0]["reason"] == (
        f"{changes[0].name}: a post's bundle of changes for HQ; a post imports only HQ's return bundles"
    )
    # ... nor, at HQ, is a return bundle a bundle of changes.
    assert import_at_hq(pair, [reply]).rejected[0]["reason"] == (
        f"{reply.name}: a return bundle from HQ to a post; import it at the post"
    )
    other.close()
    from app import audit

    for ctx in (pair.post.ctx, pair.hq.ctx):  # the stations revoked on both sides are sealed
        with ctx.sessions.reads() as session:
            report = audit.verify(session.connection())
        assert report.ok, report.problems


def test_return_bundles_report_refusals_once_and_carry_the_watch_list_and_reference_data(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import audit
    from app.lookup import lookup
    from cli.main import main

    add_cases(pair, 3, photos=False)  # the same person and motorbike three times: on the watch list
    good = export_parts(pair, "one")[0]
    assert import_at_hq(pair, [good]).new == 3
    # A later bundle with a case that fails the rules is refused; HQ tells the post why.
    opened = bundle.open_bundle(good, lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    bad = [{**records[0], "document": {**records[0]["document"], "occurred_at": "yesterday", "version": 9}}]
    bad += [r for r in records if r["type"] == "audit"]  # the post's chain, as HQ holds it
    new_id = "b0000000-0000-4000-8000-000000000009"
    changed = resigned(
        pair,
        good,
        pair.tmp / "bad.outpost",
        records=bad,
        manifest_change=lambda m: m.update(bundle_id=new_id),
    )
    assert len(import_at_hq(pair, [changed]).rejected) == 1
    # HQ adds a detection method; every post receives it.
    update = pair.tmp / "drone.json"
    drone = {"code": "drone", "vi": "Thiết bị bay không người lái", "en": "Drone"}
    update.write_text(json.dumps({"kind": "detection_methods", "items": [drone]}), encoding="utf-8")
    monkeypatch.setenv("OUTPOST_PASSWORD", PASSWORD)
    hq_dir = str(pair.hq.data_dir)
    assert main(["--data-dir", hq_dir, "--user", "admin", "reference", "set", str(update)]) == 0
    for candidate in ("person:089090001234", "vehicle:67H120413"):  # an analyst stands behind both
        assert main(["--data-dir", hq_dir, "--user", "admin", "watch", "confirm", candidate,
                     "--reason", "Ba vụ trong tháng"]) == 0
    back = import_at_post(pair, [hq_reply(pair)])
    assert back.rejected == [] and back.acknowledged_seq == 3
    assert len(back.refused_at_hq) == 1 and "occurred_at" in back.refused_at_hq[0]["reason"]
    assert back.reference_updates == 1
    assert pair.post.ctx.reference.label("detection_methods", "drone") != "drone"
    assert back.watch_entries == 2  # the person (by CCCD) and the motorbike (by plate)
    hits = lookup(pair.post.ctx, pair.post.officer, "089090001234")
    assert hits and all(hit.watch == (1, 3) for hit in hits)
    assert all(hit.watch == (1, 3) for hit in lookup(pair.post.ctx, pair.post.officer, "67h1 20413"))
    # The post's register keeps the update after it is opened again, and a case may use it.
    pair.post.ctx.close()
    pair.post.ctx = open_register(pair.post.data_dir, key=pair.post.ctx.key)
    assert pair.post.ctx.reference.label("detection_methods", "drone", "en") == "Drone"
    pair.post.ctx.cases.create(pair.post.officer, sample_case(detection="drone"))
    # A refusal is reported once; the watch list and reference data come every time.
    again = import_at_post(pair, [hq_reply(pair, "back2")])
    assert again.refused_at_hq == [] and again.watch_entries == 2 and again.reference_updates == 1
    for ctx in (pair.post.ctx, pair.hq.ctx):
        with ctx.sessions.reads() as session:
            assert audit.verify(session.connection()).ok


def _written_reply(pair: Pair, reply: Path, record: dict[str, Any], bundle_id: str) -> Path:
    """``reply`` rewritten by HQ with ``record`` as its only record."""
    with zipfile.ZipFile(reply) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        certificate = json.loads(archive.read(bundle.CERTIFICATE))
    manifest.pop("members")
    manifest.update(bundle_id=bundle_id, counts={"records": 1, "files": 0})
    path = pair.tmp / f"reply-{bundle_id[:8]}.outpost"
    write_bundle(
        path,
        manifest,
        [Member(RECORDS, json.dumps(record).encode() + b"\n")],
        certificate,
        keys.load_signing_key(pair.hq.data_dir, PASSPHRASE),
        str(keys.load_encryption_identity(pair.post.data_dir, PASSPHRASE).to_public()),
    )
    return path


def _reply_to_forge(pair: Pair) -> tuple[Path, dict[str, Any], dict[str, Any], Any, str]:
    """A real return bundle for the post, and what it takes to write others like it: its manifest
    (without the member list), HQ's identity document, HQ's signing key and the post's recipient."""
    from app.sync.replies import make_reply

    add_cases(pair, 1, photos=False)
    import_at_hq(pair, export_parts(pair, "one"))
    reply = make_reply(pair.hq.ctx, pair.hq.admin, PASSPHRASE, "BP-VX", pair.tmp / "back")
    with zipfile.ZipFile(reply) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        certificate = json.loads(archive.read(bundle.CERTIFICATE))
    manifest.pop("members")
    hq_key = keys.load_signing_key(pair.hq.data_dir, PASSPHRASE)
    post_recipient = str(keys.load_encryption_identity(pair.post.data_dir, PASSPHRASE).to_public())
    return reply, manifest, certificate, hq_key, post_recipient


def test_a_malformed_return_record_refuses_the_whole_return_bundle(pair: Pair) -> None:
    reply, manifest, certificate, hq_key, post_recipient = _reply_to_forge(pair)
    watched = {"type": "watch", "kind": "person", "key": "1", "label": "x", "stations": 1, "cases": 1}
    leaner = _written_reply(pair, reply, watched, "d0000000-0000-4000-8000-000000000001")
    summary = import_at_post(pair, [leaner])
    assert summary.rejected == [] and summary.watch_entries == 1  # last_seen may be left out
    reviewed = {**watched, "posts": ["BP-VX", "BP-TB"], "case_numbers": ["BP-VX/2026/00001"], "reason": "r"}
    whole = _written_reply(pair, reply, reviewed, "d0000000-0000-4000-8000-000000000002")
    assert import_at_post(pair, [whole]).rejected == []
    before = register_snapshot(pair.post.data_dir)
    for number, record in enumerate(
        [
            {"type": "watch", "kind": "person", "key": "", "label": "x", "stations": 1, "cases": 1},
            {"type": "watch", "kind": "cat", "key": "1", "label": "x", "stations": 1, "cases": 1},
            # The posts, case numbers and reason behind a reviewed entry, of the wrong types.
            {**watched, "posts": "BP-VX"},
            {**watched, "posts": [None]},
            {**watched, "case_numbers": [1, 2]},
            {**watched, "case_numbers": {"BP-VX/2026/00001": 1}},
            {**watched, "reason": 5},
            {**watched, "reason": "x" * 501},
            {**watched, "stations": True},
            {**watched, "note": "an unknown field"},
            {"type": "reference", "kind": "commodities", "code": "x", "payload": {"code": "x"}},
            {"type": "reference", "kind": "detection_methods", "code": "x", "payload": {"code": "y"}},
            {"type": "rejection", "file": "a", "record": 1, "reason": "r"},
            {"type": "gift"},
            {**CAMPAIGN, "ends_on": "2026-01-01"},  # ends before it starts
            {**CAMPAIGN, "starts_on": "2026-02-30"},
            {**CAMPAIGN, "name": " "},
            {**CAMPAIGN, "version": 0},
            {**CAMPAIGN, "origin": "BP-VX"},
        ]
    ):
        manifest.update(
            bundle_id=f"c0000000-0000-4000-8000-0000000000{number:02d}", counts={"records": 1, "files": 0}
        )
        payload = json.dumps(record).encode() + b"\n"
        path = pair.tmp / f"hostile-{number}.outpost"
        write_bundle(path, manifest, [Member(RECORDS, payload)], certificate, hq_key, post_recipient)
        summary = import_at_post(pair, [path])
        expected = "'units' is missing" if record.get("kind") == "commodities" else "record 1"
        assert len(summary.rejected) == 1 and expected in summary.rejected[0]["reason"], record
        assert register_snapshot(pair.post.data_dir) == before


def test_reference_updates_with_bad_input_are_refused_with_a_reason(pair: Pair) -> None:
    from app.errors import AppError
    from app.sync.replies import set_reference_items

    durian = {"code": "durian", "vi": "Sầu riêng", "en": "Durian", "base_unit": "kg", "units": []}
    numbered = {"code": "x", "vi": 5, "en": "X"}
    cases = [
        ("not json", "not a readable JSON file"),
        (json.dumps({"kind": "detection_methods", "items": []}), "at least one item"),
        (json.dumps({"kind": "planets", "items": [{"code": "x", "vi": "x", "en": "x"}]}), "kind 'planets'"),
        (json.dumps({"kind": "detection_methods", "items": [{"vi": "x"}]}), "needs its code"),
        (json.dumps({"kind": "commodities", "items": [{"code": "durian"}]}), "'units' is missing"),
        (json.dumps({"kind": "commodities", "items": [durian]}), "cannot be used"),
        (json.dumps({"kind": "detection_methods", "items": [numbered]}), "not well formed"),
    ]
    for number, (text, reason) in enumerate(cases):
        path = pair.tmp / f"ref-{number}.json"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(AppError, match=reason):
            set_reference_items(pair.hq.ctx, pair.hq.admin, path)
    with pytest.raises(AppError, match="made at HQ"):
        set_reference_items(pair.post.ctx, pair.post.admin, pair.tmp / "ref-0.json")
    assert rows(pair.hq.ctx, "SELECT count(*) FROM reference_items") == [(0,)]


def test_a_return_bundle_must_describe_itself(pair: Pair) -> None:
    reply, good, certificate, hq_key, post_recipient = _reply_to_forge(pair)
    opened = bundle.open_bundle(reply, lambda _c: hq_key.public_key())
    payload = b"".join(
        json.dumps(r).encode() + b"\n"
        for r in bundle.read_lines(opened, keys.load_encryption_identity(pair.post.data_dir, PASSPHRASE))
    )
    before = register_snapshot(pair.post.data_dir)
    for number, (change, extra, reason) in enumerate(
        [
            ({"recipient": {**good["recipient"], "encryption_fingerprint": "X"}}, [], "another key"),
            ({"part": {"index": 1, "count": 2}}, [], "one part holding records only"),
            ({}, [Member("files/" + "a" * 64 + ".age", b"x")], "one part holding records only"),
            ({"counts": {"records": 9, "files": 0}}, [], "number of records"),
        ]
    ):
        manifest = {**good, **change, "bundle_id": f"e0000000-0000-4000-8000-0000000000{number:02d}"}
        path = pair.tmp / f"return-{number}.outpost"
        members = [Member(RECORDS, payload), *extra]
        write_bundle(path, manifest, members, certificate, hq_key, post_recipient)
        summary = import_at_post(pair, [path])
        assert len(summary.rejected) == 1 and reason in summary.rejected[0]["reason"], summary.rejected
        assert register_snapshot(pair.post.data_dir) == before
    assert import_at_post(pair, [reply]).rejected == []


def test_a_refusal_is_kept_for_the_next_reply_when_writing_one_fails(pair: Pair) -> None:
    from app.errors import AppError
    from app.sync.replies import make_reply

    add_cases(pair, 1, photos=False)
    good = export_parts(pair, "one")[0]
    opened = bundle.open_bundle(good, lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    bad = [{**records[0], "document": {**records[0]["document"], "occurred_at": "yesterday"}}]
    assert import_at_hq(pair, [resigned(pair, good, pair.tmp / "bad.outpost", records=bad)]).rejected
    blocked = pair.tmp / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    with pytest.raises((AppError, OSError)):
        make_reply(pair.hq.ctx, pair.hq.admin, PASSPHRASE, "BP-VX", blocked)
    back = import_at_post(pair, [hq_reply(pair)])
    assert len(back.refused_at_hq) == 1


def test_an_older_return_bundle_does_not_replace_a_newer_watch_list(pair: Pair) -> None:
    from app.sync.replies import make_reply
    from app.watch import decide

    add_cases(pair, 3, photos=False)
    import_at_hq(pair, export_parts(pair, "one"))
    for candidate in ("person:089090001234", "vehicle:67H120413"):
        decide(pair.hq.ctx, pair.hq.admin, candidate, "confirmed", "Ba vụ trong tháng")
    pair.hq.ctx.clock = lambda: datetime(2026, 11, 21, 8, 0, tzinfo=ICT)
    older = make_reply(pair.hq.ctx, pair.hq.admin, PASSPHRASE, "BP-VX", pair.tmp / "old")
    case = sample_case()
    from dataclasses import replace as changed

    from app.domain import VehicleInput

    for _ in range(3):  # a second vehicle seen three times
        car = changed(case, vehicles=(VehicleInput("car", "51A-123.45"),))
        pair.post.ctx.cases.create(pair.post.officer, car)
    import_at_hq(pair, export_parts(pair, "two"))
    decide(pair.hq.ctx, pair.hq.admin, "vehicle:51A12345", "confirmed", "Ba vụ trong tháng")
    pair.hq.ctx.clock = lambda: datetime(2026, 11, 22, 8, 0, tzinfo=ICT)
    newer = make_reply(pair.hq.ctx, pair.hq.admin, PASSPHRASE, "BP-VX", pair.tmp / "new")
    assert import_at_post(pair, [newer]).watch_entries == 3
    late = import_at_post(pair, [older])  # its list of 2 is outdated: the summary says what is held
    assert (late.watch_entries, late.reference_updates) == (3, 0)
    conn = open_sqlite(pair.post.data_dir / "register.sqlite")
    assert conn.execute("SELECT count(*) FROM watch_entries").fetchone() == (3,)
    conn.close()


CAMPAIGN = {
    "type": "campaign",
    "id": "e0000000-0000-4000-8000-000000000001",
    "name": "Cao điểm Tết",
    "starts_on": "2026-01-15",
    "ends_on": "2026-03-15",
    "version": 1,
}


def test_campaigns_are_declared_at_hq_reach_the_posts_and_keep_their_cases_linked(pair: Pair) -> None:
    from datetime import date

    from app.audit import verify
    from app.campaigns import add_campaign, change_campaign, list_campaigns
    from app.errors import RegisterError, ValidationError
    from app.reports import Scope, as_json, build_report, parse_period
    from db import models as m

    with pytest.raises(RegisterError, match="declared at HQ"):
        add_campaign(pair.post.ctx, pair.post.admin, "Đợt riêng", date(2026, 1, 1), date(2026, 1, 31))
    with pytest.raises(ValidationError, match="ends before it starts"):
        add_campaign(pair.hq.ctx, pair.hq.admin, "Sai", date(2026, 2, 1), date(2026, 1, 31))
    tet = add_campaign(
        pair.hq.ctx, pair.hq.admin, "  Cao điểm  Tết Bính Ngọ 2026 ", date(2026, 1, 15), date(2026, 3, 15)
    )
    assert tet.name == "Cao điểm Tết Bính Ngọ 2026"
    # A post cannot choose a campaign it has not received.
    with pytest.raises(ValidationError):
        pair.post.ctx.cases.create(pair.post.officer, sample_case(campaign_id=tet.id))
    back = import_at_post(pair, [hq_reply(pair)])
    assert back.rejected == [] and back.campaigns == 1
    assert [row.name for row in list_campaigns(pair.post.ctx)] == [tet.name]
    when = datetime(2026, 2, 3, 9, 0, tzinfo=ICT)
    case = pair.post.ctx.cases.create(pair.post.officer, sample_case(occurred_at=when, campaign_id=tet.id))
    pair.post.ctx.cases.submit(pair.post.officer, case.id)
    pair.post.ctx.cases.approve(pair.post.chief, case.id)
    summary = import_at_hq(pair, export_parts(pair, "out"))
    assert (summary.new, summary.rejected) == (1, [])
    with pair.hq.ctx.sessions.reads() as session:
        assert session.get(m.Case, case.id).campaign_id == tet.id  # type: ignore[union-attr]
    scope = Scope(campaign_id=tet.id)
    period = parse_period(pair.hq.ctx, "campaign", None, scope)
    assert as_json(build_report(pair.hq.ctx, pair.hq.admin, "campaign", period, scope))["total"]["cases"] == 1
    # HQ extends the campaign: the newer version replaces the post's; an older reply changes nothing.
    old_reply = hq_reply(pair, "old")
    change_campaign(pair.hq.ctx, pair.hq.admin, tet.id, tet.name, tet.starts_on, date(2026, 3, 31))
    assert import_at_post(pair, [hq_reply(pair, "new")]).campaigns == 1
    assert import_at_post(pair, [old_reply]).campaigns == 0
    assert list_campaigns(pair.post.ctx)[0].ends_on == date(2026, 3, 31)
    for ctx in (pair.post.ctx, pair.hq.ctx):
        with ctx.sessions.reads() as session:
            assert verify(session.connection()).ok
