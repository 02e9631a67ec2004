"""Restoring a backup from the desktop: choose the file, and the checks run before anything is replaced.

The checks (``app.restore``: integrity, station, schema, audit chain) decide; this dialog only says
what they found. A refused backup leaves the register as it was and the dialog open with the list of
failures; a restored one closes the dialog, and the main window then closes the register, since
every screen holds rows of the register that is gone (docs/security.md §6)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.auth import require
from app.context import Context
from app.domain import Actor
from app.errors import AppError
from app.i18n import _
from app.restore import Restored, Unlock, restore_into


class RestoreDialog(QDialog):
    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self.restored: Restored | None = None
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Restore a backup"))
        self.setMinimumWidth(560)
        self.explanation = QLabel(
            _("The backup replaces the register only if it passes every check: its integrity, that it is "
              "this station's, its schema (no unknown table, index, trigger or view) and the whole audit "
              "chain. The register as it is now is backed up first.")
        )
        self.explanation.setWordWrap(True)
        self.path = QLineEdit()
        self.browse_button = QPushButton(_("Choose…"))
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse_button)
        self.recovery_key = QLineEdit()
        self.recovery_key.setPlaceholderText(_("only for a backup this register's key does not open"))
        form = QFormLayout()
        form.addRow(_("Backup file:"), row)
        form.addRow(_("Recovery key:"), self.recovery_key)
        self.result_text = QPlainTextEdit()
        self.result_text.setReadOnly(True)
        self.result_text.setVisible(False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Check and restore"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.explanation)
        layout.addLayout(form)
        layout.addWidget(self.result_text, 1)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.path.textChanged.connect(self._on_path_text_changed)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def _load(self) -> None:
        self._on_path_text_changed(self.path.text())

    def _on_path_text_changed(self, text: str) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(text.strip()))

    def _on_browse_button_clicked(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, _("Restore a backup"), str(self._ctx.paths.backups), _("Outpost backups (*.sqlite)")
        )
        if chosen:
            self.path.setText(chosen)

    def _on_buttons_accepted(self) -> None:
        unlock = Unlock(recovery_key=self.recovery_key.text().strip() or None)
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            require(self._actor, "register.restore")
            self.restored = restore_into(self._ctx, Path(self.path.text().strip()), unlock)
        except AppError as exc:  # RestoreRefused among them: its message lists each failed check
            self._show(exc.message)
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.accept()

    def _show(self, message: str) -> None:
        self.result_text.setPlainText(message)
        self.result_text.setVisible(True)
