"""Campaign periods (đợt cao điểm): declared and corrected at HQ, listed read-only at a post (they
arrive there in HQ's return bundles)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.auth import can
from app.campaigns import CampaignRow, add_campaign, change_campaign, list_campaigns
from app.context import Context
from app.domain import Actor
from app.errors import AppError, ValidationError
from app.i18n import _
from ui.colours import problem_style
from ui.editor.fields import DATE_FORMAT


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _day(edit: QDateEdit) -> date:
    value = edit.date()
    return date(value.year(), value.month(), value.day())


class CampaignsDialog(QDialog):
    """After it closes, ``changed`` holds the ids of the campaigns saved while it was open."""

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self.editable = ctx.kind == "hq" and can(actor, "campaign.manage")
        self.changed: list[str] = []
        self._rows: list[CampaignRow] = []
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Campaign periods"))
        self.resize(640, 460)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([_("Campaign"), _("First day"), _("Last day")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.note = QLabel(
            _("Campaigns are declared here and reach every post with its next return bundle.")
            if self.editable
            else _("Campaigns are declared at HQ and arrive with its return bundles.")
        )
        self.note.setWordWrap(True)
        self.name = QLineEdit()
        self.name.setMaxLength(200)
        self.starts_on = QDateEdit()
        self.ends_on = QDateEdit()
        today = _qdate(self._ctx.today())
        for edit in (self.starts_on, self.ends_on):
            edit.setDisplayFormat(DATE_FORMAT)
            edit.setCalendarPopup(True)
            edit.setDate(today)
        form = QFormLayout()
        form.addRow(_("&Name"), self.name)
        form.addRow(_("&First day"), self.starts_on)
        form.addRow(_("&Last day"), self.ends_on)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(problem_style(self))
        self.problem.hide()
        self.add_button = QPushButton(_("&Add as a new campaign"))
        self.save_button = QPushButton(_("&Save changes to the selected one"))
        self.save_button.setEnabled(False)
        actions = QHBoxLayout()
        actions.addWidget(self.add_button)
        actions.addWidget(self.save_button)
        actions.addStretch(1)
        self.editor = QWidget()
        editor_layout = QVBoxLayout(self.editor)
        editor_layout.setContentsMargins(0, 0, 0, 0)
        editor_layout.addLayout(form)
        editor_layout.addWidget(self.problem)
        editor_layout.addLayout(actions)
        self.editor.setVisible(self.editable)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.editor)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.table.itemSelectionChanged.connect(self._on_table_selection_changed)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.buttons.rejected.connect(self.reject)
        self.buttons.accepted.connect(self.accept)

    def _load(self, select: str | None = None) -> None:
        self._rows = list_campaigns(self._ctx)
        self.table.setRowCount(len(self._rows))
        for row, campaign in enumerate(self._rows):
            self.table.setItem(row, 0, QTableWidgetItem(campaign.name))
            for column, day in ((1, campaign.starts_on), (2, campaign.ends_on)):
                item = QTableWidgetItem(f"{day:%d/%m/%Y}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, column, item)
            if campaign.id == select:
                self.table.selectRow(row)

    def selected(self) -> CampaignRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self._rows[rows[0].row()] if rows else None

    def _on_table_selection_changed(self) -> None:
        campaign = self.selected()
        self.save_button.setEnabled(campaign is not None)
        if campaign is not None:
            self.name.setText(campaign.name)
            self.starts_on.setDate(_qdate(campaign.starts_on))
            self.ends_on.setDate(_qdate(campaign.ends_on))
        self._say(None)

    def _on_add_button_clicked(self) -> None:
        self._save(None)

    def _on_save_button_clicked(self) -> None:
        campaign = self.selected()
        if campaign is not None:
            self._save(campaign.id)

    def _save(self, campaign_id: str | None) -> None:
        name, first, last = self.name.text(), _day(self.starts_on), _day(self.ends_on)
        try:
            if campaign_id is None:
                saved = add_campaign(self._ctx, self._actor, name, first, last)
            else:
                saved = change_campaign(self._ctx, self._actor, campaign_id, name, first, last)
        except ValidationError as exc:
            self._say("; ".join(exc.problems))
            return
        except AppError as exc:
            self._say(str(exc))
            return
        self.changed.append(saved.id)
        self._load(select=saved.id)
        self._say(None)

    def _say(self, problem: str | None) -> None:
        """A problem with what was typed, under the fields (nothing was saved); None hides it."""
        self.problem.setText(problem[:1].upper() + problem[1:] if problem else "")
        self.problem.setVisible(bool(problem))
