"""Long work off the GUI thread: a QRunnable that reports progress and results as Qt signals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.errors import AppError, Cancelled
from app.progress import CancelToken, Progress


class JobSignals(QObject):
    progressed = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


class Job(QRunnable):
    """Runs ``work(progress, cancel)``; connect to ``signals`` before ``start()``."""

    def __init__(self, work: Callable[[Progress, CancelToken], Any]) -> None:
        super().__init__()
        self.work = work
        self.token = CancelToken()
        self.signals = JobSignals()

    def run(self) -> None:
        try:
            result = self.work(self.signals.progressed.emit, self.token)
        except Cancelled:
            self.signals.cancelled.emit()
        except AppError as exc:
            self.signals.failed.emit(exc.message)
        else:
            self.signals.finished.emit(result)

    def start(self) -> None:
        writer_pool().start(self)


_POOL: QThreadPool | None = None


def writer_pool() -> QThreadPool:
    """One writer at a time: SQLite has a single writer, so jobs that write queue up here."""
    global _POOL
    if _POOL is None:
        _POOL = QThreadPool()
        _POOL.setMaxThreadCount(1)
    return _POOL
