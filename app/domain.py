"""Plain frozen data passed between the services and their callers (CLI, GUI): never ORM objects."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

ROLES = ("officer", "chief", "admin", "analyst")
STATUSES = ("draft", "submitted", "approved", "closed", "voided")
SORT_KEYS = ("number", "occurred_at", "place", "violation_group", "status")
# A log-in name, checked wherever an account is made (the first admin at set-up, then every user).
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")


@dataclass(frozen=True)
class GoodsInput:
    commodity: str
    quantity: Decimal
    unit: str
    description: str = ""
    value_vnd: int | None = None
    condition: str | None = None
    origin_country: str | None = None
    disposition: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class PartyInput:
    kind: str  # person | organisation
    role: str
    full_name: str
    birth_date: date | None = None
    gender: str | None = None  # male | female
    nationality: str | None = None
    id_number: str | None = None
    id_issued_on: date | None = None
    id_issued_by: str | None = None
    occupation: str | None = None
    address: str | None = None
    tax_code: str | None = None
    representative: str | None = None


@dataclass(frozen=True)
class VehicleInput:
    kind: str
    plate: str = ""
    description: str | None = None


@dataclass(frozen=True)
class DocumentInput:
    form_code: str
    number: str
    issued_on: date | None = None
    signer: str | None = None


@dataclass(frozen=True)
class AttachmentInput:
    """A file already stored content-addressed (see ``app.attachments``)."""

    sha256: str
    filename: str
    mime: str
    size: int
    caption: str | None = None


@dataclass(frozen=True)
class HandlingInput:
    outcome: str | None = None
    decision_no: str | None = None
    decision_date: date | None = None
    fine_vnd: int | None = None
    proceeds_vnd: int | None = None
    tax_vnd: int | None = None
    receiving_agency: str | None = None
    defendants: int | None = None


@dataclass(frozen=True)
class CaseInput:
    """A case as entered: everything the station may write. Validated, NFC, typed."""

    occurred_at: datetime  # aware
    violation_group: str
    place: str = ""
    detected_at: datetime | None = None
    commune_code: str | None = None
    location_kind: str | None = None
    # An online case (location kind "online"): where the goods were offered (issue 19 item 7).
    online_platform: str | None = None
    online_account: str | None = None
    online_url: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    violation: str = ""
    legal_basis: str | None = None
    detection: str | None = None
    ownerless: bool = False
    lead_force: str = "border_guard"
    cooperating_forces: tuple[str, ...] = ()
    campaign_id: str | None = None
    summary: str = ""
    goods: tuple[GoodsInput, ...] = ()
    parties: tuple[PartyInput, ...] = ()
    vehicles: tuple[VehicleInput, ...] = ()
    documents: tuple[DocumentInput, ...] = ()
    attachments: tuple[AttachmentInput, ...] = ()
    handling: HandlingInput = field(default_factory=HandlingInput)


@dataclass(frozen=True)
class Actor:
    """The logged-in user a service acts for."""

    user_id: str
    username: str
    full_name: str
    role: str
    station_id: str
    station_code: str


@dataclass(frozen=True)
class CaseFilter:
    """Which cases a list shows; empty fields do not filter. Dates are local and inclusive."""

    query: str = ""
    start: date | None = None
    end: date | None = None
    statuses: tuple[str, ...] = ()
    violation_group: str | None = None
    commodity: str | None = None
    lead_force: str | None = None
    ownerless: bool | None = None
    campaign_id: str | None = None
    origin: str | None = None  # the station that owns the cases (at HQ: its own, not the posts')

    @property
    def is_empty(self) -> bool:
        return self == CaseFilter()


@dataclass(frozen=True)
class CaseSort:
    """The list order: one of ``SORT_KEYS``, ties broken by case id in the same direction."""

    key: str = "occurred_at"
    descending: bool = True


@dataclass(frozen=True)
class CaseRow:
    """One line of the case list."""

    id: str
    number: str
    status: str
    occurred_at: datetime  # local time of the case, aware
    place: str
    violation_group: str
    commodities: str
    ownerless: bool
    lead_force: str
    version: int

    def sort_value(self, sort: CaseSort) -> object:
        """This row's value of the sort key, for ``CaseService.list(after=…)``."""
        return getattr(self, sort.key)


@dataclass(frozen=True)
class Changes:
    """What a write changed, as the service that made it says: each screen refreshes from this, in one
    place, instead of guessing what a command may have touched."""

    cases: frozenset[str] = frozenset()  # the cases written, by id
    all_cases: bool = False  # cases written in bulk (an import, demo data): every view of cases is stale
    campaigns: bool = False
    reference: bool = False  # reference data (commodities, communes, …) replaced by HQ's
    stations: bool = False  # what is known of the stations: certificates, revocations, bundles received
    activities: bool = False  # patrols, checkpoints, inspections, outreach sessions (app/activities.py)
    tips: bool = False  # tip-offs recorded, assigned, moved on or linked (app/tips.py)

    @property
    def any_cases(self) -> bool:
        return self.all_cases or bool(self.cases)

    def touches(self, case_id: str) -> bool:
        """Whether the case ``case_id`` may have changed."""
        return self.all_cases or case_id in self.cases

    def __bool__(self) -> bool:
        return (
            self.any_cases
            or self.campaigns
            or self.reference
            or self.stations
            or self.activities
            or self.tips
        )


NOTHING_CHANGED = Changes()


@dataclass(frozen=True)
class CaseResult:
    """A saved case as interchange JSON (``app.case_json.case_document``), plus warnings."""

    id: str
    number: str
    status: str
    version: int
    document: dict[str, object]
    warnings: tuple[str, ...] = ()

    @property
    def changes(self) -> Changes:
        """Saving a case changes that case (and whatever counts it)."""
        return Changes(cases=frozenset({self.id}))

