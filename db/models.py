"""SQLAlchemy 2 models of the case register (docs/architecture.md §3)."""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.types import DecimalText, UtcDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    return str(uuid.uuid4())


# The variant bits of a version 4 UUID (10xx) set in a hexadecimal digit of random bits.
_VARIANT_DIGIT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def new_ids(count: int) -> list[str]:
    """``count`` ids as ``new_id`` makes them (random UUIDs, version 4), from one draw of random bytes:
    a sixth of the cost for the thousands of lines an import stores."""
    raw = os.urandom(16 * count).hex()
    return [
        f"{raw[i : i + 8]}-{raw[i + 8 : i + 12]}-4{raw[i + 13 : i + 16]}-"
        f"{_VARIANT_DIGIT[raw[i + 16]]}{raw[i + 17 : i + 20]}-{raw[i + 20 : i + 32]}"
        for i in range(0, 32 * count, 32)
    ]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), Decimal: DecimalText(), dict[str, Any]: JSON}


class Meta(Base):
    """Register-wide facts: its kind (post or hq), its own station, the writing program's version."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Station(Base):
    __tablename__ = "stations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    force: Mapped[str] = mapped_column(String(40), default="border_guard")
    commune_code: Mapped[str | None] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(8))  # post | hq
    header_lines: Mapped[list[str]] = mapped_column(JSON, default=list)
    signing_public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    encryption_public_key: Mapped[str | None] = mapped_column(Text)
    certificate: Mapped[bytes | None] = mapped_column(LargeBinary)
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"))
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    rank: Mapped[str | None] = mapped_column(String(80))
    position: Mapped[str | None] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Log-in bookkeeping: changes without an audit event, so it is left out of the audited state.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # The station's tip-reading key, wrapped with a key derived from this user's password.
    tip_key_wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)


class Campaign(Base):
    __tablename__ = "campaigns"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    origin: Mapped[str] = mapped_column(ForeignKey("stations.id"))
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    change_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("origin", "number"),
        Index("ix_cases_occurred", "occurred_at", "id"),
        Index("ix_cases_group_occurred", "violation_group", "occurred_at"),
        # Keyset paging of the list sorted by another column walks (column, id).
        Index("ix_cases_number_id", "number", "id"),
        Index("ix_cases_place_id", "place", "id"),
        Index("ix_cases_group_id", "violation_group", "id"),
        Index("ix_cases_status_id", "status", "id"),
        Index("ix_cases_campaign_occurred", "campaign_id", "occurred_at"),
        # A many-match search with a post, a lead force or ownerless, listed by time, walks these (0012).
        Index("ix_cases_origin_occurred", "origin", "occurred_at"),
        Index("ix_cases_lead_force_occurred", "lead_force", "occurred_at"),
        Index("ix_cases_ownerless_occurred", "ownerless", "occurred_at"),
        Index("ix_cases_location_kind_occurred", "location_kind", "occurred_at"),  # online cases (0018)
        # Cases of some statuses in a period; the periodic report reads only this index for them.
        Index(
            "ix_cases_report",
            "status",
            "occurred_at",
            "origin",
            "violation_group",
            "lead_force",
            "outcome",
            "campaign_id",
            "defendants",
            "fine_vnd",
            "proceeds_vnd",
            "tax_vnd",
            "number",
            "id",
        ),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    origin: Mapped[str] = mapped_column(ForeignKey("stations.id"))
    number: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    occurred_at: Mapped[datetime]
    utc_offset_min: Mapped[int] = mapped_column(Integer, default=420)
    detected_at: Mapped[datetime | None]
    place: Mapped[str] = mapped_column(Text, default="")
    commune_code: Mapped[str | None] = mapped_column(String(10))
    location_kind: Mapped[str | None] = mapped_column(String(16))
    # 0013 (issue 19 item 7): where an online case (location kind "online") happened.
    online_platform: Mapped[str | None] = mapped_column(String(60))
    online_account: Mapped[str | None] = mapped_column(String(200))
    online_url: Mapped[str | None] = mapped_column(String(500))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    violation_group: Mapped[str] = mapped_column(String(32))
    violation: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str | None] = mapped_column(Text)
    detection: Mapped[str | None] = mapped_column(String(16))
    ownerless: Mapped[bool] = mapped_column(Boolean, default=False)
    lead_force: Mapped[str] = mapped_column(String(40), default="border_guard")
    cooperating_forces: Mapped[list[str]] = mapped_column(JSON, default=list)
    campaign_id: Mapped[str | None] = mapped_column(ForeignKey("campaigns.id"))
    summary: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str | None] = mapped_column(String(20))
    decision_no: Mapped[str | None] = mapped_column(String(60))
    decision_date: Mapped[date | None] = mapped_column(Date)
    fine_vnd: Mapped[int | None] = mapped_column(BigInteger)
    proceeds_vnd: Mapped[int | None] = mapped_column(BigInteger)
    tax_vnd: Mapped[int | None] = mapped_column(BigInteger)
    receiving_agency: Mapped[str | None] = mapped_column(Text)
    defendants: Mapped[int | None] = mapped_column(Integer)
    remark: Mapped[str | None] = mapped_column(Text)
    void_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]
    submitted_by: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    change_seq: Mapped[int] = mapped_column(BigInteger, default=0)

    goods: Mapped[list[GoodsLine]] = relationship(
        back_populates="case", order_by="GoodsLine.position", cascade="all, delete-orphan"
    )
    parties: Mapped[list[Party]] = relationship(
        back_populates="case", order_by="Party.position", cascade="all, delete-orphan"
    )
    vehicles: Mapped[list[Vehicle]] = relationship(
        back_populates="case", order_by="Vehicle.position", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="case", order_by="Attachment.position", cascade="all, delete-orphan"
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="case", order_by="Document.position", cascade="all, delete-orphan"
    )


class GoodsLine(Base):
    __tablename__ = "goods_lines"
    # "Does this case have a line of that commodity?" in one index lookup (the list's filter), and
    # everything the periodic report sums from a case's lines without reading the table.
    __table_args__ = (
        Index(
            "ix_goods_lines_case_totals",
            "case_id",
            "commodity",
            "base_unit",
            "base_quantity",
            "value_vnd",
        ),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    commodity: Mapped[str] = mapped_column(String(32), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[Decimal]
    unit: Mapped[str] = mapped_column(String(20))
    base_quantity: Mapped[Decimal]
    base_unit: Mapped[str] = mapped_column(String(20))
    value_vnd: Mapped[int | None] = mapped_column(BigInteger)
    condition: Mapped[str | None] = mapped_column(Text)
    origin_country: Mapped[str | None] = mapped_column(String(40))
    disposition: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    case: Mapped[Case] = relationship(back_populates="goods")


class Party(Base):
    __tablename__ = "parties"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))  # person | organisation
    role: Mapped[str] = mapped_column(String(12))
    full_name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(200), index=True)
    birth_date: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(8))
    nationality: Mapped[str | None] = mapped_column(String(40))
    id_number: Mapped[str | None] = mapped_column(String(40))
    id_normalized: Mapped[str | None] = mapped_column(String(40), index=True)
    id_issued_on: Mapped[date | None] = mapped_column(Date)
    id_issued_by: Mapped[str | None] = mapped_column(String(200))
    occupation: Mapped[str | None] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(Text)
    tax_code: Mapped[str | None] = mapped_column(String(20))
    representative: Mapped[str | None] = mapped_column(String(200))
    case: Mapped[Case] = relationship(back_populates="parties")


class Vehicle(Base):
    __tablename__ = "vehicles"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    plate: Mapped[str] = mapped_column(String(80), default="")
    plate_normalized: Mapped[str] = mapped_column(String(80), default="", index=True)
    description: Mapped[str | None] = mapped_column(Text)
    case: Mapped[Case] = relationship(back_populates="vehicles")


class Attachment(Base):
    """A file kept content-addressed under the data dir; the row holds its hash, never its bytes."""

    __tablename__ = "attachments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    caption: Mapped[str | None] = mapped_column(Text)
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    case: Mapped[Case] = relationship(back_populates="attachments")


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    form_code: Mapped[str] = mapped_column(String(10))
    number: Mapped[str] = mapped_column(String(60))
    issued_on: Mapped[date | None] = mapped_column(Date)
    signer: Mapped[str | None] = mapped_column(String(200))
    case: Mapped[Case] = relationship(back_populates="documents")


class Tip(Base):
    """A tip-off. The informant's identity is sealed (age-encrypted); only its holders can open it."""

    __tablename__ = "tips"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    origin: Mapped[str] = mapped_column(ForeignKey("stations.id"))
    received_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(40))
    content: Mapped[str] = mapped_column(Text)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    informant_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)
    change_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # Followed through (0015): new → checking → acted_on → closed, with what came of it (app/tips.py).
    status: Mapped[str] = mapped_column(String(16), default="new", server_default="new")
    result: Mapped[str] = mapped_column(Text, default="", server_default="")
    assigned_to: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime | None]
    acted_at: Mapped[datetime | None]  # when it was acted on (closed since or not): the reports count it


