"""Inspections of one establishment by several forces: the warning when one is entered, what HQ's return
bundle tells each post, and HQ's list of overlapping inspections for a period.

Why: "không kiểm tra nhiều lần, trùng lấp tại một đơn vị" — the 2025 conclusions ask that the same
establishment not be inspected again and again (docs/domain.md §2). A post knows its own inspections
and, through HQ's newest return bundle (``inspection_notices``), the other posts' and forces' of the
last days; HQ knows every post's. The warning does not forbid: the inspection is saved once a reason is
given (``guard_inspection``; kept on the activity, ``overlap_reason``, migration 0017), because a second
inspection may be the right call, and HQ's report lists each overlap with its reason."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.errors import ValidationError
from app.establishments import resolve
from app.i18n import N_, _
from app.text import fold
from db import models as m
from db.types import utc_text

if TYPE_CHECKING:
    from app.context import Context
    from app.reference import Reference

DEFAULT_WINDOW_DAYS = 30
INSPECTION = "inspection"
MAX_NOTICES = 20_000  # a return bundle's inspections: a province makes a few hundred a month
NOTICE_FIELDS = frozenset(
    {
        "type",
        "activity_id",
        "station",
        "force",
        "officer",
        "started_at",
        "establishment_id",
        "establishment",
        "commune_code",
        "tax_code",
    }
)


class Named(Protocol):
    """An establishment as the warning needs it: an ``m.Establishment`` or an ``EstablishmentView``."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def commune_code(self) -> str | None: ...
    @property
    def tax_code(self) -> str | None: ...


@dataclass(frozen=True)
class InspectionSeen:
    """An inspection of the same establishment: by whom (post, force, officer) and when."""

    activity_id: str
    station_code: str
    force: str
    officer: str
    started_at: datetime
    establishment: str
    reason: str | None = None  # the reason given for inspecting again (this register's activities only)


class DuplicateInspection(ValidationError):
    """An inspection entered without a reason while the establishment was inspected within the window:
    ``warning`` names who inspected it and when (``problems`` the same, by path, for a file of several);
    saving again with a reason is allowed."""

    def __init__(
        self, warning: str, seen: Sequence[InspectionSeen], problems: list[str] | None = None
    ) -> None:
        super().__init__(problems or [warning])
        self.warning = warning
        self.seen = tuple(seen)


def _same_establishments(session: Session, establishment: Named) -> set[str]:
    """The ids of every registered establishment that names the same one: itself, the one with its
    tax code, the ones with its folded name in its commune (two posts may register a shop before they
    hear of each other's)."""
    folded = fold(establishment.name)
    commune = (
        m.Establishment.commune_code.is_(None)
        if establishment.commune_code is None
        else m.Establishment.commune_code == establishment.commune_code
    )
    alike = [and_(m.Establishment.name_folded == folded, commune)]
    if establishment.tax_code:
        alike.append(m.Establishment.tax_code == establishment.tax_code)
    ids = set(session.execute(select(m.Establishment.id).where(or_(*alike))).scalars())
    if establishment.id:
        ids.add(establishment.id)
    return ids


def recent_inspections(
    session: Session,
    establishment: Named,
    at: datetime,
    window_days: int = DEFAULT_WINDOW_DAYS,
    exclude_activity_id: str | None = None,
) -> list[InspectionSeen]:
    """Every inspection of ``establishment`` within ``window_days`` before or after ``at``: this
    register's own activities (at HQ: every post's) and, at a post, the other posts' and forces' that
    HQ's newest return bundle carried. Oldest first; ``exclude_activity_id`` is the inspection being
    edited."""
    low, high = at - timedelta(days=window_days), at + timedelta(days=window_days)
    ids = _same_establishments(session, establishment)
    folded = fold(establishment.name)
    commune = establishment.commune_code
    by_text = and_(
        m.Activity.establishment_folded == folded,
        m.Activity.commune_code.is_(None) if commune is None else m.Activity.commune_code == commune,
    )
    found: dict[str, InspectionSeen] = {}
    rows = session.execute(
        select(m.Activity, m.Station.code)
        .join(m.Station, m.Station.id == m.Activity.origin)
        .where(
            m.Activity.kind == INSPECTION,
            m.Activity.started_at >= low,
            m.Activity.started_at <= high,
            or_(m.Activity.establishment_id.in_(ids), by_text),
        )
    ).all()
    for activity, code in rows:
        found[activity.id] = InspectionSeen(
            activity.id,
            code,
            activity.force,
            activity.created_by,
            activity.started_at,
            activity.establishment or establishment.name,
            activity.overlap_reason,
        )
    alike = [
        m.InspectionNotice.establishment_id.in_(ids),
        and_(
            m.InspectionNotice.establishment_folded == folded,
            m.InspectionNotice.commune_code.is_(None)
            if commune is None
            else m.InspectionNotice.commune_code == commune,
        ),
    ]
    if establishment.tax_code:
        alike.append(m.InspectionNotice.tax_code == establishment.tax_code)
    for notice in session.execute(
        select(m.InspectionNotice).where(
            m.InspectionNotice.started_at >= low, m.InspectionNotice.started_at <= high, or_(*alike)
        )
    ).scalars():
        found.setdefault(
            notice.activity_id,
            InspectionSeen(
                notice.activity_id,
                notice.station_code,
                notice.force,
                notice.officer,
                notice.started_at,
                notice.establishment,
            ),
        )
    found.pop(exclude_activity_id or "", None)
    return sorted(found.values(), key=lambda s: (s.started_at, s.activity_id))


