"""The hand-over of a criminal case to the police: its record, the police's follow-up, and the printed
minutes (biên bản bàn giao), all through ``app.handovers`` and ``app.handover_form``.

Opened from a case whose outcome is a criminal transfer (the Case menu). Everything is reachable from
the keyboard: each field has its mnemonic, Ctrl+S saves the record, Ctrl+P prints the minutes."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.auth import can
from app.context import Context
from app.domain import Actor, CaseResult
from app.errors import AppError, AuthError
from app.handover_form import print_handover
from app.handovers import FINAL, FOLLOW_UPS, HandoverInput, HandoverService, HandoverView, status_text
from app.i18n import _
from ui.errors import show_error
from ui.pdf_preview import PdfPreviewDialog
from ui.print_key import KeyMemory
from ui.print_passphrase import print_passphrase

DATE_FORMAT = "dd/MM/yyyy"


def _date_field(day: date) -> QDateEdit:
    field = QDateEdit(QDate(day.year, day.month, day.day))
    field.setDisplayFormat(DATE_FORMAT)
    field.setCalendarPopup(True)
    return field


def _day(field: QDateEdit) -> date:
    shown = field.date()
    return date(shown.year(), shown.month(), shown.day())


class HandoverDialog(QDialog):
    """``changed`` carries what a save or a step changed (``app.domain.Changes``)."""

    changed = Signal(object)

    def __init__(
        self,
        ctx: Context,
        actor: Actor,
        case: CaseResult,
        keys: KeyMemory | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self._case = case
        self._keys = keys or KeyMemory()
        self._service = HandoverService(ctx)
        self.handover: HandoverView | None = None
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Hand-over to the police — {number}").format(number=self._case.number))
        self.setMinimumWidth(640)
        today = self._ctx.today()
        self.agency = QLineEdit()
        self.handed_on = _date_field(today)
        self.receipt = QLineEdit()
        self.receipt.setMaxLength(60)
        self.handed_by = QLineEdit()
        self.received_by = QLineEdit()
        self.documents = QPlainTextEdit()
        self.documents.setTabChangesFocus(True)
        self.documents.setPlaceholderText(_("one paper a line"))
        self.documents.setFixedHeight(90)
        self.defendants = QListWidget()
        self.defendants.setFixedHeight(80)
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(50)
        self.save_button = QPushButton(_("Sa&ve the record"))
        record = QFormLayout()
        record.addRow(_("Receiving &agency"), self.agency)
        record.addRow(_("Handed over &on"), self.handed_on)
        record.addRow(_("Receipt &number"), self.receipt)
        record.addRow(_("Handed over &by"), self.handed_by)
        record.addRow(_("Receiv&ed by"), self.received_by)
        record.addRow(_("Pape&rs handed over"), self.documents)
        record.addRow(_("&Defendants"), self.defendants)
        record.addRow(_("No&te"), self.note)
        record.addRow("", self.save_button)
        self.record_box = QGroupBox(_("Hand-over record"))
        self.record_box.setLayout(record)

        self.status_label = QLabel()
        self.steps = QListWidget()
        self.steps.setFixedHeight(70)
        self.next_status = QComboBox()
        self.step_on = _date_field(today)
        self.step_note = QLineEdit()
        self.step_note.setPlaceholderText(_("note (a decision's number…)"))
        self.step_button = QPushButton(_("Record the &step"))
        step_row = QHBoxLayout()
        step_row.addWidget(self.next_status)
        step_row.addWidget(self.step_on)
        step_row.addWidget(self.step_note, 1)
        step_row.addWidget(self.step_button)
        follow = QFormLayout()
        follow.addRow(_("Status"), self.status_label)
        follow.addRow(_("Steps"), self.steps)
        # A row holding a layout gets no buddy from the form: the label names the first field itself.
        next_label = QLabel(_("Ne&xt step"))
        next_label.setBuddy(self.next_status)
        follow.addRow(next_label, step_row)
        self.follow_box = QGroupBox(_("The police's follow-up"))
        self.follow_box.setLayout(follow)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        self.print_button = QPushButton(_("&Print the minutes…"))
        self.buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.record_box)
        layout.addWidget(self.follow_box)
        layout.addWidget(self.buttons)
        self.save_shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        self.print_shortcut = QShortcut(QKeySequence.StandardKey.Print, self)

    def _connect_signals(self) -> None:
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.step_button.clicked.connect(self._on_step_button_clicked)
        self.print_button.clicked.connect(self._on_print_button_clicked)
        self.save_shortcut.activated.connect(self._on_save_button_clicked)
        self.print_shortcut.activated.connect(self._on_print_button_clicked)
        self.buttons.rejected.connect(self.reject)

    def _load(self) -> None:
        try:
            self.handover = self._service.for_case(self._actor, self._case.id)
        except AppError as exc:
            show_error(self, exc.message)
            return
        handover = self.handover
        document: dict[str, Any] = dict(self._case.document)  # the case's JSON document (app/case_json.py)
        parties = [p for p in document.get("parties", []) if p.get("role") != "witness"]
        chosen = None if handover is None else {(d.full_name, d.id_number) for d in handover.defendants}
        self.defendants.clear()
        for party in parties:
            text = party["full_name"] + (f" — {party['id_number']}" if party.get("id_number") else "")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, party.get("id_number") or party["full_name"])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            held = chosen is None or (party["full_name"], party.get("id_number")) in chosen
            item.setCheckState(Qt.CheckState.Checked if held else Qt.CheckState.Unchecked)
            self.defendants.addItem(item)
        if handover is None:
            self.agency.setText(document.get("handling", {}).get("receiving_agency", ""))
            self.handed_by.setText(self._actor.full_name)
            self.documents.setPlainText("\n".join(self._case_papers()))
        else:
            self.agency.setText(handover.receiving_agency)
            self.handed_on.setDate(
                QDate(handover.handed_on.year, handover.handed_on.month, handover.handed_on.day)
            )
            self.receipt.setText(handover.receipt_no or "")
            self.handed_by.setText(handover.handed_by)
            self.received_by.setText(handover.received_by or "")
            self.documents.setPlainText("\n".join(handover.documents))
            self.note.setPlainText(handover.note or "")
        self._show_follow_up()

    def _case_papers(self) -> list[str]:
        """The case's listed papers, as a first guess of what is handed over."""
        papers = []
        papers_listed: list[dict[str, Any]] = list(self._case.document.get("documents") or [])  # type: ignore[call-overload]
        for paper in papers_listed:
            label = self._ctx.reference.label("form_codes", paper.get("form_code"), "vi")
            papers.append(f"{label or paper.get('form_code')} số {paper.get('number', '')}".strip())
        return papers

    def _show_follow_up(self) -> None:
        handover = self.handover
        editable = (
            can(self._actor, "handover.record")
            and self._case.document.get("station") == self._actor.station_code
        )
        self.save_button.setEnabled(editable)
        self.print_button.setEnabled(handover is not None)
        self.steps.clear()
        self.next_status.clear()
        if handover is None:
            self.status_label.setText(_("not handed over yet: save the record first"))
            self.follow_box.setEnabled(False)
            return
        self.status_label.setText(f"{status_text(handover.status)} ({handover.status_on:%d/%m/%Y})")
        self.steps.addItem(f"{handover.handed_on:%d/%m/%Y}  {status_text('handed_over')}")
        for step in handover.followups:
            note = f" — {step.note}" if step.note else ""
            self.steps.addItem(f"{step.on:%d/%m/%Y}  {status_text(step.status)}{note}")
        done = {step.status for step in handover.followups}
        for status in FOLLOW_UPS:
            if status not in done:
                self.next_status.addItem(status_text(status), status)
        self.follow_box.setEnabled(editable and handover.status not in FINAL)

    def entered(self) -> HandoverInput:
        picked = [
            str(self.defendants.item(row).data(Qt.ItemDataRole.UserRole))
            for row in range(self.defendants.count())
            if self.defendants.item(row).checkState() == Qt.CheckState.Checked
        ]
        return HandoverInput(
            receiving_agency=self.agency.text(),
            handed_on=_day(self.handed_on),
            documents=tuple(line for line in self.documents.toPlainText().splitlines() if line.strip()),
            receipt_no=self.receipt.text() or None,
            defendants=tuple(picked),
            handed_by=self.handed_by.text() or None,
            received_by=self.received_by.text() or None,
            note=self.note.toPlainText() or None,
        )

    # ----- slots ---------------------------------------------------------------------------------

    def _on_save_button_clicked(self) -> None:
        if not self.save_button.isEnabled():
            return
        try:
            if self.handover is None:
                result = self._service.add(self._actor, self._case.id, self.entered())
            else:
                result = self._service.edit(
                    self._actor, self.handover.id, self.entered(), self.handover.version
                )
        except AppError as exc:
            show_error(self, exc.message, _("The hand-over was not saved"))
            return
        self.handover = result.handover
        self._show_follow_up()
        self.changed.emit(result.changes)

    def _on_step_button_clicked(self) -> None:
        if self.handover is None or not self.follow_box.isEnabled():
            return
        try:
            result = self._service.follow_up(
                self._actor,
                self.handover.id,
                str(self.next_status.currentData()),
                _day(self.step_on),
                self.step_note.text(),
                self.handover.version,
            )
        except AppError as exc:
            show_error(self, exc.message, _("The step was not recorded"))
            return
        self.handover = result.handover
        self.step_note.clear()
        self._show_follow_up()
        self.changed.emit(result.changes)

    def _on_print_button_clicked(self) -> PdfPreviewDialog | None:
        """Preview the minutes, signed as the case's forms are (the passphrase asked for once)."""
        if self.handover is None:
            return None
        try:
            status = self._ctx.cases.get(self._actor, self._case.id).status
            passphrase = print_passphrase(self._ctx, self._keys, status, self)
            if passphrase is None:
                return None
            printed = print_handover(self._ctx, self._actor, self.handover.id, passphrase or None)
        except AuthError as exc:
            self._keys.forget()
            show_error(self, exc.message, _("Cannot print the minutes"))
            return None
        except AppError as exc:
            show_error(self, exc.message, _("Cannot print the minutes"))
            return None
        if passphrase:
            self._keys.passphrase = passphrase
        dialog = PdfPreviewDialog(
            printed.pdf,
            _("Hand-over minutes — {number}").format(number=printed.case_number),
            printed.filename,
            self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog
