"""The log-in dialog: refusals (wrong password, locked account) are shown in the dialog itself."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.context import Context
from app.domain import Actor
from app.errors import AuthError


class LoginDialog(QDialog):
    """After ``exec()`` returns Accepted, ``actor`` is the logged-in user."""

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.actor: Actor | None = None
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(f"Outpost — Đăng nhập ({self._ctx.station_code})")
        self.setMinimumWidth(420)
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Đăng nhập")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Thoát")
        form = QFormLayout()
        form.addRow("Tên đăng nhập", self.username)
        form.addRow("Mật khẩu", self.password)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def _load(self) -> None:
        self.username.setText(self._ctx.only_admin() or "")
        (self.password if self.username.text() else self.username).setFocus()

    def _on_buttons_accepted(self) -> None:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # Argon2 takes a moment
        try:
            self.actor = self._ctx.login(self.username.text().strip(), self.password.text())
        except AuthError as exc:
            self.message.setText(auth_message_vi(exc.message))
            self.password.clear()
            self.password.setFocus()
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.accept()


def auth_message_vi(message: str) -> str:
    """Vietnamese wording for the log-in refusals; the service's own words follow in brackets."""
    if "now locked" in message:
        text = "Sai mật khẩu. Tài khoản đã bị khóa tạm thời do nhập sai nhiều lần."
    elif "locked" in message:
        text = "Tài khoản đang bị khóa tạm thời do nhập sai mật khẩu nhiều lần; hãy thử lại sau."
    elif "wrong password" in message:
        left = re.search(r"\((\d+) attempts? left", message)
        text = f"Sai mật khẩu (còn {left.group(1)} lần thử)." if left else "Sai mật khẩu."
    elif "unknown" in message:
        text = "Không có tài khoản này hoặc tài khoản đã ngừng hoạt động."
    else:
        return message
    return f"{text}\n({message})"