class Activity(Base):
    """Patrols, checkpoints, inspections of establishments and outreach sessions."""

    __tablename__ = "activities"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    origin: Mapped[str] = mapped_column(ForeignKey("stations.id"))
    kind: Mapped[str] = mapped_column(String(16))  # patrol | checkpoint | inspection | outreach
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    place: Mapped[str] = mapped_column(Text, default="")
    commune_code: Mapped[str | None] = mapped_column(String(10))
    establishment: Mapped[str | None] = mapped_column(String(200))
    establishment_folded: Mapped[str | None] = mapped_column(String(200), index=True)
    # The registered establishment inspected (app/establishments.py); the two texts above stay as entered.
    establishment_id: Mapped[str | None] = mapped_column(ForeignKey("establishments.id"), index=True)
    force: Mapped[str] = mapped_column(String(40), default="border_guard")  # the lead force
    participants: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)
    change_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # 0013 (issue 19): the rest of what the plan's reports ask of a patrol, checkpoint, inspection or
    # outreach session (app/activities.py).
    cooperating_forces: Mapped[list[str]] = mapped_column(JSON, default=list)
    border_marker: Mapped[str | None] = mapped_column(String(40))
    route: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    result: Mapped[str | None] = mapped_column(Text)
    participant_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime | None]
    updated_by: Mapped[str | None] = mapped_column(String(64))
    # 0017 (issue 19 item 3): why an establishment inspected within the window was inspected again
    # (app/inspections.py); None for every other activity.
    overlap_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_activities_started_at", "started_at"),)


