"""*File → Change my password…*: the logged-in user's own password (``UserService.change_password``).

Any role may change their own password. Only that user's key slot is wrapped again under the new
password (and their copy of the tip key, if they hold one); every other slot stays as it was
(docs/security.md §1). A wrong current password or a refused new one is said in the dialog."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QWidget

from app.auth import MIN_PASSWORD_LENGTH
from app.context import Context
from app.domain import Actor
from app.i18n import _
from ui.password_form import attempt, column, ok_cancel, password_field, problem_label


class ChangePasswordDialog(QDialog):
    """After ``exec()`` returns Accepted, the new password is the one that opens the register."""

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Change my password"))
        self.setMinimumWidth(440)
        self.who = QLabel()
        self.who.setWordWrap(True)
        self.current = password_field()
        self.password = password_field(_("at least {count} characters").format(count=MIN_PASSWORD_LENGTH))
        self.password_again = password_field()
        self.message = problem_label()
        self.buttons = ok_cancel(_("Change the password"))
        form = QFormLayout()
        form.addRow(_("&Current password"), self.current)
        form.addRow(_("&New password"), self.password)
        form.addRow(_("&Repeat the new password"), self.password_again)
        column(self, self.who, form, self.message, self.buttons)

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def _load(self) -> None:
        self.who.setText(
            _("{name} ({username}): from now on the new password opens the register and the lock screen; "
              "the other users' passwords do not change.").format(
                name=self._actor.full_name, username=self._actor.username
            )
        )
        self.current.setFocus()

    def _on_buttons_accepted(self) -> None:
        if self.password.text() != self.password_again.text():
            self.message.setText(_("The two passwords differ."))
            self.password_again.setFocus()
            return
        if attempt(self.message, lambda: self._ctx.users.change_password(
            self._actor, self.current.text(), self.password.text()
        )):
            self.accept()
        else:
            self.current.setFocus()
