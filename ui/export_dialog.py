"""*File → Export…* (and the case list's context menu): the cases the list shows, with its filter,
search and order, or their people or vehicles, to Excel, CSV or GeoJSON (``app/exports.py``).

The export runs as a background job with progress and Cancel (a large register takes a while);
cancelling leaves no file behind. A CSV file's separator is chosen here: Excel opened by a
double-click splits at Windows' list separator, ";" on a Vietnamese Windows (the default in
Vietnamese), "," on an English one (docs/operations.md §10)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.context import Context
from app.domain import Actor, CaseFilter, CaseSort
from app.exports import ExportResult, default_delimiter, export_cases, export_people, export_vehicles
from app.formatting import format_int
from app.i18n import _
from app.progress import CancelToken, Progress
from ui.errors import show_error
from ui.jobs import ProgressRunner

WHAT = ("cases", "people", "vehicles")
FORMAT_FILTERS = {
    "xlsx": lambda: _("Excel workbooks (*.xlsx)"),
    "csv": lambda: _("CSV files for Excel (*.csv)"),
    "geojson": lambda: _("GeoJSON for QGIS (*.geojson)"),
}
FILE_WORDS = {"cases": "vu-viec", "people": "nguoi", "vehicles": "phuong-tien"}


class ExportDialog(QDialog):
    def __init__(
        self,
        ctx: Context,
        actor: Actor,
        case_filter: CaseFilter,
        sort: CaseSort,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self._filter = case_filter
        self._sort = sort
        self.result_: ExportResult | None = None
        self._build_ui()
        self._connect_signals()
        self._on_what_changed()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Export"))
        intro = QLabel(
            _("The cases the list shows now, with its filter, search and order.")
            if not self._filter.is_empty
            else _("Every case in the register, in the list's order (the list has no filter or search).")
        )
        intro.setWordWrap(True)
        self.what_group = QButtonGroup(self)
        self.cases_button = QRadioButton(_("The case list"))
        self.people_button = QRadioButton(_("The people and organisations in these cases"))
        self.vehicles_button = QRadioButton(_("The vehicles and vessels in these cases"))
        for index, button in enumerate((self.cases_button, self.people_button, self.vehicles_button)):
            self.what_group.addButton(button, index)
        self.cases_button.setChecked(True)
        self.format_box = QComboBox()
        self.format_box.setAccessibleName(_("Format"))
        self.format_box.addItem(_("Excel (.xlsx)"), "xlsx")
        self.format_box.addItem(_("CSV, UTF-8 for Excel (.csv)"), "csv")
        self.format_box.addItem(_("GeoJSON map of the located cases, for QGIS (.geojson)"), "geojson")
        self.delimiter_box = QComboBox()
        self.delimiter_box.setAccessibleName(_("CSV separator"))
        self.delimiter_box.addItem(_("Semicolon ; with decimal comma (Excel on a Vietnamese Windows)"), ";")
        self.delimiter_box.addItem(_("Comma , with decimal point (Excel on an English Windows)"), ",")
        self.delimiter_box.setCurrentIndex(self.delimiter_box.findData(default_delimiter()))
        note = QLabel(
            _("Informants are never exported. A map holds no one's name.")
            + " "
            + _("Every export is recorded in the audit trail: who, what, how many rows, the filter and "
                "the file's name.")
        )
        note.setWordWrap(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(_("Export…"))
        form = QFormLayout()
        form.addRow(_("Format:"), self.format_box)
        form.addRow(_("CSV separator:"), self.delimiter_box)
        column = QVBoxLayout(self)
        column.addWidget(intro)
        for button in (self.cases_button, self.people_button, self.vehicles_button):
            column.addWidget(button)
        column.addLayout(form)
        column.addWidget(note)
        column.addWidget(self.status)
        column.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.what_group.idToggled.connect(self._on_what_group_toggled)
        self.format_box.currentIndexChanged.connect(self._on_format_box_current_index_changed)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def what(self) -> str:
        return WHAT[max(self.what_group.checkedId(), 0)]

    def fmt(self) -> str:
        return str(self.format_box.currentData())

    def delimiter(self) -> str:
        return str(self.delimiter_box.currentData())

    def _on_format_box_current_index_changed(self, _index: int) -> None:
        self.delimiter_box.setEnabled(self.fmt() == "csv")

    def _on_what_group_toggled(self, _id: int, checked: bool) -> None:
        if checked:
            self._on_what_changed()

    def _on_what_changed(self) -> None:
        """A map is of cases only: people and vehicles go to Excel or CSV."""
        geojson = self.format_box.findData("geojson")
        item = self.format_box.model().item(geojson)  # type: ignore[attr-defined]
        item.setEnabled(self.what() == "cases")
        if self.what() != "cases" and self.fmt() == "geojson":
            self.format_box.setCurrentIndex(self.format_box.findData("xlsx"))
        self.delimiter_box.setEnabled(self.fmt() == "csv")

    def _on_buttons_accepted(self) -> None:
        fmt = self.fmt()
        suggested = Path.home() / f"{FILE_WORDS[self.what()]}-{date.today():%Y-%m-%d}.{fmt}"
        name, _chosen = QFileDialog.getSaveFileName(self, _("Export"), str(suggested), FORMAT_FILTERS[fmt]())
        if name:
            path = Path(name)
            if path.suffix.lower() != f".{fmt}":
                path = path.with_name(path.name + f".{fmt}")
            self.export_to(path)

    def export_to(self, path: Path) -> bool:
        """Write the export to ``path`` as a background job; True when the file was written."""
        ctx, actor, case_filter, sort, what, fmt, delimiter = (
            self._ctx,
            self._actor,
            self._filter,
            self._sort,
            self.what(),
            self.fmt(),
            self.delimiter(),
        )

        def work(progress: Progress, cancel: CancelToken) -> ExportResult:
            if what == "people":
                return export_people(ctx, actor, case_filter, fmt, path, delimiter=delimiter,
                                     progress=progress, cancel=cancel)
            if what == "vehicles":
                return export_vehicles(ctx, actor, case_filter, fmt, path, delimiter=delimiter,
                                       progress=progress, cancel=cancel)
            return export_cases(
                ctx, actor, case_filter, fmt, path, sort=sort, delimiter=delimiter, progress=progress,
                cancel=cancel,
            )

        outcome = ProgressRunner(_("Exporting…"), self).run(work)
        if outcome.state == "failed":
            show_error(self, outcome.message, _("Cannot export"))
            return False
        if outcome.state != "finished":
            self.status.setText(_("Cancelled: no file was written."))
            return False
        result: ExportResult = outcome.result
        self.result_ = result
        text = _("{rows} rows written to {path}.").format(rows=format_int(result.rows), path=result.path)
        if result.left_out and fmt == "geojson":
            text += " " + _("{count} cases without coordinates are not on the map.").format(
                count=format_int(result.left_out)
            )
        elif result.left_out:
            text += " " + _("{count} rows past Excel's last row were left out.").format(
                count=format_int(result.left_out)
            )
        self.status.setText(text)
        return True
