"""The side panel: a read-only summary of the selected case, from its saved document."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from app.context import Context
from app.countries import country_name
from app.domain import CaseResult
from app.formatting import format_decimal, format_money
from app.i18n import _
from ui.colours import muted_text


class CasePanel(QWidget):
    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._build_ui()
        self.show_case(None)

    def _build_ui(self) -> None:
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

    def text(self) -> str:
        return self.view.toPlainText()

    def show_case(self, case: CaseResult | None) -> None:
        if case is None:
            hint = escape(_("Select a case to see its summary."))
            self.view.setHtml(f"<p style='color:{muted_text(self).name()}'>{hint}</p>")
            return
        self.view.setHtml(self._html(case.document))

    def _html(self, doc: dict[str, Any]) -> str:
        ref = self._ctx.reference
        status = ref.label("case_statuses", doc["status"])
        parts = [f"<h3>{escape(str(doc['number']))} — {escape(status)}</h3>"]
        rows = [
            (_("Time"), _local(doc.get("occurred_at"))),
            (_("Place"), doc.get("place", "")),
            (_("Commune, ward"), ref.label("communes", doc.get("commune_code"))),
            (_("Violation group"), ref.label("violation_groups", doc.get("violation_group"))),
            (_("Violation"), doc.get("violation", "")),
            (_("Lead force"), ref.label("forces", doc.get("lead_force"))),
            (_("Ownerless"), _("yes") if doc.get("ownerless") else ""),
        ]
        if doc.get("remark"):
            rows.append((_("Returned with remark"), doc["remark"]))
        if doc.get("void_reason"):
            rows.append((_("Void reason"), doc["void_reason"]))
        parts.append(_table(rows))
        goods = doc.get("goods", [])
        if goods:
            parts.append(f"<h4>{escape(_('Goods'))}</h4><ul>")
            for line in goods:
                value = f" — {format_money(line['value_vnd'])} đ" if line.get("value_vnd") else ""
                description = f" ({line['description']})" if line.get("description") else ""
                if line.get("origin_country"):  # by name: "Campuchia", not "KH"
                    origin = country_name(line["origin_country"])
                    description += ", " + _("origin {country}").format(country=origin)
                parts.append(
                    f"<li>{escape(ref.label('commodities', line['commodity']))}: "
                    f"{format_decimal(_dec(line['quantity']))} {escape(line['unit'])}"
                    f"{escape(description)}{value}</li>"
                )
            parts.append("</ul>")
        parties = doc.get("parties", [])
        if parties:
            parts.append(f"<h4>{escape(_('People and organisations'))}</h4><ul>")
            for party in parties:
                extra = f", {_('ID')} {party['id_number']}" if party.get("id_number") else ""
                if party.get("nationality") not in (None, "", "VN"):
                    extra = f", {country_name(party['nationality'])}{extra}"
                parts.append(
                    f"<li>{escape(party['full_name'])} ({escape(ref.label('party_roles', party['role']))})"
                    f"{escape(extra)}</li>"
                )
            parts.append("</ul>")
        vehicles = doc.get("vehicles", [])
        if vehicles:
            parts.append(f"<h4>{escape(_('Vehicles and vessels'))}</h4><ul>")
            for vehicle in vehicles:
                kind = ref.label("vehicle_kinds", vehicle["kind"])
                parts.append(f"<li>{escape(kind)} {escape(vehicle.get('plate', ''))}</li>")
            parts.append("</ul>")
        handling = doc.get("handling", {})
        if handling:
            parts.append(f"<h4>{escape(_('Handling'))}</h4>")
            parts.append(_table([
                (_("Outcome"), ref.label("outcomes", handling.get("outcome"))),
                (_("Decision"), " ".join(filter(None, (handling.get("decision_no"),
                                                        _local(handling.get("decision_date")))))),
                (_("Fine"), _money(handling.get("fine_vnd"))),
                (_("Proceeds"), _money(handling.get("proceeds_vnd"))),
                (_("Tax recovered"), _money(handling.get("tax_vnd"))),
            ]))
        if doc.get("summary"):
            parts.append(f"<h4>{escape(_('Summary'))}</h4><p>{escape(doc['summary'])}</p>")
        return "".join(parts)


def _dec(text: str) -> Any:
    from decimal import Decimal

    return Decimal(text)


def _money(value: int | None) -> str:
    return f"{format_money(value)} đ" if value else ""


def _local(iso: str | None) -> str:
    """``2026-11-20T23:40:00+07:00`` → ``20/11/2026 23:40`` (the case's own local time)."""
    if not iso:
        return ""
    day = f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"
    return f"{day} {iso[11:16]}" if len(iso) > 10 else day


def _table(rows: list[tuple[str, str]]) -> str:
    muted = muted_text().name() + ";"
    cells = "".join(
        f"<tr><td style='color:{muted}padding-right:8px'>{escape(label)}</td><td>{escape(value)}</td></tr>"
        for label, value in rows if value
    )
    return f"<table>{cells}</table>"
