"""Answering the modal dialogs a command opens, as a user would: find it, fill it in, press a button."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox, QWidget

_generation = 0  # pollers of an earlier test stop instead of answering this test's dialogs


def stop_answering() -> None:
    """End every poller still waiting for a dialog (called after each UI test)."""
    global _generation
    _generation += 1


def answer_next_dialog(handle: Callable[[QWidget], None], attempts: int = 200) -> list[str]:
    """Schedule ``handle(dialog)`` for the next modal dialog; returns a list that receives its title."""
    seen: list[str] = []
    generation = _generation

    def poll(left: int = attempts) -> None:
        if generation != _generation:
            return
        widget = QApplication.activeModalWidget()
        if widget is not None and widget.isVisible():
            seen.append(widget.windowTitle())
            handle(widget)
        elif left > 0:
            QTimer.singleShot(10, lambda: poll(left - 1))

    QTimer.singleShot(0, poll)
    return seen


def answer_password_then_message(password: str) -> list[str]:
    """Answer the next password prompt with ``password``, then close the message box that follows (a
    chief reading a tip's informant); returns a list that receives the message's text."""
    shown: list[str] = []

    def read(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        shown.append(box.text())
        box.close()

    def prompt(box: QWidget) -> None:
        assert isinstance(box, QInputDialog)
        box.setTextValue(password)
        answer_next_dialog(read)
        box.accept()

    answer_next_dialog(prompt)
    return shown
