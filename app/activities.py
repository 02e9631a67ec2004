"""The activity service: patrols, checkpoints, inspections of establishments and outreach sessions
(issue 19, docs/domain.md), added and edited like a case.

Each write takes the station's next change sequence number (``app.changes``), so the activity travels
to HQ in the next bundle (``app.sync.export``), and is sealed into the audit chain with its diff
(``app.audit``); the cases it is linked to are rows of ``activity_cases``, sealed by the flush hook
(``app.audit_tables``). A stored activity is edited only by its own station, and only from the
version the editor read, so two people editing the same patrol cannot overwrite each other.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app import audit
from app.activity_json import ActivityInput, activity_document
from app.auth import require
from app.case_checks import CLOCK_SKEW, future_problem
from app.changes import next_change_seq
from app.domain import Actor, Changes
from app.errors import NotFound, ValidationError, WorkflowError
from app.i18n import _
from app.serialize import row_state
from app.text import fold
from db import models as m
from db.types import utc_text

if TYPE_CHECKING:
    from app.context import Context
    from app.inspections import DuplicateInspection

DIFF_IGNORED = frozenset({"version", "change_seq", "updated_at", "updated_by"})
LIST_LIMIT = 5000  # a screen or a command shows at most this many; a period holds far fewer


@dataclass(frozen=True)
class ActivityFilter:
    kind: str | None = None
    first_day: date | None = None  # in the register's zone, both days included
    last_day: date | None = None
    commune_code: str | None = None
    station_id: str | None = None  # at HQ: one post's activities


@dataclass(frozen=True)
class ActivityView:
    """A stored activity for the front ends (never the ORM row)."""

    id: str
    station_code: str
    version: int
    data: ActivityInput  # with ``cases`` as case numbers
    created_by: str
    created_at: datetime
    updated_by: str | None
    updated_at: datetime | None
    editable: bool  # by the station that holds it (its own activity)

    def document(self) -> dict[str, Any]:
        """As the JSON format writes it, with the read-only fields of a stored activity."""
        return activity_document(
            self.data,
            {
                "id": self.id,
                "station": self.station_code,
                "version": self.version,
                "created_by": self.created_by,
                "created_at": utc_text(self.created_at),
                "updated_by": self.updated_by,
                "updated_at": utc_text(self.updated_at) if self.updated_at else None,
            },
        )


@dataclass(frozen=True)
class ActivityResult:
    view: ActivityView
    notices: tuple[str, ...]  # warnings shown to the user, never blocking the save
    changes: Changes


def establishment_notices(
    ctx: Context,
    session: Session,
    actor: Actor,
    data: ActivityInput,
    activity_id: str | None,
    *,
    saved: bool = False,
) -> list[str]:
    """The duplicate-inspection warning (issue 19 item 3) for an inspection: who else inspected the
    same establishment (registered, or named alike in the same commune) within the
    ``inspection_window_days`` setting, here or at another post or force known through HQ's return
    bundle (``app.inspections``). Shown by the editor and the CLI before and after a save; the save
    itself needs a reason (``_guard_overlap``), kept as the activity's ``overlap_reason``."""
    del actor
    if data.kind != "inspection" or not data.establishment:
        return []
    from app.establishments import resolve
    from app.inspections import recent_inspections, warning_message

    named = resolve(session, None, data.establishment, data.commune_code, None)
    if named is None:
        return []
    days = ctx.settings.inspection_window_days
    seen = recent_inspections(session, named, data.started_at, days, activity_id)
    return [warning_message(named.name, seen, ctx.zone, days, ctx.reference, saved=saved)] if seen else []


def _guard_overlap(
    ctx: Context, session: Session, row: m.Activity, default_reason: str | None
) -> tuple[str, list[Any]] | None:
    """An inspection of an establishment inspected within the window is saved only with a reason
    (issue 19 item 3): its own ``overlap_reason``, else ``default_reason`` (``activity add --reason``),
    which is then stored on it. Returns the warning and who inspected it when no reason is given."""
    if row.kind != "inspection" or not row.establishment:
        return None
    from app.establishments import resolve
    from app.inspections import DuplicateInspection, guard_inspection

    named = resolve(session, row.establishment_id, row.establishment, row.commune_code, None)
    if named is None:
        return None
    reason = row.overlap_reason or (default_reason or "").strip() or None
    try:
        seen = guard_inspection(
            session,
            named,
            row.started_at,
            window_days=ctx.settings.inspection_window_days,
            reason=reason,
            zone=ctx.zone,
            reference=ctx.reference,
            exclude_activity_id=row.id,
        )
    except DuplicateInspection as exc:
        return exc.warning, list(exc.seen)
    if seen and not row.overlap_reason:
        row.overlap_reason = reason  # the command's --reason, kept only where it was needed
    return None


