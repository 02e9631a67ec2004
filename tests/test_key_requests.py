"""What the station-keys dialogs rely on, without Qt (``app.sync.key_requests``): a request is read and
shown before anything is written, HQ writes no reply without the fingerprint read out by phone, and a
hostile request does not choose where HQ writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.errors import ValidationError
from app.sync import key_requests, keys
from app.sync.key_requests import ENROL
from app.sync.signing import sign
from db import models as m
from tests.helpers.clock import Clock
from tests.helpers.registers import Post, make_hq
from tests.helpers.sync import PASSPHRASE


def _folder(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder


def test_hq_writes_no_reply_without_the_fingerprint_read_out(
    post: Post, tmp_path: Path, clock: Clock
) -> None:
    hq = make_hq(tmp_path / "hq", clock=clock)
    usb = _folder(tmp_path, "usb")
    written = key_requests.write_request(post.ctx, post.admin, PASSPHRASE, usb, ENROL)
    shown = key_requests.read_request(written.path)
    assert (shown.what, shown.station_code, shown.fingerprint) == (
        ENROL, "BP-VX", written.done.station_fingerprint
    )
    with pytest.raises(ValidationError) as refused:
        key_requests.accept(hq.ctx, hq.admin, PASSPHRASE, written.path, usb, "AAAA BBBB CCCC DDDD EEEE")
    assert refused.value.message.startswith("enrolment-request-BP-VX.json: ")
    assert not list(usb.glob("*reply*")) and not keys.has_signing_key(hq.data_dir)
    with hq.ctx.sessions.reads() as session:
        assert session.query(m.Station).filter_by(code="BP-VX").one_or_none() is None
    done = key_requests.accept(hq.ctx, hq.admin, PASSPHRASE, written.path, usb, shown.fingerprint.lower())
    assert done.path == usb / "enrolment-reply-BP-VX.json" and done.path.is_file()
    installed = key_requests.install_reply(post.ctx, post.admin, PASSPHRASE, done.path)
    assert installed.hq_code == "BCH-AG" and key_requests.key_state(post.ctx).enrolled
    # Enrolled: the request the dialog offers next is a rotation, and it is read as a re-key request.
    again = key_requests.write_request(post.ctx, post.admin, PASSPHRASE, usb, key_requests.ROTATE)
    assert key_requests.read_request(again.path).what == key_requests.ROTATE
    assert key_requests.key_state(post.ctx).pending
    hq.ctx.close()


def test_a_hostile_request_does_not_choose_where_hq_writes(post: Post, tmp_path: Path, clock: Clock) -> None:
    hq = make_hq(tmp_path / "hq", clock=clock)
    usb = _folder(tmp_path, "usb")
    written = key_requests.write_request(post.ctx, post.admin, PASSPHRASE, usb, ENROL)
    document = json.loads(written.path.read_text(encoding="utf-8"))
    document.pop("signature")
    document["station"]["code"] = "../../../evil"
    hostile = usb / "hostile.json"
    hostile.write_text(json.dumps(sign(document, keys.load_signing_key(post.data_dir, PASSPHRASE))))
    shown = key_requests.read_request(hostile)
    done = key_requests.accept(hq.ctx, hq.admin, PASSPHRASE, hostile, usb, shown.fingerprint)
    assert done.path.parent == usb and done.path.name == "enrolment-reply--evil.json"
    assert not (tmp_path / "evil").exists() and not list(tmp_path.parent.glob("evil*"))
    hq.ctx.close()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x00\x01 not json", "not JSON"),
        (b'{"format": "outpost-rekey-request", "version": 1}', "re-key request"),
        (b'{"format": "outpost-bundle"}', "enrolment request"),
    ],
)
def test_a_file_that_is_no_request_is_refused_naming_it(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "la.json"
    path.write_bytes(content)
    with pytest.raises(ValidationError) as refused:
        key_requests.read_request(path)
    assert "la.json" in refused.value.message and expected in refused.value.message
