"""The desktop's log-in opens the encrypted register, and encrypts a plain one from the previous version."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox
from pytestqt.qtbot import QtBot

from app.unlock import is_encrypted
from db import cipher
from tests.helpers.clock import Clock
from tests.helpers.registers import PASSWORD, Post, plain_post
from ui.login import LoginDialog


def _log_in(qtbot: QtBot, data_dir: Path, username: str, password: str) -> LoginDialog:
    dialog = LoginDialog(data_dir)
    qtbot.addWidget(dialog)
    dialog.username.setText(username)
    dialog.password.setText(password)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    return dialog


def test_the_log_in_dialog_opens_the_encrypted_register_only_with_a_password(
    post: Post, qtbot: QtBot
) -> None:
    post.ctx.close()
    refused = _log_in(qtbot, post.data_dir, "officer", "not-the-password")
    assert refused.context is None and "Sai mật khẩu" in refused.message.text()
    dialog = _log_in(qtbot, post.data_dir, "officer", PASSWORD)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.context is not None and dialog.actor is not None and dialog.actor.role == "officer"
    assert dialog.context.key is not None and dialog.context.recovery_key is None
    dialog.context.close()


def test_logging_in_to_a_plain_register_encrypts_it_and_offers_the_recovery_key(
    tmp_path: Path, qtbot: QtBot, clock: Clock
) -> None:
    data_dir = tmp_path / "post"
    plain_post(data_dir, clock, cases=10)
    dialog = _log_in(qtbot, data_dir, "chief", PASSWORD)
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.context is not None
    try:
        assert "BP-VX" in dialog.register_label.text()  # read from the plain register before log-in
        assert dialog.context.recovery_key is not None  # what ui.app shows once (RecoveryKeyDialog)
        assert is_encrypted(data_dir) and not cipher.opens_with(data_dir / "register.sqlite", None)
    finally:
        dialog.context.close()
