"""First-run set-up and log-in through the real dialogs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from tests.conftest import PASSWORD, Post
from ui.first_run import FirstRunDialog
from ui.login import LoginDialog


def _ok(dialog: FirstRunDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_post_set_up_through_the_dialog(tmp_path: Path, qtbot: QtBot) -> None:
    dialog = FirstRunDialog(tmp_path / "post")
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.post_button, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentIndex() == 1
    qtbot.keyClicks(dialog.code, "BP-PH")
    # QTest types ASCII only: Vietnamese text goes in as an input method would commit it.
    dialog.name.setText("Đồn Biên phòng Phú Hữu")
    dialog.commune.setCurrentIndex(dialog.commune.findData("30325"))
    dialog.header_1.setText("BỘ CHỈ HUY BỘ ĐỘI BIÊN PHÒNG TỈNH AN GIANG")
    dialog.admin_name.setText("Trần Văn Quản")
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClicks(dialog.password_again, PASSWORD)
    with qtbot.waitSignal(dialog.register_created):
        _ok(dialog)
    ctx = dialog.context
    assert ctx is not None and ctx.station_code == "BP-PH" and ctx.kind == "post"
    assert ctx.login("admin", PASSWORD).role == "admin"
    ctx.close()


def test_short_password_is_explained_and_creates_nothing(tmp_path: Path, qtbot: QtBot) -> None:
    dialog = FirstRunDialog(tmp_path / "post")
    qtbot.addWidget(dialog)
    dialog.hq_button.click()
    qtbot.keyClicks(dialog.code, "BCH-AG")
    dialog.name.setText("Bộ Chỉ huy BĐBP An Giang")
    qtbot.keyClicks(dialog.password, "123")
    qtbot.keyClicks(dialog.password_again, "123")
    _ok(dialog)
    assert "Mật khẩu quá ngắn" in dialog.message.text()
    assert dialog.context is None
    assert not (tmp_path / "post" / "register.sqlite").exists()


def test_mismatched_passwords_are_caught(tmp_path: Path, qtbot: QtBot) -> None:
    dialog = FirstRunDialog(tmp_path / "post")
    qtbot.addWidget(dialog)
    dialog.post_button.click()
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClicks(dialog.password_again, PASSWORD + "x")
    _ok(dialog)
    assert "không khớp" in dialog.message.text()


def test_login_refuses_a_wrong_password_in_the_dialog(post: Post, qtbot: QtBot) -> None:
    dialog = LoginDialog(post.ctx)
    qtbot.addWidget(dialog)
    dialog.username.setText("officer")
    qtbot.keyClicks(dialog.password, "wrong-password")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert "Sai mật khẩu" in dialog.message.text()
    assert dialog.actor is None and dialog.password.text() == ""
    qtbot.keyClicks(dialog.password, PASSWORD)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.actor is not None and dialog.actor.role == "officer"
