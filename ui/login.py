"""The log-in dialog, which opens the register: the password unwraps its key (app/unlock.py).

Refusals (wrong password, locked account, a register that cannot be opened) are shown in the dialog
itself; opening runs on a worker thread, since a register from an older version is upgraded (and a
plain one encrypted) first."""

from __future__ import annotations

from html import escape
from pathlib import Path

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
from app.i18n import _
from app.unlock import default_username, is_encrypted, log_in, station_label
from ui.colours import problem_style
from ui.jobs import ProgressRunner
from ui.recovery_reset import RecoveryResetDialog


class LoginDialog(QDialog):
    """After ``exec()`` returns Accepted, ``context`` is the open register and ``actor`` the user."""

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data_dir = data_dir
        self._label = station_label(data_dir)
        self.context: Context | None = None
        self.actor: Actor | None = None
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        code = self._label.code if self._label else "?"
        self.setWindowTitle(_("Outpost — Log in ({station})").format(station=code))
        self.setMinimumWidth(420)
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(problem_style(self))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Log in"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Quit"))
        self.forgot_button = self.buttons.addButton(
            _("Forgot the password…"), QDialogButtonBox.ButtonRole.ResetRole
        )
        self.forgot_button.setVisible(is_encrypted(self._data_dir))  # only an encrypted one has the key
        # Which register this is: a post's, or HQ's consolidated one, and where it lives.
        hq = self._label is not None and self._label.kind == "hq"
        kind = _("HQ register {code}") if hq else _("Post register {code}")
        self.register_label = QLabel(
            f"<b>{escape(kind.format(code=code))}</b><br><small>{escape(str(self._data_dir))}</small>"
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
        self.forgot_button.clicked.connect(self._on_forgot_button_clicked)

    def _load(self) -> None:
        self.username.setText(default_username(self._data_dir) or "")
        (self.password if self.username.text() else self.username).setFocus()

    def _on_buttons_accepted(self) -> None:
        username, password = self.username.text().strip(), self.password.text()
        runner = ProgressRunner(
            _("Opening the register… A register from an older version is backed up and upgraded first; "
              "at a million cases this takes a few minutes."),
            self,
            cancellable=False,
        )
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # Argon2 takes a moment
        try:
            outcome = runner.run(
                lambda progress, cancel: log_in(self._data_dir, username, password, progress=progress)
            )
        finally:
            QGuiApplication.restoreOverrideCursor()
        if outcome.state != "finished":
            self.message.setText(outcome.message)
            self.password.clear()
            self.password.setFocus()
            return
        self.context, self.actor = outcome.result
        self.accept()

    def _on_forgot_button_clicked(self) -> None:
        reset = RecoveryResetDialog(self._data_dir, self.username.text().strip(), self)
        if reset.exec() == QDialog.DialogCode.Accepted:
            self.username.setText(reset.username.text().strip())
            self.message.setText(_("The new password is set; log in with it."))
            self.password.clear()
            self.password.setFocus()
