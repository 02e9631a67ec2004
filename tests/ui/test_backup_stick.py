"""Automatic backups also on a USB stick (issue 20 item 1): chosen in the settings, copied after each
automatic backup when the stick is plugged in, a plain word when it is not, and listed for restore. The
drives Qt would report are made up (a folder in tmp_path stands for the stick)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from app.backup import list_backups
from app.settings import load_settings
from app.stick import Volume
from tests.helpers.registers import Post
from ui import stick
from ui.auto_backup import AutoBackups
from ui.restore_dialog import RestoreDialog
from ui.settings_dialog import SettingsDialog


@pytest.fixture
def drives(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Volume]:
    plugged = [Volume(tmp_path, "DISK")]
    monkeypatch.setattr(stick, "mounted_volumes", lambda: list(plugged))
    return plugged


def _choose_stick(post: Post, qtbot: QtBot, drives: list[Volume], root: Path) -> None:
    drives.append(Volume(root, "OUTPOST"))
    dialog = SettingsDialog(post.ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "none" in dialog.stick_text.text() or "không" in dialog.stick_text.text()
    assert dialog.set_stick_folder(root / "sao-luu", drives)
    assert "OUTPOST" in dialog.stick_text.text()
    # The folder's text wraps: the dialog grows for it (it was clipped, its lines over one another).
    dialog.resize(480, dialog.minimumSizeHint().height())
    deep = root / "sao-luu" / "ban-sao-luu-cua-don-bien-phong-vinh-xuong"
    deep.mkdir(parents=True)
    assert dialog.set_stick_folder(deep, drives)
    qtbot.wait(10)
    label = dialog.stick_text
    assert label.height() >= label.heightForWidth(label.width()), (label.height(), label.width())
    assert dialog.set_stick_folder(root / "sao-luu", drives)
    dialog.buttons.accepted.emit()
    saved = load_settings(post.ctx.paths.settings)
    assert (saved.backup_stick_label, saved.backup_stick_folder) == ("OUTPOST", "sao-luu")


def test_a_backup_goes_to_the_stick_when_plugged_in_and_says_so_when_not(
    post: Post, qtbot: QtBot, tmp_path: Path, drives: list[Volume]
) -> None:
    root = tmp_path / "media" / "OUTPOST"
    root.mkdir(parents=True)
    _choose_stick(post, qtbot, drives, root)
    backups = AutoBackups(post.ctx)
    said: list[str] = []
    backups.stick_said.connect(said.append)
    outcome = backups.at_exit()
    assert outcome is not None and outcome.state == "finished"
    on_stick = list_backups(root / "sao-luu")
    assert [b.path.name for b in on_stick] == [outcome.result.name] and on_stick[0].automatic
    assert str(root / "sao-luu") in said[-1]
    drives.pop()  # the stick taken out
    outcome = backups.at_exit()
    assert outcome is not None and outcome.state == "finished"
    assert "OUTPOST" in said[-1] and len(list_backups(root / "sao-luu")) == 1
    assert len(list_backups(post.ctx.paths.backups)) == 2  # the data folder has both


def test_the_restore_list_shows_the_sticks_backups_and_restores_one(
    post: Post, qtbot: QtBot, tmp_path: Path, drives: list[Volume]
) -> None:
    root = tmp_path / "F"
    root.mkdir()
    _choose_stick(post, qtbot, drives, root)
    outcome = AutoBackups(post.ctx).at_exit()
    assert outcome is not None
    for backup in list_backups(post.ctx.paths.backups):  # only the stick's copy is left
        shutil.rmtree(backup.path)
    dialog = RestoreDialog(post.ctx, post.chief)
    qtbot.addWidget(dialog)
    dialog.show()
    texts = [dialog.backups.item(i).text() for i in range(dialog.backups.count())]
    assert len(texts) == 1 and ("USB" in texts[0])
    dialog.backups.setCurrentRow(0)
    assert Path(dialog.path.text()).parent == root / "sao-luu"
    dialog.grab().save(str(tmp_path / "restore-stick.png"))
    with qtbot.waitSignal(dialog.restore_ended, timeout=60_000) as ended:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert ended.args == ["restored"]
    assert dialog.backups.item(0).data(Qt.ItemDataRole.UserRole)
