"""The report period, picked or typed: a calendar day chooses the week, month, quarter or year it falls
in, ◀ ▶ step one period, and the typed forms of the command line (2026-W47, 2026-11, 2026-Q4, 2026,
``this``, ``last``: app/periods.py ``parse``) still work. Under it, the period it means in full, and for
a weekly report the Wednesday-to-Tuesday rule with the chosen week's own days (docs/domain.md §1)."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, QSignalBlocker, Signal
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLabel, QLineEdit, QToolButton, QVBoxLayout, QWidget

from app import periods
from app.context import Context
from app.formatting import format_date
from app.i18n import N_, _
from app.periods import Period
from ui.colours import problem_style

WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
            N_("Sunday"))


def period_of_day(kind: str, day: date, mode: str, window_offset: int) -> Period:
    """The period of ``kind`` (a report kind of app/periods.py) that ``day`` falls in."""
    if kind == "weekly":
        return periods.week_of(day, window_offset)
    if kind == "monthly":
        return periods.month_of(day, mode)
    if kind == "quarterly":
        return periods.quarter_of(day, mode)
    year = periods.year_of(day, mode).year
    return {"half": periods.half, "nine-months": periods.nine_months}.get(kind, periods.year)(year, mode)


def weekly_rule(window: Period, window_offset: int) -> str:
    """The weekly window explained with ``window``'s own days."""
    due = periods.weekly_due(window.end, window_offset)
    return _("A weekly report covers seven days, {first} to {last}, and is due the {due_day} after: this "
             "one covers {start} to {end} and is due on {due}.").format(
        first=_(WEEKDAYS[window.start.weekday()]), last=_(WEEKDAYS[window.end.weekday()]),
        due_day=_(WEEKDAYS[due.weekday()]), start=format_date(window.start), end=format_date(window.end),
        due=format_date(due))


class PeriodPicker(QWidget):
    """``text`` holds the period as typed; ``period()`` is what it means (None while it means nothing)."""

    period_changed = Signal()

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._kind = "weekly"
        self._mode = ctx.settings.report_period_mode
        self._offset = ctx.settings.weekly_window_end_offset_days
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.text = QLineEdit()
        self.text.setAccessibleName(_("Period"))
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("dd/MM/yyyy")
        self.day.setAccessibleName(_("A day in the period"))
        self.day.setToolTip(_("Pick a day: the period it falls in is chosen"))
        self.previous_button = QToolButton()
        self.previous_button.setText("◀")
        self.previous_button.setAccessibleName(_("Previous period"))
        self.previous_button.setToolTip(_("Previous period"))
        self.next_button = QToolButton()
        self.next_button.setText("▶")
        self.next_button.setAccessibleName(_("Next period"))
        self.next_button.setToolTip(_("Next period"))
        self.meaning = QLabel()
        self.meaning.setWordWrap(True)
        self.rule = QLabel()
        self.rule.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.previous_button)
        row.addWidget(self.text, 1)
        row.addWidget(self.next_button)
        row.addWidget(self.day)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row)
        column.addWidget(self.meaning)
        column.addWidget(self.rule)

    def _connect_signals(self) -> None:
        self.text.textChanged.connect(self._on_text_text_changed)
        self.day.dateChanged.connect(self._on_day_date_changed)
        self.previous_button.clicked.connect(self._on_previous_button_clicked)
        self.next_button.clicked.connect(self._on_next_button_clicked)

    # ----- what the page asks -------------------------------------------------------------------

    def set_kind(self, kind: str, mode: str) -> None:
        """A report kind (campaign: the campaign chooses the dates, nothing here is used)."""
        self._kind, self._mode = kind, mode
        for widget in (self.text, self.day, self.previous_button, self.next_button):
            widget.setEnabled(kind != "campaign")
        self._show()

    def period(self) -> Period | None:
        if self._kind == "campaign" or not self.text.text().strip():
            return None
        try:
            return self._parse()
        except ValueError:
            return None

    def _parse(self) -> Period:
        return periods.parse(self._kind, self.text.text(), self._ctx.today(), self._mode, self._offset)

    def choose(self, period: Period) -> None:
        self.text.setText(periods.typed(period))

    # ----- slots --------------------------------------------------------------------------------

    def _on_text_text_changed(self, _text: str) -> None:
        self._show()
        self.period_changed.emit()

    def _on_day_date_changed(self, day: QDate) -> None:
        if self._kind != "campaign":
            picked = date(day.year(), day.month(), day.day())
            self.choose(period_of_day(self._kind, picked, self._mode, self._offset))

    def _on_previous_button_clicked(self) -> None:
        self._step(-1)

    def _on_next_button_clicked(self) -> None:
        self._step(1)

    def _step(self, direction: int) -> None:
        current = self.period() or period_of_day(self._kind, self._ctx.today(), self._mode, self._offset)
        day = current.start - timedelta(days=1) if direction < 0 else current.end + timedelta(days=1)
        self.choose(period_of_day(self._kind, day, self._mode, self._offset))

    def _show(self) -> None:
        if self._kind == "campaign":
            self.meaning.setText("")
            self.rule.setVisible(False)
            return
        found: Period | None = None
        try:
            if self.text.text().strip():
                found = self._parse()
        except ValueError as exc:
            self.meaning.setStyleSheet(problem_style(self.meaning))
            self.meaning.setText(str(exc))
        else:
            self.meaning.setStyleSheet("")
            self.meaning.setText(periods.label(found) if found else "")
        if found is not None:
            with QSignalBlocker(self.day):  # the day follows the typed period without choosing again
                self.day.setDate(QDate(found.start.year, found.start.month, found.start.day))
        weekly = self._kind == "weekly"
        window = found if weekly and found is not None else periods.week_of(self._ctx.today(), self._offset)
        self.rule.setText(weekly_rule(window, self._offset) if weekly else "")
        self.rule.setVisible(weekly)
