"""Automatic backups from the desktop: on a schedule while the app runs, and when it closes.

The work is ``app.backup.rotate`` (a complete backup into ``backups/``, the newest N automatic ones
kept, N in the settings). On the schedule it runs as a quiet job on the writer pool, so it waits for
any write in progress and never holds up the screen; a failure is logged and said once in the status
bar, not in a dialog over the user's work. At exit it runs behind a progress dialog whose Cancel skips
it (the backup cut short is removed, app/backup.py)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from app.backup import due, last_automatic, rotate
from app.context import Context
from app.i18n import _
from app.progress import CancelToken, Progress
from ui.errors import show_error
from ui.jobs import Job, Outcome, ProgressRunner

log = logging.getLogger("outpost")
CHECK_MS = 10 * 60 * 1000  # how often the schedule is looked at; a backup is due every few hours


class AutoBackups(QObject):
    made = Signal(object)  # the backup folder
    failed = Signal(str)

    def __init__(self, ctx: Context, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        # HQ's PostgreSQL register is backed up on its server (pg_dump; docs/operations.md), not here.
        self._enabled = ctx.sessions.engine.dialect.name == "sqlite"
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
        ctx, keep = self._ctx, settings.backup_keep

        def work(progress: Progress, cancel: CancelToken) -> Path:
            return rotate(ctx, keep, progress=progress, cancel=cancel)

        self._job = Job(work)
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
        ctx, keep = self._ctx, self._ctx.settings.backup_keep
        runner = ProgressRunner(_("Backing up the register before closing…"), parent)
        outcome = runner.run(lambda progress, cancel: rotate(ctx, keep, progress=progress, cancel=cancel))
        if outcome.state == "failed":
            log.warning("automatic backup at exit failed: %s", outcome.message)
            show_error(parent, _("The backup at closing failed: {why}").format(why=outcome.message))
        return outcome

    def _on_job_finished(self, made: object) -> None:
        self._job = None
        self.made.emit(made)

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
