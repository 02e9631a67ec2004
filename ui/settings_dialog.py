"""Settings a user changes from the app: language and auto-lock time (saved in settings.json)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
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

    def _on_buttons_accepted(self) -> None:
        changed = replace(
            self.settings, language=self.language.currentData(), auto_lock_minutes=self.auto_lock.value()
        )
        try:
            save_settings(self._ctx.paths.settings, changed)
        except OSError as exc:
            show_error(self, _("Could not save the settings: {reason}").format(reason=exc.strerror or exc))
            return
        self._ctx.settings = changed
        self.settings = changed
        self.accept()
