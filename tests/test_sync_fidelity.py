"""Nothing is lost between a post and HQ: HQ keeps every case exactly as the post sent it.

"Every field" is the case's document (``app.case_json.case_document``, what ``cases.get`` gives): every
member a bundle carries, entered, derived and stored, with its lines, documents and attachments. The
rows' own ids for lines, the post's change counter and the submission time are not in a bundle
(docs/bundle-format.md), so the rows are not compared column by column.

The tests with an HQ run with HQ on SQLite and on PostgreSQL (``both_engines``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from app.domain import DocumentInput
from app.sync import bundle, keys
from db import models as m
from tests.helpers.cases import sample_case
from tests.helpers.clock import Clock
from tests.helpers.sync import (
    PASSPHRASE,
    Pair,
    assert_refused,
    export_parts,
    hq_reply,
    import_at_hq,
    import_at_post,
    photo_file,
    resigned,
)

pytestmark = pytest.mark.both_engines


def _documents(pair: Pair, ids: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    post = {i: pair.post.ctx.cases.get(pair.post.admin, i).document for i in ids}
    hq = {i: pair.hq.ctx.cases.get(pair.hq.admin, i).document for i in ids}
    return post, hq


def _cases(pair: Pair) -> list[str]:
    """A draft, a submitted, an approved and a voided case, each with a photo and a document."""
    post, folder = pair.post, pair.tmp / "photos"
    folder.mkdir(exist_ok=True)
    made = []
    for i in range(4):
        photo = post.ctx.attachments.store_file(photo_file(folder, i), caption=f"Ảnh {i}")
        data = sample_case(
            attachments=(photo,), documents=(DocumentInput("MBB01", f"{i}/BB", date(2026, 11, 21), "Đại úy"),)
        )
        made.append(post.ctx.cases.create(post.officer, data).id)
    draft, submitted, approved, voided = made
    post.ctx.cases.submit(post.officer, submitted)
    post.ctx.cases.submit(post.officer, approved)
    post.ctx.cases.approve(post.chief, approved)
    post.ctx.cases.void(post.chief, voided, "Nhập trùng hồ sơ")
    return made


def test_hq_keeps_every_field_of_every_case_as_the_post_sent_it(pair: Pair, clock: Clock) -> None:
    made = _cases(pair)
    clock.advance(timedelta(hours=5))  # HQ imports later than the post saved: its own time must not show
    assert import_at_hq(pair, export_parts(pair, "a")).new == 4
    post_docs, hq_docs = _documents(pair, made)
    assert hq_docs == post_docs
    approved = post_docs[made[2]]
    assert approved["approved_at"] is not None and approved["approved_by"] == pair.post.chief.username

    # Newer versions of cases HQ has: submitted, approved and edited at the post, then sent again.
    post = pair.post
    post.ctx.cases.approve(post.chief, made[1])
    current = post.ctx.cases.get(post.officer, made[0])
    post.ctx.cases.update(post.officer, made[0], sample_case(summary="Bổ sung lời khai"), current.version)
    clock.advance(timedelta(hours=5))
    assert import_at_hq(pair, export_parts(pair, "b")).updated == 2
    post_docs, hq_docs = _documents(pair, made)
    assert hq_docs == post_docs

    # HQ's reply back at the post changes none of them.
    clock.advance(timedelta(hours=1))
    import_at_post(pair, [hq_reply(pair)])
    assert _documents(pair, made) == (post_docs, hq_docs)


def test_hq_audits_the_import_at_its_own_time(pair: Pair, clock: Clock) -> None:
    """The case keeps the post's times; HQ's audit event for the import records when HQ imported it."""
    made = _cases(pair)
    clock.advance(timedelta(hours=5))
    before_import = clock()
    import_at_hq(pair, export_parts(pair, "a"))
    with pair.hq.ctx.sessions.reads() as session:
        events = session.query(m.AuditEvent).filter(m.AuditEvent.entity_id == made[0]).all()
        case = session.get(m.Case, made[0])
        assert case is not None and case.created_at < before_import
        assert [e.action for e in events] == ["import"]
        assert events[0].at >= before_import


@pytest.mark.parametrize(
    ("name", "value"),
    [("approved_at", "2026-11-20"), ("created_at", "hôm qua"), ("updated_at", 20261120), ("approved_at", [])],
)
def test_a_time_that_is_not_utc_text_is_refused(pair: Pair, name: str, value: Any) -> None:
    case_id = pair.post.ctx.cases.create(pair.post.officer, sample_case()).id
    pair.post.ctx.cases.submit(pair.post.officer, case_id)
    pair.post.ctx.cases.approve(pair.post.chief, case_id)
    good = export_parts(pair, "a")[0]
    identity = keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE)
    records = bundle.read_lines(bundle.open_bundle(good, bundle.certificate_key), identity)
    case = next(r for r in records if r.get("type") == "case")
    case["document"][name] = value
    bad = resigned(pair, good, pair.tmp / "bad.outpost", records=records)
    assert_refused(pair, bad, f"{name} is not valid")
