"""Tools → Mail set-up…: a post's mail server for sending bundles to HQ (SMTP) or HQ's mailbox they are
fetched from (IMAP), the same settings as ``outpost mail setup`` / ``mail setup-imap``, with a button
that tries them: a test message to HQ, or a log-in to the mailbox.

The password is typed for the test and never saved, as the command line never saves it (the send and
fetch dialogs ask for it each time). The test runs off the GUI thread (the server may take 30 s to
answer, or never); its answer is said in the dialog, in plain words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.auth import require
from app.context import Context
from app.domain import Actor
from app.errors import AppError, ValidationError
from app.i18n import N_, _
from app.mail_check import check_mailbox, send_test
from app.settings import Settings, save_settings
from app.sync.inbox import check_imap_settings
from app.sync.mail import SECURITY, check_mail_settings
from ui.errors import show_error
from ui.jobs import ProgressRunner

SECURITY_TEXT = {"starttls": "STARTTLS", "ssl": "SSL/TLS", "none": N_("none (not encrypted)")}
DEFAULT_PORTS = {
    "smtp": {"starttls": 587, "ssl": 465, "none": 25},
    "imap": {"ssl": 993, "starttls": 143, "none": 143},
}


class MailDialog(QDialog):
    """After Accepted, ``ctx.settings`` holds the saved mail settings."""

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self.hq = ctx.kind == "hq"
        self.test_passed: bool | None = None  # the last test's outcome
        self._build_ui()
        self._connect_signals()
        self._load()

    def _security(self) -> QComboBox:
        box = QComboBox()
        for code in SECURITY:
            box.addItem(_(SECURITY_TEXT[code]), code)
        return box

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Mail set-up"))
        self.setMinimumWidth(520)
        intro = QLabel(
            _("HQ's mailbox, from which the posts' bundles are fetched into the inbox folder.")
            if self.hq
            else _("The mail server that sends the bundles to HQ, one message per part. Ask HQ or the "
                   "provider for these details.")
        )
        intro.setWordWrap(True)
        self.smtp_box = QGroupBox(_("Sending (SMTP)"))
        self.smtp_host = QLineEdit()
        self.smtp_port = QSpinBox()
        self.smtp_port.setRange(1, 65535)
        self.smtp_security = self._security()
        self.smtp_username = QLineEdit()
        self.smtp_username.setPlaceholderText(_("empty if the server asks for none"))
        self.mail_from = QLineEdit()
        self.mail_to = QLineEdit()
        smtp = QFormLayout(self.smtp_box)
        smtp.addRow(_("Server:"), self.smtp_host)
        smtp.addRow(_("Port:"), self.smtp_port)
        smtp.addRow(_("Security:"), self.smtp_security)
        smtp.addRow(_("User name:"), self.smtp_username)
        smtp.addRow(_("This post's address:"), self.mail_from)
        smtp.addRow(_("HQ's address:"), self.mail_to)
        self.imap_box = QGroupBox(_("HQ's mailbox (IMAP)"))
        self.imap_host = QLineEdit()
        self.imap_port = QSpinBox()
        self.imap_port.setRange(1, 65535)
        self.imap_security = self._security()
        self.imap_username = QLineEdit()
        self.inbox_folder = QLineEdit()
        self.inbox_folder.setPlaceholderText(_("empty: inbox/ in the register's folder"))
        imap = QFormLayout(self.imap_box)
        imap.addRow(_("Server:"), self.imap_host)
        imap.addRow(_("Port:"), self.imap_port)
        imap.addRow(_("Security:"), self.imap_security)
        imap.addRow(_("User name:"), self.imap_username)
        imap.addRow(_("Inbox folder:"), self.inbox_folder)
        self.smtp_box.setVisible(not self.hq)
        self.imap_box.setVisible(self.hq)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(_("Password, for the test only"))
        note = QLabel(_("The password is used for the test only and never saved: Outpost asks for it each "
                        "time it sends or fetches."))
        note.setWordWrap(True)
        self.test_button = QPushButton(_("Check the mailbox") if self.hq else _("Send a test"))
        self.answer = QLabel()
        self.answer.setWordWrap(True)
        self.answer.setAccessibleName(_("Result of the test"))
        test_form = QFormLayout()
        test_form.addRow(_("Password:"), self.password)
        test_form.addRow("", note)
        test_form.addRow("", self.test_button)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.smtp_box)
        layout.addWidget(self.imap_box)
        layout.addLayout(test_form)
        layout.addWidget(self.answer)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.test_button.clicked.connect(self._on_test_button_clicked)
        self.smtp_security.currentIndexChanged.connect(self._on_smtp_security_changed)
        self.imap_security.currentIndexChanged.connect(self._on_imap_security_changed)

    def _load(self) -> None:
        s = self._ctx.settings
        self.smtp_host.setText(s.smtp_host)
        self.smtp_port.setValue(s.smtp_port)
        self.smtp_security.setCurrentIndex(max(0, self.smtp_security.findData(s.smtp_security)))
        self.smtp_username.setText(s.smtp_username)
        self.mail_from.setText(s.mail_from)
        self.mail_to.setText(s.mail_to)
        self.imap_host.setText(s.imap_host)
        self.imap_port.setValue(s.imap_port)
        self.imap_security.setCurrentIndex(max(0, self.imap_security.findData(s.imap_security)))
        self.imap_username.setText(s.imap_username)
        self.inbox_folder.setText(s.inbox_folder)

    def typed(self) -> Settings:
        """The settings as typed, not yet saved."""
        s = self._ctx.settings
        if self.hq:
            return replace(
                s, imap_host=self.imap_host.text().strip(), imap_port=self.imap_port.value(),
                imap_security=str(self.imap_security.currentData()),
                imap_username=self.imap_username.text().strip(),
                inbox_folder=self.inbox_folder.text().strip(),
            )
        return replace(
            s, smtp_host=self.smtp_host.text().strip(), smtp_port=self.smtp_port.value(),
            smtp_security=str(self.smtp_security.currentData()),
            smtp_username=self.smtp_username.text().strip(),
            mail_from=self.mail_from.text().strip(), mail_to=self.mail_to.text().strip(),
        )

    def _on_smtp_security_changed(self) -> None:
        self._default_port(self.smtp_port, "smtp", str(self.smtp_security.currentData()))

    def _on_imap_security_changed(self) -> None:
        self._default_port(self.imap_port, "imap", str(self.imap_security.currentData()))

    @staticmethod
    def _default_port(port: QSpinBox, protocol: str, security: str) -> None:
        # Only a port that was one of the usual ones follows the security: a special port stays.
        if port.value() in DEFAULT_PORTS[protocol].values():
            port.setValue(DEFAULT_PORTS[protocol][security])

    def _on_test_button_clicked(self) -> None:
        settings, password, code = self.typed(), self.password.text(), self._ctx.station_code
        if self.hq:
            work: Callable[[], str] = lambda: check_mailbox(settings, password)  # noqa: E731
        else:
            work = lambda: send_test(settings, code, password)  # noqa: E731
        self.test_passed = None
        self.answer.setText(_("Trying the mail server…"))
        runner = ProgressRunner(_("Trying the mail server…"), self, cancellable=False)
        outcome = runner.run(lambda progress, cancel: work())
        self.test_passed = outcome.state == "finished"
        if outcome.state == "finished":
            self.answer.setText(_("OK: {what}").format(what=outcome.result))
        elif outcome.state == "failed":
            self.answer.setText(_("It did not work: {why}").format(why=outcome.message))
        else:
            self.answer.setText("")

    def _on_buttons_accepted(self) -> None:
        settings = self.typed()
        try:
            require(self._actor, "station.enrol")
            if self.hq:
                check_imap_settings(
                    settings.imap_host, settings.imap_port, settings.imap_security, settings.imap_username
                )
            else:
                check_mail_settings(
                    settings.smtp_host, settings.smtp_port, settings.smtp_security, settings.mail_from,
                    settings.mail_to,
                )
            save_settings(self._ctx.paths.settings, settings)
        except ValidationError as exc:
            show_error(self, "\n".join(exc.problems), _("The mail settings are not complete"))
            return
        except AppError as exc:
            show_error(self, exc.message)
            return
        except OSError as exc:
            show_error(self, _("Could not save the settings: {reason}").format(reason=exc.strerror or exc))
            return
        self._ctx.settings = settings
        self.accept()
