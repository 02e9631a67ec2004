"""*Users → Add a user…*: a new account with its role and first password (``UserService.add``).

The acting admin types their own password too, as ``outpost user add`` asks for it: it confirms that
the admin is at the keyboard, and it unseals the station's tip key that a new chief or admin receives
(app/users.py). The service checks the role, the user name and the password's strength; what it
refuses is said in the dialog, which stays open."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLabel, QLineEdit, QWidget

from app.auth import MIN_PASSWORD_LENGTH
from app.context import Context
from app.domain import ROLES, Actor
from app.i18n import _
from app.users import UserView
from ui.password_form import attempt, column, ok_cancel, password_field, problem_label


class AddUserDialog(QDialog):
    """After ``exec()`` returns Accepted, ``added`` is the new account."""

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self.added: UserView | None = None
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Add a user"))
        self.setMinimumWidth(520)
        self.username = QLineEdit()
        self.username.setMaxLength(32)
        self.username.setPlaceholderText(_("lower-case letters, digits, '.', '_' or '-', e.g. an.le"))
        self.full_name = QLineEdit()
        self.role = QComboBox()
        self.rank = QLineEdit()
        self.position = QLineEdit()
        self.password = password_field(_("at least {count} characters").format(count=MIN_PASSWORD_LENGTH))
        self.password_again = password_field()
        self.own_password = password_field()
        self.own_note = QLabel(
            _("Your own password confirms that it is you; a new chief or admin also receives the "
              "station's tip key with it.")
        )
        self.own_note.setWordWrap(True)
        self.message = problem_label()
        self.buttons = ok_cancel(_("Add the user"))
        form = QFormLayout()
        form.addRow(_("&User name"), self.username)
        form.addRow(_("&Full name"), self.full_name)
        form.addRow(_("&Role"), self.role)
        form.addRow(_("Ran&k (optional)"), self.rank)
        form.addRow(_("P&osition (optional)"), self.position)
        form.addRow(_("&Password"), self.password)
        form.addRow(_("Repeat the pass&word"), self.password_again)
        form.addRow(self.own_note)
        form.addRow(_("&Your own password"), self.own_password)
        column(self, form, self.message, self.buttons)

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def _load(self) -> None:
        for role in ROLES:
            self.role.addItem(self._ctx.reference.label("roles", role), role)
        self.role.setCurrentIndex(max(0, self.role.findData("officer")))
        self.username.setFocus()

    def _on_buttons_accepted(self) -> None:
        if self.password.text() != self.password_again.text():
            self.message.setText(_("The two passwords differ."))
            self.password_again.setFocus()
            return
        if not self.own_password.text():
            self.message.setText(_("Type your own password too."))
            self.own_password.setFocus()
            return
        if attempt(self.message, self._add):
            self.accept()

    def _add(self) -> None:
        self.added = self._ctx.users.add(
            self._actor,
            self.username.text().strip(),
            role=str(self.role.currentData()),
            full_name=self.full_name.text().strip(),
            password=self.password.text(),
            rank=self.rank.text().strip() or None,
            position=self.position.text().strip() or None,
            actor_password=self.own_password.text(),
        )
