"""The editor of one patrol, checkpoint, inspection or outreach session (issue 19).

What is typed becomes the activity's JSON document and goes through the very checks ``activity add``
applies (``app.activity_json.parse_activities``), so the screen and the command line accept and refuse
the same things and word the problems the same way (by the field's path). A stored activity opens
read-only at HQ and at any station that is not its own.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QDoubleValidator, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.activities import ActivityResult, ActivityView
from app.activity_json import KIND_TEXT, KINDS, ActivityInput, parse_activities
from app.context import Context
from app.domain import Actor
from app.errors import AppError, ValidationError
from app.i18n import _
from app.inspections import DuplicateInspection
from ui.colours import warning_style
from ui.editor.fields import CodeCombo, ErrorLabel, SearchCombo
from ui.editor.pages import DateTimeField
from ui.errors import show_error
from ui.overlap_reason_dialog import OverlapReasonDialog

NO_PARTICIPANTS = -1  # the spin box's empty value: "not counted"


class ActivityEditor(QDialog):
    """``saved`` carries the ``ActivityResult`` of a save (its ``changes`` for the main window)."""

    saved = Signal(object)

    def __init__(
        self, ctx: Context, actor: Actor, view: ActivityView | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self._view = view
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        ref = self._ctx.reference
        self.setWindowTitle(_("New field activity") if self._view is None else _("Field activity"))
        self.setMinimumSize(640, 700)
        self.kind = CodeCombo([(k, _(KIND_TEXT[k])) for k in KINDS])
        self.started = DateTimeField(self._ctx.zone)
        self.ended = DateTimeField(self._ctx.zone, optional=True)
        communes = sorted(((c.code, c.name) for c in ref.communes.values()), key=lambda item: item[1])
        self.commune = SearchCombo(communes, empty="")
        self.border_marker = QLineEdit()
        self.border_marker.setMaxLength(40)
        self.border_marker.setPlaceholderText(_("e.g. Mốc 245"))
        self.route = QLineEdit()
        self.route.setMaxLength(200)
        self.place = QLineEdit()
        self.latitude = QLineEdit()
        self.longitude = QLineEdit()
        for edit, low, high in ((self.latitude, -90.0, 90.0), (self.longitude, -180.0, 180.0)):
            validator = QDoubleValidator(low, high, 6, edit)
            validator.setNotation(QDoubleValidator.Notation.StandardNotation)
            edit.setValidator(validator)
            edit.setMaximumWidth(120)
        coordinates = QHBoxLayout()
        coordinates.addWidget(QLabel(_("Latitude")))
        coordinates.addWidget(self.latitude)
        coordinates.addWidget(QLabel(_("Longitude")))
        coordinates.addWidget(self.longitude)
        coordinates.addStretch(1)
        self.establishment = QLineEdit()
        self.establishment.setMaxLength(200)
        # Where the duplicate-inspection warning shows (app.activities.establishment_notices).
        self.establishment_notice = QLabel()
        self.establishment_notice.setWordWrap(True)
        self.establishment_notice.setStyleSheet(warning_style(self))
        self.establishment_notice.hide()
        # Why it is inspected again: asked for by OverlapReasonDialog when the save is refused without
        # one, shown here while there is a warning or a reason (issue 19 item 3).
        self.overlap_reason = QPlainTextEdit()
        self.overlap_reason.setTabChangesFocus(True)
        self.overlap_reason.setMaximumHeight(self.fontMetrics().height() * 3)
        forces = [(code, ref.label("forces", code)) for code in ref.lists["forces"]]
        self.lead_force = CodeCombo(forces)
        self.cooperating = QListWidget()
        for code, label in forces:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.cooperating.addItem(item)
        self.cooperating.setMaximumHeight(self.fontMetrics().height() * 6)
        self.participants = QSpinBox()
        self.participants.setRange(NO_PARTICIPANTS, 100000)
        self.participants.setSpecialValueText(_("not counted"))
        self.names = QPlainTextEdit()
        self.names.setTabChangesFocus(True)
        self.names.setPlaceholderText(_("one name a line"))
        self.names.setMaximumHeight(self.fontMetrics().height() * 5)
        self.result_text = QPlainTextEdit()
        self.result_text.setTabChangesFocus(True)
        self.result_text.setMaximumHeight(self.fontMetrics().height() * 5)
        self.notes = QLineEdit()
        self.cases = QLineEdit()
        self.cases.setPlaceholderText(_("case numbers, separated by commas"))

        form = QFormLayout()
        form.addRow(_("&Kind"), self.kind)
        form.addRow(_("&Started at"), self.started)
        form.addRow(_("&Ended at"), self.ended)
        form.addRow(_("Co&mmune"), self.commune)
        form.addRow(_("Border &marker"), self.border_marker)
        form.addRow(_("&Route"), self.route)
        form.addRow(_("&Place"), self.place)
        form.addRow(_("Coordinates"), coordinates)
        form.addRow(_("&Establishment inspected"), self.establishment)
        form.addRow("", self.establishment_notice)
        form.addRow(_("Reason for inspecting a&gain"), self.overlap_reason)
        self._form = form
        form.addRow(_("&Lead force"), self.lead_force)
        form.addRow(_("Cooperating forces"), self.cooperating)
        form.addRow(_("People taking &part"), self.participants)
        form.addRow(_("&Names of those taking part"), self.names)
        form.addRow(_("Res&ult"), self.result_text)
        form.addRow(_("N&otes"), self.notes)
        form.addRow(_("Linked &cases"), self.cases)
        body = QWidget()
        body.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.errors = ErrorLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(self.errors)
        layout.addWidget(self.buttons)
        QShortcut(QKeySequence("Ctrl+S"), self, self._on_buttons_accepted)

    def _connect_signals(self) -> None:
        self.kind.currentIndexChanged.connect(self._on_kind_current_index_changed)
        self.lead_force.currentIndexChanged.connect(self._on_lead_force_current_index_changed)
        self.establishment.editingFinished.connect(self._on_establishment_editing_finished)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def _load(self) -> None:
        view = self._view
        if view is None:
            self.started.set_value(self._ctx.local(self._ctx.clock()))
            self.participants.setValue(NO_PARTICIPANTS)
        else:
            data = view.data
            self.kind.set_code(data.kind)
            self.started.set_value(self._ctx.local(data.started_at))
            self.ended.set_value(self._ctx.local(data.ended_at) if data.ended_at else None)
            self.commune.set_code(data.commune_code)
            self.border_marker.setText(data.border_marker or "")
            self.route.setText(data.route or "")
            self.place.setText(data.place)
            self.latitude.setText("" if data.latitude is None else f"{data.latitude:g}")
            self.longitude.setText("" if data.longitude is None else f"{data.longitude:g}")
            self.establishment.setText(data.establishment or "")
            self.overlap_reason.setPlainText(data.overlap_reason or "")
            self.lead_force.set_code(data.lead_force)
            self.participants.setValue(NO_PARTICIPANTS if data.participants is None else data.participants)
            self.names.setPlainText("\n".join(data.participant_names))
            self.result_text.setPlainText(data.result or "")
            self.notes.setText(data.notes or "")
            self.cases.setText(", ".join(data.cases))
        cooperating = set(view.data.cooperating_forces) if view else set()
        for row in range(self.cooperating.count()):
            item = self.cooperating.item(row)
            checked = item.data(Qt.ItemDataRole.UserRole) in cooperating
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self._on_kind_current_index_changed()
        self._on_lead_force_current_index_changed()
        if view is not None and not view.editable:
            self.save_button.setEnabled(False)
            self.save_button.setToolTip(_("Only the post that recorded it can change it."))

    # ----- the document ------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        """What is typed, as the activity JSON format (empty fields left out, as the format asks)."""
        data: dict[str, Any] = {
            "kind": self.kind.code(),
            "started_at": _instant(self.started.value()),
            "ended_at": _instant(self.ended.value()),
            "commune_code": self.commune.code() or (self.commune.typed_text() or None),
            "border_marker": self.border_marker.text(),
            "route": self.route.text(),
            "place": self.place.text(),
            "latitude": _number(self.latitude.text()),
            "longitude": _number(self.longitude.text()),
            "establishment": self.establishment.text() if self.establishment.isEnabled() else None,
            "lead_force": self.lead_force.code(),
            "cooperating_forces": [
                str(self.cooperating.item(row).data(Qt.ItemDataRole.UserRole))
                for row in range(self.cooperating.count())
                if self.cooperating.item(row).checkState() == Qt.CheckState.Checked
            ],
            "participants": None
            if self.participants.value() == NO_PARTICIPANTS
            else self.participants.value(),
            "participant_names": [
                line.strip() for line in self.names.toPlainText().splitlines() if line.strip()
            ],
            "result": self.result_text.toPlainText(),
            "notes": self.notes.text(),
            "cases": [number.strip() for number in self.cases.text().split(",") if number.strip()],
            "overlap_reason": self.overlap_reason.toPlainText().strip()
            if self.establishment.isEnabled()
            else None,
        }
        return {key: value for key, value in data.items() if value not in (None, "", [])}

    def _read(self) -> ActivityInput:
        (activity,) = parse_activities(self.document(), self._ctx.reference, now=self._ctx.clock())
        return activity

    # ----- slots ---------------------------------------------------------------------------

    def _on_kind_current_index_changed(self) -> None:
        inspection = self.kind.code() == "inspection"
        self.establishment.setEnabled(inspection)
        if not inspection:
            self.establishment_notice.hide()
        self._show_reason()

    def _show_reason(self) -> None:
        """The reason's row, while the inspection warns or already has a reason."""
        shown = self.kind.code() == "inspection" and (
            not self.establishment_notice.isHidden() or bool(self.overlap_reason.toPlainText().strip())
        )
        self._form.setRowVisible(self.overlap_reason, shown)

    def _on_lead_force_current_index_changed(self) -> None:
        """The lead force cannot also be a cooperating one."""
        lead = self.lead_force.code()
        with QSignalBlocker(self.cooperating):
            for row in range(self.cooperating.count()):
                item = self.cooperating.item(row)
                if item.data(Qt.ItemDataRole.UserRole) == lead:
                    item.setCheckState(Qt.CheckState.Unchecked)
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                else:
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEnabled)

    def _on_establishment_editing_finished(self) -> None:
        """The establishment's warnings (an inspection of it by another force lately), before saving."""
        if not self.establishment.text().strip():
            self.establishment_notice.hide()
            return
        try:
            notices = self._ctx.activities.notices(
                self._actor, self._read(), self._view.id if self._view else None
            )
        except ValidationError:
            return  # the rest of the form is not complete yet: the save says what is missing
        self.establishment_notice.setText("\n".join(notices))
        self.establishment_notice.setVisible(bool(notices))
        self._show_reason()

    def _on_buttons_accepted(self) -> None:
        if not self.save_button.isEnabled():
            return
        try:
            activity = self._read()
            result: ActivityResult
            if self._view is None:
                result = self._ctx.activities.add(self._actor, activity)
            else:
                result = self._ctx.activities.update(self._actor, self._view.id, activity, self._view.version)
        except DuplicateInspection as exc:
            self._ask_reason(exc.warning)
            return
        except ValidationError as exc:
            self.errors.set_message("\n".join(exc.problems))
            return
        except AppError as exc:
            show_error(self, exc.message)
            return
        self.errors.set_message(None)
        self._view = result.view
        self.saved.emit(result)
        self.accept()


    def _ask_reason(self, warning: str) -> None:
        """The save was refused for want of a reason: the warning stays on the form, the dialog asks for
        the reason, and with one the save is tried again."""
        self.errors.set_message(None)
        self.establishment_notice.setText(warning)
        self.establishment_notice.show()
        self._show_reason()
        dialog = OverlapReasonDialog(warning, self.overlap_reason.toPlainText(), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            self.overlap_reason.setFocus()
            return
        self.overlap_reason.setPlainText(dialog.reason())
        self._on_buttons_accepted()


def _instant(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _number(text: str) -> float | str | None:
    """A coordinate as typed: a number when it reads as one (a comma taken as the decimal mark), else
    the text itself, so the format's check names it."""
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        return None
    try:
        return float(cleaned)
    except ValueError:
        return cleaned
