"""The third check of a case document: what depends on meaning and on reference data, into a ``CaseInput``.

Codes, units and communes are looked up in the reference data; dates must be real and not in the
future, times carry a zone, quantities and amounts are positive and plausible. It stands apart from
the schema layer (``app.case_schema``), which checks only form: each method here reads one field of
a case that has passed it, recording a problem instead of guessing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from app.case_checks import CLOCK_SKEW, future_problem, invisible_problem, only_invisible
from app.domain import (
    AttachmentInput,
    CaseInput,
    DocumentInput,
    GoodsInput,
    HandlingInput,
    PartyInput,
    VehicleInput,
)
from app.i18n import N_, _
from app.json_messages import Path, is_int, quoted, render, shown
from app.reference import Reference

MAX_QUANTITY = Decimal(10) ** 12
MAX_DECIMAL_PLACES = 6
MAX_MONEY = 10**15
EARLIEST_YEAR = 1990  # of occurred_at / detected_at
EARLIEST_DATE = date(1900, 1, 1)  # of any other date
MAX_OFFSET = timedelta(hours=14)  # the largest UTC offset in use (Kiribati)
DEFAULT_LEAD_FORCE = "border_guard"

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?P<offset>Z|[+-][0-9]{2}:[0-9]{2})?"
)
_DECIMAL = re.compile(
    r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:nan|inf|infinity)",
    re.IGNORECASE,
)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)
ONLINE = "online"  # the location kind of a case that happened on the internet
ONLINE_FIELDS = ("online_platform", "online_account", "online_url")
_PARTY_KINDS = ("person", "organisation")
_GENDERS = ("male", "female")
A_FORCE = N_("a force code")
A_COMMODITY = N_("a commodity code")
_LIST_CODES_UP_TO = 12  # a message lists the valid codes of a list no longer than this


def _text(obj: Mapping[str, Any], key: str) -> str | None:
    """A text field, or None when it is absent, empty or not text (the schema reports that)."""
    value = obj.get(key)
    return value if isinstance(value, str) and value else None


def _all[T](items: list[T | None]) -> tuple[T, ...] | None:
    """The items, or None when one of them could not be read."""
    kept = tuple(item for item in items if item is not None)
    return kept if len(kept) == len(items) else None


class CaseReader:
    """Reads one case (already NFC) into a ``CaseInput``, recording every problem it meets.

    A method returns None for a value it cannot read; it has then either recorded a problem or the
    schema has (a missing field, a wrong type). A caller never returns a partial result: the case
    is read only when nothing was recorded anywhere.
    """

    def __init__(self, reference: Reference, base: Path, now: datetime) -> None:
        self.ref = reference
        self.base = base
        self.now = now
        self.today = (now.astimezone(UTC) + MAX_OFFSET).date()  # the latest date anywhere on earth
        self.problems: list[str] = []

    def bad(self, path: Path, message: str) -> None:
        self.problems.append(f"{render((*self.base, *path))}: {message}")

    # -- values ----------------------------------------------------------------------------

    def code(self, obj: Mapping[str, Any], key: str, path: Path, kind: str, what: str) -> str | None:
        value = _text(obj, key)
        codes = self.ref.lists[kind]
        if value is not None and value not in codes:
            message = _("{value} is not {what}").format(value=quoted(value), what=_(what))
            if len(codes) <= _LIST_CODES_UP_TO:
                message += " " + _("(one of: {codes})").format(codes=", ".join(codes))
            self.bad(path, message)
            return None
        return value

    def top_code(self, obj: Mapping[str, Any], key: str, kind: str, what: str) -> str | None:
        return self.code(obj, key, (key,), kind, what)

    def instant(self, obj: Mapping[str, Any], key: str) -> datetime | None:
        value = _text(obj, key)
        if value is None:
            return None
        shape = _DATE_TIME.fullmatch(value)
        if shape is None:
            self.bad(
                (key,),
                _("{value} is not a date and time like {example}").format(
                    value=quoted(value), example="2026-11-20T23:40:00+07:00"
                ),
            )
            return None
        if shape["offset"] is None:
            self.bad(
                (key,),
                _("{value} has no time zone offset (add {offset})").format(
                    value=quoted(value), offset="+07:00"
                ),
            )
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            self.bad(
                (key,), _("{value} is not a date and time: {reason}").format(value=quoted(value), reason=exc)
            )
            return None
        offset = moment.utcoffset()
        if offset is not None and abs(offset) > MAX_OFFSET:
            self.bad(
                (key,),
                _("{value} has a time zone offset beyond {limit}").format(
                    value=quoted(value), limit="±14:00"
                ),
            )
            return None
        if moment > self.now + CLOCK_SKEW:  # measured from the register's clock, a few minutes' skew allowed
            self.bad((key,), future_problem(quoted(value)))
            return None
        if moment.year < EARLIEST_YEAR:
            self.bad(
                (key,),
                _("{value} is outside {year} to today").format(value=quoted(value), year=EARLIEST_YEAR),
            )
            return None
        return moment

    def day(self, obj: Mapping[str, Any], key: str, path: Path, *, past: bool = False) -> date | None:
        value = _text(obj, key)
        if value is None:
            return None
        try:
            if not _DATE.fullmatch(value):
                raise ValueError(value)
            parsed = date.fromisoformat(value)
        except ValueError:
            self.bad(
                path,
                _("{value} is not a real date in the form {form}").format(
                    value=quoted(value), form="YYYY-MM-DD"
                ),
            )
            return None
        if parsed < EARLIEST_DATE:
            self.bad(path, _("{value} is before {year}").format(value=quoted(value), year=EARLIEST_DATE.year))
            return None
        if past and parsed > self.today:
            self.bad(path, _("{value} is in the future").format(value=quoted(value)))
            return None
        return parsed

    def coordinate(self, obj: Mapping[str, Any], key: str, limit: int) -> float | None:
        value = obj.get(key)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return None
        if not (math.isfinite(value) and -limit <= value <= limit):
            self.bad(
                (key,),
                _("{value} is outside {range}").format(value=shown(value), range=f"-{limit}..{limit}"),
            )
            return None
        return float(value)

    def money(self, obj: Mapping[str, Any], key: str, path: Path) -> int | None:
        value = obj.get(key)
        if not is_int(value):
            return None
        if value >= MAX_MONEY:
            self.bad(
                path,
                _("{value} đồng is not a plausible amount (the limit is {limit})").format(
                    value=shown(value), limit="10^15"
                ),
            )
            return None
        return int(value)

    def quantity(self, obj: Mapping[str, Any], path: Path) -> Decimal | None:
        raw = obj.get("quantity")
        if is_int(raw):
            value, written = Decimal(raw), shown(raw)
        elif isinstance(raw, str):
            written = quoted(raw)
            if not _DECIMAL.fullmatch(raw):
                text = (
                    _('{value} is not a number (write decimals with a point, e.g. "2.5")')
                    if "," in raw
                    else _("{value} is not a number")
                )
                self.bad(path, text.format(value=written))
                return None
            value = Decimal(raw)
        else:
            return None
        if not value.is_finite() or value <= 0 or value >= MAX_QUANTITY:
            self.bad(
                path,
                _("{value} must be a positive quantity below {limit}").format(value=written, limit="10^12"),
            )
            return None
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
            self.bad(
                path,
                _("{value} has more than {places} decimal places").format(
                    value=written, places=MAX_DECIMAL_PLACES
                ),
            )
            return None
        return value

    def each[T](
        self, obj: Mapping[str, Any], key: str, read: Callable[[Path, Mapping[str, Any]], T | None]
    ) -> tuple[T, ...] | None:
        value = obj.get(key, [])
        if not isinstance(value, list):
            return None
        return _all([read((key, i), v) if isinstance(v, dict) else None for i, v in enumerate(value)])

    # -- the case and its parts --------------------------------------------------------------

    def case(self, raw: Mapping[str, Any]) -> CaseInput | None:
        occurred = self.instant(raw, "occurred_at")
        detected = self.instant(raw, "detected_at")
        if occurred is not None and detected is not None and detected < occurred:
            self.bad(
                ("detected_at",),
                _("is before occurred_at ({value})").format(value=quoted(raw["detected_at"])),
            )
        commune = _text(raw, "commune_code")
        if commune is not None and commune not in self.ref.communes:
            self.bad(
                ("commune_code",), _("{value} is not an An Giang commune code").format(value=quoted(commune))
            )
        summary = _text(raw, "summary")
        if summary is not None and only_invisible(summary):  # optional, but not to be stored unseen
            self.bad(("summary",), invisible_problem())
        latitude = self.coordinate(raw, "latitude", 90)
        longitude = self.coordinate(raw, "longitude", 180)
        group = self.top_code(raw, "violation_group", "violation_groups", N_("a violation group"))
        location = self.top_code(raw, "location_kind", "location_kinds", N_("a location kind"))
        detection = self.top_code(raw, "detection", "detection_methods", N_("a detection method"))
        self.online(raw, location)
        lead = self.top_code(raw, "lead_force", "forces", A_FORCE)
        cooperating = self.cooperating(raw, _text(raw, "lead_force") or DEFAULT_LEAD_FORCE)
        goods = self.each(raw, "goods", self.goods)
        parties = self.each(raw, "parties", self.party)
        vehicles = self.each(raw, "vehicles", self.vehicle)
        documents = self.each(raw, "documents", self.document)
        attachments = self.each(raw, "attachments", self.attachment)
        handling_raw = raw.get("handling", {})
        handling = self.handling(handling_raw if isinstance(handling_raw, dict) else {})
        if (
            self.problems
            or occurred is None
            or group is None
            or cooperating is None
            or goods is None
            or parties is None
            or vehicles is None
            or documents is None
            or attachments is None
        ):
            return None
        return CaseInput(
            occurred_at=occurred,
            violation_group=group,
            place=_text(raw, "place") or "",
            detected_at=detected,
            commune_code=commune,
            location_kind=location,
            online_platform=_text(raw, "online_platform"),
            online_account=_text(raw, "online_account"),
            online_url=_text(raw, "online_url"),
            latitude=latitude,
            longitude=longitude,
            violation=_text(raw, "violation") or "",
            legal_basis=_text(raw, "legal_basis"),
            detection=detection,
            ownerless=raw.get("ownerless") is True,
            lead_force=lead or DEFAULT_LEAD_FORCE,
            cooperating_forces=cooperating,
            campaign_id=_text(raw, "campaign_id"),
            summary=_text(raw, "summary") or "",
            goods=goods,
            parties=parties,
            vehicles=vehicles,
            documents=documents,
            attachments=attachments,
            handling=handling,
        )

    def online(self, raw: Mapping[str, Any], location: str | None) -> None:
        """An online case's platform, account and URL (issue 19 item 7): only for location kind
        ``online``, and a URL that a person can open (http or https, no spaces)."""
        given = [key for key in ONLINE_FIELDS if _text(raw, key) is not None]
        if given and location != ONLINE:
            for key in given:
                self.bad((key,), _("only a case whose location kind is online has this"))
            return
        url = _text(raw, "online_url")
        if url is not None and not _URL.fullmatch(url):
            self.bad(
                ("online_url",),
                _("{value} is not a web address starting with http:// or https://").format(value=quoted(url)),
            )

    def cooperating(self, raw: Mapping[str, Any], lead: str) -> tuple[str, ...] | None:
        value = raw.get("cooperating_forces", [])
        if not isinstance(value, list):
            return None
        seen: list[str] = []
        for i, force in enumerate(value):
            if not isinstance(force, str) or not force:
                continue  # the schema reports it
            path = ("cooperating_forces", i)
            if force not in self.ref.lists["forces"]:
                self.bad(path, _("{value} is not {what}").format(value=quoted(force), what=_(A_FORCE)))
            elif force == lead:
                self.bad(
                    path,
                    _("{value} is the lead force; a joint case lists it only once").format(
                        value=quoted(force)
                    ),
                )
            elif force in seen:
                self.bad(path, _("{value} is listed twice").format(value=quoted(force)))
            else:
                seen.append(force)
        return tuple(seen) if len(seen) == len(value) else None

    def goods(self, path: Path, raw: Mapping[str, Any]) -> GoodsInput | None:
        code = _text(raw, "commodity")
        commodity = self.ref.commodities.get(code) if code is not None else None
        if code is not None and commodity is None:
            self.bad(
                (*path, "commodity"),
                _("{value} is not {what}").format(value=quoted(code), what=_(A_COMMODITY)),
            )
        unit = _text(raw, "unit")
        if commodity is not None and unit is not None and not commodity.accepts(unit):
            self.bad(
                (*path, "unit"),
                _("{value} is not a unit of {commodity} (use {units})").format(
                    value=quoted(unit), commodity=commodity.code, units=", ".join(commodity.units)
                ),
            )
            unit = None
        quantity = self.quantity(raw, (*path, "quantity"))
        value = self.money(raw, "value_vnd", (*path, "value_vnd"))
        if commodity is None or unit is None or quantity is None:
            return None
        return GoodsInput(
            commodity=commodity.code,
            quantity=quantity,
            unit=unit,
            description=_text(raw, "description") or "",
            value_vnd=value,
            condition=_text(raw, "condition"),
            origin_country=_text(raw, "origin_country"),
            disposition=_text(raw, "disposition"),
            note=_text(raw, "note"),
        )

    def party(self, path: Path, raw: Mapping[str, Any]) -> PartyInput | None:
        role = self.code(raw, "role", (*path, "role"), "party_roles", N_("a party role"))
        birth = self.day(raw, "birth_date", (*path, "birth_date"), past=True)
        issued = self.day(raw, "id_issued_on", (*path, "id_issued_on"), past=True)
        kind, name, gender = _text(raw, "kind"), _text(raw, "full_name"), _text(raw, "gender")
        if role is None or name is None or kind not in _PARTY_KINDS or gender not in (*_GENDERS, None):
            return None
        return PartyInput(
            kind=kind,
            role=role,
            full_name=name,
            birth_date=birth,
            gender=gender,
            nationality=_text(raw, "nationality"),
            id_number=_text(raw, "id_number"),
            id_issued_on=issued,
            id_issued_by=_text(raw, "id_issued_by"),
            occupation=_text(raw, "occupation"),
            address=_text(raw, "address"),
            tax_code=_text(raw, "tax_code"),
            representative=_text(raw, "representative"),
        )

    def vehicle(self, path: Path, raw: Mapping[str, Any]) -> VehicleInput | None:
        kind = self.code(raw, "kind", (*path, "kind"), "vehicle_kinds", N_("a vehicle kind"))
        if kind is None:
            return None
        return VehicleInput(kind=kind, plate=_text(raw, "plate") or "", description=_text(raw, "description"))

    def document(self, path: Path, raw: Mapping[str, Any]) -> DocumentInput | None:
        form = self.code(raw, "form_code", (*path, "form_code"), "form_codes", N_("a form code"))
        issued = self.day(raw, "date", (*path, "date"))
        number = _text(raw, "number")
        if form is None or number is None:
            return None
        return DocumentInput(form_code=form, number=number, issued_on=issued, signer=_text(raw, "signer"))

    def attachment(self, path: Path, raw: Mapping[str, Any]) -> AttachmentInput | None:
        sha = raw.get("sha256")
        if isinstance(sha, str) and not _SHA256.fullmatch(sha):
            self.bad(
                (*path, "sha256"),
                _("must be 64 lower-case hexadecimal characters, got {value}").format(value=quoted(sha)),
            )
            return None
        filename, mime, size = _text(raw, "filename"), _text(raw, "mime"), raw.get("size")
        if not isinstance(sha, str) or filename is None or mime is None or not is_int(size):
            return None
        return AttachmentInput(
            sha256=sha, filename=filename, mime=mime, size=int(size), caption=_text(raw, "caption")
        )

    def handling(self, raw: Mapping[str, Any]) -> HandlingInput:
        path: Path = ("handling",)
        defendants = raw.get("defendants")
        return HandlingInput(
            outcome=self.code(raw, "outcome", (*path, "outcome"), "outcomes", N_("an outcome")),
            decision_no=_text(raw, "decision_no"),
            decision_date=self.day(raw, "decision_date", (*path, "decision_date")),
            fine_vnd=self.money(raw, "fine_vnd", (*path, "fine_vnd")),
            proceeds_vnd=self.money(raw, "proceeds_vnd", (*path, "proceeds_vnd")),
            tax_vnd=self.money(raw, "tax_vnd", (*path, "tax_vnd")),
            receiving_agency=_text(raw, "receiving_agency"),
            defendants=int(defendants) if is_int(defendants) else None,
        )
