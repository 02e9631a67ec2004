"""Establishments (cơ sở kinh doanh): the shops, warehouses and traders the forces inspect, added,
matched and shared through HQ.

Why a register of its own: the 2025 conclusions ask that no establishment be inspected again and again
by several forces while others are left alone (docs/domain.md §2). That needs one name for one shop,
whoever typed it: an establishment is matched by its tax code, or by its name folded (no accents, no
case: ``app.text.fold``) within its commune, so "Cửa hàng Tạp hóa Minh Châu" and "cua hang tap hoa
minh chau" in the same commune are the same one. Each is written only by the station that added it
(owner wins, like a case: docs/architecture.md §4); HQ keeps every post's and sends them all back in
the return bundles, so a post knows what its neighbours registered."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app import audit
from app.auth import require
from app.changes import next_change_seq
from app.domain import Actor
from app.errors import NotFound, ValidationError, WorkflowError
from app.i18n import N_, _
from app.serialize import row_state
from app.text import fold, nfc
from db import models as m
from db.types import utc_text

if TYPE_CHECKING:
    from app.context import Context
    from app.reference import Reference

KINDS: dict[str, str] = {
    "shop": N_("shop"),
    "warehouse": N_("warehouse"),
    "trader": N_("trader"),
    "market": N_("market stall"),
    "other": N_("other"),
}
FIELDS = frozenset({"name", "address", "commune_code", "tax_code", "kind"})
# A Vietnamese tax code (mã số thuế): 10 digits, or 13 for a branch ("0101234567-001").
TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$")
NAME_LIMIT, ADDRESS_LIMIT = 200, 500
TABLE = m.Establishment.__table__


@dataclass(frozen=True)
class EstablishmentInput:
    name: str
    kind: str
    address: str = ""
    commune_code: str | None = None
    tax_code: str | None = None


@dataclass(frozen=True)
class EstablishmentView:
    id: str
    name: str
    kind: str
    address: str
    commune_code: str | None
    tax_code: str | None
    origin_code: str
    version: int


@dataclass(frozen=True)
class Added:
    """One item of ``add``: the establishment, and whether it was new (False: an existing one matched)."""

    establishment: EstablishmentView
    created: bool


def view(session: Session, row: m.Establishment) -> EstablishmentView:
    origin = session.get(m.Station, row.origin)
    return EstablishmentView(
        row.id,
        row.name,
        row.kind,
        row.address,
        row.commune_code,
        row.tax_code,
        origin.code if origin else "",
        row.version,
    )


def parse_establishments(document: object, reference: Reference) -> list[EstablishmentInput]:
    """One establishment (an object) or several (a list of objects) from JSON, checked: every problem
    is named by its path and nothing is returned unless all are valid."""
    many = isinstance(document, list)
    items = document if isinstance(document, list) else [document]
    problems: list[str] = []
    made: list[EstablishmentInput] = []
    if many and not items:
        raise ValidationError(["(top): " + _("no establishment given")])
    for index, item in enumerate(items):
        where = f"[{index}]." if many else ""
        if not isinstance(item, dict):
            problems.append(f"{where or '(top)'}".rstrip(".") + ": " + _("expected an object"))
            continue
        for key in sorted(set(item) - FIELDS):
            problems.append(f"{where}{key}: " + _("unknown field"))
        found = input_problems(item, reference)
        problems += [f"{where}{key}: {message}" for key, message in found]
        if not found and not set(item) - FIELDS:
            made.append(
                EstablishmentInput(
                    name=nfc(item["name"]).strip(),
                    kind=item["kind"],
                    address=nfc(item.get("address") or "").strip(),
                    commune_code=item.get("commune_code") or None,
                    tax_code=(item.get("tax_code") or "").strip() or None,
                )
            )
    if problems:
        raise ValidationError(problems)
    return made


def input_problems(item: Mapping[str, Any], reference: Reference | None) -> list[tuple[str, str]]:
    """``(field, reason)`` for every field of an establishment that cannot be accepted (the JSON typed by
    a person, and each record a bundle carries: the same limits)."""
    problems: list[tuple[str, str]] = []
    name = item.get("name")
    if not isinstance(name, str) or not fold(name):
        problems.append(("name", _("required")))
    elif len(name) > NAME_LIMIT:
        problems.append(("name", _("at most {limit} characters").format(limit=NAME_LIMIT)))
    if item.get("kind") not in KINDS:
        problems.append(("kind", _("one of {values}").format(values=", ".join(KINDS))))
    address = item.get("address", "")
    if address is not None and (not isinstance(address, str) or len(address) > ADDRESS_LIMIT):
        problems.append(("address", _("text of at most {limit} characters").format(limit=ADDRESS_LIMIT)))
    commune = item.get("commune_code")
    if commune is not None and (
        not isinstance(commune, str)
        or not 0 < len(commune) <= 10
        or (reference is not None and commune not in reference.communes)
    ):
        problems.append(("commune_code", _("not a commune of the reference list")))
    tax = item.get("tax_code")
    if tax is not None and tax != "" and (not isinstance(tax, str) or not TAX_CODE.match(tax.strip())):
        problems.append(("tax_code", _("10 digits, or 13 as 0101234567-001")))
    return problems


def find_match(
    session: Session, name: str, commune_code: str | None, tax_code: str | None = None
) -> m.Establishment | None:
    """The establishment a name (in a commune) or a tax code names, or None: the tax code first (it
    names one business whatever its sign says), then the name folded within the commune."""
    if tax_code:
        row = session.execute(
            select(m.Establishment)
            .where(m.Establishment.tax_code == tax_code)
            .order_by(m.Establishment.created_at, m.Establishment.id)
            .limit(1)
        ).scalar_one_or_none()
        if row is not None:
            return row
    folded = fold(name)
    if not folded:
        return None
    commune = (
        m.Establishment.commune_code.is_(None)
        if commune_code is None
        else m.Establishment.commune_code == commune_code
    )
    return session.execute(
        select(m.Establishment)
        .where(m.Establishment.name_folded == folded, commune)
        .order_by(m.Establishment.created_at, m.Establishment.id)
        .limit(1)
    ).scalar_one_or_none()


def register_in(session: Session, actor: Actor, item: EstablishmentInput, now: datetime) -> Added:
    """Inside the caller's write transaction: the establishment ``item`` names if it is registered,
    else a new one (its change sequence number taken, its creation sealed). For a service that saves
    something else with it (the activity service: an inspection of a shop not registered yet)."""
    require(actor, "establishment.create")
    known = find_match(session, item.name, item.commune_code, item.tax_code)
    if known is not None:
        return Added(view(session, known), created=False)
    seq = next_change_seq(session, actor.station_id)
    row = m.Establishment(
        id=m.new_id(),
        origin=actor.station_id,
        name=item.name,
        name_folded=fold(item.name),
        address=item.address,
        commune_code=item.commune_code,
        tax_code=item.tax_code,
        kind=item.kind,
        created_by=actor.username,
        created_at=now,
        version=1,
        change_seq=seq,
    )
    session.add(row)
    _log_change(
        session,
        actor,
        row,
        now,
        "create",
        {"name": [None, row.name], "commune_code": [None, row.commune_code]},
    )
    return Added(view(session, row), created=True)


def _log_change(
    session: Session, actor: Actor, row: m.Establishment, now: datetime, action: str, diff: dict[str, Any]
) -> None:
    """A written establishment's change-log entry (it travels to HQ in the next bundle, cut by its change
    sequence number) and its audit event, sealing its new state."""
    session.add(
        m.ChangeLog(
            station_id=actor.station_id,
            seq=row.change_seq,
            entity="establishment",
            entity_id=row.id,
            version=row.version,
            at=now,
        )
    )
    session.flush()
    audit.record(
        session,
        at=now,
        station_id=actor.station_id,
        actor=actor.username,
        action=action,
        entity="establishment",
        entity_id=row.id,
        version=row.version,
        diff=diff,
        sealed_state=row_state(TABLE, row),  # type: ignore[arg-type]
    )


def resolve(
    session: Session,
    establishment_id: str | None = None,
    name: str | None = None,
    commune_code: str | None = None,
    tax_code: str | None = None,
) -> EstablishmentView | None:
    """The establishment an activity names: by its id, else the registered one its name (in its commune)
    or tax code matches, else an unregistered one by that name alone (id ""), so that a typed name is
    still compared with the inspections that typed it too. None when nothing names one."""
    if establishment_id:
        row = session.get(m.Establishment, establishment_id)
        if row is not None:
            return view(session, row)
    row = find_match(session, name or "", commune_code, tax_code)
    if row is not None:
        return view(session, row)
    if name and fold(name):
        return EstablishmentView("", nfc(name).strip(), "other", "", commune_code, tax_code, "", 0)
    return None


class EstablishmentService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def add(self, actor: Actor, items: Sequence[EstablishmentInput]) -> list[Added]:
        """Register each establishment unless it is known already (then the known one is returned), in
        one transaction; each new one takes a change sequence number (it travels to HQ) and is sealed
        into the audit chain."""
        require(actor, "establishment.create")
        now = self.ctx.clock()
        with self.ctx.sessions.writes.begin() as session:
            return [register_in(session, actor, item, now) for item in items]

    def list(
        self, actor: Actor, text: str | None = None, commune_code: str | None = None
    ) -> list[EstablishmentView]:
        """Every establishment (whose folded name holds ``text``'s, in ``commune_code``), by name."""
        require(actor, "case.read")
        query = select(m.Establishment).order_by(m.Establishment.name_folded, m.Establishment.id)
        if text and fold(text):
            folded = fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(
                or_(
                    m.Establishment.name_folded.like(f"%{folded}%", escape="\\"),
                    m.Establishment.tax_code == text.strip(),
                )
            )
        if commune_code:
            query = query.where(m.Establishment.commune_code == commune_code)
        with self.ctx.sessions.reads() as session:
            return [view(session, row) for row in session.execute(query).scalars()]

    def find(
        self, actor: Actor, name: str, commune_code: str | None = None, tax_code: str | None = None
    ) -> EstablishmentView | None:
        require(actor, "case.read")
        with self.ctx.sessions.reads() as session:
            row = find_match(session, name, commune_code, tax_code)
            return None if row is None else view(session, row)

    def duplicate(
        self, actor: Actor, item: EstablishmentInput, exclude_id: str | None = None
    ) -> tuple[EstablishmentView, str] | None:
        """The registered establishment ``item`` would be (``duplicate_of``) and why, in words; None when
        it names a new one. For a screen that offers the registered one instead of adding it again."""
        require(actor, "case.read")
        with self.ctx.sessions.reads() as session:
            other = duplicate_of(session, item, exclude_id)
            return None if other is None else (view(session, other), duplicate_message(session, other, item))

    def get(self, actor: Actor, establishment_id: str) -> EstablishmentView:
        require(actor, "case.read")
        with self.ctx.sessions.reads() as session:
            row = session.get(m.Establishment, establishment_id)
            if row is None:
                raise NotFound(_("no establishment {id}").format(id=establishment_id))
            return view(session, row)

    def update(
        self, actor: Actor, establishment_id: str, item: EstablishmentInput, expected_version: int
    ) -> EstablishmentView:
        """Correct an establishment's name, address, commune, tax code or kind, from the version the
        editor read. Only the station that registered it writes it (owner wins, as in the bundles); a
        change that would make it another registered one (its tax code, or its folded name in the
        commune) is refused, naming that one. The new version takes a change sequence number, so it
        travels to HQ and back like the first."""
        require(actor, "establishment.create")
        now = self.ctx.clock()
        with self.ctx.sessions.writes.begin() as session:
            row = session.get(m.Establishment, establishment_id)
            if row is None:
                raise NotFound(_("no establishment {id}").format(id=establishment_id))
            if row.origin != actor.station_id:
                raise WorkflowError(
                    _("this establishment was registered by another station; only that station edits it")
                )
            if row.version != expected_version:
                stale = _("someone else changed this establishment (now version {version}); reopen it")
                raise WorkflowError(stale.format(version=row.version))
            other = duplicate_of(session, item, exclude_id=row.id)
            if other is not None:
                raise ValidationError([duplicate_message(session, other, item)])
            old = {key: getattr(row, key) for key in sorted(FIELDS)}
            row.name, row.name_folded = item.name, fold(item.name)
            row.address, row.commune_code, row.tax_code, row.kind = (
                item.address,
                item.commune_code,
                item.tax_code,
                item.kind,
            )
            diff = {key: [old[key], getattr(row, key)] for key in old if old[key] != getattr(row, key)}
            if not diff:
                return view(session, row)
            row.version += 1
            row.change_seq = next_change_seq(session, actor.station_id)
            _log_change(session, actor, row, now, "update", diff)
            return view(session, row)


def duplicate_of(
    session: Session, item: EstablishmentInput, exclude_id: str | None = None
) -> m.Establishment | None:
    """Another registered establishment ``item`` would be: the one with its tax code, else the one with
    its folded name in its commune (``exclude_id``: the establishment being edited)."""
    for wanted in (
        [m.Establishment.tax_code == item.tax_code] if item.tax_code else None,
        [
            m.Establishment.name_folded == fold(item.name),
            m.Establishment.commune_code.is_(None)
            if item.commune_code is None
            else m.Establishment.commune_code == item.commune_code,
        ],
    ):
        if wanted is None:
            continue
        query = select(m.Establishment).where(*wanted)
        if exclude_id:
            query = query.where(m.Establishment.id != exclude_id)
        row = session.execute(
            query.order_by(m.Establishment.created_at, m.Establishment.id).limit(1)
        ).scalar_one_or_none()
        if row is not None:
            return row
    return None


def duplicate_message(session: Session, other: m.Establishment, item: EstablishmentInput) -> str:
    """Why ``item`` is ``other``, in words: the same tax code, or the same name in the same commune."""
    origin = session.get(m.Station, other.origin)
    if item.tax_code and other.tax_code == item.tax_code:
        return _("{name} already has the tax code {tax} (registered by {post})").format(
            name=other.name, tax=item.tax_code, post=origin.code if origin else "?"
        )
    return _("{name} is already registered under this name in this commune (by {post})").format(
        name=other.name, post=origin.code if origin else "?"
    )


# What travels: the same fields in a post's bundle (to HQ) and in a return bundle (to the posts).
DOCUMENT_FIELDS = frozenset(
    {"id", "name", "address", "commune_code", "tax_code", "kind", "created_by", "created_at", "version"}
)


def establishment_document(row: m.Establishment) -> dict[str, Any]:
    """An establishment as a bundle carries it; the folded name is made again where it is received."""
    return {
        "id": row.id,
        "name": row.name,
        "address": row.address,
        "commune_code": row.commune_code,
        "tax_code": row.tax_code,
        "kind": row.kind,
        "created_by": row.created_by,
        "created_at": utc_text(row.created_at),
        "version": row.version,
    }


def document_problem(document: object) -> str | None:
    """Why an establishment from a bundle cannot be stored, or None (hostile input: every field's type,
    size and shape; a reference commune is not required, as HQ's list may be newer than a post's)."""
    if not isinstance(document, dict):
        return N_("an establishment that is not an object")
    if set(document) != DOCUMENT_FIELDS:
        return N_("an establishment with unknown or missing fields")
    ident, version, created = document["id"], document["version"], document["created_at"]
    if not isinstance(ident, str) or not 0 < len(ident) <= 36:
        return N_("an establishment without a valid id")
    if type(version) is not int or not 1 <= version < 2**31:
        return N_("an establishment without a valid version")
    if not isinstance(document["created_by"], str) or not 0 < len(document["created_by"]) <= 64:
        return N_("an establishment without its author")
    if _instant(created) is None:
        return N_("an establishment without a valid time")
    if input_problems(document, None):
        return N_("an establishment whose fields are not valid")
    return None


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None or not 1990 <= moment.astimezone(UTC).year <= 9998:
        return None
    return moment


def apply_document(
    ctx: Context, session: Session, document: Mapping[str, Any], origin: m.Station, now: datetime, actor: str
) -> bool:
    """Store a checked establishment received from its owner ``origin`` (owner wins: only a newer version
    replaces the held one) and seal it into this register's chain. False when it was not newer. The
    caller has refused one that belongs to another station (``owner_conflict``)."""
    row = session.get(m.Establishment, document["id"])
    if row is not None and row.version >= document["version"]:
        return False
    before = None if row is None else row.version
    if row is None:
        row = m.Establishment(id=document["id"], origin=origin.id, change_seq=0)
        session.add(row)
    name = nfc(document["name"]).strip()
    row.name, row.name_folded = name, fold(name)
    row.address = nfc(document["address"] or "").strip()
    row.commune_code = document["commune_code"] or None
    row.tax_code = (document["tax_code"] or "").strip() or None
    row.kind, row.created_by = document["kind"], document["created_by"]
    moment = _instant(document["created_at"])
    assert moment is not None  # checked by ``document_problem``
    row.created_at, row.version = moment, document["version"]
    session.flush()
    audit.record(
        session,
        at=now,
        station_id=ctx.station_id,
        actor=actor,
        action="import",
        entity="establishment",
        entity_id=row.id,
        version=row.version,
        diff={"version": [before, row.version]},
        sealed_state=row_state(TABLE, row),  # type: ignore[arg-type]
    )
    return True


def owner_conflict(session: Session, establishment_id: str, origin_id: str) -> bool:
    """True when the register holds this establishment from another station than ``origin_id``."""
    held = session.get(m.Establishment, establishment_id)
    return held is not None and held.origin != origin_id
