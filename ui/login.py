"""The log-in dialog: refusals (wrong password, locked account) are shown in the dialog itself."""

from __future__ import annotations

from html import escape

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
from app.i18n import _


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
        self.setWindowTitle(_("Outpost — Log in ({station})").format(station=self._ctx.station_code))
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
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Log in"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Quit"))
        # Which register this is: a post's, or HQ's consolidated one, and where it lives.
        code = self._ctx.station_code
        kind = _("HQ register {code}") if self._ctx.kind == "hq" else _("Post register {code}")
        self.register_label = QLabel(
            f"<b>{escape(kind.format(code=code))}</b><br><small>{escape(str(self._ctx.paths.data_dir))}</small>"
        )
        self.register_label.setTextFormat(Qt.TextFormat.RichText)
        self.register_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("User name"), self.username)
        form.addRow(_("Password"), self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(self.register_label)
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
            self.message.setText(exc.message)
            self.password.clear()
            self.password.setFocus()
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.accept()
