"""A post's export read back at HQ: parts in any order give the same register, a stick that fills up
leaves nothing behind, ids are random; and the whole round, by mail and back."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.register import open_register
from app.sync.export import export_changes
from app.sync.hq_import import import_bundles
from db import models as m
from tests.helpers.cases import sample_case
from tests.helpers.registers import PASSWORD
from tests.helpers.servers import Inbox
from tests.helpers.sync import (
    PASSPHRASE,
    Pair,
    add_cases,
    export_parts,
    import_at_hq,
    import_at_post,
    photo_file,
    register_snapshot,
)


def test_parts_in_any_order_give_every_case_and_photo(pair: Pair) -> None:
    made = add_cases(pair, 12)
    files = export_parts(pair, "out", size=150_000)  # ~3 cases with their photo per part
    assert len(files) >= 4
    assert all(f.stat().st_size <= 150_000 for f in files)
    assert not list((pair.tmp / "out").glob(".*"))  # no temporary file left behind
    shuffled = files[:]
    random.Random(3).shuffle(shuffled)
    summary = import_at_hq(pair, shuffled)
    assert summary.rejected == [] and (summary.new, summary.updated, summary.unchanged) == (12, 0, 0)
    assert summary.files == 12 and summary.missing == {"BP-VX": []}
    assert set(made) == {r.id for r in pair.hq.ctx.cases.list(pair.hq.admin, limit=100)}
    # Photos arrived intact, content-addressed.
    document = pair.hq.ctx.cases.get(pair.hq.admin, made[0]).document
    sha256 = document["attachments"][0]["sha256"]
    assert pair.hq.ctx.attachments.read_bytes(sha256) == photo_file(pair.tmp, 0).read_bytes()
    assert pair.hq.ctx.cases.list(pair.hq.admin, limit=1)[0].number.startswith("BP-VX/2026/")


def test_reverse_order_matches_forward_order(pair: Pair, tmp_path: Path) -> None:
    add_cases(pair, 6)
    files = export_parts(pair, "out", size=100_000)
    # A second HQ register that trusts the same certificates: a copy of the first before any import.
    pair.hq.ctx.close()
    shutil.copytree(pair.hq.data_dir, tmp_path / "hq-b")
    pair.hq.ctx = open_register(pair.hq.data_dir, key=pair.hq.ctx.key)
    reverse = open_register(tmp_path / "hq-b", key=pair.hq.ctx.key)  # a copy: the same key
    try:
        assert import_at_hq(pair, files).rejected == []
        admin = reverse.login("admin", PASSWORD)
        assert import_bundles(reverse, admin, PASSPHRASE, files[::-1]).rejected == []
    finally:
        reverse.close()
    assert register_snapshot(pair.hq.data_dir) == register_snapshot(tmp_path / "hq-b")


def test_a_disk_that_fills_up_during_an_export_leaves_no_part_behind(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from app.errors import AppError
    from app.sync import bundle as module

    add_cases(pair, 9)
    real, calls = module.write_atomically, [0]

    def fills_up(path: Path, data: bytes, **kwargs: Any) -> None:
        calls[0] += 1
        if calls[0] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data, **kwargs)

    earlier = {path.name: path.read_bytes() for path in export_parts(pair, "out", size=100_000)}
    calls[0] = 0  # the same changes again (no receipt yet), onto the same stick: the same names
    monkeypatch.setattr(module, "write_atomically", fills_up)
    with pytest.raises(
        AppError,
        match=r"could not write BP-VX-\d{8}-\d{8}-part3of\d+\.outpost in .*out: "
        r"No space left on device\. Nothing was exported",
    ):
        export_parts(pair, "out", size=100_000)
    # The earlier export on the stick is whole, as it was; nothing of the failed one is left.
    assert {path.name: path.read_bytes() for path in (pair.tmp / "out").iterdir()} == earlier
    monkeypatch.setattr(module, "write_atomically", real)
    # Nothing was marked as sent: the next export holds it all.
    files = export_parts(pair, "out", size=100_000)
    assert import_at_hq(pair, files).new == 9


def test_the_whole_round_with_a_thousand_demo_cases(
    demo_pair: Callable[[int, int], Pair], smtp: tuple[Inbox, int]
) -> None:
    """Enrolled post → export of 1 000 demo cases in parts → e-mail → HQ imports the attachments in
    shuffled order → return bundle → the next export holds only the new cases."""
    from app.sync.mail import deliver
    from app.sync.replies import make_reply

    inbox, port = smtp
    pair = demo_pair(1000, 7)
    pair.post.ctx.settings = replace(
        pair.post.ctx.settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        mail_from="bp-vx@example.vn",
        mail_to="bch@example.vn",
    )
    parts = export_changes(pair.post.ctx, pair.post.admin, PASSPHRASE, pair.tmp / "usb", 64 * 1024)
    with pair.post.ctx.sessions.reads() as session:  # the demo's hand-overs (app/demo_handovers.py)
        handed = session.scalar(select(func.count()).select_from(m.Handover))
        # and the establishments its inspections named (app/establishments.py)
        shops = session.scalar(select(func.count()).select_from(m.Establishment))
    # the cases, the demo's field work (1 in 4), its hand-overs and the establishments inspected
    assert handed and shops and parts.records == 1000 + 250 + handed + shops
    assert len(parts.files) >= 3
    assert deliver(pair.post.ctx, parts.files).sent == parts.files
    received = pair.tmp / "inbox"
    received.mkdir()
    attachments = []
    for message in inbox.messages:
        for part in message.walk():
            if part.get_filename():
                path = received / part.get_filename()
                path.write_bytes(part.get_payload(decode=True))
                attachments.append(path)
    random.Random(11).shuffle(attachments)
    summary = import_at_hq(pair, attachments)
    assert (summary.new, summary.updated, summary.unchanged, summary.rejected) == (1000, 0, 0, [])
    assert (summary.activities, summary.handovers, summary.establishments) == (250, handed, shops)
    assert summary.missing == {"BP-VX": []}
    assert pair.hq.ctx.cases.count(pair.hq.admin) == 1000
    back = import_at_post(
        pair, [make_reply(pair.hq.ctx, pair.hq.admin, PASSPHRASE, "BP-VX", pair.tmp / "back")]
    )
    assert back.acknowledged_seq == parts.last_seq
    for _ in range(5):
        pair.post.ctx.cases.create(pair.post.officer, sample_case())
    second = export_changes(pair.post.ctx, pair.post.admin, PASSPHRASE, pair.tmp / "usb2")
    assert (second.records, len(second.files), second.first_seq) == (5, 1, parts.last_seq + 1)
    again = import_at_hq(pair, list(second.files))
    assert (again.new, again.updated, again.unchanged, again.rejected) == (5, 0, 0, [])
    assert pair.hq.ctx.cases.count(pair.hq.admin) == 1005


def test_ids_drawn_together_are_version_4_uuids() -> None:
    import uuid

    from db import models as m

    ids = m.new_ids(500)
    assert len(set(ids)) == 500
    for text in ids:
        value = uuid.UUID(text)
        assert (value.version, value.variant, str(value)) == (4, uuid.RFC_4122, text)
