"""The home page's reporting deadlines: the next weekly (during a campaign), monthly and year-end
report with the days left, highlighted when one is close (app/reminders.py).

Read on a reader thread: checking the deadlines file against its schema imports the JSON Schema
validator, 0.06-0.14 s that held the window's first page back (issue 20, fast start)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QWidget

from app.context import Context
from app.i18n import _
from app.progress import CancelToken, Progress
from app.reminders import Reminder, reminders
from ui.colours import banner_style
from ui.errors import report_unexpected
from ui.jobs import Job, reader_pool


class DeadlineReminders(QLabel):
    """One line per deadline; the close ones in bold, and the whole banner highlighted then."""

    refreshed = Signal()

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.reminders: list[Reminder] = []
        self._generation = 0
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAccessibleName(_("Reporting deadlines"))
        self.setVisible(False)  # until the first reading

    def refresh(self) -> None:
        """Read the deadlines again on a reader thread (the campaigns, a few rows); ``refreshed``
        follows."""
        self._generation += 1
        generation, ctx = self._generation, self._ctx

        def work(progress: Progress, cancel: CancelToken) -> list[Reminder]:
            return reminders(ctx)

        job = Job(work)
        job.signals.finished.connect(lambda found: self._show(generation, found))
        # A broken deadlines file is said here rather than hiding the home page.
        job.signals.failed.connect(lambda message: self._show_problem(generation, message))
        job.signals.crashed.connect(lambda exc: report_unexpected(type(exc), exc, exc.__traceback__))
        job.start(reader_pool())

    def _show_problem(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.reminders = []
            self.setText(escape(message))
            self.setVisible(True)
            self.refreshed.emit()

    def _show(self, generation: int, found: list[Reminder]) -> None:
        if generation != self._generation:  # an older reading never replaces a newer one
            return
        self.reminders = found
        lines = []
        for reminder in self.reminders:
            line = escape(reminder.text)
            lines.append(f"<b>{line}</b>" if reminder.close else line)
        self.setText(_("Reporting deadlines:") + "<br>" + "<br>".join(lines) if lines else "")
        self.setVisible(bool(lines))
        self.setStyleSheet(banner_style(self) if any(r.close for r in self.reminders) else "padding: 6px;")
        self.refreshed.emit()
