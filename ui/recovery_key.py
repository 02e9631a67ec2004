"""The recovery key, shown once: after set-up, or after a plain register was encrypted.

Nothing else can open the register when every password is forgotten, so the dialog only closes once
the user says the key is printed or written down (docs/security.md)."""

from __future__ import annotations

from html import escape

from PySide6.QtGui import QFont, QGuiApplication, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _


class RecoveryKeyDialog(QDialog):
    def __init__(self, recovery_key: str, station_code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._recovery_key = recovery_key
        self._station_code = station_code
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Recovery key of register {code}").format(code=self._station_code))
        self.setMinimumWidth(520)
        self.explanation = QLabel(
            _("The register is encrypted: each user's password opens it. If every password is forgotten, "
              "only this recovery key opens it. It is shown this once: print it or write it down and keep "
              "it in the safe, away from the laptop.")
        )
        self.explanation.setWordWrap(True)
        self.key = QLineEdit()
        self.key.setReadOnly(True)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(font.pointSize() + 4)
        self.key.setFont(font)
        self.key.setTextMargins(8, 6, 8, 6)  # the key clear of the box's edges
        self.print_button = QPushButton(_("&Print…"))
        self.copy_button = QPushButton(_("Copy"))
        self.confirmed = QCheckBox(
            _("I have printed or written down the recovery key and will keep it in the safe")
        )
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explanation)
        layout.addWidget(self.key)
        row = QHBoxLayout()
        row.addWidget(self.print_button)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.confirmed)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.confirmed.toggled.connect(self._on_confirmed_toggled)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self.print_button.clicked.connect(self._on_print_button_clicked)
        self.buttons.accepted.connect(self.accept)

    def _load(self) -> None:
        self.key.setText(self._recovery_key)
        self._on_confirmed_toggled(False)

    def _on_confirmed_toggled(self, checked: bool) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(checked)

    def _on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self._recovery_key)

    def print_to(self, printer: QPrinter) -> None:
        """One page for the safe: whose register, what the key is for, and the key, large."""
        page = QTextDocument()
        page.setHtml(
            f"<h2>{escape(_('Recovery key of register {code}').format(code=self._station_code))}</h2>"
            f"<p>{escape(self.explanation.text())}</p>"
            # On one line, never broken at a dash (a key copied by hand from two lines loses a group).
            f"<p style='font-family: monospace; font-size: 16pt; white-space: pre'>"
            f"<b>{escape(self._recovery_key)}</b></p>"
        )
        page.print_(printer)

    def _on_print_button_clicked(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(_("Print"))
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def reject(self) -> None:
        """Escape does not close it before the key is kept."""
        if self.confirmed.isChecked():
            super().reject()
