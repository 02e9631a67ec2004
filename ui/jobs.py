"""Long work off the GUI thread: a QRunnable job, and a runner that shows its progress and can cancel it."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from app.errors import AppError, Cancelled
from app.i18n import _
from app.progress import CancelToken, Progress
from ui.errors import report_unexpected

PROGRESS_DELAY_MS = 500  # quick work finishes without a dialog flashing up
NEVER_MS = 24 * 3600 * 1000
RETIRE_WAIT_S = 5.0

Work = Callable[[Progress, CancelToken], Any]


class JobSignals(QObject):
    """Lives on the GUI thread, so slots connected here run there, whatever thread emits."""

    progressed = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    crashed = Signal(object)


class Job:
    """Runs ``work(progress, cancel)`` on a thread pool; connect to ``signals`` before ``start()``.

    Every Qt object a job touches is created and deleted on the GUI thread: the pool runs a plain
    function that lets go of the job before it says it has returned, and the job stays in ``_RUNNING``
    until its last signal has arrived here and the worker has left ``emit()``. (A job that was itself a
    ``QRunnable`` was deleted by the pool thread while the GUI thread could be releasing its wrapper,
    which crashed now and then.)"""

    def __init__(self, work: Work) -> None:
        self.work = work
        self.token = CancelToken()
        self.signals = JobSignals()
        self._returned = threading.Event()

    def start(self, pool: QThreadPool | None = None) -> None:
        signals = self.signals
        for signal in (signals.finished, signals.failed, signals.cancelled, signals.crashed):
            signal.connect(self._retire)  # after the caller's slots, so they run first
        _RUNNING.add(self)
        held = [self]

        def run() -> None:
            job = held.pop()
            returned = job._returned
            try:
                job.run()
            finally:
                del job  # the worker holds nothing of the job once it says it has returned
                returned.set()

        (pool or writer_pool()).start(run)

    def run(self) -> None:
        try:
            result = self.work(self.signals.progressed.emit, self.token)
        except Cancelled:
            self.signals.cancelled.emit()
        except AppError as exc:
            self.signals.failed.emit(exc.message)
        except Exception as exc:  # a bug: reported on the GUI thread through the crash handler
            self.signals.crashed.emit(exc)
        else:
            self.signals.finished.emit(result)

    def _retire(self, *_args: object) -> None:
        self._returned.wait(RETIRE_WAIT_S)  # the worker is at most a few instructions from returning
        _RUNNING.discard(self)


_RUNNING: set[Job] = set()  # GUI thread only: jobs whose last signal has not been handled yet


class MainThreadCollector(QObject):
    """Python's cycle collector, run on the GUI thread only.

    Left automatic, it runs in whichever thread happens to allocate, and a worker thread that
    collects a cycle holding a Qt widget deletes that widget off the GUI thread, which crashes.
    ``start()`` turns the automatic collector off and collects on a timer here instead."""

    INTERVAL_MS = 500

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.collect)

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    @staticmethod
    def collect() -> None:
        """Collect the generations whose thresholds are passed, as the automatic collector would."""
        thresholds, counts = gc.get_threshold(), gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return


_POOL: QThreadPool | None = None
_READERS: QThreadPool | None = None


def reader_pool() -> QThreadPool:
    """Read-only work (counts, dashboards) runs here, beside a writer that may be busy."""
    global _READERS
    if _READERS is None:
        _READERS = QThreadPool()
        _READERS.setMaxThreadCount(2)
    return _READERS


def writer_pool() -> QThreadPool:
    """One writer at a time: SQLite has a single writer, so jobs that write queue up here."""
    global _POOL
    if _POOL is None:
        _POOL = QThreadPool()
        _POOL.setMaxThreadCount(1)
    return _POOL


@dataclass(frozen=True)
class Outcome:
    """How a job ended: ``finished`` (with ``result``), ``cancelled``, ``failed`` (an ``AppError``, with
    its ``message``, for the caller to show) or ``crashed`` (a bug, already logged and reported)."""

    state: str
    result: Any = None
    message: str = ""


class ProgressRunner(QObject):
    """Runs one job behind a modal progress dialog that appears only if the work takes a while.

    ``run()`` waits in a local event loop, so the GUI keeps painting; use one runner per job."""

    def __init__(self, label: str, parent: QWidget | None = None, *, cancellable: bool = True) -> None:
        super().__init__(parent)
        self._dialog = QProgressDialog(label, _("Cancel"), 0, 0, parent)
        if not cancellable:  # work that must finish once started (a schema upgrade)
            self._dialog.setCancelButton(None)
        self._dialog.setWindowTitle("Outpost")
        self._dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        self._dialog.setAutoClose(False)
        self._dialog.setAutoReset(False)
        # Shown by our own timer: QProgressDialog's estimate would show it within 50 ms of a slow start.
        self._dialog.setValue(0)
        self._dialog.setMinimumDuration(NEVER_MS)
        self._show_timer = QTimer(self)
        self._show_timer.setSingleShot(True)
        self._show_timer.setInterval(PROGRESS_DELAY_MS)
        self._loop = QEventLoop(self)
        self._job: Job | None = None
        self._outcome: Outcome | None = None
        self._connect_signals()

    @property
    def dialog(self) -> QProgressDialog:
        return self._dialog

    def run(self, work: Work, total: int = 0) -> Outcome:
        """Start ``work`` and wait for it, keeping the GUI responsive; cancelling is not an error."""
        self._job = Job(work)
        self._dialog.setMaximum(total)
        self._connect_job(self._job)  # before start(): a quick job may be done before the next line
        self._job.start()
        self._show_timer.start()
        if self._outcome is None:
            self._loop.exec()
        self._show_timer.stop()
        self._dialog.reset()
        self._dialog.hide()
        assert self._outcome is not None
        return self._outcome

    def _connect_signals(self) -> None:
        self._dialog.canceled.connect(self._on_dialog_canceled)
        self._show_timer.timeout.connect(self._on_show_timer_timeout)

    def _connect_job(self, job: Job) -> None:
        job.signals.progressed.connect(self._on_job_progressed)
        job.signals.finished.connect(self._on_job_finished)
        job.signals.failed.connect(self._on_job_failed)
        job.signals.cancelled.connect(self._on_job_cancelled)
        job.signals.crashed.connect(self._on_job_crashed)

    def _end(self, outcome: Outcome) -> None:
        self._outcome = outcome
        self._loop.quit()

    def _on_show_timer_timeout(self) -> None:
        if self._outcome is None and not self._dialog.wasCanceled():
            self._dialog.show()

    def _on_job_progressed(self, done: int, total: int) -> None:
        if self._outcome is None and not self._dialog.wasCanceled():
            self._dialog.setMaximum(total)
            self._dialog.setValue(min(done, total))

    def _on_job_finished(self, result: object) -> None:
        self._end(Outcome("finished", result=result))

    def _on_job_failed(self, message: str) -> None:
        self._end(Outcome("failed", message=message))

    def _on_job_cancelled(self) -> None:
        self._end(Outcome("cancelled"))

    def _on_job_crashed(self, error: BaseException) -> None:
        self._end(Outcome("crashed", message=str(error)))
        report_unexpected(type(error), error, error.__traceback__)

    def _on_dialog_canceled(self) -> None:
        # The job stops at its next check; the loop keeps running until it has.
        if self._job is not None:
            self._job.token.cancel()
