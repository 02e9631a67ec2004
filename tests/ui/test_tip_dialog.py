"""The tip-off dialog: it seals the informant, and refuses, keeping what was typed, when the keys
informants are sealed to were changed behind the app's back."""

from __future__ import annotations

import pyrage
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from db import models as m
from tests.helpers.dialogs import answer_next_dialog
from tests.helpers.registers import PASSWORD, Post, register_sql
from ui.main_window import MainWindow
from ui.tip_dialog import TipDialog

INFORMANT = "Lê Thị Tin, 0912 345 678"


def fill(dialog: TipDialog) -> None:
    dialog.channel.setText("điện thoại")
    dialog.content.setPlainText("Ghe chở thuốc lá qua mốc 264 lúc 23 giờ")
    dialog.informant.setText(INFORMANT)


def stored_tips(post: Post) -> list[str]:
    with post.ctx.sessions.reads() as session:
        return list(session.execute(select(m.Tip.id)).scalars())


def test_an_officer_records_a_tip_from_the_file_menu_and_the_chief_reads_its_informant(
    qtbot: QtBot, post: Post
) -> None:
    window = MainWindow(post.ctx, post.officer)
    qtbot.addWidget(window)
    assert window.tip_action.isVisible()

    def save(dialog: QWidget) -> None:
        assert isinstance(dialog, TipDialog)
        assert not dialog.save_button.isEnabled()  # nothing said yet
        fill(dialog)
        dialog.save_button.click()

    titles = answer_next_dialog(save)
    window.tip_action.trigger()
    assert titles == ["Tin báo mới"]
    [tip_id] = stored_tips(post)
    assert post.ctx.tips.read_informant(post.chief, tip_id, PASSWORD) == INFORMANT


def test_a_changed_tip_key_refuses_the_saving_and_keeps_the_dialog_open(qtbot: QtBot, post: Post) -> None:
    thief = str(pyrage.x25519.Identity.generate().to_public())
    with register_sql(post.data_dir) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'tip_recipient'", (thief,))
    dialog = TipDialog(post.ctx, post.officer)
    qtbot.addWidget(dialog)
    dialog.show()
    fill(dialog)
    shown: list[str] = []

    def read_and_close(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        shown.append(box.text())
        box.close()

    titles = answer_next_dialog(read_and_close)
    dialog.save_button.click()

    assert titles == ["Tin báo chưa được lưu"]
    assert "khóa tin báo của đơn vị trong sổ đăng ký không phải khóa mà admin đang giữ" in shown[0]
    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.isVisible() and dialog.tip is None
    assert dialog.informant.text() == INFORMANT  # nothing typed is lost
    assert stored_tips(post) == []
