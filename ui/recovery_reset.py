"""A forgotten password, set again with the recovery key, from the log-in dialog or the Users dialog
(at HQ on PostgreSQL, which has no recovery key, by the administrator in the Users dialog).

The same step as ``outpost user reset-password NAME --recovery-key`` (app/unlock.py): the recovery key
opens the register, the user gets the new password (and a new key slot) and is unlocked. From the
Users dialog the register is open already: the recovery key is then checked against it instead of
opening it a second time."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QWidget

from app.auth import require
from app.context import Context
from app.domain import Actor
from app.i18n import _
from app.unlock import reset_password_in_open_register, reset_password_with_recovery_key
from ui.password_form import attempt, column, ok_cancel, password_field, problem_label


class RecoveryResetDialog(QDialog):
    """After ``exec()`` returns Accepted, ``username`` has the password typed here."""

    def __init__(
        self,
        data_dir: Path,
        username: str = "",
        parent: QWidget | None = None,
        *,
        ctx: Context | None = None,
        by: Actor | None = None,
    ) -> None:
        super().__init__(parent)
        self._data_dir = data_dir
        self._ctx = ctx  # the open register, when reset from inside it
        # HQ on PostgreSQL: no recovery key (its server protects it); the admin logged in sets it.
        self._by = by if ctx is not None and ctx.key is None else None
        self._username = username
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Set a forgotten password with the recovery key"))
        self.setMinimumWidth(480)
        self.explanation = QLabel(
            _("The recovery key was shown once when the register was set up or encrypted, to print and "
              "keep in the safe. It opens the register without any password.")
        )
        self.explanation.setWordWrap(True)
        self.username = QLineEdit()
        self.recovery_key = QLineEdit()
        self.recovery_key.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        self.password = password_field()
        self.password_again = password_field()
        self.message = problem_label()
        self.buttons = ok_cancel(_("Set the password"))
        form = QFormLayout()
        form.addRow(_("User name"), self.username)
        if self._by is None:
            form.addRow(_("Recovery key"), self.recovery_key)
        else:
            self.setWindowTitle(_("Set a forgotten password"))
            self.explanation.setText(
                _("HQ's register on PostgreSQL has no recovery key: its database server protects it. As an "
                  "administrator you set the new password here; the audit trail names you.")
            )
        form.addRow(_("New password"), self.password)
        form.addRow(_("Repeat the password"), self.password_again)
        column(self, self.explanation, form, self.message, self.buttons)

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def _load(self) -> None:
        self.username.setText(self._username)
        if self._by is not None:
            (self.password if self._username else self.username).setFocus()
        else:
            (self.recovery_key if self._username else self.username).setFocus()

    def _on_buttons_accepted(self) -> None:
        if self.password.text() != self.password_again.text():
            self.message.setText(_("The two passwords differ."))
            return
        if attempt(self.message, self._reset):
            self.accept()

    def _reset(self) -> None:
        username, recovery = self.username.text().strip(), self.recovery_key.text()
        password = self.password.text()
        if self._ctx is not None and self._by is not None:
            require(self._by, "user.manage")
            self._ctx.users.reset_password(username, password, by=self._by.username)
        elif self._ctx is not None:
            reset_password_in_open_register(self._ctx, recovery, username, password)
        else:
            reset_password_with_recovery_key(self._data_dir, recovery, username, password)
