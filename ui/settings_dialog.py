"""Settings a user changes from the app: language, auto-lock time, automatic backups (and the USB stick
they are copied to) and this install's reporting deadlines (saved in settings.json).

The deadlines start from ``resources/rules/deadlines.json``; only what differs from it is saved
(``app.deadlines.overrides_for``), and the result is checked against the file's schema before saving."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import deadlines
from app.auth import can
from app.context import Context
from app.domain import Actor
from app.errors import AppError
from app.i18n import LANGUAGES, N_, _
from app.settings import Settings, save_settings
from app.stick import Volume, choose, is_removable, removable
from ui.errors import show_error
from ui.stick import mounted_volumes

WEEKLY_WHEN = {
    "campaign": N_("only in weeks of a campaign period"),
    "always": N_("every week"),
    "never": N_("never"),
}


class SettingsDialog(QDialog):
    """After Accepted, ``settings`` holds what was saved."""

    def __init__(self, ctx: Context, parent: QWidget | None = None, actor: Actor | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor  # None: every section open (tests, the first run)
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
        self.stick_text = QLabel()
        self.stick_text.setWordWrap(True)
        self.stick_button = QPushButton(_("Choose a folder on a USB stick…"))
        self.stick_clear = QPushButton(_("No stick"))
        stick_row = QHBoxLayout()
        stick_row.addWidget(self.stick_button)
        stick_row.addWidget(self.stick_clear)
        stick_row.addStretch(1)
        form.addRow(_("Also copy to a USB stick"), self.stick_text)
        form.addRow("", stick_row)
        self.deadlines_box = QGroupBox(_("Reporting deadlines (HQ's list of posts)"))
        self.weekly_when = QComboBox()
        for code, text in WEEKLY_WHEN.items():
            self.weekly_when.addItem(_(text), code)
        self.monthly_day = QSpinBox()
        self.monthly_day.setRange(1, 28)
        self.annual_day = QSpinBox()
        self.annual_day.setRange(1, 28)
        self.annual_month = QSpinBox()
        self.annual_month.setRange(1, 12)
        annual_row = QHBoxLayout()
        annual_row.addWidget(QLabel(_("day")))
        annual_row.addWidget(self.annual_day)
        annual_row.addWidget(QLabel(_("month")))
        annual_row.addWidget(self.annual_month)
        annual_row.addStretch(1)
        self.deadlines_reset = QPushButton(_("As shipped"))
        deadlines_form = QFormLayout(self.deadlines_box)
        deadlines_form.addRow(_("Weekly report due (Wednesday)"), self.weekly_when)
        deadlines_form.addRow(_("Monthly report due on day"), self.monthly_day)
        deadlines_form.addRow(_("Year-end summary due on"), annual_row)
        deadlines_form.addRow("", self.deadlines_reset)
        self.deadlines_box.setVisible(self._ctx.kind == "hq")
        # As the services would decide: deadlines with campaigns (chiefs, admins), the stick with backups.
        if self._actor is not None:
            self.deadlines_box.setEnabled(can(self._actor, "campaign.manage"))
            for widget in (self.stick_button, self.stick_clear):
                widget.setEnabled(can(self._actor, "register.backup"))
        note = QLabel(_("Windows opened from now on use the new language."))
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.deadlines_box)
        layout.addWidget(note)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.stick_button.clicked.connect(self._on_stick_button_clicked)
        self.stick_clear.clicked.connect(self._on_stick_clear_clicked)
        self.deadlines_reset.clicked.connect(self._on_deadlines_reset_clicked)

    def _load(self) -> None:
        self.language.setCurrentIndex(max(0, self.language.findData(self.settings.language)))
        self.auto_lock.setValue(self.settings.auto_lock_minutes)
        self.backup_every.setValue(self.settings.backup_every_hours)
        self.backup_keep.setValue(self.settings.backup_keep)
        self.backup_at_exit.setChecked(self.settings.backup_at_exit)
        s = self.settings
        self._stick = (s.backup_stick_label, s.backup_stick_root, s.backup_stick_folder)
        self._show_stick()
        try:
            rules = deadlines.load_rules(overrides=s.deadlines)
        except AppError:  # settings.json edited by hand into nonsense: start again from the file
            rules = deadlines.shipped_rules()
        self._show_rules(rules)

    def _show_rules(self, rules: deadlines.Rules) -> None:
        self.weekly_when.setCurrentIndex(max(0, self.weekly_when.findData(rules.weekly_when)))
        self.monthly_day.setValue(rules.monthly_due_day)
        self.annual_day.setValue(rules.annual_due_day)
        self.annual_month.setValue(rules.annual_due_month)

    def _show_stick(self) -> None:
        label, root, folder = self._stick
        if not root:
            self.stick_text.setText(_("none: automatic backups stay in the data folder only"))
        else:
            self.stick_text.setText(
                _("{folder} on the stick {label} (copied after each automatic backup when it is plugged "
                  "in)").format(folder=folder or ".", label=label or root)
            )
        allowed = self._actor is None or can(self._actor, "register.backup")
        self.stick_clear.setEnabled(bool(root) and allowed)
        self._fit()

    def _fit(self) -> None:
        """The dialog as tall as its text now needs: a stick's folder and label wrap to two or three
        lines, which the dialog did not grow for (they were clipped and ran over one another)."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        needed = (
            layout.totalHeightForWidth(self.width())
            if layout.hasHeightForWidth()
            else layout.totalSizeHint().height()
        )
        if needed > self.height():
            self.resize(self.width(), needed)

    def set_stick_folder(self, folder: Path, volumes: list[Volume]) -> bool:
        """Take ``folder`` (chosen on a plugged-in drive) as the stick's backup folder; whether it was."""
        try:
            self._stick = choose(folder, volumes)
        except AppError as exc:
            show_error(self, exc.message)
            return False
        self._show_stick()
        return True

    def _on_stick_button_clicked(self) -> None:
        volumes = mounted_volumes()
        sticks = removable(volumes)
        start = str(sticks[0].root) if sticks else str(Path.home())
        chosen = QFileDialog.getExistingDirectory(self, _("A folder on the USB stick for backups"), start)
        if not chosen:
            return
        folder = Path(chosen)
        if self.set_stick_folder(folder, volumes):
            label, root, _rel = self._stick
            if not is_removable(Volume(Path(root), label, _device(volumes, Path(root)))):
                self.stick_text.setText(
                    self.stick_text.text() + "\n" + _("Note: this drive does not look like a USB stick.")
                )
                self._fit()

    def _on_stick_clear_clicked(self) -> None:
        self._stick = ("", "", "")
        self._show_stick()

    def _on_deadlines_reset_clicked(self) -> None:
        self._show_rules(deadlines.shipped_rules())

    def _rules(self) -> deadlines.Rules:
        return deadlines.Rules(
            str(self.weekly_when.currentData()), self.monthly_day.value(), self.annual_month.value(),
            self.annual_day.value(),
        )

    def _on_buttons_accepted(self) -> None:
        changed = replace(
            self.settings, language=self.language.currentData(), auto_lock_minutes=self.auto_lock.value(),
            backup_every_hours=self.backup_every.value(), backup_keep=self.backup_keep.value(),
            backup_at_exit=self.backup_at_exit.isChecked(), backup_stick_label=self._stick[0],
            backup_stick_root=self._stick[1], backup_stick_folder=self._stick[2],
            deadlines=deadlines.overrides_for(self._rules()),
        )
        try:
            deadlines.load_rules(overrides=changed.deadlines)  # the schema's word, before anything is saved
        except AppError as exc:
            show_error(self, exc.message)
            return
        try:
            save_settings(self._ctx.paths.settings, changed)
        except OSError as exc:
            show_error(self, _("Could not save the settings: {reason}").format(reason=exc.strerror or exc))
            return
        self._ctx.settings = changed
        self.settings = changed
        self.accept()


def _device(volumes: list[Volume], root: Path) -> str:
    return next((v.device for v in volumes if v.root == root), "")