def _inspected(row: m.Activity) -> tuple[Any, ...]:
    """What an inspection's overlap check depends on."""
    return (row.kind, row.establishment_folded, row.commune_code, row.started_at, row.overlap_reason)


def _overlap_refused(found: list[tuple[int, str, list[Any]]], many: bool) -> DuplicateInspection:
    """Every inspection of a file that needs a reason, by path, in one refusal."""
    from app.inspections import DuplicateInspection

    problems = [
        f"{'[' + str(i) + '].' if many else ''}overlap_reason: {warning}" for i, warning, _seen in found
    ]
    return DuplicateInspection(
        "\n".join(warning for _i, warning, _seen in found),
        [s for _i, _w, seen in found for s in seen],
        problems,
    )


def _register_establishment(
    session: Session, actor: Actor, row: m.Activity, data: ActivityInput, now: datetime
) -> None:
    """An inspection names its establishment in the register (``app.establishments``): the one its name
    (in its commune) matches, else a new one, so that HQ and every post compare inspections by it."""
    if data.kind != "inspection" or not data.establishment:
        row.establishment_id = None
        return
    from app.establishments import EstablishmentInput, register_in

    item = EstablishmentInput(data.establishment, "other", commune_code=data.commune_code)
    row.establishment_id = register_in(session, actor, item, now).establishment.id or None


