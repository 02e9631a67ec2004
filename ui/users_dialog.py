"""*File → Users…*: the register's accounts, and what an admin does with them (add, unlock, deactivate,
set a forgotten password with the recovery key).

Every step is a call to ``app.users.UserService`` (the same as ``outpost user …``), which checks the
role itself; this dialog only mirrors that check to show who may not manage accounts and why. An
account is never deleted: deactivating it keeps its cases and history and removes its key slot
(docs/security.md §1, "Users and slots")."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.auth import require
from app.context import Context
from app.domain import Actor
from app.errors import AppError, PermissionDenied
from app.i18n import _
from app.users import TIP_READERS, UserView
from ui.password_form import attempt, problem_label, sentence
from ui.recovery_reset import RecoveryResetDialog
from ui.user_add_dialog import AddUserDialog

USERNAME, FULL_NAME, ROLE, ACTIVE, LOCKED = range(5)


class UsersDialog(QDialog):
    """After it closes, ``changed`` says whether any account was added or changed while it was open."""

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self._users: list[UserView] = []
        self.changed = False
        try:
            require(actor, "user.manage")
            self.refusal: str | None = None
        except PermissionDenied as exc:
            self.refusal = sentence(exc.message)
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Users"))
        self.resize(780, 440)
        self.note = QLabel(
            _("Accounts are never deleted: a deactivated account keeps its cases and history, but its "
              "password no longer opens the register.")
        )
        self.note.setWordWrap(True)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            [_("User name"), _("Full name"), _("Role"), _("Active"), _("Locked out")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName(_("Users"))
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in (USERNAME, ROLE, ACTIVE, LOCKED):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(FULL_NAME, QHeaderView.ResizeMode.Stretch)
        self.add_button = QPushButton(_("&Add a user…"))
        self.unlock_button = QPushButton(_("&Unlock"))
        self.deactivate_button = QPushButton(_("&Deactivate…"))
        self.reset_button = QPushButton(_("&Set a forgotten password…"))
        self.reset_button.setToolTip(
            _("With the recovery key printed when the register was set up")
            if self._ctx.key is not None
            else _("HQ on PostgreSQL: the administrator sets it (no recovery key)")
        )
        actions = QHBoxLayout()
        for button in (self.add_button, self.unlock_button, self.deactivate_button, self.reset_button):
            actions.addWidget(button)
        actions.addStretch(1)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.problem = problem_label()
        self.problem.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.status)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        if self.refusal is not None:  # who may not manage accounts sees why, and nothing to press
            for widget in (self.note, self.table, self.add_button, self.unlock_button,
                           self.deactivate_button, self.reset_button, self.status):
                widget.hide()
            self._say(self.refusal)
            self.resize(520, max(self.heightForWidth(520), self.minimumSizeHint().height()))

    def _connect_signals(self) -> None:
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.unlock_button.clicked.connect(self._on_unlock_button_clicked)
        self.deactivate_button.clicked.connect(self._on_deactivate_button_clicked)
        self.reset_button.clicked.connect(self._on_reset_button_clicked)
        self.buttons.rejected.connect(self.reject)

    def _load(self, select: str | None = None) -> None:
        if self.refusal is not None:
            return
        selected = self.selected()
        select = select or (selected.username if selected else None)
        try:
            self._users = self._ctx.users.list(self._actor)
        except AppError as exc:
            self._users = []
            self._say(sentence(exc.message))
        self.table.setRowCount(len(self._users))
        for row, user in enumerate(self._users):
            locked = self._locked_text(user)
            texts = {
                USERNAME: user.username,
                FULL_NAME: user.full_name,
                ROLE: self._ctx.reference.label("roles", user.role),
                ACTIVE: _("yes") if user.active else _("no (deactivated)"),
                LOCKED: locked,
            }
            for column, text in texts.items():
                item = QTableWidgetItem(text)
                if not user.active:
                    item.setForeground(self.palette().placeholderText())
                self.table.setItem(row, column, item)
            if user.username == select:
                self.table.selectRow(row)
        self._on_table_selection_changed()

    def _locked_text(self, user: UserView) -> str:
        """'' unless a lock-out is still running (one that has run out no longer counts: app/auth.py)."""
        if not user.active or user.locked_until is None or user.locked_until <= self._ctx.clock():
            return ""
        return _("until {time}").format(time=f"{self._ctx.local(user.locked_until):%H:%M %d/%m/%Y}")

    def selected(self) -> UserView | None:
        rows = self.table.selectionModel().selectedRows()
        return self._users[rows[0].row()] if rows and rows[0].row() < len(self._users) else None

    def select(self, username: str) -> None:
        for row, user in enumerate(self._users):
            if user.username == username:
                self.table.selectRow(row)

    # ----- slots ---------------------------------------------------------------------------------

    def _on_table_selection_changed(self) -> None:
        user = self.selected()
        active = user is not None and user.active
        self.unlock_button.setEnabled(user is not None and bool(self._locked_text(user)))
        yourself = user is not None and user.username == self._actor.username
        self.deactivate_button.setEnabled(active and not yourself)
        # An encrypted register: with the recovery key. HQ on PostgreSQL (no key; its server protects it):
        # the administrator sets it, audited under their name.
        self.reset_button.setEnabled(active)

    def _on_add_button_clicked(self) -> None:
        dialog = AddUserDialog(self._ctx, self._actor, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.added is not None:
            self.show_added(dialog.added)

    def show_added(self, added: UserView) -> None:
        """The list again, with the account just added selected and said."""
        self.changed = True
        self._load(select=added.username)
        self._done(_("Added {name} ({username}) as {role}; they log in with the password given.").format(
            name=added.full_name, username=added.username, role=self._ctx.reference.label("roles", added.role)
        ))

    def _on_unlock_button_clicked(self) -> None:
        user = self.selected()
        if user is None:
            return
        if self._run(lambda: self._ctx.users.unlock(self._actor, user.username)):
            self._load(select=user.username)
            self._done(_("{username} is unlocked and may log in again.").format(username=user.username))

    def _on_deactivate_button_clicked(self) -> None:
        user = self.selected()
        if user is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            _("Deactivate an account"),
            _("Deactivate {name} ({username})?\n\nThe account stays in the register with its cases and "
              "history, but it can no longer log in: its key slot is removed, so its password no longer "
              "opens the register. This cannot be undone; to let them work again, add a new account.").format(
                name=user.full_name, username=user.username
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText(_("&Deactivate"))
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        if box.exec() != QMessageBox.StandardButton.Yes:
            return
        if self._run(lambda: self._ctx.users.deactivate(self._actor, user.username)):
            self._load(select=user.username)
            self._done(_("{username} is deactivated: that password no longer opens the register.").format(
                username=user.username
            ))

    def _on_reset_button_clicked(self) -> None:
        user = self.selected()
        if user is None:
            return
        dialog = RecoveryResetDialog(
            self._ctx.paths.data_dir, user.username, self, ctx=self._ctx, by=self._actor
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        username = dialog.username.text().strip()
        self.changed = True
        self._load(select=username)
        done = _("{username} has the new password and is unlocked.").format(username=username)
        reset = self.selected()
        if reset is not None and reset.username == username and reset.role in TIP_READERS:
            # app/users.py UserService.reset_password: the copy stays sealed under the forgotten password
            done += " " + _("Their copy of the station's tip key stays sealed under the forgotten password: "
                            "they can no longer read informants' identities.")
        self._done(done)

    # ----- helpers -------------------------------------------------------------------------------

    def _run(self, step: Callable[[], object]) -> bool:
        """Run one service call; an expected refusal is said under the list (nothing was changed)."""
        self.status.setText("")
        if not attempt(self.problem, step):
            return False
        self.changed = True
        return True

    def _done(self, text: str) -> None:
        self._say(None)
        self.status.setText(text)

    def _say(self, problem: str | None) -> None:
        self.status.setText("")
        self.problem.setText(problem or "")
        self.problem.setVisible(bool(problem))