class ActivityCase(Base):
    """A case an activity led to or took part in (a patrol that seized goods, an inspection's case)."""

    __tablename__ = "activity_cases"
    activity_id: Mapped[str] = mapped_column(ForeignKey("activities.id"), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True, index=True)


class Handover(Base):
    """A criminal case handed over to the police (docs/domain.md §4): what was handed, to whom, and
    the police's follow-up. Sealed as one row; the follow-up steps are a list on it, the newest also kept
    in ``status``/``status_on`` so that reports count them from columns."""

    __tablename__ = "handovers"
    __table_args__ = (Index("ix_handovers_status_on", "status", "status_on"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    origin: Mapped[str] = mapped_column(ForeignKey("stations.id"))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), unique=True)
    receiving_agency: Mapped[str] = mapped_column(Text)
    handed_on: Mapped[date] = mapped_column(Date, index=True)
    documents: Mapped[list[str]] = mapped_column(JSON, default=list)
    receipt_no: Mapped[str | None] = mapped_column(String(60))
    defendants: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    handed_by: Mapped[str] = mapped_column(String(200))
    received_by: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # handed_over | received | prosecuted | returned
    status_on: Mapped[date] = mapped_column(Date)
    followups: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)
    change_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class Establishment(Base):
    """A shop, warehouse or trader the forces inspect (cơ sở kinh doanh), written only by its origin
    station and shared through HQ (app/establishments.py)."""

    __tablename__ = "establishments"
    __table_args__ = (Index("ix_establishments_folded_commune", "name_folded", "commune_code"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    origin: Mapped[str] = mapped_column(ForeignKey("stations.id"))
    name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")
    commune_code: Mapped[str | None] = mapped_column(String(10))
    tax_code: Mapped[str | None] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # shop | warehouse | trader | market | other
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)
    change_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class InspectionNotice(Base):
    """At a post: an inspection by another post or force in the last days, as HQ's newest return bundle
    carried it (the duplicate-inspection warning reads these beside the post's own activities)."""

    __tablename__ = "inspection_notices"
    activity_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    station_code: Mapped[str] = mapped_column(String(16))
    force: Mapped[str] = mapped_column(String(40))
    officer: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    establishment_id: Mapped[str | None] = mapped_column(String(36), index=True)
    establishment: Mapped[str] = mapped_column(String(200))
    establishment_folded: Mapped[str] = mapped_column(String(200), index=True)
    commune_code: Mapped[str | None] = mapped_column(String(10))
    tax_code: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime]


