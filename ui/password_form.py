"""The pieces every dialog that asks for passwords is made of: a hidden-text field, the line that says
what the service refused, and OK/Cancel with the OK button named for what it does.

Kept in one place so that the account dialogs (users, add a user, change my password, set a
forgotten password) look and behave alike: a refusal is said in the dialog, as a sentence, never in
a box on top of it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLayout, QLineEdit, QVBoxLayout, QWidget

from app.errors import AppError
from ui.colours import problem_style


def sentence(message: str) -> str:
    """A core message (lower case, as log lines are) as sentences on screen, one per line."""
    return "\n".join(line[:1].upper() + line[1:] for line in message.splitlines())


def password_field(placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(placeholder)
    return field


def problem_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(problem_style(label))
    return label


def ok_cancel(ok_text: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    return buttons


def column(dialog: QDialog, *parts: QWidget | QLayout) -> QVBoxLayout:
    """The dialog's parts one under the other: what it is for, the fields, the refusal, the buttons."""
    layout = QVBoxLayout(dialog)
    for part in parts:
        if isinstance(part, QLayout):
            layout.addLayout(part)
        else:
            layout.addWidget(part)
    return layout


def attempt(problem: QLabel, step: Callable[[], object]) -> bool:
    """Run one service call under a wait cursor (Argon2 and the key slots take a moment); an expected
    refusal is said in ``problem`` (nothing was changed) and False returned."""
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        step()
    except AppError as exc:
        problem.setText(sentence(exc.message))
        problem.show()
        return False
    finally:
        QGuiApplication.restoreOverrideCursor()
    problem.setText("")
    return True
