"""The restore dialog: a hostile backup is refused with what failed and the register stays as it was;
a sound one is restored after its checks."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot

from app.backup import write_backup
from app.i18n import _
from app.register import backup_register
from app.sync.enrol import revoke
from tests.helpers.cases import sample_case
from tests.helpers.registers import Post, open_sqlite
from tests.helpers.sync import Pair
from ui.restore_dialog import RestoreDialog


def _register_bytes(data_dir: Path) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted(data_dir.glob("register.*")))).hexdigest()


def _dialog(qtbot: QtBot, post: Post, backup: Path, officer: bool = False) -> RestoreDialog:
    dialog = RestoreDialog(post.ctx, post.officer if officer else post.chief)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.path.setText(str(backup))
    if officer:  # refused before any job starts
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        return dialog
    with qtbot.waitSignal(dialog.restore_ended, timeout=60_000):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    return dialog


def test_the_restore_dialog_names_a_planted_trigger_and_changes_nothing(
    post: Post, qtbot: QtBot, tmp_path: Path
) -> None:
    post.ctx.cases.create(post.officer, sample_case())
    backup = backup_register(post.ctx, tmp_path / "saved")
    conn = open_sqlite(backup)
    conn.execute(
        "CREATE TRIGGER keep_tip AFTER UPDATE ON meta BEGIN "
        "UPDATE meta SET value = 'age1thief' WHERE key = 'tip_recipient'; END"
    )
    conn.execute("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2")
    conn.commit()
    conn.close()
    with post.ctx.sessions.engine.connect() as live:
        live.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    before = _register_bytes(post.data_dir)
    dialog = _dialog(qtbot, post, backup)
    assert dialog.isVisible() and dialog.restored is None
    shown = dialog.result_text.toPlainText()
    assert dialog.result_text.isVisible() and "saved" in shown
    assert "keep_tip" in shown  # the schema check names the trigger
    assert "2" in shown.split("keep_tip")[1]  # and the audit check the event (translated text around it)
    assert _register_bytes(post.data_dir) == before
    assert not list((post.data_dir / "backups").glob("outpost-*"))  # not even the safety backup


def test_the_restore_dialog_restores_a_sound_backup(post: Post, qtbot: QtBot, tmp_path: Path) -> None:
    backup = backup_register(post.ctx, tmp_path / "saved")
    made = post.ctx.cases.create(post.officer, sample_case())
    refused = _dialog(qtbot, post, backup, officer=True)  # the menu hides it; the dialog refuses too
    assert refused.restored is None and refused.result_text.isVisible()
    dialog = _dialog(qtbot, post, backup)
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.restored is not None
    assert dialog.restored.previous_saved_to is not None and dialog.restored.previous_saved_to.is_dir()
    conn = open_sqlite(post.data_dir)
    try:
        assert conn.execute("SELECT count(*) FROM cases WHERE id = ?", (made.id,)).fetchone()[0] == 0
    finally:
        conn.close()


PHOTO = b"\xff\xd8\xff\xe0 anh tang vat " * 50_000


def _photo_case(post: Post, tmp_path: Path) -> str:
    photo = tmp_path / "tang-vat.jpg"
    photo.write_bytes(PHOTO)
    stored = post.ctx.attachments.store_file(photo)
    post.ctx.cases.create(post.officer, sample_case(attachments=(stored,)))
    return stored.sha256


def test_with_no_backup_yet_the_list_says_so(post: Post, qtbot: QtBot) -> None:
    dialog = RestoreDialog(post.ctx, post.chief)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.backups.count() == 1 and dialog.backups.item(0).text().startswith("Chưa có bản sao lưu")
    assert dialog.backups.item(0).flags() == Qt.ItemFlag.NoItemFlags  # nothing to choose
    dialog.backups.setCurrentRow(0)
    assert dialog.path.text() == "" and not dialog.ok_button.isEnabled()


def test_a_backup_from_the_list_brings_a_lost_photo_back(post: Post, qtbot: QtBot, tmp_path: Path) -> None:
    sha = _photo_case(post, tmp_path)
    backup = backup_register(post.ctx)  # into backups/: the dialog lists it
    post.ctx.attachments.path(sha).unlink()  # the photo is lost from the data folder
    dialog = RestoreDialog(post.ctx, post.chief)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.backups.count() == 1 and "1" in dialog.backups.item(0).text()
    assert re.match(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d · ", dialog.backups.item(0).text())  # to the second
    dialog.backups.setCurrentRow(0)
    assert dialog.path.text() == str(backup)
    seen: list[tuple[bool, str]] = []
    dialog.replacing.reached.connect(
        lambda: seen.append((dialog.cancel_button.isEnabled(), dialog.status.text()))
    )
    with qtbot.waitSignal(dialog.restore_ended, timeout=60_000) as ended:
        dialog.ok_button.click()
    assert ended.args == ["restored"] and dialog.restored is not None
    assert dialog.restored.attachments == 1
    (enabled, said), = seen  # once past the checks, the dialog says Cancel is too late and disables it
    assert not enabled
    assert said == _("The backup passed every check. Replacing the register: it is too late to cancel now.")
    assert post.ctx.attachments.read_bytes(sha) == PHOTO


def test_a_damaged_photo_is_named_and_restored_without_only_when_asked(
    post: Post, qtbot: QtBot, tmp_path: Path
) -> None:
    sha = _photo_case(post, tmp_path)
    backup = backup_register(post.ctx, tmp_path / "saved")
    sealed = post.ctx.attachments.path(sha)
    in_backup = backup / "attachments" / sealed.relative_to(post.ctx.paths.attachments)
    data = bytearray(in_backup.read_bytes())
    data[-5] ^= 1
    in_backup.write_bytes(bytes(data))
    sealed.unlink()  # and gone from the data folder too
    with post.ctx.sessions.engine.connect() as live:
        live.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    before = _register_bytes(post.data_dir)
    dialog = _dialog(qtbot, post, backup)
    assert dialog.restored is None and dialog.without_button.isVisible()
    assert "tang-vat.jpg" in dialog.result_text.toPlainText()
    assert _register_bytes(post.data_dir) == before
    with qtbot.waitSignal(dialog.restore_ended, timeout=60_000) as ended:
        dialog.without_button.click()
    assert ended.args == ["restored"] and dialog.restored is not None
    assert len(dialog.restored.without) == 1 and "tang-vat.jpg" in dialog.restored.without[0]


def test_cancel_before_the_swap_changes_nothing(post: Post, qtbot: QtBot, tmp_path: Path) -> None:
    import threading

    from ui.jobs import writer_pool

    backup = backup_register(post.ctx, tmp_path / "saved")
    post.ctx.cases.create(post.officer, sample_case())
    with post.ctx.sessions.engine.connect() as live:
        live.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    before = _register_bytes(post.data_dir)
    dialog = RestoreDialog(post.ctx, post.chief)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.path.setText(str(backup))
    release = threading.Event()
    writer_pool().start(lambda: release.wait(60))  # the one writer is busy: the restore waits its turn
    with qtbot.waitSignal(dialog.restore_ended, timeout=60_000) as ended:
        dialog.ok_button.click()
        assert dialog.progress.isVisible() and not dialog.ok_button.isEnabled()
        dialog.cancel_button.click()  # cancelled before the job has even begun: deterministic
        assert dialog.isVisible()  # Cancel stops the job; it does not close the dialog under it
        release.set()
    assert ended.args == ["cancelled"] and dialog.restored is None
    assert dialog.result_text.toPlainText() == _("Cancelled: nothing was changed.")
    assert _register_bytes(post.data_dir) == before
    assert not list((post.data_dir / "backups").glob("outpost-*"))
    dialog.grab().save(str(tmp_path / "restore.png"))


def test_a_new_computer_restores_from_the_first_run_screen_and_the_photo_opens(
    post: Post, qtbot: QtBot, tmp_path: Path
) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.unlock import log_in
    from tests.helpers.registers import PASSWORD
    from ui.first_run import FirstRunDialog
    from ui.restore_dialog import NewComputerRestoreDialog

    sha = _photo_case(post, tmp_path)
    backup = backup_register(post.ctx, tmp_path / "stick-backup")
    recovery = post.ctx.recovery_key
    assert recovery is not None
    post.ctx.close()
    laptop = tmp_path / "new-laptop"
    first_run = FirstRunDialog(laptop)
    qtbot.addWidget(first_run)
    first_run.show()
    seen: list[str] = []

    def drive() -> None:  # the restore dialog is modal over the first-run screen
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, NewComputerRestoreDialog)
        dialog.path.setText(str(backup / "backup.json"))  # as picked in the file dialog
        dialog.ok_button.click()
        assert not (laptop / "register.sqlite").exists() or dialog.restored is not None
        seen.append(dialog.result_text.toPlainText())  # refused at once: no key, no name
        dialog.grab().save(str(tmp_path / "new-computer.png"))
        dialog.recovery_key.setText(recovery)
        dialog.restore_ended.connect(seen.append)
        dialog.ok_button.click()

    QTimer.singleShot(0, drive)
    first_run.restore_button.click()  # returns once the restore dialog has closed
    assert seen[0] == _("Type the recovery key, or a chief's or admin's name and password.")
    assert seen[-1] == "restored"
    assert first_run.mode == "restored" and first_run.restored is not None
    assert first_run.restored.attachments == 1
    ctx, _officer = log_in(laptop, "officer", PASSWORD)
    try:
        assert ctx.attachments.read_bytes(sha) == PHOTO  # the photo opens and equals the original
    finally:
        ctx.close()


def test_hq_restores_a_backup_older_than_a_revocation_only_when_asked(
    pair: Pair, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = write_backup(pair.hq.ctx)
    revoke(pair.hq.ctx, pair.hq.admin, "BP-VX", "máy bị mất cắp")
    dialog = RestoreDialog(pair.hq.ctx, pair.hq.admin)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.path.setText(str(backup))
    with qtbot.waitSignal(dialog.restore_ended, timeout=60_000) as ended:
        dialog.ok_button.click()
    assert ended.args == ["refused"] and dialog.restored is None
    assert dialog.without_button.isVisible() and dialog.without_button.text() == _("Restore all the same")
    assert "BP-VX" in dialog.result_text.toPlainText()
    dialog.grab().save("/tmp/outpost-restore-refused.png")  # to look at
    # Enter after reading the refusal never restores: Cancel is the default and has the focus.
    assert not dialog.without_button.isDefault() and not dialog.without_button.autoDefault()
    assert dialog.cancel_button.isDefault()
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert dialog.restored is None and dialog._job is None
    # The button asks once more, No first: No changes nothing, Yes restores and says what to do again.
    asked: list[object] = []

    def answer(reply: QMessageBox.StandardButton) -> object:
        def question(*args: object) -> QMessageBox.StandardButton:
            asked.append(args[-1])  # the default button
            return reply
        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    dialog.show()
    dialog.without_button.click()
    assert asked == [QMessageBox.StandardButton.No] and dialog._job is None and dialog.restored is None
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    with qtbot.waitSignal(dialog.restore_ended, timeout=60_000) as ended:
        dialog.without_button.click()
    assert ended.args == ["restored"] and dialog.restored is not None
    assert dialog.restored.station_changes == (
        _("post {code} was revoked after this backup was made: restored, HQ would accept its bundles again.")
        .format(code="BP-VX"),
    )