class AuditEvent(Base):
    """One link of the append-only hash chain; ``state_hash`` seals the entity's state after it."""

    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    station_id: Mapped[str] = mapped_column(String(36))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(24))
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[str] = mapped_column(String(36), index=True)
    version: Mapped[int] = mapped_column(Integer)
    diff: Mapped[str] = mapped_column(Text)
    state_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # HMAC of ``hash`` under a key derived from the register key (None on a plain register).
    mac: Mapped[str | None] = mapped_column(String(64))


class AuditAnchor(Base):
    """At HQ: a post's audit events as its bundles carried them (metadata and hashes, no diff), so a
    bundle whose history rewrites or drops what HQ received before is refused (app/sync/anchor.py)."""

    __tablename__ = "audit_anchors"
    station_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[str] = mapped_column(String(40))
    event_station_id: Mapped[str] = mapped_column(String(36))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(24))
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer)
    diff_hash: Mapped[str] = mapped_column(String(64))
    state_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ChangeLog(Base):
    """The per-station change sequence that sync bundles are cut from."""

    __tablename__ = "change_log"
    station_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[str] = mapped_column(String(36), index=True)
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]


class ReceivedBundle(Base):
    """A bundle part HQ has applied: replays are recognised, and missing sequence ranges reported."""

    __tablename__ = "received_bundles"
    __table_args__ = (Index("ix_received_bundles_station_seq", "station_id", "first_seq"),)
    bundle_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(36))
    set_id: Mapped[str] = mapped_column(String(36))
    part_index: Mapped[int] = mapped_column(Integer)
    part_count: Mapped[int] = mapped_column(Integer)
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    records: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime]


class CaseHistory(Base):
    """A version of another station's case that a newer one replaced (kept, never deleted)."""

    __tablename__ = "case_history"
    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    replaced_at: Mapped[datetime]


class SentFile(Base):
    """An attachment a post sent to HQ, with the last change sequence of the part that carried it;
    once HQ acknowledges that sequence, the file is never sent again."""

    __tablename__ = "sent_files"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    acknowledged: Mapped[bool] = mapped_column(Boolean, default=False)


class CaseCounter(Base):
    __tablename__ = "case_counters"
    station_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class ReferenceItem(Base):
    """Reference entries that override or extend the shipped files (updates pushed from HQ)."""

    __tablename__ = "reference_items"
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(40), default="hq")


class SyncRejection(Base):
    """At HQ: a record or bundle part of a known station that an import refused, kept until the next
    return bundle tells the station why."""

    __tablename__ = "sync_rejections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    station_id: Mapped[str] = mapped_column(String(36), index=True)
    file: Mapped[str] = mapped_column(String(255))
    record: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
    reported: Mapped[bool] = mapped_column(Boolean, default=False)


class WatchEntry(Base):
    """At a post: HQ's watch list, a person or vehicle seen in cases of several posts or repeatedly."""

    __tablename__ = "watch_entries"
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)  # person | vehicle | vessel
    key: Mapped[str] = mapped_column(String(80), primary_key=True)  # normalised ID number or plate
    label: Mapped[str] = mapped_column(String(200))
    stations: Mapped[int] = mapped_column(Integer)
    cases: Mapped[int] = mapped_column(Integer)
    last_seen: Mapped[date | None] = mapped_column(Date)
    received_at: Mapped[datetime]
    # Why HQ's analyst stands behind it: the posts and case numbers behind the entry, and the reason
    # given when it was confirmed (empty from an HQ older than the reviewed list, migration 0011).
    posts: Mapped[list[str]] = mapped_column(JSON, default=list)
    case_numbers: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")


