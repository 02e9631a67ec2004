"""Tips from a post to HQ: the informant stays sealed all the way, a tip travels with its case or on
its own, and malformed tips are refused without quoting them.

The tests with an HQ run with HQ on SQLite and on PostgreSQL (``both_engines``)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from app.sync import bundle, keys
from tests.helpers.cases import ICT, sample_case
from tests.helpers.registers import PASSWORD, rows
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

pytestmark = pytest.mark.both_engines

INFORMANT = "Lê Thị Tin, 0912 345 678"


def test_a_tip_reaches_hq_with_its_informant_sealed_all_the_way(pair: Pair) -> None:
    from app import audit
    from app.tips import TipService

    case_id = add_cases(pair, 1, photos=False)[0]
    tip = TipService(pair.post.ctx).add(
        pair.post.chief,
        received_at=datetime(2026, 11, 20, 21, 0, tzinfo=ICT),
        channel="phone",
        content="Xe tải chở đường qua mốc 264 lúc 23 giờ",
        informant=INFORMANT,
        case_id=case_id,
    )
    files = export_parts(pair, "out")
    # Not in the file, and not in the records once the bundle's own encryption is taken off.
    raw = b"".join(path.read_bytes() for path in files)
    opened = bundle.open_bundle(files[0], lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    text = json.dumps(records, ensure_ascii=False)
    for secret in (INFORMANT, "Lê Thị Tin", "0912 345 678", "0912345678"):
        assert secret.encode() not in raw and secret not in text
    assert [r["type"] for r in records if r["type"] != "audit"] == ["case", "tip"]
    summary = import_at_hq(pair, files)
    assert (summary.new, summary.tips, summary.rejected) == (1, 1, [])
    assert INFORMANT not in json.dumps(summary.as_json(), ensure_ascii=False)
    # HQ's admin opens it with HQ's tip key; HQ's audit chain seals the tip without the informant.
    hq_tips = TipService(pair.hq.ctx)
    assert hq_tips.read_informant(pair.hq.admin, tip.id, PASSWORD) == INFORMANT
    diffs = [row[0] for row in rows(pair.hq.ctx, "SELECT diff FROM audit_events WHERE entity = 'tip'")]
    assert diffs and all("Lê Thị" not in d for d in diffs)
    with pair.hq.ctx.sessions.reads() as session:
        assert audit.verify(session.connection()).ok
    # Sent again unchanged: nothing new.
    again = import_at_hq(pair, export_parts(pair, "again"))
    assert (again.tips, again.unchanged, again.rejected) == (0, 1, [])


def test_a_tip_with_an_unsealed_informant_or_a_foreign_case_is_refused_without_quoting_it(pair: Pair) -> None:
    from app.tips import TipService

    TipService(pair.post.ctx).add(
        pair.post.chief,
        received_at=datetime(2026, 11, 20, 21, 0, tzinfo=ICT),
        channel="phone",
        content="Ghe chở thuốc lá",
        informant=INFORMANT,
    )
    good = export_parts(pair, "out")[0]
    opened = bundle.open_bundle(good, lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    import base64

    plain = base64.b64encode(INFORMANT.encode()).decode()
    tip = records[0]["tip"]
    attempts = [
        ({**records[0], "tip": {**tip, "informant_sealed": plain}}, "informant_sealed not valid"),
        ({**records[0], "tip": {**tip, "informant": INFORMANT}}, "unknown fields"),
        ({**records[0], "tip": {**tip, "case_id": "no-such-case"}}, "HQ does not have"),
        ({**records[0], "tip": {k: v for k, v in tip.items() if k != "case_id"}}, "missing fields"),
        ({**records[0], "origin": "someone-else"}, "another station"),
    ]
    for number, (record, reason) in enumerate(attempts):
        path = resigned(pair, good, pair.tmp / f"tip-{number}.outpost", records=[record])
        before = register_snapshot(pair.hq.data_dir)
        summary = import_at_hq(pair, [path])
        assert len(summary.rejected) == 1 and reason in summary.rejected[0]["reason"], summary.rejected
        assert INFORMANT not in json.dumps(summary.as_json(), ensure_ascii=False)
        assert register_snapshot(pair.hq.data_dir) == before


def test_review_findings_are_refused_cleanly(pair: Pair) -> None:
    """Inputs found by review that crashed the import or were stored unreadable: each is refused."""
    from app.tips import TipService

    TipService(pair.post.ctx).add(
        pair.post.chief,
        received_at=datetime(2026, 11, 20, 21, 0, tzinfo=ICT),
        channel="phone",
        content="Ghe chở thuốc lá",
    )
    good = export_parts(pair, "out")[0]
    opened = bundle.open_bundle(good, lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    tip = records[0]["tip"]
    for number, (change, reason) in enumerate(
        [
            ({"case_id": ""}, "HQ does not have"),
            ({"received_at": "0999-01-01T00:00:00+00:00"}, "received_at"),
            ({"created_at": "0001-01-01T00:00:00+05:00"}, "created_at"),
        ]
    ):
        path = resigned(
            pair,
            good,
            pair.tmp / f"review-{number}.outpost",
            records=[{**records[0], "tip": {**tip, **change}}],
        )
        summary = import_at_hq(pair, [path])
        assert len(summary.rejected) == 1 and reason in summary.rejected[0]["reason"], summary.rejected


def _record_types(pair: Pair, path: Path) -> list[str]:
    opened = bundle.open_bundle(path, lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    return ["companion" if r.get("companion") else r["type"] for r in records]


def test_a_tip_and_its_case_in_different_parts_each_import_on_their_own(pair: Pair) -> None:
    """Each record stays in the part whose range holds its latest change (an acknowledged range never
    leaves one behind); a tip whose case travels in another part carries a copy of the case."""
    from app.tips import TipService

    folder = pair.tmp / "photos"
    folder.mkdir()
    photo = pair.post.ctx.attachments.store_file(photo_file(folder, 99), caption="Ảnh")
    data = sample_case(occurred_at=datetime(2026, 11, 1, 8, 0, tzinfo=ICT), attachments=(photo,))
    first = pair.post.ctx.cases.create(pair.post.officer, data).id
    add_cases(pair, 1)
    tip = TipService(pair.post.ctx).add(
        pair.post.chief,
        received_at=datetime(2026, 11, 20, 21, 0, tzinfo=ICT),
        channel="phone",
        content="Ghe chở thuốc lá",
        informant=INFORMANT,
        case_id=first,
    )
    # The case changes after the tip was recorded: its latest change now follows the tip's.
    pair.post.ctx.cases.update(pair.post.officer, first, replace(data, summary="Sửa sau tin báo"), 1)
    parts = export_parts(pair, "parts", size=64 * 1024)  # one photo a part
    kinds = {path.name: _record_types(pair, path) for path in parts}
    tip_part = next(path for path in parts if "tip" in kinds[path.name])
    # The companion comes before the tip; the case itself follows in the same part (its photo is there
    # already, so its record fits: parts are filled to their limit, issue 20 item 6).
    assert kinds[tip_part.name] == ["companion", "tip", "case"], kinds
    assert sum(k.count("case") for k in kinds.values()) == 2  # each case once at its own position
    # The tip's part alone: the tip and (a copy of) its case arrive together.
    alone = import_at_hq(pair, [tip_part])
    assert (alone.new, alone.tips, alone.rejected) == (1, 1, []), alone.rejected
    rest = import_at_hq(pair, [path for path in parts if path != tip_part][::-1])
    assert (rest.new, rest.unchanged, rest.rejected) == (1, 0, [])
    hq_tips = TipService(pair.hq.ctx)
    assert hq_tips.read_informant(pair.hq.admin, tip.id, PASSWORD) == INFORMANT
    with pair.hq.ctx.sessions.reads() as session:
        from db import models as m

        stored = session.get(m.Case, first)
        assert stored is not None and stored.version == 2 and stored.summary == "Sửa sau tin báo"
        assert session.get(m.Tip, tip.id).case_id == first  # type: ignore[union-attr]
