"""The home page's reporting deadlines: the next weekly (during a campaign), monthly and year-end
report with the days left, highlighted when one is close (app/reminders.py)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from app.context import Context
from app.errors import AppError
from app.i18n import _
from app.reminders import Reminder, reminders
from ui.colours import banner_style


class DeadlineReminders(QLabel):
    """One line per deadline; the close ones in bold, and the whole banner highlighted then."""

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.reminders: list[Reminder] = []
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAccessibleName(_("Reporting deadlines"))

    def refresh(self) -> None:
        """Read the deadlines again (a few rows: the campaigns; done on the GUI thread)."""
        try:
            self.reminders = reminders(self._ctx)
        except AppError as exc:  # a broken deadlines file: said here rather than hiding the home page
            self.reminders = []
            self.setText(escape(exc.message))
            return
        lines = []
        for reminder in self.reminders:
            line = escape(reminder.text)
            lines.append(f"<b>{line}</b>" if reminder.close else line)
        self.setText(_("Reporting deadlines:") + "<br>" + "<br>".join(lines) if lines else "")
        self.setVisible(bool(lines))
        self.setStyleSheet(banner_style(self) if any(r.close for r in self.reminders) else "padding: 6px;")
