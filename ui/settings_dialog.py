"""Settings a user changes from the app: language, auto-lock time and automatic backups (saved in
settings.json)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.context import Context
from app.i18n import LANGUAGES, _
from app.settings import Settings, save_settings
from ui.errors import show_error


class SettingsDialog(QDialog):
    """After Accepted, ``settings`` holds what was saved."""

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.settings: Settings = ctx.settings
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Settings"))
        self.language = QComboBox()
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.auto_lock = QSpinBox()
        self.auto_lock.setRange(0, 240)
        self.auto_lock.setSuffix(" " + _("minutes"))
        self.auto_lock.setSpecialValueText(_("never"))
        form = QFormLayout()
        form.addRow(_("Language"), self.language)
        form.addRow(_("Lock after idle time"), self.auto_lock)
        self.backup_every = QSpinBox()
        self.backup_every.setRange(0, 24 * 7)
        self.backup_every.setSuffix(" " + _("hours"))
        self.backup_every.setSpecialValueText(_("never"))
        self.backup_keep = QSpinBox()
        self.backup_keep.setRange(1, 100)
        self.backup_at_exit = QCheckBox(_("Back up when Outpost closes"))
        form.addRow(_("Automatic backup every"), self.backup_every)
        form.addRow(_("Automatic backups kept"), self.backup_keep)
        form.addRow("", self.backup_at_exit)
        note = QLabel(_("Windows opened from now on use the new language."))
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def _load(self) -> None:
        self.language.setCurrentIndex(max(0, self.language.findData(self.settings.language)))
        self.auto_lock.setValue(self.settings.auto_lock_minutes)
        self.backup_every.setValue(self.settings.backup_every_hours)
        self.backup_keep.setValue(self.settings.backup_keep)
        self.backup_at_exit.setChecked(self.settings.backup_at_exit)

    def _on_buttons_accepted(self) -> None:
        changed = replace(
            self.settings, language=self.language.currentData(), auto_lock_minutes=self.auto_lock.value(),
            backup_every_hours=self.backup_every.value(), backup_keep=self.backup_keep.value(),
            backup_at_exit=self.backup_at_exit.isChecked(),
        )
        try:
            save_settings(self._ctx.paths.settings, changed)
        except OSError as exc:
            show_error(self, _("Could not save the settings: {reason}").format(reason=exc.strerror or exc))
            return
        self._ctx.settings = changed
        self.settings = changed
        self.accept()
