"""Mail set-up from the app (issue 20 item 1): a post's SMTP server with a test message, HQ's IMAP
mailbox with a log-in check, against the real servers of the mail tests (aiosmtpd, Dovecot)."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from app.settings import load_settings
from tests.helpers.dialogs import answer_next_dialog
from tests.helpers.registers import Post
from tests.helpers.servers import Inbox, Mailbox, free_port
from ui.mail_dialog import MailDialog


def _post_dialog(post: Post, qtbot: QtBot, port: int) -> MailDialog:
    dialog = MailDialog(post.ctx, post.admin)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.smtp_box.isVisible() and not dialog.imap_box.isVisible()
    dialog.smtp_host.setText("127.0.0.1")
    dialog.smtp_security.setCurrentIndex(dialog.smtp_security.findData("none"))
    dialog.smtp_port.setValue(port)
    dialog.mail_from.setText("bp-vx@bienphong.example")
    dialog.mail_to.setText("bch-ag@bienphong.example")
    return dialog


def test_a_post_sends_a_test_message_then_saves(
    post: Post, qtbot: QtBot, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp
    dialog = _post_dialog(post, qtbot, port)
    dialog.test_button.click()
    assert "bch-ag@bienphong.example" in dialog.answer.text() and dialog.test_passed
    assert len(inbox.messages) == 1 and post.ctx.station_code in str(inbox.messages[0]["Subject"])
    dialog.grab().save(str(tmp_path / "mail-post.png"))
    dialog.buttons.accepted.emit()
    saved = load_settings(post.ctx.paths.settings)
    assert (saved.smtp_host, saved.smtp_port, saved.smtp_security) == ("127.0.0.1", port, "none")
    assert saved.mail_to == "bch-ag@bienphong.example"
    assert "mat-khau" not in post.ctx.paths.settings.read_text()  # no password is ever saved


def test_a_server_that_does_not_answer_is_said_plainly_and_nothing_saved(post: Post, qtbot: QtBot) -> None:
    dialog = _post_dialog(post, qtbot, free_port())
    dialog.test_button.click()
    assert "127.0.0.1" in dialog.answer.text() and dialog.test_passed is False
    # In the user's language, without the system's "[Errno 111] Connection refused".
    assert "không có gì trả lời ở địa chỉ và cổng đó" in dialog.answer.text(), dialog.answer.text()
    assert "Errno" not in dialog.answer.text()
    dialog.mail_to.setText("not an address")
    titles = answer_next_dialog(lambda box: box.close())
    dialog.buttons.accepted.emit()
    assert titles and dialog.isVisible()
    assert load_settings(post.ctx.paths.settings).smtp_host == ""


def test_hq_checks_its_mailbox(hq: Post, qtbot: QtBot, imap: Mailbox, tmp_path: Path) -> None:
    dialog = MailDialog(hq.ctx, hq.admin)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.imap_box.isVisible() and not dialog.smtp_box.isVisible()
    dialog.imap_host.setText("127.0.0.1")
    dialog.imap_security.setCurrentIndex(dialog.imap_security.findData("none"))
    dialog.imap_port.setValue(imap.port)
    dialog.imap_username.setText(imap.username)
    dialog.password.setText("sai-mat-khau")
    dialog.test_button.click()
    assert dialog.test_passed is False and "127.0.0.1" in dialog.answer.text()
    dialog.password.setText(imap.password)
    dialog.test_button.click()
    assert dialog.test_passed and imap.username in dialog.answer.text()
    dialog.grab().save(str(tmp_path / "mail-hq.png"))
    dialog.buttons.accepted.emit()
    assert load_settings(hq.ctx.paths.settings).imap_username == imap.username
