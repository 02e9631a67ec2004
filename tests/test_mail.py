"""E-mailing bundle parts through a real SMTP server on loopback, and the outbox without one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app import i18n
from app.errors import ValidationError
from app.sync.mail import INSTRUCTIONS, check_mail_settings, deliver
from tests.helpers.registers import Post
from tests.helpers.servers import Inbox, free_port
from tests.helpers.sync import PASSPHRASE, Pair


def _parts(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(1, count + 1):
        path = folder / f"BP-VX-00000001-00000009-part{i}of{count}.outpost"
        path.write_bytes(bytes(range(256)) * (100 * i))
        files.append(path)
    return files


def _configure(post: Post, port: int) -> None:
    post.ctx.settings = replace(
        post.ctx.settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        mail_from="bp-vx@bienphong.example",
        mail_to="bch-ag@bienphong.example",
    )


def test_each_part_goes_as_one_message_with_its_file(
    post: Post, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp
    _configure(post, port)
    files = _parts(tmp_path / "usb", 3)
    delivery = deliver(post.ctx, files)
    assert delivery.sent == tuple(files) and delivery.outbox is None
    assert len(inbox.messages) == 3
    for i, (message, path) in enumerate(zip(inbox.messages, files, strict=True), start=1):
        assert message["To"] == "bch-ag@bienphong.example" and message["From"] == "bp-vx@bienphong.example"
        assert message["Subject"] == f"Outpost BP-VX: {path.name} ({i}/3)"
        attachments = [part for part in message.walk() if part.get_filename()]
        assert [a.get_filename() for a in attachments] == [path.name]
        assert attachments[0].get_payload(decode=True) == path.read_bytes()


def test_without_a_mail_server_the_parts_wait_in_the_outbox(post: Post, tmp_path: Path) -> None:
    files = _parts(tmp_path / "usb", 2)
    delivery = deliver(post.ctx, files)
    assert delivery.sent == () and delivery.outbox == post.data_dir / "outbox"
    assert "no mail server is set up" in delivery.reason
    assert sorted(p.name for p in delivery.outbox.glob("*.outpost")) == [f.name for f in files]
    text = (delivery.outbox / INSTRUCTIONS).read_text(encoding="utf-8")
    assert "đính kèm" in text and "attach each one" in text and files[0].name in text
    vietnamese, english = text.splitlines()[:2]
    assert "thư gửi hộp thư của Bộ Chỉ huy," in vietnamese and "HQ's mailbox" not in vietnamese
    assert "e-mail to HQ's mailbox," in english and "Bộ Chỉ huy" not in english


def test_a_server_that_cannot_be_reached_leaves_the_parts_in_the_outbox(post: Post, tmp_path: Path) -> None:
    _configure(post, free_port())  # nothing listens there
    files = _parts(tmp_path / "usb", 1)
    delivery = deliver(post.ctx, files)
    assert delivery.sent == () and delivery.outbox is not None
    assert "could not be used (nothing answers at that address and port)" in delivery.reason
    assert (delivery.outbox / files[0].name).read_bytes() == files[0].read_bytes()


def test_mail_settings_are_checked() -> None:
    check_mail_settings("mail.example", 587, "starttls", "a@example", "b@example")
    with pytest.raises(ValidationError) as caught:
        check_mail_settings("", 70000, "tls", "nobody", "@")
    assert len(caught.value.problems) == 5


def test_the_outbox_keeps_only_the_newest_export(post: Post, smtp: tuple[Inbox, int], tmp_path: Path) -> None:
    """Each export holds everything HQ has not acknowledged: older parts waiting in the outbox would
    only be sent twice, so a newer export replaces them, and a successful sending empties it."""
    first = deliver(post.ctx, _parts(tmp_path / "monday", 2))
    assert first.outbox is not None and len(list(first.outbox.glob("*.outpost"))) == 2
    newer = [
        path.rename(path.with_name(path.name.replace("00000009", "00000012")))
        for path in _parts(tmp_path / "tuesday", 1)
    ]
    second = deliver(post.ctx, newer)
    assert second.outbox is not None
    assert sorted(p.name for p in second.outbox.glob("*.outpost")) == [newer[0].name]
    assert newer[0].name in (second.outbox / INSTRUCTIONS).read_text(encoding="utf-8")
    inbox, port = smtp
    _configure(post, port)
    sent = deliver(post.ctx, newer)
    assert sent.sent == tuple(newer) and len(inbox.messages) == 1
    outbox = post.data_dir / "outbox"
    assert list(outbox.glob("*.outpost")) == [] and not (outbox / INSTRUCTIONS).exists()


def test_export_asks_for_the_mail_password_only_when_there_is_something_to_mail(pair: Pair) -> None:
    from tests.helpers.cli import outpost

    post = pair.post.data_dir
    pair.post.ctx.close()
    setup = outpost(post, "mail", "setup", "--host", "127.0.0.1", "--security", "none", "--username", "bp-vx",
                    "--from", "bp-vx@bienphong.example", "--to", "bch-ag@bienphong.example")
    assert setup.returncode == 0, setup.stderr
    usb = pair.tmp / "usb"
    usb.mkdir()
    keys = {"OUTPOST_KEY_PASSPHRASE": PASSPHRASE}
    nothing = outpost(post, "export", "--out", str(usb), "--email", env=keys)  # no mail password given
    assert nothing.returncode == 0, nothing.stderr
    assert "Nothing to send" in nothing.stdout


def test_in_vietnamese_the_reason_a_part_was_not_sent_is_vietnamese(post: Post, tmp_path: Path) -> None:
    """The send dialog shows the reason inside a Vietnamese sentence: it must not switch language."""
    i18n.set_language("vi")
    delivery = deliver(post.ctx, _parts(tmp_path / "usb", 1))
    assert delivery.reason == "chưa thiết lập máy chủ thư ('outpost mail setup')"
    _configure(post, free_port())
    delivery = deliver(post.ctx, _parts(tmp_path / "usb2", 1))
    assert delivery.reason.startswith("không dùng được máy chủ thư 127.0.0.1:")
    with pytest.raises(ValidationError) as caught:
        check_mail_settings("", 70000, "tls", "nobody", "@")
    assert "tên máy chủ thư đang để trống" in str(caught.value)
    assert "địa chỉ của Bộ Chỉ huy '@' không phải là địa chỉ thư điện tử" in str(caught.value)
