"""The log-in dialog: refusals (wrong password, locked account) are shown in the dialog itself."""

from __future__ import annotations

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
    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.actor: Actor | None = None
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.setWindowTitle(f"Đăng nhập — {self._ctx.station_code}")
        self.username = QLineEdit(self._ctx.only_admin() or "")
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
        (self.password if self.username.text() else self.username).setFocus()

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def _on_buttons_accepted(self) -> None:
        try:
            self.actor = self._ctx.login(self.username.text().strip(), self.password.text())
        except AuthError as exc:
            self.message.setText(_vi_auth_message(exc.message))
            self.password.clear()
            self.password.setFocus()
            return
        self.accept()


def _vi_auth_message(message: str) -> str:
    """Vietnamese wording for the log-in refusals, with the service's detail kept."""
    if "locked" in message:
        return f"Tài khoản đang bị khóa do nhập sai mật khẩu nhiều lần. ({message})"
    if "wrong password" in message:
        return f"Sai mật khẩu. ({message})"
    if "unknown" in message:
        return f"Không có người dùng này hoặc tài khoản đã ngừng hoạt động. ({message})"
    return message
