"""The case service: create, edit, submit, approve, return, close and void cases, and read them for
the front ends (lists and searches are answered by the query engine, ``app.case_query``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.auth import require
from app.case_checks import case_refusals, case_warnings
from app.case_json import case_document
from app.case_query import NEWEST_FIRST, NO_FILTER, case_result, count_cases, list_cases, load_case
from app.case_rows import case_values
from app.changes import next_change_seq
from app.domain import Actor, CaseFilter, CaseInput, CaseResult, CaseRow, CaseSort
from app.errors import NotFound, PermissionDenied, ValidationError, WorkflowError
from app.i18n import N_, _, pgettext
from app.search import case_search_body
from app.serialize import orm_case_state
from app.text import check_id_number, check_plate, check_vessel
from db import models as m
from db import search

if TYPE_CHECKING:
    from app.context import Context
    from app.reference import Reference

EDITABLE_BY_OFFICER = frozenset({"draft"})
DIFF_IGNORED = frozenset({"version", "updated_at", "updated_by"})


def next_case_seq(session: Session, station_id: str, year: int) -> int:
    counter = session.get(m.CaseCounter, (station_id, year))
    if counter is None:
        counter = m.CaseCounter(station_id=station_id, year=year, last_seq=0)
        session.add(counter)
    counter.last_seq += 1
    return counter.last_seq


def case_notices(data: CaseInput, reference: Reference, zone: tzinfo) -> list[str]:
    """Warnings about identity numbers, plates, dates and outcomes: shown to the user, never blocking
    a save. ``zone`` is the register's, whose day the offence fell on."""
    notices = []
    for i, party in enumerate(data.parties):
        if party.kind == "person" and party.id_number:
            notices += check_id_number(
                party.id_number,
                nationality=party.nationality,
                birth_date=party.birth_date,
                gender=party.gender,
                path=f"parties[{i}].id_number",
            )
    for i, vehicle in enumerate(data.vehicles):
        path = f"vehicles[{i}].plate"
        if vehicle.kind in ("motorbike", "car", "truck"):
            notices += check_plate(vehicle.plate, path)
        elif vehicle.kind == "ship":
            notices += check_vessel(vehicle.plate, path)
    return [str(n) for n in notices] + case_warnings(data, reference, zone)


