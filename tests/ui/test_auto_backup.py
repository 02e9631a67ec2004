"""Automatic backups (issue 20 item 1): on a schedule and at exit, the newest N kept, N in the settings;
on the test clock, never today's date."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.backup import list_backups
from app.settings import load_settings
from tests.helpers.cases import sample_case
from tests.helpers.clock import Clock
from tests.helpers.registers import Post
from ui.auto_backup import AutoBackups
from ui.settings_dialog import SettingsDialog


def _automatic(post: Post) -> list[Path]:
    return [b.path for b in list_backups(post.ctx.paths.backups) if b.automatic]


def test_scheduled_backups_run_when_due_and_keep_the_newest_n(post: Post, qtbot: QtBot, clock: Clock) -> None:
    photo = post.data_dir.parent / "photo.jpg"
    photo.write_bytes(b"\xff\xd8 anh" * 1000)
    post.ctx.cases.create(post.officer, sample_case(attachments=(post.ctx.attachments.store_file(photo),)))
    post.ctx.settings = replace(post.ctx.settings, backup_keep=2, backup_every_hours=6)
    backups = AutoBackups(post.ctx)
    made: list[Path] = []
    backups.made.connect(made.append)
    for hours in (0, 7, 7, 7):
        clock.advance(timedelta(hours=hours))
        with qtbot.waitSignal(backups.made, timeout=60_000):
            assert backups.check()
        assert not backups.check()  # just made: not due again for six hours
    clock.advance(timedelta(hours=5))
    assert not backups.check()
    assert _automatic(post) == [made[3], made[2]]
    assert list_backups(post.ctx.paths.backups)[0].attachments == 1


def test_a_backup_at_exit_unless_the_settings_say_no(post: Post, qtbot: QtBot, tmp_path: Path) -> None:
    backups = AutoBackups(post.ctx)
    outcome = backups.at_exit()
    assert outcome is not None and outcome.state == "finished" and _automatic(post) == [outcome.result]
    dialog = SettingsDialog(post.ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.backup_at_exit.isChecked() and dialog.backup_keep.value() == 7
    dialog.backup_at_exit.setChecked(False)
    dialog.backup_keep.setValue(3)
    dialog.backup_every.setValue(0)
    dialog.grab().save(str(tmp_path / "settings.png"))
    dialog.buttons.accepted.emit()
    saved = load_settings(post.ctx.paths.settings)
    assert (saved.backup_at_exit, saved.backup_keep, saved.backup_every_hours) == (False, 3, 0)
    assert AutoBackups(post.ctx).at_exit() is None
    assert not AutoBackups(post.ctx).check()  # no schedule
