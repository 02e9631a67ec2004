"""The restore dialog: a hostile backup is refused with what failed and the register stays as it was;
a sound one is restored after its checks."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox
from pytestqt.qtbot import QtBot

from app.register import backup_register
from tests.helpers.cases import sample_case
from tests.helpers.registers import Post, open_sqlite
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
