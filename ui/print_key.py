"""The station key's passphrase for printing a form: asked for once, remembered in memory for the session.

A form's QR code is signed with the station's key so that the paper can be proved at HQ or offline
(``app.print_codes``); an approved or closed case prints only signed. Asking for the passphrase on
every print would make officers write it down, so the first signed print of a session keeps it in
memory (never on disk) until the app is locked or closed. A draft's form, marked DỰ THẢO on every
page, may be printed unsigned."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.i18n import _


class KeyMemory:
    """The key passphrase of this session, in memory only; ``forget`` on locking or a wrong one."""

    def __init__(self) -> None:
        self.passphrase: str | None = None

    def forget(self) -> None:
        self.passphrase = None


class PrintKeyDialog(QDialog):
    """Asks for the key passphrase before a form is printed. ``unsigned`` is set when the user chose to
    print a draft's form unsigned (offered only for a case that is not approved or closed)."""

    def __init__(self, status: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.unsigned = False
        self._status = status
        self._build_ui()
        self._connect_signals()
        self._update_buttons()

    def _build_ui(self) -> None:
        # The print codes' module (signing, certificates): loaded when a form is first printed, not with
        # the main window (docs/performance.md, start-up).
        from app.print_codes import SIGNED_ONLY

        self.setWindowTitle(_("Sign the printed form"))
        self.explanation = QLabel(
            _(
                "The form's QR code is signed with this station's key, so that HQ can prove the paper. "
                "The passphrase is kept in memory until the app is locked or closed."
            )
            if self._status in SIGNED_ONLY
            else _(
                "The form's QR code is signed with this station's key, so that HQ can prove the paper. "
                "The case is not approved: its form is marked DỰ THẢO and may also be printed unsigned."
            )
        )
        self.explanation.setWordWrap(True)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(_("the passphrase of this station's keys"))
        self.passphrase.setAccessibleName(_("Key passphrase"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.sign_button = self.buttons.addButton(
            _("&Sign and print"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.unsigned_button = self.buttons.addButton(
            _("Print &unsigned"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.unsigned_button.setVisible(self._status not in SIGNED_ONLY)
        column = QVBoxLayout(self)
        column.addWidget(self.explanation)
        label = QLabel(_("Key &passphrase:"))
        label.setBuddy(self.passphrase)
        column.addWidget(label)
        column.addWidget(self.passphrase)
        column.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.passphrase.textChanged.connect(self._update_buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.unsigned_button.clicked.connect(self._on_unsigned_button_clicked)

    def _update_buttons(self) -> None:
        self.sign_button.setEnabled(bool(self.passphrase.text()))

    def _on_unsigned_button_clicked(self) -> None:
        self.unsigned = True
        self.accept()
