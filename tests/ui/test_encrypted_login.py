"""The desktop's log-in opens the encrypted register, and encrypts a plain one from the previous version."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QWidget
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


def test_a_forgotten_password_is_set_again_with_the_recovery_key_from_the_log_in_dialog(
    post: Post, qtbot: QtBot
) -> None:
    from tests.helpers.dialogs import answer_next_dialog
    from ui.recovery_reset import RecoveryResetDialog

    recovery = post.ctx.recovery_key
    assert recovery is not None
    post.ctx.close()
    dialog = LoginDialog(post.data_dir)
    qtbot.addWidget(dialog)
    dialog.username.setText("officer")
    said: list[str] = []

    def fill(reset: QWidget, key: str, password: str) -> None:
        assert isinstance(reset, RecoveryResetDialog) and reset.username.text() == "officer"
        reset.recovery_key.setText(key)
        reset.password.setText(password)
        reset.password_again.setText(password)
        reset.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        said.append(reset.message.text())
        if reset.isVisible():
            reset.reject()

    answer_next_dialog(lambda reset: fill(reset, "AAAA-" * 7 + "AAAA", "battery-staple-2"))
    dialog.forgot_button.click()
    assert "không mở được sổ" in said[0]  # a wrong recovery key, said in the dialog
    answer_next_dialog(lambda reset: fill(reset, recovery.lower(), "battery-staple-2"))
    dialog.forgot_button.click()
    assert said[1] == "" and "mật khẩu mới" in dialog.message.text()
    dialog.password.setText("battery-staple-2")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.context is not None
    assert dialog.actor is not None and dialog.actor.username == "officer"
    dialog.context.close()
