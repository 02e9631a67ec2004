"""The Reports screen: choose the kind, period, post or campaign; the 389 summary report is computed
off the GUI thread (with progress and Cancel), previewed here, printed, and saved as PDF or Excel.
At HQ it also makes the province report: every post together, with a row per post."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import periods
from app.campaigns import list_campaigns
from app.context import Context
from app.domain import Actor
from app.errors import AppError
from app.i18n import _
from app.reports import Scope, SummaryReport, agency_lines, build_report, parse_period, posts
from ui.editor.fields import CodeCombo
from ui.errors import show_error
from ui.jobs import ProgressRunner
from ui.pdf_preview import PdfPreview
from ui.period_picker import PeriodPicker

KINDS = ("weekly", "monthly", "quarterly", "half", "nine-months", "annual", "campaign")
# What the period box takes for each kind (the box starts with the current period).
_EXAMPLES = {
    "weekly": "2026-W47 · 12/11/2026",
    "monthly": "2026-11 · 11/2026",
    "quarterly": "2026-Q4",
    "half": "2026",
    "nine-months": "2026",
    "annual": "2026",
    "campaign": "",
}


def _kind_labels() -> dict[str, str]:
    return {
        "weekly": _("Weekly"),
        "monthly": _("Monthly"),
        "quarterly": _("Quarterly"),
        "half": _("Six months"),
        "nine-months": _("Nine months"),
        "annual": _("Annual"),
        "campaign": _("Campaign"),
    }


class ReportsPage(QWidget):
    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self.report: SummaryReport | None = None
        self._suggested = ""  # the period the page filled in (it follows the mode; a typed one stays)
        self.kind = CodeCombo(_kind_labels().items())
        # Picked from a calendar, stepped, or typed as on the command line (ui/period_picker.py).
        self.picker = PeriodPicker(ctx)
        self.period = self.picker.text
        self.mode = CodeCombo(
            [(periods.STATISTICAL, _("15th to 14th (statistical)")), (periods.CALENDAR, _("Calendar months"))]
        )
        self.mode.set_code(ctx.settings.report_period_mode)
        self.mode.setMinimumContentsLength(24)
        self.campaign = CodeCombo([], empty=_("(all cases)"))
        self.reload_campaigns()
        self.station = CodeCombo(self._stations(), empty=_("(every post)"))
        self.province = QCheckBox(_("Province report: a row for each post"))
        self.province.setToolTip(
            _("Every post together, with a row for each post beside the rows for each force.")
        )
        self.period_help = QLabel()
        self.period_help.setWordWrap(True)
        self.build_button = QPushButton(_("&Make the report"))
        self.build_button.setDefault(True)
        self.excel_button = QPushButton(_("Save &Excel…"))
        self.excel_button.setEnabled(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("&Kind:"), self.kind)
        form.addRow(_("&Period:"), self.picker)
        form.addRow("", self.period_help)
        form.addRow(_("Period &mode:"), self.mode)
        form.addRow(_("C&ampaign:"), self.campaign)
        if self.station.count() > 2:  # HQ: the posts it receives from
            form.addRow(_("P&ost:"), self.station)
        if ctx.kind == "hq":  # a province report is HQ's (a post's register holds only its own cases)
            form.addRow("", self.province)
        buttons = QHBoxLayout()
        buttons.addWidget(self.build_button)
        buttons.addWidget(self.excel_button)
        buttons.addStretch(1)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addLayout(buttons)
        side.addWidget(self.status)
        side.addStretch(1)
        self.preview = PdfPreview(self)
        row = QHBoxLayout(self)
        row.addLayout(side, 0)
        row.addWidget(self.preview, 1)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.period.returnPressed.connect(self.make_report)
        self.build_button.clicked.connect(self.make_report)
        self.excel_button.clicked.connect(self.save_excel_dialog)
        self.province.toggled.connect(self._province_toggled)
        self.kind.set_code("weekly")
        self._kind_changed()

    def reload_campaigns(self) -> None:
        """The campaign choice lists the register's campaigns (again, after some were declared or
        received); the one chosen stays chosen."""
        current = self.campaign.code()
        with QSignalBlocker(self.campaign):
            self.campaign.clear()
            self.campaign.addItem(_("(all cases)"), None)
            for row in list_campaigns(self._ctx):
                self.campaign.addItem(row.label, row.id)
            self.campaign.setCurrentIndex(max(self.campaign.findData(current), 0))

    def _stations(self) -> list[tuple[str, str]]:
        return [(code, f"{code} — {name}") for code, name in posts(self._ctx)]

    def _kind_changed(self) -> None:
        kind = self.kind.code() or "weekly"
        campaign = kind == "campaign"
        current = (
            None
            if campaign
            else periods.parse(
                kind,
                "this",
                self._ctx.today(),
                self.mode.code() or periods.STATISTICAL,
                self._ctx.settings.weekly_window_end_offset_days,
            )
        )
        self._suggested = periods.typed(current) if current else ""
        self.picker.set_kind(kind, self.mode.code() or periods.STATISTICAL)
        self.period.setText(self._suggested)
        self.period.setPlaceholderText(_EXAMPLES[kind])
        self.period_help.setText(
            _("Choose the campaign below: the report covers its own dates.")
            if campaign
            else _("For example: {examples}").format(examples=_EXAMPLES[kind])
        )

    def _mode_changed(self) -> None:
        """The current period depends on the mode (on 23 November the statistical month is December's):
        a period the page suggested follows it; one the user typed stays."""
        self.picker.set_kind(self.kind.code() or "weekly", self.mode.code() or periods.STATISTICAL)
        if self.period.text() == self._suggested:
            self._kind_changed()

    def _province_toggled(self, checked: bool) -> None:
        """The province report covers every post: the choice of one post stands aside meanwhile."""
        if checked:
            self.station.set_code(None)
        self.station.setEnabled(not checked)

    def scope(self) -> Scope:
        return Scope(
            station_code=self.station.code(),
            campaign_id=self.campaign.code(),
            province=self.province.isChecked(),
        )

    def make_report(self) -> bool:
        """Compute the report and its PDF on a worker thread and show it; False if it could not be made."""
        kind = self.kind.code() or "weekly"
        scope = self.scope()
        mode = self.mode.code() or periods.STATISTICAL
        try:
            period = parse_period(
                self._ctx,
                kind,
                self.period.text() or None,
                scope,
                mode=mode,
                today=self._ctx.today(),
                fields=(_("Period"), _("Campaign")),
            )
        except AppError as exc:
            show_error(self, exc.message, _("Cannot make the report"))
            return False
        # ReportLab and the PDF layout: imported when a report is first made, not before the main window's
        # first page (docs/performance.md, start-up).
        from app.printing import register_fonts
        from app.report_charts import report_chart_flowables
        from app.report_pdf import report_pdf

        register_fonts()  # once, here: ReportLab's font registry is global
        ctx, actor = self._ctx, self._actor
        agency, place = agency_lines(ctx, actor), ctx.settings.place_name

        def work(progress, cancel):  # type: ignore[no-untyped-def]
            report = build_report(
                ctx, actor, kind, period, scope, mode=mode, progress=progress, cancel=cancel
            )
            cancel.check()
            annex = report_chart_flowables(ctx, actor, report, scope)  # monthly and annual: charts
            return report, report_pdf(report, agency, place, annex)

        outcome = ProgressRunner(_("Making the report…"), self).run(work)
        if outcome.state == "failed":
            show_error(self, outcome.message, _("Cannot make the report"))
            return False
        if outcome.state != "finished":
            self.status.setText(_("Cancelled: nothing was made."))
            return False
        report, (pdf, pages) = outcome.result
        self.report = report
        whole = "-toan-tinh" if scope.province else ""
        name = f"bao-cao-{kind}{whole}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
        self.preview.load(pdf, name + ".pdf")
        self.excel_button.setEnabled(True)
        self.status.setText(
            _("{title}: {period}, {pages} page(s).").format(
                title=report.title, period=periods.label(period), pages=pages
            )
        )
        return True

    def save_excel_dialog(self) -> None:
        if self.report is None:
            return
        suggested = Path.home() / Path(self.preview.suggested_name).with_suffix(".xlsx").name
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Save Excel"), str(suggested), _("Excel workbooks (*.xlsx)")
        )
        if name:
            self.save_excel(Path(name))

    def save_excel(self, path: Path) -> bool:
        assert self.report is not None
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        report = self.report

        def work(progress, cancel):  # type: ignore[no-untyped-def]
            from app.printing import save
            from app.report_xlsx import report_xlsx  # openpyxl: imported when a workbook is first saved

            data = report_xlsx(report)  # seconds for a large register's long reward list
            cancel.check()
            try:
                save(path, data)
            except OSError as exc:
                raise AppError(_("{path}: {reason}").format(path=path, reason=exc.strerror or exc)) from exc

        outcome = ProgressRunner(_("Writing the Excel file…"), self).run(work)
        if outcome.state == "failed":
            show_error(self, outcome.message, _("Could not save the Excel file"))
            return False
        if outcome.state != "finished":
            self.status.setText(_("Cancelled: nothing was saved."))
            return False
        self.status.setText(_("Saved {path}.").format(path=path))
        return True