def warning_message(
    establishment: str,
    seen: Sequence[InspectionSeen],
    zone: tzinfo,
    window_days: int,
    reference: Reference,
    *,
    saved: bool = False,
) -> str:
    """The warning, naming who inspected the establishment and when (in the register's zone); before
    a save it asks for a reason, after one (``saved``, the reason given) it only says what was found."""
    who = "; ".join(
        _("{day} by {force} ({post}, {officer})").format(
            day=f"{s.started_at.astimezone(zone):%d/%m/%Y}",
            force=reference.label("forces", s.force),
            post=s.station_code,
            officer=s.officer,
        )
        for s in seen
    )
    if saved:
        text = _(
            "{establishment} was already inspected within {days} days: {who}; saved with the reason given"
        )
    else:
        text = _(
            "{establishment} was already inspected within {days} days: {who}. Give a reason to save "
            "this inspection anyway"
        )
    return text.format(establishment=establishment, days=window_days, who=who)


def guard_inspection(
    session: Session,
    establishment: Named,
    at: datetime,
    *,
    window_days: int,
    reason: str | None,
    zone: tzinfo,
    reference: Reference,
    exclude_activity_id: str | None = None,
) -> list[InspectionSeen]:
    """What the activity service calls inside its write transaction before it saves an inspection:
    the inspections of the same establishment within the window. With none, or with a ``reason``
    (kept by the caller in the activity's audit diff), they are returned and the save goes on;
    without a reason ``DuplicateInspection`` stops it, its message naming who inspected and when."""
    seen = recent_inspections(session, establishment, at, window_days, exclude_activity_id)
    if seen and not (reason or "").strip():
        raise DuplicateInspection(
            warning_message(establishment.name, seen, zone, window_days, reference), seen
        )
    return seen


@dataclass(frozen=True)
class InspectionCheck:
    """What an editor shows before an inspection is saved: the same establishment's inspections within
    the window and the warning naming them (None when there are none)."""

    seen: tuple[InspectionSeen, ...]
    message: str | None


def check_inspection(
    ctx: Context,
    *,
    at: datetime,
    establishment_id: str | None = None,
    name: str | None = None,
    commune_code: str | None = None,
    tax_code: str | None = None,
    exclude_activity_id: str | None = None,
) -> InspectionCheck:
    """The warning in its own read session, for an editor or a command before it saves (the save itself
    calls ``guard_inspection`` in its transaction). The window is the ``inspection_window_days`` setting."""
    days = ctx.settings.inspection_window_days
    with ctx.sessions.reads() as session:
        named = resolve(session, establishment_id, name, commune_code, tax_code)
        if named is None:
            return InspectionCheck((), None)
        seen = tuple(recent_inspections(session, named, at, days, exclude_activity_id))
    message = warning_message(named.name, seen, ctx.zone, days, ctx.reference) if seen else None
    return InspectionCheck(seen, message)


# --- HQ's return bundle -----------------------------------------------------------------------------


def notices_for_post(
    session: Session, station_id: str, now: datetime, window_days: int
) -> list[dict[str, Any]]:
    """HQ: the inspections of the last ``window_days`` by every other station, as return-bundle records
    for the post ``station_id`` (its own it has already), newest first, at most ``MAX_NOTICES``."""
    rows = session.execute(
        select(m.Activity, m.Station.code, m.Establishment)
        .join(m.Station, m.Station.id == m.Activity.origin)
        .outerjoin(m.Establishment, m.Establishment.id == m.Activity.establishment_id)
        .where(
            m.Activity.kind == INSPECTION,
            m.Activity.origin != station_id,
            m.Activity.started_at >= now - timedelta(days=window_days),
        )
        .order_by(m.Activity.started_at.desc(), m.Activity.id)
        .limit(MAX_NOTICES)
    ).all()
    records = []
    for activity, code, establishment in rows:
        name = establishment.name if establishment is not None else (activity.establishment or "")
        if not fold(name):
            continue  # an inspection that names no establishment cannot overlap another
        records.append(
            {
                "type": INSPECTION,
                "activity_id": activity.id,
                "station": code,
                "force": activity.force,
                "officer": activity.created_by,
                "started_at": utc_text(activity.started_at),
                "establishment_id": activity.establishment_id,
                "establishment": name[:200],
                "commune_code": establishment.commune_code
                if establishment is not None
                else activity.commune_code,
                "tax_code": establishment.tax_code if establishment is not None else None,
            }
        )
    return records