class ActivityService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # ----- writing -------------------------------------------------------------------------

    def add(self, actor: Actor, data: ActivityInput) -> ActivityResult:
        return self.add_many(actor, [data])[0]

    def add_many(
        self, actor: Actor, items: Sequence[ActivityInput], default_reason: str | None = None
    ) -> list[ActivityResult]:
        """Add several activities in one transaction: all are written, or none (a case number that
        the register does not hold refuses the whole lot, naming each; so does an inspection of an
        establishment inspected within the window without a reason, ``DuplicateInspection``, unless
        ``default_reason`` gives one for every such inspection)."""
        require(actor, "activity.record")
        if self.ctx.kind != "post":
            raise WorkflowError(_("activities are recorded at the posts; HQ receives them in bundles"))
        now = self.ctx.clock()
        _refuse_future(items, now)
        results: list[ActivityResult] = []
        unexplained: list[tuple[int, str, list[Any]]] = []
        with self.ctx.sessions.writes.begin() as session:
            links = self._case_ids(session, actor, items)
            for index, (data, case_ids) in enumerate(zip(items, links, strict=True)):
                row = m.Activity(
                    id=m.new_id(),
                    origin=actor.station_id,
                    created_by=actor.username,
                    created_at=now,
                    version=1,
                )
                fill_row(row, data)
                _register_establishment(session, actor, row, data, now)
                session.add(row)
                session.flush()
                refused = _guard_overlap(self.ctx, session, row, default_reason)
                if refused is not None:
                    unexplained.append((index, *refused))
                    continue  # the others are still checked, so that one refusal names them all
                session.add_all(m.ActivityCase(activity_id=row.id, case_id=c) for c in case_ids)
                _log_change(session, actor, row, now, {}, {"cases": [None, sorted(data.cases)]})
                notices = establishment_notices(self.ctx, session, actor, data, row.id, saved=True)
                results.append(
                    ActivityResult(self._view(session, row), tuple(notices), Changes(activities=True))
                )
            if unexplained:
                raise _overlap_refused(unexplained, len(items) > 1)  # rolls the whole lot back
        return results

    def update(
        self, actor: Actor, activity_id: str, data: ActivityInput, expected_version: int
    ) -> ActivityResult:
        """Replace an activity's entered fields, from the version the editor read."""
        require(actor, "activity.record")
        now = self.ctx.clock()
        _refuse_future([data], now)
        with self.ctx.sessions.writes.begin() as session:
            row = session.get(m.Activity, activity_id)
            if row is None:
                raise NotFound(_("no activity {id}").format(id=activity_id))
            if row.origin != actor.station_id:
                raise WorkflowError(_("this activity belongs to another station; only its own post edits it"))
            if row.version != expected_version:
                raise WorkflowError(
                    _("this activity was changed by someone else (now version {version}); reopen it").format(
                        version=row.version
                    )
                )
            (case_ids,) = self._case_ids(session, actor, [data])
            before = row_state(m.Activity.__table__, row)  # type: ignore[arg-type]
            old_links = set(
                session.scalars(select(m.ActivityCase.case_id).where(m.ActivityCase.activity_id == row.id))
            )
            inspected = _inspected(row)
            fill_row(row, data)
            _register_establishment(session, actor, row, data, now)
            session.flush()
            # Checked again only when what it inspected, when, or its reason changed: an older inspection
            # saved before reasons were asked for keeps being editable.
            if _inspected(row) != inspected:
                refused = _guard_overlap(self.ctx, session, row, None)
                if refused is not None:
                    raise _overlap_refused([(0, *refused)], False)
            changed = row_state(m.Activity.__table__, row) != before  # type: ignore[arg-type]
            if not changed and old_links == set(case_ids):
                return ActivityResult(self._view(session, row), (), Changes())
            for gone in old_links - set(case_ids):
                session.delete(session.get(m.ActivityCase, (row.id, gone)))
            session.add_all(m.ActivityCase(activity_id=row.id, case_id=c) for c in set(case_ids) - old_links)
            row.version += 1
            row.updated_at, row.updated_by = now, actor.username
            links = {"cases": [sorted(old_links), sorted(case_ids)]} if old_links != set(case_ids) else {}
            _log_change(session, actor, row, now, before, links)
            notices = establishment_notices(self.ctx, session, actor, data, row.id, saved=True)
            return ActivityResult(self._view(session, row), tuple(notices), Changes(activities=True))

    def _case_ids(self, session: Session, actor: Actor, items: Sequence[ActivityInput]) -> list[list[str]]:
        """Each activity's case numbers as the ids of this station's cases; every unknown number of
        every activity refused at once, by path."""
        wanted = {number for data in items for number in data.cases}
        known = (
            dict(
                session.execute(
                    select(m.Case.number, m.Case.id).where(
                        m.Case.number.in_(wanted), m.Case.origin == actor.station_id
                    )
                ).all()
            )
            if wanted
            else {}
        )
        problems = [
            f"{'[' + str(i) + '].' if len(items) > 1 else ''}cases[{j}]: "
            + _("no case {number} at this post").format(number=number)
            for i, data in enumerate(items)
            for j, number in enumerate(data.cases)
            if number not in known
        ]
        if problems:
            raise ValidationError(problems)
        return [[known[number] for number in data.cases] for data in items]

    # ----- reading -------------------------------------------------------------------------

    def notices(self, actor: Actor, data: ActivityInput, activity_id: str | None = None) -> list[str]:
        """What the editor warns about before a save (``establishment_notices``), never blocking it."""
        require(actor, "case.read")
        with self.ctx.sessions.reads() as session:
            return establishment_notices(self.ctx, session, actor, data, activity_id)

    def get(self, actor: Actor, activity_id: str) -> ActivityView:
        require(actor, "case.read")
        with self.ctx.sessions.reads() as session:
            row = session.get(m.Activity, activity_id)
            if row is None:
                raise NotFound(_("no activity {id}").format(id=activity_id))
            return self._view(session, row)

    def find(self, actor: Actor, where: ActivityFilter = ActivityFilter()) -> list[ActivityView]:
        """Newest first, at most ``LIST_LIMIT``."""
        require(actor, "case.read")
        with self.ctx.sessions.reads() as session:
            query = self.query(where).order_by(m.Activity.started_at.desc(), m.Activity.id).limit(LIST_LIMIT)
            return [self._view(session, row) for row in session.scalars(query)]

    def query(self, where: ActivityFilter) -> Select[m.Activity]:
        query = select(m.Activity)
        if where.kind:
            query = query.where(m.Activity.kind == where.kind)
        if where.commune_code:
            query = query.where(m.Activity.commune_code == where.commune_code)
        if where.station_id:
            query = query.where(m.Activity.origin == where.station_id)
        if where.first_day:
            query = query.where(m.Activity.started_at >= self._start_of(where.first_day))
        if where.last_day:
            query = query.where(m.Activity.started_at < self._start_of(where.last_day + timedelta(days=1)))
        return query

    def _start_of(self, day: date) -> datetime:
        """The first instant of ``day`` in the register's zone (docs/architecture.md §3)."""
        return datetime.combine(day, time(), self.ctx.zone)

    def history(self, actor: Actor, activity_id: str) -> list[audit.HistoryEntry]:
        require(actor, "case.read")
        with self.ctx.sessions.reads() as session:
            return audit.history(session, activity_id)

    def _view(self, session: Session, row: m.Activity) -> ActivityView:
        numbers = list(
            session.scalars(
                select(m.Case.number)
                .join(m.ActivityCase, m.ActivityCase.case_id == m.Case.id)
                .where(m.ActivityCase.activity_id == row.id)
                .order_by(m.Case.number)
            )
        )
        station = session.get(m.Station, row.origin)
        return ActivityView(
            id=row.id,
            station_code=station.code if station is not None else "",
            version=row.version,
            data=row_input(row, tuple(numbers)),
            created_by=row.created_by,
            created_at=row.created_at,
            updated_by=row.updated_by,
            updated_at=row.updated_at,
            editable=row.origin == self.ctx.station_id and self.ctx.kind == "post",
        )


