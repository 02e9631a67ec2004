"""Hand-overs from a post to HQ: a hand-over travels after its case, its follow-up replaces the older
version at HQ (owner wins), HQ seals it in its chain; malformed or hostile hand-over records are refused
without quoting them and nothing is stored."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime

from app import audit
from app.domain import HandlingInput, PartyInput
from app.handovers import HandoverInput, HandoverService
from app.sync import bundle, keys
from tests.helpers.cases import ICT, sample_case
from tests.helpers.registers import rows
from tests.helpers.sync import (
    PASSPHRASE,
    Pair,
    add_cases,
    export_parts,
    import_at_hq,
    photo_file,
    register_snapshot,
    resigned,
)

AGENCY = "Cơ quan Cảnh sát điều tra Công an thị xã Tân Châu"


def handed_over(pair: Pair) -> str:
    case = pair.post.ctx.cases.create(
        pair.post.officer,
        sample_case(
            parties=(PartyInput("person", "carrier", "Nguyễn Văn An", id_number="089090001234"),),
            handling=HandlingInput(outcome="criminal_transfer", receiving_agency=AGENCY, defendants=1),
        ),
    )
    return (
        HandoverService(pair.post.ctx)
        .add(
            pair.post.officer,
            case.id,
            HandoverInput(AGENCY, date(2026, 11, 23), ("Biên bản vi phạm",), "15/BN"),
        )
        .handover.id
    )


def test_a_hand_over_and_its_follow_up_reach_hq(pair: Pair) -> None:
    handover_id = handed_over(pair)
    files = export_parts(pair, "out")
    summary = import_at_hq(pair, files)
    assert (summary.new, summary.handovers, summary.rejected) == (1, 1, [])
    at_hq = HandoverService(pair.hq.ctx).get(pair.hq.admin, handover_id)
    assert (at_hq.station, at_hq.receipt_no, at_hq.status, at_hq.version) == (
        "BP-VX",
        "15/BN",
        "handed_over",
        1,
    )
    assert [d.full_name for d in at_hq.defendants] == ["Nguyễn Văn An"]
    HandoverService(pair.post.ctx).follow_up(pair.post.officer, handover_id, "prosecuted", date(2026, 11, 24))
    again = import_at_hq(pair, export_parts(pair, "again"))
    assert (again.handovers, again.rejected) == (1, [])
    at_hq = HandoverService(pair.hq.ctx).get(pair.hq.admin, handover_id)
    assert (at_hq.status, at_hq.status_on, at_hq.version) == ("prosecuted", date(2026, 11, 24), 2)
    sealed = rows(pair.hq.ctx, "SELECT version FROM audit_events WHERE entity = 'handover' ORDER BY seq")
    assert [v for (v,) in sealed] == [1, 2]
    with pair.hq.ctx.sessions.reads() as session:
        assert audit.verify(session.connection(), register_key=pair.hq.ctx.key).ok


def test_hostile_hand_over_records_are_refused_without_quoting_them(pair: Pair) -> None:
    handed_over(pair)
    good = export_parts(pair, "out")[0]
    opened = bundle.open_bundle(good, lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    case_record, record = [r for r in records if r["type"] in ("case", "handover")]
    handover = record["handover"]
    secret = "Trần Bí Mật 0912"
    attempts = [
        ({"receipt_no": "x" * 61}, "receipt_no not valid"),
        ({"defendants": [{"full_name": secret}]}, "defendants not valid"),
        ({"note": f"{secret}\u202e"}, "note not valid"),
        ({"handed_on": "2026-02-30"}, "handed_on not valid"),
        ({"status": "prosecuted"}, "does not follow from its steps"),
        (
            {"followups": [{"status": "buried", "on": "2026-11-24", "note": "", "by": "x", "at": "x"}]},
            "followups not valid",
        ),
        ({"version": True}, "version not valid"),
        ({"informant": secret}, "unknown fields"),
        ({"case_id": "no-such-case"}, "HQ does not have"),
    ]
    for number, (change, reason) in enumerate(attempts):
        bad = {**record, "handover": {**handover, **change}}
        with_case = [bad] if "case_id" in change else [case_record, bad]
        path = resigned(pair, good, pair.tmp / f"handover-{number}.outpost", records=with_case)
        before = register_snapshot(pair.hq.data_dir)
        summary = import_at_hq(pair, [path])
        assert len(summary.rejected) == 1 and reason in summary.rejected[0]["reason"], summary.rejected
        assert secret not in json.dumps(summary.as_json(), ensure_ascii=False)
        assert register_snapshot(pair.hq.data_dir) == before


def test_a_hand_over_whose_case_travels_in_another_part_carries_a_copy_of_it(pair: Pair) -> None:
    folder = pair.tmp / "photos"
    folder.mkdir()
    photo = pair.post.ctx.attachments.store_file(photo_file(folder, 99), caption="Ảnh")
    data = sample_case(
        occurred_at=datetime(2026, 11, 1, 8, 0, tzinfo=ICT),
        attachments=(photo,),
        handling=HandlingInput(outcome="criminal_transfer", receiving_agency=AGENCY, defendants=1),
    )
    case_id = pair.post.ctx.cases.create(pair.post.officer, data).id
    add_cases(pair, 1)
    HandoverService(pair.post.ctx).add(pair.post.officer, case_id, HandoverInput(AGENCY, date(2026, 11, 3)))
    # The case changes after the hand-over: its latest change now follows the hand-over's.
    pair.post.ctx.cases.update(pair.post.officer, case_id, replace(data, summary="Sửa sau bàn giao"), 1)
    parts = export_parts(pair, "parts", size=64 * 1024)  # one photo case a part
    identity = keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE)
    kinds = {}
    for path in parts:
        records = bundle.read_lines(bundle.open_bundle(path, lambda c: bundle.certificate_key(c)), identity)
        kinds[path] = [
            "companion" if r.get("companion") else r["type"] for r in records if r["type"] != "audit"
        ]
    handover_part = next(path for path in parts if "handover" in kinds[path])
    # A copy of the case comes first (its own latest change may follow in the same part or another one).
    assert kinds[handover_part][:2] == ["companion", "handover"], kinds
    alone = import_at_hq(pair, [handover_part])
    assert (alone.new, alone.handovers, alone.rejected) == (1, 1, []), alone.rejected
    rest = import_at_hq(pair, [path for path in parts if path != handover_part][::-1])
    assert (rest.new, rest.rejected) == (1, [])


def test_an_export_counts_its_hand_overs_apart_from_its_cases(pair: Pair) -> None:
    from app.i18n import set_language
    from app.sync.export import export_changes, records_said
    from tests.helpers.sync import PASSPHRASE

    handed_over(pair)
    result = export_changes(pair.post.ctx, pair.post.admin, PASSPHRASE, pair.tmp / "out", 20 * 1024 * 1024)
    assert result.records == 2 and result.kinds == {"case": 1, "handover": 1}
    assert records_said(result.kinds) == "1 case, 1 hand-over"
    # The app writes counts as people at the post read them; the command line as English does.
    assert records_said({"case": 1004, "activity": 4006}) == "1.004 cases, 4.006 activities"
    assert records_said({"case": 1004, "activity": 4006}, "{:,}".format) == "1,004 cases, 4,006 activities"
    try:
        set_language("vi")
        assert records_said({"case": 62, "handover": 10, "activity": 5, "establishment": 4}) == (
            "62 vụ, 10 hồ sơ bàn giao, 5 hoạt động, 4 cơ sở"
        )
    finally:
        set_language("en")
