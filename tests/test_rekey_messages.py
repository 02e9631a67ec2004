"""The re-key refusals a chief or HQ's operator meets in the app are in their language (issue 20): the
request's and reply's checks (app/sync/rekey.py), the signature checks they share with enrolment
(app/sync/signing.py) and the key files' (app/sync/keys.py), shown here in Vietnamese, the default."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.errors import AppError
from app.i18n import set_language
from app.sync import key_requests, keys, keywrap, rekey
from tests.helpers.sync import PASSPHRASE, Pair


def test_re_key_refusals_are_in_vietnamese(pair: Pair, tmp_path: Path) -> None:
    post, hq = pair.post, pair.hq
    request = tmp_path / "rekey-request.json"
    rekey.make_request(post.ctx, post.admin, PASSPHRASE, request, rotate=True)
    document = json.loads(request.read_text(encoding="utf-8"))
    document["station"]["name"] = "Đồn khác"  # changed after it was signed
    request.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    reply = tmp_path / "rekey-reply.json"
    reply.write_text("{không phải JSON", encoding="utf-8")
    set_language("vi")

    with pytest.raises(AppError) as refused:
        key_requests.read_request(request)  # what HQ's dialog shows before anything is written
    assert "chữ ký của yêu cầu đổi khóa không khớp với nội dung" in refused.value.message
    with pytest.raises(AppError) as refused:
        rekey.accept_request(hq.ctx, hq.admin, PASSPHRASE, request, tmp_path / "out.json", "0000")
    assert "chữ ký của yêu cầu đổi khóa không khớp với nội dung" in refused.value.message
    with pytest.raises(AppError) as refused:
        rekey.install_reply(post.ctx, post.admin, PASSPHRASE, reply)
    assert "rekey-reply.json không phải là phản hồi đổi khóa (không phải JSON:" in refused.value.message
    with pytest.raises(AppError) as refused:
        keys.create_pending_keys(post.data_dir, "ngắn")
    assert "cụm mật khẩu của khóa cần ít nhất" in refused.value.message
    with pytest.raises(AppError) as refused:
        keywrap.unwrap(keywrap.wrap(b"secret", PASSPHRASE), PASSPHRASE + "x")
    assert refused.value.message == "mật khẩu không mở được khóa này"