def _log_change(
    session: Session,
    actor: Actor,
    row: m.Activity,
    now: datetime,
    before: dict[str, Any],
    links: dict[str, Any],
) -> None:
    """Number a written activity in the station's change log (sync sends it) and seal it into the
    audit chain with what changed (``before``: its sealed state before, empty for a new one)."""
    row.change_seq = seq = next_change_seq(session, actor.station_id)
    session.add(
        m.ChangeLog(
            station_id=actor.station_id,
            seq=seq,
            entity="activity",
            entity_id=row.id,
            version=row.version,
            at=now,
        )
    )
    session.flush()
    after = row_state(m.Activity.__table__, row)  # type: ignore[arg-type]
    audit.record(
        session,
        at=now,
        station_id=actor.station_id,
        actor=actor.username,
        action="update" if before else "create",
        entity="activity",
        entity_id=row.id,
        version=row.version,
        diff={**audit.field_diff(_diffed(before), _diffed(after)), **links},
        sealed_state=after,
    )


def _refuse_future(items: Sequence[ActivityInput], now: datetime) -> None:
    """An activity is recorded once it has happened: a start or an end later than the register's clock
    (a few minutes' skew allowed) is refused, as ``activity add`` and HQ refuse it. Stored, a planned
    end would make HQ refuse the post's whole bundle."""
    problems = [
        f"{'[' + str(i) + '].' if len(items) > 1 else ''}{name}: {future_problem(moment.isoformat())}"
        for i, data in enumerate(items)
        for name, moment in (("started_at", data.started_at), ("ended_at", data.ended_at))
        if moment is not None and moment > now + CLOCK_SKEW
    ]
    if problems:
        raise ValidationError(problems)


def fill_row(row: m.Activity, data: ActivityInput) -> None:
    """An activity's entered fields onto its row (the service, and HQ's import of a post's)."""
    row.kind, row.started_at, row.ended_at = data.kind, data.started_at, data.ended_at
    row.commune_code, row.border_marker, row.route = data.commune_code, data.border_marker, data.route
    row.place, row.latitude, row.longitude = data.place, data.latitude, data.longitude
    row.establishment = data.establishment
    row.establishment_folded = fold(data.establishment) if data.establishment else None
    row.force, row.cooperating_forces = data.lead_force, list(data.cooperating_forces)
    row.participants, row.participant_names = data.participants, list(data.participant_names)
    row.result, row.notes = data.result, data.notes
    row.overlap_reason = data.overlap_reason


def row_input(row: m.Activity, cases: tuple[str, ...]) -> ActivityInput:
    return ActivityInput(
        kind=row.kind,
        started_at=row.started_at,
        ended_at=row.ended_at,
        commune_code=row.commune_code,
        border_marker=row.border_marker,
        route=row.route,
        place=row.place or "",
        latitude=row.latitude,
        longitude=row.longitude,
        establishment=row.establishment,
        lead_force=row.force,
        cooperating_forces=tuple(row.cooperating_forces or ()),
        participants=row.participants,
        participant_names=tuple(row.participant_names or ()),
        result=row.result,
        notes=row.notes,
        cases=cases,
        overlap_reason=row.overlap_reason,
    )


def _diffed(state: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in state.items()
        if key not in DIFF_IGNORED and key != "establishment_folded"
    }


def where_text(data: ActivityInput) -> str:
    """Where an activity took place in one line for the lists: its marker, route, establishment and
    place text, each said once. A part already said by another (the same text folded, or a part of it:
    the shop an inspection names and also types as the place, "Mốc 245" inside a route "đường tuần tra
    mốc 245 - 247") is left out, the longer kept where the first stood."""
    kept: list[tuple[str, str]] = []  # (text, folded)
    for part in (data.border_marker, data.route, data.establishment, data.place):
        text = " ".join((part or "").split())
        if not text:
            continue
        folded = fold(text)
        if any(_says(other, folded) for _text, other in kept):
            continue
        inside = [i for i, (_text, other) in enumerate(kept) if _says(folded, other)]
        if inside:
            kept[inside[0]] = (text, folded)
            kept = [item for i, item in enumerate(kept) if i not in inside[1:]]
        else:
            kept.append((text, folded))
    return " · ".join(text for text, _folded in kept)


def _says(longer: str, shorter: str) -> bool:
    """Whether ``longer`` holds ``shorter`` as whole words (both folded)."""
    return re.search(rf"(?<!\w){re.escape(shorter)}(?!\w)", longer) is not None