def _short_text(value: object, limit: int, optional: bool = False) -> bool:
    if value is None:
        return optional
    return isinstance(value, str) and 0 < len(value) <= limit


def check_notice(record: dict[str, Any]) -> str | None:
    """Why an inspection record of a return bundle cannot be kept, or None (hostile input)."""
    started = record.get("started_at")
    try:
        moment = datetime.fromisoformat(started) if isinstance(started, str) and len(started) <= 40 else None
    except ValueError:
        moment = None
    if (
        set(record) != NOTICE_FIELDS
        or not _short_text(record["activity_id"], 36)
        or not _short_text(record["station"], 16)
        or not _short_text(record["force"], 40)
        or not _short_text(record["officer"], 64)
        or not _short_text(record["establishment"], 200)
        or not fold(record["establishment"])
        or not _short_text(record["establishment_id"], 36, optional=True)
        or not _short_text(record["commune_code"], 10, optional=True)
        or not _short_text(record["tax_code"], 20, optional=True)
        or moment is None
        or moment.tzinfo is None
    ):
        return N_("an inspection that is not well formed")
    return None


def notice_row(record: dict[str, Any], now: datetime) -> m.InspectionNotice:
    """A checked inspection record as the post keeps it."""
    return m.InspectionNotice(
        activity_id=record["activity_id"],
        station_code=record["station"],
        force=record["force"],
        officer=record["officer"],
        started_at=datetime.fromisoformat(record["started_at"]),
        establishment_id=record["establishment_id"],
        establishment=record["establishment"],
        establishment_folded=fold(record["establishment"]),
        commune_code=record["commune_code"],
        tax_code=record["tax_code"],
        received_at=now,
    )


# --- HQ's overlap report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overlap:
    """One establishment inspected more than once within the window during the period."""

    establishment: str
    commune_code: str | None
    inspections: tuple[InspectionSeen, ...]

    @property
    def across_forces(self) -> bool:
        """Inspected by more than one post or force (not only one unit coming back)."""
        return len({(s.station_code, s.force) for s in self.inspections}) > 1


def overlaps(
    session: Session, start: datetime, end: datetime, window_days: int = DEFAULT_WINDOW_DAYS
) -> list[Overlap]:
    """Every establishment inspected at least twice, within ``window_days`` of each other, between
    ``start`` and ``end`` (an instant range), by any post or force this register knows of. The same
    establishment is recognised by its registered id, its tax code or its folded name in its commune."""
    rows = session.execute(
        select(m.Activity, m.Station.code, m.Establishment)
        .join(m.Station, m.Station.id == m.Activity.origin)
        .outerjoin(m.Establishment, m.Establishment.id == m.Activity.establishment_id)
        .where(m.Activity.kind == INSPECTION, m.Activity.started_at >= start, m.Activity.started_at < end)
        .order_by(m.Activity.started_at, m.Activity.id)
    ).all()
    parent: dict[tuple[str, ...], tuple[str, ...]] = {}

    def root(key: tuple[str, ...]) -> tuple[str, ...]:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    seen: list[tuple[tuple[str, ...], InspectionSeen, str | None]] = []
    for activity, code, establishment in rows:
        name = establishment.name if establishment is not None else (activity.establishment or "")
        commune = establishment.commune_code if establishment is not None else activity.commune_code
        if not fold(name):
            continue
        keys: list[tuple[str, ...]] = [("name", fold(name), commune or "")]
        if establishment is not None:
            keys.append(("id", establishment.id))
            if establishment.tax_code:
                keys.append(("tax", establishment.tax_code))
        for key in keys[1:]:
            parent[root(key)] = root(keys[0])
        item = InspectionSeen(
            activity.id,
            code,
            activity.force,
            activity.created_by,
            activity.started_at,
            name,
            activity.overlap_reason,
        )
        seen.append((keys[0], item, commune))
    groups: dict[tuple[str, ...], list[tuple[InspectionSeen, str | None]]] = {}
    for key, item, commune in seen:
        groups.setdefault(root(key), []).append((item, commune))
    found = []
    for members in groups.values():
        close = _within_window([item for item, _c in members], timedelta(days=window_days))
        if close:
            found.append(Overlap(close[0].establishment, members[0][1], tuple(close)))
    found.sort(key=lambda o: (o.inspections[0].started_at, fold(o.establishment)))
    return found


def _within_window(items: Iterable[InspectionSeen], window: timedelta) -> list[InspectionSeen]:
    """The inspections that have another within ``window`` of them (oldest first)."""
    ordered = sorted(items, key=lambda s: (s.started_at, s.activity_id))
    keep = set()
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.started_at - before.started_at <= window:
            keep.update({before.activity_id, after.activity_id})
    return [s for s in ordered if s.activity_id in keep]
