"""The desktop app's crash dialog names the same log file the command line writes to (``app/logs.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from tests.helpers.dialogs import answer_next_dialog
from ui.errors import install_crash_handler, report_unexpected


def test_the_crash_dialog_points_to_the_log_file_holding_the_traceback(qtbot: QtBot, tmp_path: Path) -> None:
    hook = sys.excepthook
    try:
        path = install_crash_handler(tmp_path)
    finally:
        sys.excepthook = hook  # the test run keeps its own
    texts: list[str] = []

    def close(dialog: QWidget) -> None:
        assert isinstance(dialog, QMessageBox)
        texts.append(dialog.text())
        dialog.close()

    seen = answer_next_dialog(close)
    try:
        raise RuntimeError("a bug in a screen")
    except RuntimeError as error:
        report_unexpected(type(error), error, error.__traceback__)

    log_file = tmp_path / "logs" / "outpost.log"
    assert path == log_file
    assert len(seen) == 1
    assert str(log_file) in texts[0] and "RuntimeError: a bug in a screen" in texts[0]
    logged = log_file.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in logged and "a bug in a screen" in logged


def test_a_busy_register_or_a_lost_database_server_is_a_warning_not_a_crash(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The register busy (another program's write lock) or HQ's PostgreSQL server gone under a screen:
    said plainly, as the command line says it (exit 7), without "unexpected error" and a file to send."""
    from sqlalchemy.exc import OperationalError

    hook = sys.excepthook
    try:
        install_crash_handler(tmp_path)
    finally:
        sys.excepthook = hook
    shown: list[tuple[str, str]] = []

    def close(dialog: QWidget) -> None:
        assert isinstance(dialog, QMessageBox)
        shown.append((dialog.windowTitle(), dialog.text()))
        dialog.close()

    for cause in ("database is locked", "server closed the connection unexpectedly"):
        error = OperationalError("SELECT 1", {}, Exception(cause))
        answer_next_dialog(close)
        report_unexpected(type(error), error, None)
    assert [title for title, _text in shown] == ["Không truy cập được sổ"] * 2
    assert shown[0][1].startswith("Sổ đăng ký đang bận") and "chương trình khác" in shown[0][1]
    assert shown[1][1].startswith("Mất kết nối tới cơ sở dữ liệu") and "log" not in shown[1][1]
