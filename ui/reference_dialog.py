"""Tools → Reference data…: every reference list (forces, violation groups, commodities, communes, …)
as the register uses it, each entry marked as shipped with this Outpost version or added or replaced by
HQ (when); at HQ an admin adds or replaces entries from a JSON file, as ``outpost reference set``
does (app/sync/replies.py), and they reach every post in its next return bundle.

Editing is by file only, because that is what the command line allows: entries are checked as a whole
file (the kind, each code, its names), the same checks the posts run when they receive them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.auth import can
from app.context import Context
from app.domain import Actor, Changes
from app.errors import AppError
from app.formatting import format_datetime
from app.i18n import N_, _, ngettext
from app.reference_view import KINDS, entries, shipped_version
from ui.errors import show_error

KIND_TEXT = {
    "forces": N_("Forces"),
    "violation_groups": N_("Violation groups"),
    "location_kinds": N_("Location kinds"),
    "detection_methods": N_("Detection methods"),
    "outcomes": N_("Outcomes"),
    "party_roles": N_("Roles of people in a case"),
    "vehicle_kinds": N_("Vehicle kinds"),
    "case_statuses": N_("Case statuses"),
    "roles": N_("User roles"),
    "form_codes": N_("Printable forms"),
    "commodities": N_("Commodities"),
    "communes": N_("Communes of An Giang (from 01/07/2025)"),
}


class ReferenceDialog(QDialog):
    changed = Signal(object)  # Changes: HQ's entries were stored

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Reference data"))
        self.resize(760, 520)
        self.kind = QComboBox()
        for kind in KINDS:
            self.kind.addItem(_(KIND_TEXT[kind]), kind)
        self.kind.setAccessibleName(_("Reference list"))
        self.about = QLabel()
        self.about.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([_("Code"), _("Vietnamese"), _("English"), _("Source")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.import_button = QPushButton(_("Add or replace from a file…"))
        self.import_button.setToolTip(
            _("A JSON file of one list's entries (code, vi, en), as for 'outpost reference set'; the entries "
              "reach every post in its next return bundle")
        )
        self.import_button.setVisible(self._ctx.kind == "hq" and can(self._actor, "reference.manage"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("List:")))
        top.addWidget(self.kind, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.import_button)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.about)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

    def _connect_signals(self) -> None:
        self.kind.currentIndexChanged.connect(self._load)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.buttons.rejected.connect(self.reject)

    def _load(self) -> None:
        kind = str(self.kind.currentData())
        found = entries(self._ctx, kind)
        from_hq = sum(1 for entry in found if entry.updated_at is not None)
        self.about.setText(
            ngettext(
                "{count} entry, shipped with Outpost {version}; {hq} of them added or replaced by HQ.",
                "{count} entries, shipped with Outpost {version}; {hq} of them added or replaced by HQ.",
                len(found),
            ).format(count=len(found), version=shipped_version(), hq=from_hq)
        )
        if kind == "communes":
            self.table.setHorizontalHeaderLabels([_("Code"), _("Name"), _("Kind"), _("Source")])
        else:
            self.table.setHorizontalHeaderLabels([_("Code"), _("Vietnamese"), _("English"), _("Source")])
        self.table.setRowCount(len(found))
        for row, entry in enumerate(found):
            source = (
                _("shipped ({version})").format(version=shipped_version())
                if entry.updated_at is None
                else _("HQ, {when}").format(when=format_datetime(self._ctx.local(entry.updated_at)))
            )
            for column, text in enumerate((entry.code, entry.vi, entry.en, source)):
                self.table.setItem(row, column, QTableWidgetItem(text))

    def add_from_file(self, path: Path) -> int | None:
        """Store the entries of ``path`` (HQ); how many, or None when refused (said in a message box)."""
        from app.sync.replies import set_reference_items

        try:
            count = set_reference_items(self._ctx, self._actor, path)
        except AppError as exc:
            show_error(self, exc.message, _("The reference entries were not stored"))
            return None
        self.changed.emit(Changes(reference=True))
        self._load()
        return count

    def _on_import_button_clicked(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self, _("Reference entries"), str(Path.home()), _("JSON files (*.json)")
        )
        if name:
            self.add_from_file(Path(name))
