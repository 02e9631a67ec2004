"""The overview and handling pages of the case editor: the case's own fields."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QSignalBlocker, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QWidget,
)

from app.coordinates import format_coordinate, parse_coordinate, split_pair
from app.domain import CaseInput, HandlingInput
from app.errors import ValidationError
from app.i18n import _
from app.reference import Reference
from ui.editor.fields import DATE_TIME_FORMAT, CodeCombo, MoneyEdit, OptionalDateEdit, SearchCombo
from ui.editor.form import FormPage

NO_TIME = QDateTime(QDate(1900, 1, 1), QTime(0, 0))


def _choices(reference: Reference, kind: str) -> list[tuple[str, str]]:
    return [(code, reference.label(kind, code)) for code in reference.lists[kind]]


class DateTimeField(QDateTimeEdit):
    """A local date and time (dd/MM/yyyy HH:mm), in the offset of the time it was loaded with or else
    in the register's time zone ``zone``, never the computer's; optionally empty."""

    def __init__(self, zone: tzinfo, optional: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat(DATE_TIME_FORMAT)
        self.setCalendarPopup(True)
        self._optional = optional
        self._zone = zone
        self.offset = zone
        if optional:
            self.setMinimumDateTime(NO_TIME)
            self.setSpecialValueText(" ")
            self.setDateTime(NO_TIME)

    def value(self) -> datetime | None:
        shown = self.dateTime()
        if self._optional and shown == NO_TIME:
            return None
        day, clock = shown.date(), shown.time()
        return datetime(day.year(), day.month(), day.day(), clock.hour(), clock.minute(), tzinfo=self.offset)

    def set_value(self, value: datetime | None) -> None:
        if value is None:
            self.offset = self._zone
            self.setDateTime(NO_TIME)
            return
        offset = value.utcoffset()
        self.offset = timezone(offset) if offset is not None else self._zone
        self.setDateTime(
            QDateTime(QDate(value.year, value.month, value.day), QTime(value.hour, value.minute))
        )


class OverviewPage(FormPage):
    """When and where, what kind of violation, how it was found, by which forces, the summary."""

    changed = Signal()

    def __init__(
        self,
        reference: Reference,
        campaigns: list[tuple[str, str]],
        zone: tzinfo,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._reference = reference
        self._zone = zone  # the register's: a time typed afresh is in it
        self._build_ui(campaigns)
        self._connect_signals()

    def _build_ui(self, campaigns: list[tuple[str, str]]) -> None:
        ref, none = self._reference, _("(none)")
        self.occurred_at = DateTimeField(self._zone)
        self.detected_at = DateTimeField(self._zone, optional=True)
        self.place = QLineEdit()
        self.place.setPlaceholderText(_("e.g. boundary marker 264, Vĩnh Lợi hamlet"))
        communes = sorted(((c.code, c.name) for c in ref.communes.values()), key=lambda item: item[1])
        self.commune = SearchCombo(communes, empty="")
        self.location_kind = CodeCombo(_choices(ref, "location_kinds"), empty=none)
        self.latitude = QLineEdit()
        # "e.g." in the placeholder: a bare "10,7725" in grey read as a position the case already had.
        self.latitude.setPlaceholderText(_("e.g. {example}").format(example=format_coordinate(10.7725)))
        self.latitude.setToolTip(_("Degrees, e.g. 10,7725 (a point works too); a pair pasted from a map "
                                   "fills both fields."))
        self.longitude = QLineEdit()
        self.longitude.setPlaceholderText(_("e.g. {example}").format(example=format_coordinate(105.1264)))
        self.violation_group = CodeCombo(_choices(ref, "violation_groups"), empty=_("(choose)"))
        self.violation = QLineEdit()
        self.legal_basis = QLineEdit()
        self.detection = CodeCombo(_choices(ref, "detection_methods"), empty=none)
        self.ownerless = QCheckBox(_("Ownerless goods (no owner found)"))
        self.lead_force = CodeCombo(_choices(ref, "forces"))
        self.cooperating = QListWidget()
        for code, label in _choices(ref, "forces"):
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.cooperating.addItem(item)
        self.cooperating.setMaximumHeight(self.fontMetrics().height() * 6)
        self.campaign = CodeCombo(campaigns, empty=none)
        self.campaign.setEnabled(bool(campaigns))
        self.summary = QPlainTextEdit()
        self.summary.setTabChangesFocus(True)
        self.summary.setMinimumHeight(self.fontMetrics().height() * 5)
        self.add_field("occurred_at", _("&Time of the case *"), self.occurred_at)
        self.add_field("detected_at", _("Time detected"), self.detected_at)
        self.add_field("place", _("&Place"), self.place)
        self.add_field("commune_code", _("Co&mmune"), self.commune)
        self.add_field("location_kind", _("Location &kind"), self.location_kind)
        # An online case (issue 19 item 7): shown only while the location kind is online.
        self.online_platform = QLineEdit()
        self.online_platform.setMaxLength(60)
        self.online_platform.setPlaceholderText(_("Facebook, Zalo, TikTok, Shopee…"))
        self.online_account = QLineEdit()
        self.online_account.setMaxLength(200)
        self.online_url = QLineEdit()
        self.online_url.setMaxLength(500)
        self.online_url.setPlaceholderText("https://")
        self.add_field("online_platform", _("Online platform"), self.online_platform)
        self.add_field("online_account", _("Account or page"), self.online_account)
        self.add_field("online_url", _("Web address (URL)"), self.online_url)
        self.add_field("latitude", _("Latitude"), self.latitude)
        self.add_field("longitude", _("Longitude"), self.longitude)
        self.add_field("violation_group", _("&Violation group *"), self.violation_group)
        self.add_field("violation", _("Violation"), self.violation)
        self.add_field("legal_basis", _("Legal basis"), self.legal_basis)
        self.add_field("detection", _("&Detection"), self.detection)
        self.add_field("ownerless", "", self.ownerless)
        self.add_field("lead_force", _("&Lead force"), self.lead_force)
        self.add_field("cooperating_forces", _("Cooperating forces"), self.cooperating)
        self.add_field("campaign_id", _("Campai&gn"), self.campaign)
        self.add_field("summary", _("&Summary"), self.summary)

    def _connect_signals(self) -> None:
        for edit in (self.place, self.latitude, self.longitude, self.violation, self.legal_basis,
                     self.online_platform, self.online_account, self.online_url):
            edit.textChanged.connect(self.changed)
        self.location_kind.currentIndexChanged.connect(self._on_location_kind_current_index_changed)
        self.latitude.textChanged.connect(self._on_latitude_text_changed)
        for combo in (self.location_kind, self.violation_group, self.detection, self.campaign):
            combo.currentIndexChanged.connect(self.changed)
        self.commune.currentTextChanged.connect(self.changed)
        self.lead_force.currentIndexChanged.connect(self._on_lead_force_current_index_changed)
        self.occurred_at.dateTimeChanged.connect(self.changed)
        self.detected_at.dateTimeChanged.connect(self.changed)
        self.ownerless.toggled.connect(self.changed)
        self.cooperating.itemChanged.connect(self.changed)
        self.summary.textChanged.connect(self.changed)

    def _on_location_kind_current_index_changed(self) -> None:
        """The platform, account and URL belong to an online case only."""
        online = self.location_kind.code() == "online"
        for key in ("online_platform", "online_account", "online_url"):
            holder = self.field(key).parentWidget()  # the field with its error line (FormPage.add_field)
            assert holder is not None
            self.form.setRowVisible(holder, online)

    def _on_lead_force_current_index_changed(self) -> None:
        """The lead force cannot also be a cooperating one."""
        lead = self.lead_force.code()
        with QSignalBlocker(self.cooperating):
            for row in range(self.cooperating.count()):
                item = self.cooperating.item(row)
                is_lead = item.data(Qt.ItemDataRole.UserRole) == lead
                flags = item.flags()
                if is_lead:
                    item.setCheckState(Qt.CheckState.Unchecked)
                    item.setFlags(flags & ~Qt.ItemFlag.ItemIsEnabled)
                else:
                    item.setFlags(flags | Qt.ItemFlag.ItemIsEnabled)
        self.changed.emit()

    # ----- values ------------------------------------------------------------------------------

    def load(self, case: CaseInput | None, default_time: datetime) -> None:
        self.occurred_at.set_value(case.occurred_at if case else default_time)
        self.detected_at.set_value(case.detected_at if case else None)
        self.place.setText(case.place if case else "")
        self.commune.set_code(case.commune_code if case else None)
        self.location_kind.set_code(case.location_kind if case else None)
        self.online_platform.setText((case.online_platform or "") if case else "")
        self.online_account.setText((case.online_account or "") if case else "")
        self.online_url.setText((case.online_url or "") if case else "")
        self._on_location_kind_current_index_changed()
        self.latitude.setText(_coordinate_text(case.latitude if case else None))
        self.longitude.setText(_coordinate_text(case.longitude if case else None))
        self.violation_group.set_code(case.violation_group if case else None)
        self.violation.setText(case.violation if case else "")
        self.legal_basis.setText((case.legal_basis or "") if case else "")
        self.detection.set_code(case.detection if case else None)
        self.ownerless.setChecked(case.ownerless if case else False)
        self.lead_force.set_code(case.lead_force if case else "border_guard")
        cooperating = set(case.cooperating_forces) if case else set()
        for row in range(self.cooperating.count()):
            item = self.cooperating.item(row)
            checked = item.data(Qt.ItemDataRole.UserRole) in cooperating
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.campaign.set_code(case.campaign_id if case else None)
        self.summary.setPlainText(case.summary if case else "")
        self._on_lead_force_current_index_changed()

    def cooperating_forces(self) -> tuple[str, ...]:
        return tuple(
            str(self.cooperating.item(row).data(Qt.ItemDataRole.UserRole))
            for row in range(self.cooperating.count())
            if self.cooperating.item(row).checkState() == Qt.CheckState.Checked
        )

    def _on_latitude_text_changed(self, text: str) -> None:
        pair = split_pair(text)  # "10.7725, 105.1264" pasted from a map: one number per field
        if pair is not None and not self.longitude.text().strip():
            self.latitude.setText(pair[0])
            self.longitude.setText(pair[1])

    def snapshot(self) -> tuple[Any, ...]:
        return (
            self.occurred_at.value(),
            self.detected_at.value(),
            self.place.text(),
            self.commune.currentText(),
            self.location_kind.code(),
            self.online_platform.text(),
            self.online_account.text(),
            self.online_url.text(),
            self.latitude.text(),
            self.longitude.text(),
            self.violation_group.code(),
            self.violation.text(),
            self.legal_basis.text(),
            self.detection.code(),
            self.ownerless.isChecked(),
            self.lead_force.code(),
            self.cooperating_forces(),
            self.campaign.code(),
            self.summary.toPlainText(),
        )

    def collect(self, now: datetime) -> tuple[dict[str, Any], dict[str, str]]:
        """The fields as ``CaseInput`` keyword arguments, and a message per field that is wrong."""
        errors: dict[str, str] = {}
        occurred = self.occurred_at.value()
        assert occurred is not None
        if occurred > now + timedelta(minutes=5):
            errors["occurred_at"] = _("The time of the case cannot be in the future.")
        detected = self.detected_at.value()
        if detected is not None and detected < occurred:
            errors["detected_at"] = _("Detection cannot be before the time of the case.")
        commune = self.commune.code()
        if commune is None and self.commune.typed_text():
            errors["commune_code"] = _(
                "“{text}” is not an An Giang commune; choose one from the list."
            ).format(text=self.commune.typed_text())
        latitude = _coordinate(self.latitude.text(), 90, "latitude", errors)
        longitude = _coordinate(self.longitude.text(), 180, "longitude", errors)
        group = self.violation_group.code()
        if group is None:
            errors["violation_group"] = _("Choose the violation group.")
        online = self.location_kind.code() == "online"
        url = self.online_url.text().strip() if online else ""
        if url and not re.fullmatch(r"https?://[^\s/?#]+[^\s]*", url, re.IGNORECASE):
            errors["online_url"] = _("A web address starts with http:// or https://, without spaces.")
        values = {
            "occurred_at": occurred,
            "detected_at": detected,
            "place": self.place.text().strip(),
            "commune_code": commune,
            "location_kind": self.location_kind.code(),
            "online_platform": (self.online_platform.text().strip() or None) if online else None,
            "online_account": (self.online_account.text().strip() or None) if online else None,
            "online_url": url or None,
            "latitude": latitude,
            "longitude": longitude,
            "violation_group": group or "",
            "violation": self.violation.text().strip(),
            "legal_basis": self.legal_basis.text().strip() or None,
            "detection": self.detection.code(),
            "ownerless": self.ownerless.isChecked(),
            "lead_force": self.lead_force.code() or "border_guard",
            "cooperating_forces": self.cooperating_forces(),
            "campaign_id": self.campaign.code(),
            "summary": self.summary.toPlainText().strip(),
        }
        return values, errors


def _coordinate_text(value: float | None) -> str:
    return format_coordinate(value)  # the decimal comma, as every number on screen


def _coordinate(text: str, limit: int, key: str, errors: dict[str, str]) -> float | None:
    try:
        return parse_coordinate(text, limit)
    except ValidationError as exc:
        errors[key] = exc.problems[0]
        return None


class HandlingPage(FormPage):
    """How the case was dealt with: outcome, decision, fine and other amounts."""

    changed = Signal()

    def __init__(self, reference: Reference, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outcome = CodeCombo(_choices(reference, "outcomes"), empty=_("(not decided yet)"))
        self.decision_no = QLineEdit()
        self.decision_no.setPlaceholderText("12/QĐ-XPHC")
        self.decision_date = OptionalDateEdit()
        self.fine = MoneyEdit()
        self.proceeds = MoneyEdit()
        self.tax = MoneyEdit()
        self.receiving_agency = QLineEdit()
        self.defendants = QLineEdit()
        self.defendants.setMaximumWidth(self.fontMetrics().averageCharWidth() * 10)
        self.add_field("outcome", _("&Outcome"), self.outcome)
        self.add_field("decision_no", _("Decision &number"), self.decision_no)
        self.add_field("decision_date", _("Decision &date"), self.decision_date)
        self.add_field("fine_vnd", _("&Fine (đồng)"), self.fine)
        self.add_field("proceeds_vnd", _("&Proceeds of confiscated goods (đồng)"), self.proceeds)
        self.add_field("tax_vnd", _("&Tax recovered (đồng)"), self.tax)
        self.add_field("receiving_agency", _("&Receiving agency (if transferred)"), self.receiving_agency)
        self.add_field("defendants", _("Number of &defendants"), self.defendants)
        self.outcome.currentIndexChanged.connect(self.changed)
        self.decision_date.dateChanged.connect(self.changed)
        for edit in (self.decision_no, self.receiving_agency, self.defendants):
            edit.textChanged.connect(self.changed)
        for money in (self.fine, self.proceeds, self.tax):
            money.changed.connect(self.changed)

    def load(self, handling: HandlingInput) -> None:
        self.outcome.set_code(handling.outcome)
        self.decision_no.setText(handling.decision_no or "")
        self.decision_date.set_value(handling.decision_date)
        self.fine.set_value(handling.fine_vnd)
        self.proceeds.set_value(handling.proceeds_vnd)
        self.tax.set_value(handling.tax_vnd)
        self.receiving_agency.setText(handling.receiving_agency or "")
        self.defendants.setText("" if handling.defendants is None else str(handling.defendants))

    def snapshot(self) -> tuple[Any, ...]:
        return (
            self.outcome.code(),
            self.decision_no.text(),
            self.decision_date.value(),
            self.fine.text(),
            self.proceeds.text(),
            self.tax.text(),
            self.receiving_agency.text(),
            self.defendants.text(),
        )

    def collect(self) -> tuple[HandlingInput | None, dict[str, str]]:
        errors: dict[str, str] = {}
        amounts: dict[str, int | None] = {}
        for key, edit in (("fine_vnd", self.fine), ("proceeds_vnd", self.proceeds), ("tax_vnd", self.tax)):
            try:
                amounts[key] = edit.value()
            except ValidationError as exc:
                errors[key] = "; ".join(exc.problems)
        defendants_text = self.defendants.text().strip()
        defendants = int(defendants_text) if defendants_text.isdigit() else None
        if defendants_text and defendants is None:
            errors["defendants"] = _("Write a whole number of people.")
        if errors:
            return None, errors
        return HandlingInput(
            outcome=self.outcome.code(),
            decision_no=self.decision_no.text().strip() or None,
            decision_date=self.decision_date.value(),
            fine_vnd=amounts["fine_vnd"],
            proceeds_vnd=amounts["proceeds_vnd"],
            tax_vnd=amounts["tax_vnd"],
            receiving_agency=self.receiving_agency.text().strip() or None,
            defendants=defendants,
        ), errors
