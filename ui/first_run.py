"""First run: set up this post, the provincial headquarters, or a demo post to try Outpost; or restore
a backup onto this computer when it replaces another."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.auth import check_password_strength
from app.context import Context
from app.demo_words import DEMO_COMMUNE
from app.domain import USERNAME, Actor
from app.errors import AppError, AuthError, ValidationError
from app.formatting import format_int
from app.i18n import N_, _
from app.reference import Reference, load_reference
from app.register import STATION_CODE, init_register
from app.text import fold, nfc
from app.zones import DEFAULT_ZONE
from ui.colours import problem_style

if TYPE_CHECKING:
    from app.restore import Restored  # the restore and its checks load only when asked for
    from ui.restore_dialog import NewComputerRestoreDialog

DEMO_CODE = "BP-DEMO"
DEMO_NAME = "Đồn Biên phòng (dữ liệu mẫu)"  # stored data, in the register's language
DEMO_ADMIN = "admin"
DEMO_CASES = 2000

CHOICES_PAGE, FORM_PAGE = 0, 1

# Which fields each kind of set-up asks for.
FIELDS_FOR = {
    "post": ("code", "name", "force", "commune", "header_1", "header_2", "time_zone", "admin", "admin_name",
             "password", "password_again"),
    "hq": ("code", "name", "time_zone", "admin", "admin_name", "password", "password_again"),
    "demo": ("admin", "admin_name", "password", "password_again"),
}

INTROS = {
    "post": N_("Set up the case register of this post (station) and its first administrator account."),
    "hq": N_("Set up the consolidated register of the provincial command (HQ) and its first administrator "
             "account."),
    "demo": N_("Create the demo post {code} with {count} made-up cases to try Outpost; demo data is not for "
               "real work. Choose a password for the account {admin}."),
}

# Vietnamese wording for the set-up service's problems, by the field they name ("code: …").
PROBLEMS = {
    "code": N_("The unit code has 2–16 capital letters, digits or '-', e.g. BP-VX."),
    "name": N_("Enter the unit's name."),
    "force": N_("Choose a force from the list."),
    "commune": N_("Choose a commune or ward from the list."),
    "admin": N_("The account name has 2–32 lower-case letters without accents, digits, '.', '_' or '-', "
                "e.g. admin."),
}


class FirstRunDialog(QDialog):
    """Creates the register; afterwards ``context`` is open and ``admin`` is its first admin, logged in."""

    register_created = Signal(object)  # the new Context

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data_dir = data_dir
        self._reference: Reference = load_reference()
        self.mode = ""
        self.context: Context | None = None
        self.admin: Actor | None = None
        self.restored: Restored | None = None  # mode "restored": a backup was put in place, to log in to
        self._rows: dict[str, QWidget] = {}
        self._errors: dict[str, QLabel] = {}
        self._build_ui()
        self._connect_signals()
        self._load()

    # ----- building ------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Outpost — First-time set-up"))
        self.setMinimumWidth(600)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_choices())
        self.pages.addWidget(self._build_form())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

    def _build_choices(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        title = QLabel(_("Welcome to Outpost"))
        title.setStyleSheet("font-size: 16pt; font-weight: bold")
        column.addWidget(title)
        column.addWidget(
            QLabel(_("There is no case register on this computer yet. What would you like to do?"))
        )
        self.post_button = QPushButton(_("Set up this post"))
        self.hq_button = QPushButton(_("Set up headquarters (provincial command)"))
        self.demo_button = QPushButton(_("Try a demo register"))
        self.restore_button = QPushButton(_("Restore a backup (this computer replaces another)"))
        for button in (self.post_button, self.hq_button, self.demo_button, self.restore_button):
            button.setMinimumHeight(44)
            column.addWidget(button)
        column.addStretch()
        self.quit_button = QPushButton(_("Quit"))
        column.addWidget(self.quit_button, 0, Qt.AlignmentFlag.AlignRight)
        return page

    def _build_form(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        column.addWidget(self.intro)
        self.form = QFormLayout()
        column.addLayout(self.form)
        self.code = QLineEdit()
        self.code.setPlaceholderText(_("e.g. BP-VX"))
        self.code.setMaxLength(16)
        self.name = QLineEdit()
        self.name.setPlaceholderText(_("e.g. Đồn Biên phòng Cửa khẩu quốc tế Vĩnh Xương"))
        self.force = QComboBox()
        self.commune = QComboBox()
        self.header_1 = QLineEdit()
        self.header_1.setPlaceholderText(_("e.g. BỘ CHỈ HUY BỘ ĐỘI BIÊN PHÒNG TỈNH AN GIANG"))
        self.header_2 = QLineEdit()
        self.header_2.setPlaceholderText(_("e.g. ĐỒN BIÊN PHÒNG CỬA KHẨU QUỐC TẾ VĨNH XƯƠNG"))
        # Set once: every time is shown in it, and the report tallies cut days at its offset.
        self.time_zone = QLineEdit(DEFAULT_ZONE)
        self.time_zone.setToolTip(_("An IANA time zone name with no daylight saving time; it cannot be "
                                    "changed later."))
        self.admin_username = QLineEdit(DEMO_ADMIN)
        self.admin_name = QLineEdit()
        self.admin_name.setPlaceholderText(_("e.g. Nguyễn Văn An"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again = QLineEdit()
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        for key, label, widget in (
            ("code", _("Unit code"), self.code),
            ("name", _("Unit name"), self.name),
            ("force", _("Force"), self.force),
            ("commune", _("Commune, ward"), self.commune),
            ("header_1", _("Header line 1 (superior agency)"), self.header_1),
            ("header_2", _("Header line 2 (unit)"), self.header_2),
            ("time_zone", _("Time zone"), self.time_zone),
            ("admin", _("Administrator account"), self.admin_username),
            ("admin_name", _("Full name"), self.admin_name),
            ("password", _("Password"), self.password),
            ("password_again", _("Password again"), self.password_again),
        ):
            self._add_field(key, label, widget)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(problem_style(self))
        column.addWidget(self.message)
        column.addStretch()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Set up"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Back"))
        column.addWidget(self.buttons)
        return page

    def _add_field(self, key: str, label: str, widget: QWidget) -> None:
        """A field with its own error line underneath, hidden until there is something to say."""
        row = QWidget()
        stack = QVBoxLayout(row)
        stack.setContentsMargins(0, 0, 0, 0)
        stack.setSpacing(2)
        stack.addWidget(widget)
        error = QLabel()
        error.setWordWrap(True)
        error.setStyleSheet(problem_style(error))
        error.hide()
        stack.addWidget(error)
        self.form.addRow(label, row)
        self._rows[key] = row
        self._errors[key] = error

    def _connect_signals(self) -> None:
        self.post_button.clicked.connect(self._on_post_button_clicked)
        self.hq_button.clicked.connect(self._on_hq_button_clicked)
        self.demo_button.clicked.connect(self._on_demo_button_clicked)
        self.restore_button.clicked.connect(self._on_restore_button_clicked)
        self.quit_button.clicked.connect(self.reject)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self._on_buttons_rejected)

    def _load(self) -> None:
        for item in self._reference.lists["forces"].values():
            self.force.addItem(item.label(), item.code)
        self.force.setCurrentIndex(self.force.findData("border_guard"))
        self.commune.addItem(_("(not chosen)"), None)
        communes = sorted(
            self._reference.communes.values(),
            key=lambda c: fold(c.name.removeprefix(c.kind.capitalize()).strip()),
        )
        for commune in communes:
            self.commune.addItem(f"{commune.name} ({commune.code})", commune.code)

    # ----- reading the form ----------------------------------------------------------------------

    def error_text(self, key: str) -> str:
        """The problem shown next to a field ("" when there is none)."""
        return self._errors[key].text()

    def field_visible(self, key: str) -> bool:
        return self.form.isRowVisible(self._rows[key])

    def _show_form(self, mode: str) -> None:
        self.mode = mode
        shown = FIELDS_FOR[mode]
        for key, row in self._rows.items():
            self.form.setRowVisible(row, key in shown)
        demo = mode == "demo"
        self.admin_username.setReadOnly(demo)
        if demo:
            self.admin_username.setText(DEMO_ADMIN)
        self.intro.setText(
            _(INTROS[mode]).format(code=DEMO_CODE, count=format_int(DEMO_CASES), admin=DEMO_ADMIN)
        )
        self._clear_problems()
        self.pages.setCurrentIndex(FORM_PAGE)
        (self.admin_name if demo else self.code).setFocus()

    def _clear_problems(self) -> None:
        self.message.clear()
        for error in self._errors.values():
            error.clear()
            error.hide()

    def _show_problem(self, key: str, text: str) -> None:
        error = self._errors.get(key)
        if error is None or not self.field_visible(key):
            self.message.setText("\n".join(filter(None, (self.message.text(), text))))
            return
        error.setText("\n".join(filter(None, (error.text(), text))))
        error.show()

    def _local_problems(self) -> dict[str, str]:
        """What can be said before asking the service: missing fields, passwords that differ."""
        problems: dict[str, str] = {}
        # Every mistake of the form at once: the code's and the account name's forms were said only
        # once the passwords were right, and a chief fixed the form in two rounds.
        if self.mode != "demo":
            code = nfc(self.code.text().strip()).upper()
            if not code:
                problems["code"] = _("Enter the unit code, e.g. BP-VX.")
            elif not STATION_CODE.match(code):
                problems["code"] = _(PROBLEMS["code"])
            if not self.name.text().strip():
                problems["name"] = _(PROBLEMS["name"])
            username = self.admin_username.text().strip()
            if not username:
                problems["admin"] = _("Enter the administrator account name.")
            elif not USERNAME.match(username):
                problems["admin"] = _(PROBLEMS["admin"])
        try:
            check_password_strength(self.password.text())
        except AuthError as exc:
            problems["password"] = exc.message
        if self.password.text() != self.password_again.text():
            problems["password_again"] = _("The two passwords differ.")
        return problems

    # ----- slots ---------------------------------------------------------------------------------

    def _on_post_button_clicked(self) -> None:
        self._show_form("post")

    def _on_hq_button_clicked(self) -> None:
        self._show_form("hq")

    def _on_demo_button_clicked(self) -> None:
        self._show_form("demo")

    def _on_restore_button_clicked(self) -> None:
        # The register comes from the backup; the log-in that follows opens it (ui/app.py).
        from ui.restore_dialog import NewComputerRestoreDialog

        dialog = NewComputerRestoreDialog(self._data_dir, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.restored is not None:
            if dialog.restored.kind == "hq":  # what a new HQ computer has of HQ's keys, and what it lacks
                QMessageBox.information(self, _("Restore a backup onto this computer"), _hq_restored(dialog))
            self.mode = "restored"
            self.restored = dialog.restored
            self.accept()

    def _on_buttons_rejected(self) -> None:
        self._clear_problems()
        self.pages.setCurrentIndex(CHOICES_PAGE)

    def _on_buttons_accepted(self) -> None:
        self._clear_problems()
        problems = self._local_problems()
        for key, text in problems.items():
            self._show_problem(key, text)
        if problems:
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self._create()
        except ValidationError as exc:
            for problem in exc.problems:
                key, _colon, reason = problem.partition(":")
                if key in PROBLEMS:
                    self._show_problem(key, _(PROBLEMS[key]))
                else:  # the zone's reason is already worded for a person, and names the zone
                    self._show_problem(key, reason.strip() if key == "time_zone" else problem)
            return
        except AuthError as exc:
            self._show_problem("password", exc.message)
            return
        except AppError as exc:
            self.message.setText(_("Not set up: {reason}").format(reason=exc.message))
            return
        except OSError as exc:  # a read-only or full disk is expected, not a bug
            self.message.setText(
                _("Could not write to the data folder {folder}: {reason}").format(
                    folder=self._data_dir, reason=exc.strerror or exc
                )
            )
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.register_created.emit(self.context)
        self.accept()

    def _create(self) -> None:
        demo, post = self.mode == "demo", self.mode == "post"
        username = DEMO_ADMIN if demo else self.admin_username.text().strip()
        headers = [h.text().strip() for h in (self.header_1, self.header_2) if h.text().strip()]
        self.context = init_register(
            self._data_dir,
            kind="hq" if self.mode == "hq" else "post",
            code=DEMO_CODE if demo else self.code.text().strip(),
            name=DEMO_NAME if demo else self.name.text().strip(),
            admin_username=username,
            # The demo's admin, name left empty: named for what they are ("admin — Quản trị" read oddly).
            admin_full_name=self.admin_name.text().strip() or (_("Demo administrator") if demo else None),
            admin_password=self.password.text(),
            force=self.force.currentData() if post else "border_guard",
            commune_code=DEMO_COMMUNE if demo else self.commune.currentData() if post else None,
            header_lines=headers if post else [],
            time_zone=DEFAULT_ZONE if demo else self.time_zone.text().strip(),
        )
        self.admin = self.context.login(username, self.password.text())


def _hq_restored(dialog: NewComputerRestoreDialog) -> str:
    """What a new HQ computer is told after its restore (docs/operations.md §11)."""
    assert dialog.restored is not None
    if dialog.restored.hq_keys:
        keys = _("HQ's keys came with the backup (still locked by HQ's key passphrase): HQ imports the "
                 "posts' bundles and sends return bundles as before.")
    else:
        keys = _("The backup holds no HQ keys: copy the keys folder of the old HQ computer (or its copy in "
                 "the safe) into this computer's data folder, or HQ cannot read the posts' bundles.")
    return keys + "\n\n" + _("The posts are as the backup holds them: revoke again every post revoked "
                              "since it was made, and accept again every re-key accepted since.")