class WatchReview(Base):
    """At HQ: an analyst's decision on a watch-list candidate (docs/operations.md, the watch list).
    Only confirmed candidates reach the posts. ``case_ids`` are the cases behind the candidate when it
    was decided: a dismissed candidate comes back for review only when a case outside them adds to it.
    Sealed in the audit chain as the entity ``watch_review`` (``app.watch``)."""

    __tablename__ = "watch_reviews"
    __table_args__ = (UniqueConstraint("kind", "key"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # derived from kind and key
    version: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(12))  # person | vehicle | vessel | name
    key: Mapped[str] = mapped_column(String(210))  # normalised number or plate; "folded name/year"
    decision: Mapped[str] = mapped_column(String(12))  # confirmed | dismissed
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime]
    case_ids: Mapped[list[str]] = mapped_column(JSON, default=list)


class ReportHalf(Base):
    """A post's half-month (the 1st to the 14th, or the 15th to the month's end) whose report tallies
    are stored in the three tables below. Triggers on cases and goods lines (SQLite, migration 0008)
    delete the row in the same transaction as any change to a case of that post and half-month, so the
    tallies are read only while they are current (``app.tallies``)."""

    __tablename__ = "report_halves"
    origin: Mapped[str] = mapped_column(String(36), primary_key=True)
    half: Mapped[date] = mapped_column(Date, primary_key=True)  # its first day
    rules: Mapped[str] = mapped_column(String(64))  # the reward thresholds its case totals were kept for


class ReportCell(Base):
    """Counted cases of a post's half-month per violation group and lead force."""

    __tablename__ = "report_cells"
    origin: Mapped[str] = mapped_column(String(36), primary_key=True)
    half: Mapped[date] = mapped_column(Date, primary_key=True)
    violation_group: Mapped[str] = mapped_column(String(32), primary_key=True)
    lead_force: Mapped[str] = mapped_column(String(40), primary_key=True)
    cases: Mapped[int] = mapped_column(Integer)
    admin_cases: Mapped[int] = mapped_column(Integer)
    criminal_cases: Mapped[int] = mapped_column(Integer)
    defendants: Mapped[int] = mapped_column(Integer)
    handover_cases: Mapped[int] = mapped_column(Integer)
    fines: Mapped[int] = mapped_column(BigInteger)
    proceeds: Mapped[int] = mapped_column(BigInteger)
    tax: Mapped[int] = mapped_column(BigInteger)


class ReportGoods(Base):
    """Goods of the counted cases of a post's half-month per group, force, commodity and base unit."""

    __tablename__ = "report_goods"
    origin: Mapped[str] = mapped_column(String(36), primary_key=True)
    half: Mapped[date] = mapped_column(Date, primary_key=True)
    violation_group: Mapped[str] = mapped_column(String(32), primary_key=True)
    lead_force: Mapped[str] = mapped_column(String(40), primary_key=True)
    commodity: Mapped[str] = mapped_column(String(32), primary_key=True)
    base_unit: Mapped[str] = mapped_column(String(20), primary_key=True)
    quantity: Mapped[Decimal]
    value_vnd: Mapped[int] = mapped_column(BigInteger)
    cases: Mapped[int] = mapped_column(Integer)  # cases holding it


class ReportCaseTotal(Base):
    """A counted case of a post's half-month that may reach a reward rule: its total of a commodity the
    single-case rules name (at least the smallest threshold), or with an empty commodity and unit, the
    value of a counterfeit case (at least the smallest value threshold)."""

    __tablename__ = "report_case_totals"
    origin: Mapped[str] = mapped_column(String(36), primary_key=True)
    half: Mapped[date] = mapped_column(Date, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    commodity: Mapped[str] = mapped_column(String(32), primary_key=True)
    base_unit: Mapped[str] = mapped_column(String(20), primary_key=True)
    quantity: Mapped[Decimal]
    value_vnd: Mapped[int] = mapped_column(BigInteger)
