"""Answering the modal dialogs a command opens, as a user would: find it, fill it in, press a button."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget


def answer_next_dialog(handle: Callable[[QWidget], None], attempts: int = 200) -> list[str]:
    """Schedule ``handle(dialog)`` for the next modal dialog; returns a list that receives its title."""
    seen: list[str] = []

    def poll(left: int = attempts) -> None:
        widget = QApplication.activeModalWidget()
        if widget is not None and widget.isVisible():
            seen.append(widget.windowTitle())
            handle(widget)
        elif left > 0:
            QTimer.singleShot(10, lambda: poll(left - 1))

    QTimer.singleShot(0, poll)
    return seen
