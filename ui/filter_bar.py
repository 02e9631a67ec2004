"""The case list's search box and filters: period, status, violation group, commodity, lead force,
ownerless and campaign. Every change becomes one ``CaseFilter``; typing waits for a pause."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import periods
from app.campaigns import list_campaigns
from app.context import Context
from app.domain import Actor, CaseFilter
from app.i18n import N_, _
from app.reference import Reference
from ui.editor.fields import DATE_FORMAT, CodeCombo

SEARCH_DELAY_MS = 300  # long enough not to search on every key, short enough to feel immediate
ANY, CUSTOM = "any", "custom"
PERIOD_LABELS = {
    ANY: N_("Any time"),
    "this_week": N_("This report week"),
    "last_week": N_("Last report week"),
    "this_month": N_("This month"),
    "last_month": N_("Last month"),
    "this_quarter": N_("This quarter"),
    "this_year": N_("This year"),
    "last_year": N_("Last year"),
    CUSTOM: N_("From … to …"),
}
OWNERLESS_CHOICES = (
    (None, N_("Owned or ownerless")),
    (True, N_("Ownerless only")),
    (False, N_("With owner only")),
)


def _choices(reference: Reference, kind: str) -> list[tuple[str, str]]:
    if kind == "commodities":
        return [(code, reference.label(kind, code)) for code in reference.commodities]
    return [(code, reference.label(kind, code)) for code in reference.lists[kind]]


CAMPAIGN_CHARS = 24  # the campaign box's width, in characters


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _date(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


class FilterBar(QWidget):
    filter_changed = Signal(object)  # CaseFilter

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        ref = ctx.reference
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(_("Search: case number, name, ID number, plate, goods, place…"))
        self.search.setAccessibleName(_("Search cases"))
        self.period = QComboBox()
        for key, label in PERIOD_LABELS.items():
            self.period.addItem(_(label), key)
        self.refresh_period_labels()
        self.date_from = QDateEdit()
        self.date_to = QDateEdit()
        for edit in (self.date_from, self.date_to):
            edit.setDisplayFormat(DATE_FORMAT)
            edit.setCalendarPopup(True)
            edit.setDate(_qdate(self._today()))
            edit.hide()
        self.date_from.setAccessibleName(_("From"))
        self.date_to.setAccessibleName(_("To"))
        self.status = CodeCombo(_choices(ref, "case_statuses"), empty=_("Any status"))
        self.group = CodeCombo(_choices(ref, "violation_groups"), empty=_("Any violation group"))
        self.commodity = CodeCombo(_choices(ref, "commodities"), empty=_("Any commodity"))
        self.lead_force = CodeCombo(_choices(ref, "forces"), empty=_("Any lead force"))
        self.ownerless = QComboBox()
        for value, label in OWNERLESS_CHOICES:
            self.ownerless.addItem(_(label), value)
        self.campaign = QComboBox()
        # Campaign names run long ("Cao điểm đấu tranh … Tết Nguyên đán …"): the box keeps a fixed
        # width (the whole name is in its list and tooltip), or one name would widen the window.
        self.campaign.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.campaign.setMinimumContentsLength(CAMPAIGN_CHARS)
        self.clear_button = QPushButton(_("C&lear filters"))
        self.clear_button.setToolTip(_("Show every case again"))
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._last: CaseFilter = CaseFilter()
        self.reload_campaigns()
        self._lay_out()
        self._connect_signals()
        self._update_clear_button()

    def _today(self) -> date:
        return self._ctx.today()

    def _lay_out(self) -> None:
        first = QHBoxLayout()
        first.addWidget(self.search, 3)
        period_label = QLabel(_("&Period:"))
        period_label.setBuddy(self.period)
        first.addWidget(period_label)
        first.addWidget(self.period)
        first.addWidget(self.date_from)
        first.addWidget(self.date_to)
        second = QHBoxLayout()
        for widget in self._combos():
            second.addWidget(widget)
        second.addStretch(1)
        second.addWidget(self.clear_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(first)
        column.addLayout(second)

    def _connect_signals(self) -> None:
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._emit_now)
        self._timer.timeout.connect(self._emit_now)
        self.period.currentIndexChanged.connect(self._on_period_current_index_changed)
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(self._emit_now)
            edit.editingFinished.connect(self._order_dates)
        for combo in self._combos():
            combo.currentIndexChanged.connect(self._emit_now)
        self.clear_button.clicked.connect(self.clear)

    def refresh_period_labels(self) -> None:
        """Each preset shows its dates as of today ("This month (15/11–14/12/2026)")."""
        today, mode = self._today(), self._ctx.settings.report_period_mode
        for row in range(self.period.count()):
            key = self.period.itemData(row)
            if key in periods.PRESETS:
                period = periods.preset(key, today, mode)
                self.period.setItemText(
                    row, f"{_(PERIOD_LABELS[key])} ({_span(period.start, period.end)})"
                )

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        self.refresh_period_labels()  # the app may have stayed open past midnight:
        self._emit_now()  # a preset period then means other dates (sent only if they changed)
        super().showEvent(event)

    def reload_campaigns(self) -> None:
        """The campaign choice lists the register's campaigns; it is hidden while there are none."""
        with QSignalBlocker(self.campaign):
            current = self.campaign.currentData()
            self.campaign.clear()
            self.campaign.addItem(_("Any campaign"), None)
            for row in list_campaigns(self._ctx):
                self.campaign.addItem(row.label, row.id)
                self.campaign.setItemData(self.campaign.count() - 1, row.label, Qt.ItemDataRole.ToolTipRole)
            self.campaign.setCurrentIndex(max(self.campaign.findData(current), 0))
        self.campaign.setVisible(self.campaign.count() > 1)

    # ----- the filter ----------------------------------------------------------------------------

    def current_filter(self) -> CaseFilter:
        start = end = None
        key = self.period.currentData()
        if key == CUSTOM:
            start, end = _date(self.date_from.date()), _date(self.date_to.date())
            if end < start:
                start, end = end, start
        elif key != ANY:
            period = periods.preset(key, self._today(), self._ctx.settings.report_period_mode)
            start, end = period.start, period.end
        status = self.status.code()
        return CaseFilter(
            query=self.search.text().strip(),
            start=start,
            end=end,
            statuses=(status,) if status else (),
            violation_group=self.group.code(),
            commodity=self.commodity.code(),
            lead_force=self.lead_force.code(),
            ownerless=self.ownerless.currentData(),
            campaign_id=self.campaign.currentData(),
        )

    def set_filter(self, case_filter: CaseFilter) -> None:
        """Show ``case_filter`` (dates become a custom period) and announce it."""
        blockers = [QSignalBlocker(w) for w in self._inputs()]
        self.search.setText(case_filter.query)
        if case_filter.start is None and case_filter.end is None:
            self.period.setCurrentIndex(self.period.findData(ANY))
        else:
            self.period.setCurrentIndex(self.period.findData(CUSTOM))
            self.date_from.setDate(_qdate(case_filter.start or date(2000, 1, 1)))
            self.date_to.setDate(_qdate(case_filter.end or self._today()))
        self._show_dates()
        self.status.set_code(case_filter.statuses[0] if case_filter.statuses else None)
        self.group.set_code(case_filter.violation_group)
        self.commodity.set_code(case_filter.commodity)
        self.lead_force.set_code(case_filter.lead_force)
        self.ownerless.setCurrentIndex(max(self.ownerless.findData(case_filter.ownerless), 0))
        self.campaign.setCurrentIndex(max(self.campaign.findData(case_filter.campaign_id), 0))
        del blockers
        self._emit_now()

    def clear(self) -> None:
        self.set_filter(CaseFilter())
        self.search.setFocus()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _combos(self) -> list[QComboBox]:
        """The choices of the second row, in their order on screen."""
        return [self.status, self.group, self.commodity, self.lead_force, self.ownerless, self.campaign]

    def _inputs(self) -> list[QWidget]:
        return [self.search, self.period, self.date_from, self.date_to, *self._combos()]

    def _emit_now(self) -> None:
        self._timer.stop()
        case_filter = self.current_filter()
        self._update_clear_button()
        if case_filter != self._last:
            self._last = case_filter
            self.filter_changed.emit(case_filter)

    def _update_clear_button(self) -> None:
        self.clear_button.setEnabled(not self.current_filter().is_empty)

    def _order_dates(self) -> None:
        """Dates typed the wrong way round (from 01/12 to 01/11) are shown as the filter reads them, the
        earlier first, instead of being swapped without a word."""
        first, last = self.date_from.date(), self.date_to.date()
        if last < first:
            with QSignalBlocker(self.date_from), QSignalBlocker(self.date_to):
                self.date_from.setDate(last)
                self.date_to.setDate(first)

    def _show_dates(self) -> None:
        custom = self.period.currentData() == CUSTOM
        self.date_from.setVisible(custom)
        self.date_to.setVisible(custom)

    # ----- signal handlers -----------------------------------------------------------------------

    def _on_search_text_changed(self, _text: str) -> None:
        self._timer.start()  # restarted by every key: the search runs after a pause

    def _on_period_current_index_changed(self, _index: int) -> None:
        self._show_dates()
        self._emit_now()


def _span(start: date, end: date) -> str:
    """``15/11–14/12/2026``; with both years when they differ (``15/12/2025–14/12/2026``: a statistical
    year read "15/12–14/12/2026", which names no span at all)."""
    if start.year != end.year:
        return f"{start:%d/%m/%Y}–{end:%d/%m/%Y}"
    return f"{start:%d/%m}–{end:%d/%m/%Y}"