class CaseService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # ----- writing -------------------------------------------------------------------------

    def create(self, actor: Actor, data: CaseInput) -> CaseResult:
        return self.create_many(actor, [data])[0]

    def create_many(self, actor: Actor, items: Sequence[CaseInput]) -> list[CaseResult]:
        """Create several cases in one transaction: all are written, or none."""
        require(actor, "case.create")
        self._check_entered(items)
        self._check_campaigns(items)
        results = []
        with self.ctx.sessions.writes.begin() as session:
            for data in items:
                now = self.ctx.clock()
                year = self.ctx.local(data.occurred_at).year  # the post's year, whatever zone was typed
                seq = next_case_seq(session, actor.station_id, year)
                case = m.Case(
                    origin=actor.station_id,
                    number=f"{actor.station_code}/{year}/{seq:05d}",
                    year=year,
                    seq=seq,
                    status="draft",
                    created_by=actor.username,
                    created_at=now,
                    updated_by=actor.username,
                    updated_at=now,
                    version=1,
                    goods=[],
                    parties=[],
                    vehicles=[],
                    attachments=[],
                    documents=[],
                )
                self._apply(case, data)
                session.add(case)
                session.flush()
                document = self._write(session, actor, case, "create", None, now)
                notices = case_notices(data, self.ctx.reference, self.ctx.zone)
                results.append(case_result(case, document, notices))
        return results

    def update(self, actor: Actor, case_id: str, data: CaseInput, expected_version: int) -> CaseResult:
        """Replace a case's contents. Refused if someone saved a newer version in the meantime."""
        self._check_entered([data])
        self._check_campaigns([data])
        with self.ctx.sessions.writes.begin() as session:
            case = load_case(session, case_id)
            self._check_owner(actor, case)
            if case.status == "voided":
                message = _("case {number} is voided and cannot be edited")
                raise WorkflowError(message.format(number=case.number))
            if case.status in EDITABLE_BY_OFFICER:
                require(actor, "case.edit")
            else:
                require(actor, "case.edit_approved")
            if case.version != expected_version:
                raise WorkflowError(
                    _(
                        "case {number} was changed by {user} (version {version}) after you opened "
                        "version {opened}; reopen it and make your change again"
                    ).format(
                        number=case.number,
                        user=case.updated_by,
                        version=case.version,
                        opened=expected_version,
                    )
                )
            before = case_document(case, actor.station_code)
            now = self.ctx.clock()
            self._apply(case, data)
            case.version += 1
            case.updated_by, case.updated_at = actor.username, now
            session.flush()
            document = self._write(session, actor, case, "update", before, now)
            return case_result(case, document, case_notices(data, self.ctx.reference, self.ctx.zone))

    def submit(self, actor: Actor, case_id: str) -> CaseResult:
        return self._transition(actor, case_id, "case.submit", {"draft"}, "submitted", "submit")

    def approve(self, actor: Actor, case_id: str) -> CaseResult:
        return self._transition(actor, case_id, "case.approve", {"submitted"}, "approved", "approve")

    def return_to_draft(self, actor: Actor, case_id: str, remark: str) -> CaseResult:
        if not remark.strip():
            raise ValidationError([_("remark: say what must be corrected before the case is returned")])
        return self._transition(
            actor, case_id, "case.return", {"submitted"}, "draft", "return", remark=remark.strip()
        )

    def close(self, actor: Actor, case_id: str) -> CaseResult:
        return self._transition(actor, case_id, "case.close", {"approved"}, "closed", "close")

    def void(self, actor: Actor, case_id: str, reason: str) -> CaseResult:
        if not reason.strip():
            raise ValidationError([_("reason: a case can only be voided with a reason")])
        return self._transition(
            actor,
            case_id,
            "case.void",
            {"draft", "submitted", "approved", "closed"},
            "voided",
            "void",
            void_reason=reason.strip(),
        )

    def _transition(
        self,
        actor: Actor,
        case_id: str,
        permission: str,
        allowed: set[str],
        target: str,
        action: str,
        *,
        remark: str | None = None,
        void_reason: str | None = None,
    ) -> CaseResult:
        require(actor, permission)
        with self.ctx.sessions.writes.begin() as session:
            case = load_case(session, case_id)
            self._check_owner(actor, case)
            if case.status not in allowed:
                from_draft = action == "approve" and case.status == "draft"
                message = _(_REFUSED_FROM_DRAFT if from_draft else _REFUSED[action])
                status = pgettext("case status", _STATUS_TEXT[case.status])
                raise WorkflowError(message.format(number=case.number, status=status))
            before = case_document(case, actor.station_code)
            now = self.ctx.clock()
            case.status = target
            case.version += 1
            case.updated_by, case.updated_at = actor.username, now
            if action == "submit":
                case.submitted_by, case.submitted_at, case.remark = actor.username, now, None
            elif action == "approve":
                case.approved_by, case.approved_at = actor.username, now
            elif action == "return":
                case.remark = remark
            elif action == "void":
                case.void_reason = void_reason
            session.flush()
            document = self._write(session, actor, case, action, before, now)
            return case_result(case, document, [])

    def fill(self, case: m.Case, data: CaseInput) -> None:
        """Set a case's fields and lines from ``data`` (no workflow, numbering or logging): for sync."""
        self._apply(case, data)

    def _apply(self, case: m.Case, data: CaseInput) -> None:
        fields, lines = case_values(data, self.ctx.reference)
        store = self.ctx.attachments
        missing = [
            f"attachments[{i}]: file {a.sha256[:12]}… is not in the attachment store"
            for i, a in enumerate(data.attachments)
            if not store.has(a.sha256)
        ]
        if missing:
            raise ValidationError(missing)
        for name, value in fields.items():
            setattr(case, name, value)
        case.goods = [m.GoodsLine(**row) for row in lines["goods"]]
        case.parties = [m.Party(**row) for row in lines["parties"]]
        case.vehicles = [m.Vehicle(**row) for row in lines["vehicles"]]
        case.documents = [m.Document(**row) for row in lines["documents"]]
        case.attachments = [m.Attachment(**row) for row in lines["attachments"]]

    def _write(
        self,
        session: Session,
        actor: Actor,
        case: m.Case,
        action: str,
        before: dict[str, Any] | None,
        now: datetime,
    ) -> dict[str, Any]:
        """Everything that goes with a change: change log, audit chain, search index."""
        seq = next_change_seq(session, actor.station_id)
        case.change_seq = seq
        session.add(
            m.ChangeLog(
                station_id=actor.station_id,
                seq=seq,
                entity="case",
                entity_id=case.id,
                version=case.version,
                at=now,
            )
        )
        session.flush()
        document = case_document(case, actor.station_code)
        if before is None:
            diff: dict[str, Any] = {"number": [None, case.number], "status": [None, case.status]}
        else:
            diff = {k: v for k, v in audit.field_diff(before, document).items() if k not in DIFF_IGNORED}
        audit.record(
            session,
            at=now,
            station_id=actor.station_id,
            actor=actor.username,
            action=action,
            entity="case",
            entity_id=case.id,
            version=case.version,
            diff=diff,
            sealed_state=orm_case_state(case),
        )
        search.upsert(session.connection(), case.id, case_search_body(document, self.ctx.reference))
        return document

    def _check_entered(self, items: Sequence[CaseInput]) -> None:
        """The checks a case file also gets (``app.case_checks``), for a case the editor built."""
        now = self.ctx.clock()
        problems = [
            (f"[{i}]." if len(items) > 1 else "") + problem
            for i, data in enumerate(items)
            for problem in case_refusals(data, now)
        ]
        if problems:
            raise ValidationError(problems)

    def _check_campaigns(self, items: Sequence[CaseInput]) -> None:
        wanted = {d.campaign_id for d in items if d.campaign_id}
        if not wanted:
            return
        with self.ctx.sessions.reads() as session:
            found = set(session.execute(select(m.Campaign.id).where(m.Campaign.id.in_(wanted))).scalars())
        if wanted - found:
            raise ValidationError([f"campaign_id: no campaign {c}" for c in sorted(wanted - found)])

    @staticmethod
    def _check_owner(actor: Actor, case: m.Case) -> None:
        if case.origin != actor.station_id:
            raise PermissionDenied(
                _("case {number} belongs to another station; only that station may change it").format(
                    number=case.number
                )
            )

    # ----- reading (lists and counts: the query engine, app/case_query.py) -----------------

    def resolve(self, number_or_id: str) -> str:
        """The id of a case given its number (e.g. BP-VX/2026/00001) or its id."""
        with self.ctx.sessions.reads() as session:
            found = (
                session.execute(
                    select(m.Case.id).where((m.Case.number == number_or_id) | (m.Case.id == number_or_id))
                )
                .scalars()
                .all()
            )
        if not found:
            raise NotFound(f"no case numbered {number_or_id}")
        if len(found) > 1:
            raise NotFound(f"{number_or_id} names several cases (of different stations); use the case id")
        return found[0]

    def get(self, actor: Actor, case_id: str) -> CaseResult:
        require(actor, "case.read")
        with self.ctx.sessions.reads() as session:
            case = load_case(session, case_id)
            station = session.get(m.Station, case.origin)
            assert station is not None
            return case_result(case, case_document(case, station.code), [])

    def history(self, actor: Actor, case_id: str) -> list[audit.HistoryEntry]:
        require(actor, "case.read")
        with self.ctx.sessions.reads() as session:
            return audit.history(session, case_id)

    def count(self, actor: Actor, case_filter: CaseFilter = NO_FILTER, *, at_most: int | None = None) -> int:
        """How many cases pass the filter (a second query: lists page without counting); with
        ``at_most``, ``at_most + 1`` stands for "more than that"."""
        require(actor, "case.read")
        with self.ctx.sessions.reads() as session:
            return count_cases(session, case_filter, zone=self.ctx.zone, at_most=at_most)

    def list(
        self,
        actor: Actor,
        case_filter: CaseFilter = NO_FILTER,
        *,
        sort: CaseSort = NEWEST_FIRST,
        limit: int = 50,
        after: tuple[Any, str] | None = None,
    ) -> list[CaseRow]:
        """One page in ``sort`` order; for the next, pass the last row's sort value and id as ``after``
        (``CaseRow.sort_value(sort)``), as ``app.case_query.list_cases`` explains."""
        require(actor, "case.read")
        with self.ctx.sessions.reads() as session:
            return list_cases(session, case_filter, sort=sort, limit=limit, after=after, zone=self.ctx.zone)


_REFUSED = {
    "submit": N_("case {number} is {status}; it cannot be submitted"),
    "approve": N_("case {number} is {status}; it cannot be approved"),
    "return": N_("case {number} is {status}; it cannot be returned"),
    "close": N_("case {number} is {status}; it cannot be closed"),
    "void": N_("case {number} is {status}; it cannot be voided"),
}
_REFUSED_FROM_DRAFT = N_("case {number} is {status}; it cannot be approved (submit it first)")
# The status as a word inside a sentence; translated in the "case status" context.
_STATUS_TEXT = {
    "draft": "draft",
    "submitted": "submitted",
    "approved": "approved",
    "closed": "closed",
    "voided": "voided",
}
