"""Restoring a backup from the desktop: pick one, and the checks run in the background before anything
is replaced; into the open register, or onto a new computer from the first-run screen.

The checks (``app.restore``: integrity, station, schema, audit chain, attachments) decide; this dialog
only says what they found. They run as a job off the GUI thread (ui/jobs.py) with a progress bar and a
Cancel that leaves the register as it was, up to the moment the register is replaced; from then on the
dialog says it is too late to cancel. A refused backup leaves the register as it was and the dialog open
with the list of failures; when only attachments are missing or damaged, the user may go on without
them, knowingly. A restored backup closes the dialog, and the main window then closes the register,
since every screen holds rows of the register that is gone (docs/security.md §6). On a new computer
(``NewComputerRestoreDialog``) the backup is opened with the recovery key or a chief's or admin's
password from it, and the first-run screen then goes on to the log-in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.auth import require
from app.backup import list_backups
from app.context import Context
from app.domain import Actor
from app.errors import AppError
from app.i18n import _
from app.progress import CancelToken, Progress
from app.restore import Restored, RestoreRefused, Unlock, restore_into, restore_new
from ui.jobs import Job


class _Committing(QObject):
    """Lives on the GUI thread: the job says from its thread that the register is being replaced."""

    reached = Signal()


class _RestoreBase(QDialog):
    """What both restores share: choosing a backup, the job with its progress and Cancel, the result."""

    restore_ended = Signal(str)  # "restored", "refused", "failed" or "cancelled"

    def __init__(self, backups_folder: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._backups_folder = backups_folder
        self._job: Job | None = None
        self.replacing = _Committing(self)
        self.restored: Restored | None = None
        self._offered = "attachments"  # what the refusal shown offers to go on without
        self._accepted_missing = self._accepted_stations = False  # what the running restore goes on without
        self._build_ui()
        self._connect_signals()
        self._load()

    def _explanation(self) -> str:
        raise NotImplementedError

    def _add_rows(self, form: QFormLayout) -> None:
        """Rows a subclass adds under the recovery key."""

    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone()

    def _refusal(self) -> str | None:
        """Why this user may not restore (checked before the job starts), or None."""
        return None

    def _stick_folder(self) -> Path | None:
        """The backup folder on the USB stick chosen in the settings, when it is plugged in."""
        return None

    def _prepare(
        self,
        source: Path,
        accept_missing: bool,
        committing: Callable[[], None],
        accept_stations: bool = False,
    ) -> Callable[[Progress, CancelToken], Restored]:
        """The restore to run, its fields read here on the GUI thread (the job touches no widget);
        ``accept_missing`` / ``accept_stations``: what the user chose to go on without (a refusal's
        button, ``RestoreRefused``)."""
        raise NotImplementedError

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Restore a backup"))
        self.setMinimumWidth(620)
        self.explanation = QLabel(self._explanation())
        self.explanation.setWordWrap(True)
        self.backups = QListWidget()
        self.backups.setAccessibleName(_("Backups in this data folder"))
        self.backups.setMaximumHeight(150)
        self.path = QLineEdit()
        self.browse_button = QPushButton(_("Choose…"))
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse_button)
        self.recovery_key = QLineEdit()
        self.recovery_key.setPlaceholderText(_("only for a backup this register's key does not open"))
        form = self.form = QFormLayout()
        form.addRow(_("Backups here:"), self.backups)
        form.addRow(_("Backup:"), row)
        form.addRow(_("Recovery key:"), self.recovery_key)
        self._add_rows(form)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setVisible(False)
        self.result_text = QPlainTextEdit()
        self.result_text.setReadOnly(True)
        self.result_text.setVisible(False)
        self.result_text.setMinimumHeight(110)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("Check and restore"))
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.without_button = self.buttons.addButton(
            _("Restore without them"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.without_button.setVisible(False)
        self.without_button.setAutoDefault(False)  # never pressed by Enter (a QDialog makes buttons so)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explanation)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.result_text, 1)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.path.textChanged.connect(self._on_path_text_changed)
        self.backups.currentItemChanged.connect(self._on_backups_current_item_changed)
        self.ok_button.clicked.connect(self._on_ok_button_clicked)
        self.without_button.clicked.connect(self._on_without_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.replacing.reached.connect(self._on_committing_reached)

    def _load(self) -> None:
        if self._backups_folder is None:
            self.backups.setVisible(False)
            self.form.setRowVisible(self.backups, False)
        on_stick = self._stick_folder()
        found = list_backups(self._backups_folder) if self._backups_folder else []
        found += list_backups(on_stick) if on_stick else []
        for backup in sorted(found, key=lambda b: b.created_at, reverse=True):
            # To the second: automatic backups of one minute (at closing, then again) were told apart only
            # by a "-2" at the end of their folder names.
            when = f"{self._local(backup.created_at):%d/%m/%Y %H:%M:%S}"
            if backup.attachments is None:
                text = _("{when} · register only (an earlier version's backup)").format(when=when)
            else:
                text = _("{when} · attachments: {count}").format(when=when, count=backup.attachments)
            if backup.automatic:
                text = _("{backup} · automatic").format(backup=text)
            if on_stick is not None and backup.path.parent == on_stick:
                text = _("{backup} · on the USB stick").format(backup=text)
            item = QListWidgetItem(f"{text} · {backup.path.name}")
            item.setData(Qt.ItemDataRole.UserRole, str(backup.path))
            self.backups.addItem(item)
        if not found:  # an empty list read as broken: say why it is empty and what else to do
            item = QListWidgetItem(
                _("No backup here yet: Outpost makes one each day and when it closes.")
                + "\n"
                + _("Choose… finds one elsewhere (a USB stick).")
            )
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.backups.addItem(item)
        if found:  # each backup's line whole (its folder name tells two apart), within reason
            wanted = self.backups.sizeHintForColumn(0) + 2 * self.backups.frameWidth() + 4
            self.backups.setMinimumWidth(min(wanted, 900))
        self._on_path_text_changed(self.path.text())

    # -- choosing ---------------------------------------------------------------------------------

    def _on_backups_current_item_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        chosen = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        if chosen is not None:  # (the line saying there is none holds no path)
            self.path.setText(str(chosen))

    def _on_path_text_changed(self, text: str) -> None:
        self.ok_button.setEnabled(bool(text.strip()) and self._job is None)
        self.without_button.setVisible(False)

    def _on_browse_button_clicked(self) -> None:
        # A backup is a folder; its backup.json (or register.sqlite) stands for it in a file dialog.
        chosen, _filter = QFileDialog.getOpenFileName(
            self, _("Restore a backup"), str(self._backups_folder or Path.home()),
            _("Outpost backups (backup.json register.sqlite *.sqlite)"),
        )
        if chosen:
            self.path.setText(chosen)

    # -- the job ----------------------------------------------------------------------------------

    def _on_ok_button_clicked(self) -> None:
        self._start(accept_missing=False)

    def _on_without_button_clicked(self) -> None:
        # What the last refusal offered to go on without: the attachments, or HQ's posts' changes (each
        # time asked again, after the other's refusal).
        if self._offered == "stations":
            # Undoing a revocation lets a stolen laptop's bundles in again: asked once more, No first.
            sure = QMessageBox.question(
                self,
                _("Restore all the same"),
                _("Restore this older backup? The changes to the posts listed will be undone, and must be "
                  "done again straight after (a revoked post revoked again)."),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if sure != QMessageBox.StandardButton.Yes:
                return
            self._start(accept_missing=self._accepted_missing, accept_stations=True)
        else:
            self._start(accept_missing=True, accept_stations=self._accepted_stations)

    def _start(self, *, accept_missing: bool, accept_stations: bool = False) -> None:
        refusal = self._refusal()
        if refusal is not None:
            self._show(refusal)
            return
        self._accepted_missing, self._accepted_stations = accept_missing, accept_stations
        source = Path(self.path.text().strip())
        restore = self._prepare(source, accept_missing, self.replacing.reached.emit, accept_stations)

        def work(progress: Progress, cancel: CancelToken) -> Restored | RestoreRefused:
            try:
                return restore(progress, cancel)
            except RestoreRefused as refused:
                if refused.attachments_only or refused.stations_only:
                    return refused  # a choice for the user, not a failure: shown with its button
                raise
        self._job = Job(work)
        signals = self._job.signals
        signals.progressed.connect(self._on_job_progressed)
        signals.finished.connect(self._on_job_finished)
        signals.failed.connect(self._on_job_failed)
        signals.cancelled.connect(self._on_job_cancelled)
        signals.crashed.connect(self._on_job_crashed)
        self._set_running(True)
        self.status.setText(_("Checking the backup… Cancel leaves the register as it was."))
        self._job.start()

    def _set_running(self, running: bool) -> None:
        for widget in (self.ok_button, self.browse_button, self.path, self.recovery_key, self.backups):
            widget.setEnabled(not running)
        self.without_button.setVisible(False)
        self.progress.setVisible(running)
        self.progress.setRange(0, 0)
        self.status.setVisible(running)
        self.cancel_button.setEnabled(True)
        if running:
            self.result_text.setVisible(False)

    def _on_job_progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(min(done, total))

    def _on_committing_reached(self) -> None:
        self.cancel_button.setEnabled(False)
        self.status.setText(_("The backup passed every check. Replacing the register: it is too late to "
                              "cancel now."))

    def _ended(self, state: str) -> None:
        self._job = None
        self._set_running(False)
        self.ok_button.setEnabled(bool(self.path.text().strip()))
        self.restore_ended.emit(state)

    def _on_job_finished(self, result: object) -> None:
        if isinstance(result, RestoreRefused):
            self._ended("refused")
            self._show(result.message)
            self._offered = "stations" if result.stations_only else "attachments"
            self.without_button.setText(
                _("Restore all the same") if result.stations_only else _("Restore without them")
            )
            self.without_button.setVisible(True)
            # Going on regardless is never what Enter does: Cancel is the default and has the focus.
            self.ok_button.setDefault(False)
            self.cancel_button.setDefault(True)
            self.cancel_button.setFocus()
            return
        assert isinstance(result, Restored)
        self.restored = result
        self._ended("restored")
        self.accept()

    def _on_job_failed(self, message: str) -> None:
        self._show(message)
        self._ended("refused")

    def _on_job_cancelled(self) -> None:
        self._show(_("Cancelled: nothing was changed."))
        self._ended("cancelled")

    def _on_job_crashed(self, error: BaseException) -> None:
        from ui.errors import report_unexpected

        self._ended("failed")
        report_unexpected(type(error), error, error.__traceback__)

    def _on_cancel_button_clicked(self) -> None:
        if self._job is not None:
            self._job.token.cancel()  # the job stops at its next check; the dialog stays until it has
            self.cancel_button.setEnabled(False)
            self.status.setText(_("Cancelling…"))
        else:
            self.reject()

    def reject(self) -> None:
        if self._job is None:  # Escape or the window's close button while a restore runs: keep waiting
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._job is not None:
            event.ignore()
            return
        super().closeEvent(event)

    def _show(self, message: str) -> None:
        self.result_text.setPlainText(message)
        self.result_text.setVisible(True)


class RestoreDialog(_RestoreBase):
    """Into the open register (File → Restore a backup…), for a chief or an admin."""

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        self._ctx = ctx
        self._actor = actor
        super().__init__(ctx.paths.backups, parent)

    def _local(self, moment: datetime) -> datetime:
        return self._ctx.local(moment)  # the register's time zone, as everywhere in the app

    def _stick_folder(self) -> Path | None:
        from ui.stick import stick_place

        return stick_place(self._ctx.settings).folder

    def _explanation(self) -> str:
        return _("The backup replaces the register only if it passes every check: its integrity, that it is "
                 "this station's, its schema (no unknown table, index, trigger or view), the whole audit "
                 "chain and every attachment the cases name. The register as it is now is backed up first.")

    def _refusal(self) -> str | None:
        try:
            require(self._actor, "register.restore")
        except AppError as exc:
            return exc.message
        return None

    def _prepare(
        self,
        source: Path,
        accept_missing: bool,
        committing: Callable[[], None],
        accept_stations: bool = False,
    ) -> Callable[[Progress, CancelToken], Restored]:
        ctx, unlock = self._ctx, Unlock(recovery_key=self.recovery_key.text().strip() or None)

        def restore(progress: Progress, cancel: CancelToken) -> Restored:
            return restore_into(ctx, source, unlock, accept_missing=accept_missing,
                                accept_station_changes=accept_stations, progress=progress, cancel=cancel,
                                committing=committing)

        return restore


class NewComputerRestoreDialog(_RestoreBase):
    """Onto a computer with no register yet (a replaced laptop), from the first-run screen."""

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        self._data_dir = data_dir
        super().__init__(None, parent)
        self.setWindowTitle(_("Restore a backup onto this computer"))
        self.recovery_key.setPlaceholderText(
            _(
                "the recovery key from the safe; or leave it empty and give a chief's or admin's name and "
                "password"
            )
        )

    def _explanation(self) -> str:
        return _("The register, its users, settings and attachments come back from the backup once it passes "
                 "every check (integrity, schema, the whole audit chain, every attachment). Open it with the "
                 "recovery key, or with the name and password of a chief or an admin in the backup. A post's "
                 "keys are not in its backup: ask HQ for a re-key afterwards. HQ's backup holds HQ's keys, "
                 "still locked by HQ's key passphrase (docs/operations.md).")

    def _add_rows(self, form: QFormLayout) -> None:
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(_("Or user name:"), self.username)
        form.addRow(_("Password:"), self.password)

    def _refusal(self) -> str | None:
        if not self.recovery_key.text().strip() and not self.username.text().strip():
            return _("Type the recovery key, or a chief's or admin's name and password.")
        return None

    def _prepare(
        self,
        source: Path,
        accept_missing: bool,
        committing: Callable[[], None],
        accept_stations: bool = False,
    ) -> Callable[[Progress, CancelToken], Restored]:
        recovery = self.recovery_key.text().strip() or None
        unlock = Unlock(recovery_key=recovery, username=None if recovery else self.username.text().strip(),
                        password=None if recovery else self.password.text())
        data_dir = self._data_dir

        def restore(progress: Progress, cancel: CancelToken) -> Restored:
            return restore_new(data_dir, source, unlock, accept_missing=accept_missing, progress=progress,
                               cancel=cancel, committing=committing)

        return restore
