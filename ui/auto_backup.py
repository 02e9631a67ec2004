"""Automatic backups from the desktop: on a schedule while the app runs, and when it closes.

The work is ``app.backup.rotate`` (a complete backup into ``backups/``, the newest N automatic ones
kept, N in the settings). On the schedule it runs as a quiet job on the writer pool, so it waits for
any write in progress and never holds up the screen; a failure is logged and said once in the status
bar, not in a dialog over the user's work. At exit it runs behind a progress dialog whose Cancel skips
it (the backup cut short is removed, app/backup.py). When a USB stick is chosen in the settings, each
backup is then copied to it if it is plugged in (app/stick.py); whether it was, is said in the status
bar (``stick_said``), so a chief who forgot the stick learns it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from app.backup import backs_up_here, due, last_automatic, rotate
from app.context import Context
from app.errors import AppError
from app.i18n import _
from app.progress import CancelToken, Progress
from app.stick import copy_to_stick
from ui.errors import show_error
from ui.jobs import Job, Outcome, ProgressRunner
from ui.stick import stick_place

log = logging.getLogger("outpost")
CHECK_MS = 10 * 60 * 1000  # how often the schedule is looked at; a backup is due every few hours


class AutoBackups(QObject):
    made = Signal(object)  # the backup folder
    failed = Signal(str)
    stick_said = Signal(str)  # copied to the stick, or why not

    def __init__(self, ctx: Context, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._enabled = backs_up_here(ctx)
        self._job: Job | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        self._timer.start()
        self.check()

    def check(self) -> bool:
        """Start a backup if one is due and none is running; whether one was started."""
        settings = self._ctx.settings
        if not self._enabled or self._job is not None or not due(
            last_automatic(self._ctx.paths.backups), self._ctx.clock(), settings.backup_every_hours
        ):
            return False
        self._job = Job(self._work())
        self._job.signals.finished.connect(self._on_job_finished)
        self._job.signals.failed.connect(self._on_job_failed)
        self._job.signals.cancelled.connect(self._on_job_cancelled)
        self._job.signals.crashed.connect(self._on_job_crashed)
        self._job.start()
        return True

    def at_exit(self, parent: QWidget | None = None) -> Outcome | None:
        """The backup made when the app closes (if the settings ask for one)."""
        self._timer.stop()
        if not self._enabled or not self._ctx.settings.backup_at_exit:
            return None
        runner = ProgressRunner(_("Backing up the register before closing…"), parent)
        outcome = runner.run(self._work())
        if outcome.state == "finished":
            outcome = replace(outcome, result=self._said(outcome.result))
        if outcome.state == "failed":
            log.warning("automatic backup at exit failed: %s", outcome.message)
            show_error(parent, _("The backup at closing failed: {why}").format(why=outcome.message))
        return outcome

    def _work(self) -> Callable[[Progress, CancelToken], tuple[Path, str]]:
        """The backup, then its copy to the stick when one is chosen: where the stick is, is looked up
        here on the GUI thread (Qt's drive list), the copying is done by the job."""
        ctx, keep = self._ctx, self._ctx.settings.backup_keep
        chosen = bool(ctx.settings.backup_stick_root)
        place = stick_place(ctx.settings)

        def work(progress: Progress, cancel: CancelToken) -> tuple[Path, str]:
            made = rotate(ctx, keep, progress=progress, cancel=cancel)
            if not chosen:
                return made, ""
            if place.folder is None:
                return made, place.reason
            try:
                copied = copy_to_stick(made, place.folder, keep, progress=progress, cancel=cancel)
            except AppError as exc:  # the backup in the data folder is made all the same
                return made, exc.message
            return made, _("The backup was also copied to the stick: {path}").format(path=copied)

        return work

    def _said(self, result: object) -> Path:
        assert isinstance(result, tuple)
        made, said = result
        if isinstance(said, str) and said:
            log.info("backup stick: %s", said)
            self.stick_said.emit(said)
        return Path(made)

    def _on_job_finished(self, result: object) -> None:
        self._job = None
        self.made.emit(self._said(result))

    def _on_job_failed(self, message: str) -> None:
        self._job = None
        log.warning("automatic backup failed: %s", message)
        self.failed.emit(message)

    def _on_job_cancelled(self) -> None:
        self._job = None

    def _on_job_crashed(self, error: BaseException) -> None:
        from ui.errors import report_unexpected

        self._job = None
        report_unexpected(type(error), error, error.__traceback__)
