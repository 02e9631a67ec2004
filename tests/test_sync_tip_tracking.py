"""A tip's follow-up travels to HQ (issue 19 item 5): status, result, assigned officer, the case it led
to; hostile values in those fields are refused without quoting the tip, and HQ's reading of an
informant is audited at HQ like a chief's at the post. SQLite only: the tip path on PostgreSQL is
tests/test_sync_tips.py's."""

from __future__ import annotations

import json
from datetime import datetime

from app.sync import bundle, keys
from tests.helpers.cases import ICT
from tests.helpers.registers import PASSWORD
from tests.helpers.sync import (
    PASSPHRASE,
    Pair,
    add_cases,
    export_parts,
    import_at_hq,
    register_snapshot,
    resigned,
)

INFORMANT = "Võ Thị Kín, 0977 000 111"


def test_a_tips_follow_up_reaches_hq_and_hostile_values_are_refused(pair: Pair) -> None:
    post = pair.post
    case_id = add_cases(pair, 1, photos=False)[0]
    tips = post.ctx.tips
    tip = tips.add(post.officer, received_at=datetime(2026, 11, 20, 21, 0, tzinfo=ICT), channel="phone",
                   content="Ghe chở thuốc lá", informant=INFORMANT)
    tips.assign(post.chief, tip.id, "officer")
    tips.set_status(post.officer, tip.id, "acted_on", "Bắt giữ 500 bao")
    tips.link(post.officer, tip.id, case_id)
    good = export_parts(pair, "out")[0]
    opened = bundle.open_bundle(good, lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    [index] = [i for i, r in enumerate(records) if r["type"] == "tip"]
    sent = records[index]["tip"]
    assert (sent["status"], sent["assigned_to"], sent["case_id"]) == ("acted_on", "officer", case_id)
    assert sent["acted_at"] is not None and INFORMANT not in json.dumps(records, ensure_ascii=False)
    attempts = [
        ({"status": "bogus"}, "status"),
        ({"status": ["new"]}, "status"),
        ({"result": "x" * 4001}, "result"),
        ({"assigned_to": ""}, "assigned_to"),
        ({"acted_at": "yesterday"}, "acted_at"),
        ({"updated_at": 5}, "updated_at"),
    ]
    for number, (change, field) in enumerate(attempts):
        record = {**records[index], "tip": {**sent, **change}}
        path = resigned(pair, good, pair.tmp / f"tip-{number}.outpost",
                        records=[*records[:index], record, *records[index + 1:]])
        before = register_snapshot(pair.hq.data_dir)
        summary = import_at_hq(pair, [path])
        assert len(summary.rejected) == 1 and field in summary.rejected[0]["reason"], summary.rejected
        assert "Ghe chở" not in summary.rejected[0]["reason"]
        assert register_snapshot(pair.hq.data_dir) == before
    partial = {k: v for k, v in sent.items() if k != "acted_at"}
    path = resigned(pair, good, pair.tmp / "partial.outpost",
                    records=[*records[:index], {**records[index], "tip": partial}, *records[index + 1:]])
    assert "missing fields" in import_at_hq(pair, [path]).rejected[0]["reason"]

    summary = import_at_hq(pair, [good])
    assert (summary.tips, summary.rejected) == (1, [])
    at_hq = pair.hq.ctx.tips.get(pair.hq.admin, tip.id)
    assert (at_hq.status, at_hq.result, at_hq.assigned_to, at_hq.case_id) == (
        "acted_on", "Bắt giữ 500 bao", "officer", case_id
    )
    assert pair.hq.ctx.tips.read_informant(pair.hq.admin, tip.id, PASSWORD) == INFORMANT
    assert [e.action for e in pair.hq.ctx.tips.history(pair.hq.admin, tip.id)][-1] == "read_informant"
