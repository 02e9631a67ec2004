"""Hand-overs to the police: a criminal case's hand-over record and its follow-up (docs/domain.md §4).

A case whose outcome is a criminal transfer is handed to an investigating agency with its papers and
its defendants; the post then records what the police did with it (received, prosecuted, or returned
for administrative handling). One record per case, sealed as one row into the audit chain at every
change (like a case: a new version each time), logged in the change sequence so that it travels to HQ
(app/sync/export.py, app/sync/handover_import.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.auth import require
from app.changes import next_change_seq
from app.domain import Actor, Changes
from app.errors import NotFound, ValidationError, WorkflowError
from app.i18n import N_, _
from app.serialize import row_state, state_hash
from app.text import fold, nfc
from db import models as m

if TYPE_CHECKING:
    from app.context import Context

# The newest step of a hand-over; ``handed_over`` until the police answer.
STATUSES = ("handed_over", "received", "prosecuted", "returned")
FOLLOW_UPS = STATUSES[1:]
# After these the case is out of the police's hands one way or the other: no further step.
FINAL = frozenset({"prosecuted", "returned"})
STATUS_TEXT = {
    "handed_over": N_("handed over"),
    "received": N_("received by the police"),
    "prosecuted": N_("prosecuted"),
    "returned": N_("returned for administrative handling"),
}
CRIMINAL_TRANSFER = "criminal_transfer"
MAX_DOCUMENTS = 200
# Columns whose change says nothing a reader of the history needs (the version and times move always).
_QUIET = frozenset({"version", "change_seq", "updated_at", "updated_by"})


def status_text(status: str) -> str:
    return _(STATUS_TEXT[status]) if status in STATUS_TEXT else status


@dataclass(frozen=True)
class Defendant:
    full_name: str
    id_number: str | None = None
    party_id: str | None = None


@dataclass(frozen=True)
class FollowUp:
    status: str
    on: date
    note: str
    by: str
    at: datetime


@dataclass(frozen=True)
class HandoverInput:
    """What a person enters. ``defendants`` names the case's parties (by name or identity number);
    None hands over every party of the case who is not a witness."""

    receiving_agency: str
    handed_on: date
    documents: tuple[str, ...] = ()
    receipt_no: str | None = None
    defendants: tuple[str, ...] | None = None
    handed_by: str | None = None  # who handed over; the acting user when not given
    received_by: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class HandoverView:
    id: str
    case_id: str
    case_number: str
    station: str
    receiving_agency: str
    handed_on: date
    documents: tuple[str, ...]
    receipt_no: str | None
    defendants: tuple[Defendant, ...]
    handed_by: str
    received_by: str | None
    note: str | None
    status: str
    status_on: date
    followups: tuple[FollowUp, ...]
    version: int
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime

    @property
    def final(self) -> bool:
        return self.status in FINAL


@dataclass(frozen=True)
class HandoverResult:
    handover: HandoverView
    changes: Changes


def view(row: m.Handover, case_number: str, station_code: str) -> HandoverView:
    return HandoverView(
        id=row.id,
        case_id=row.case_id,
        case_number=case_number,
        station=station_code,
        receiving_agency=row.receiving_agency,
        handed_on=row.handed_on,
        documents=tuple(row.documents),
        receipt_no=row.receipt_no,
        defendants=tuple(
            Defendant(d["full_name"], d.get("id_number"), d.get("party_id")) for d in row.defendants
        ),
        handed_by=row.handed_by,
        received_by=row.received_by,
        note=row.note,
        status=row.status,
        status_on=row.status_on,
        followups=tuple(
            FollowUp(
                f["status"],
                date.fromisoformat(f["on"]),
                f.get("note") or "",
                f["by"],
                datetime.fromisoformat(f["at"]),
            )
            for f in row.followups
        ),
        version=row.version,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
    )


def _optional(text: str | None) -> str | None:
    return nfc(text) or None if text is not None else None


def _describe(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> dict[str, Any]:
    diff = audit.field_diff(before or {}, after)
    return {key: value for key, value in diff.items() if key not in _QUIET}


class HandoverService:
    """Record a hand-over, correct it, follow it up; read one or many."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # ----- writes -----------------------------------------------------------------------------

    def add(self, actor: Actor, case_id: str, data: HandoverInput) -> HandoverResult:
        require(actor, "handover.record")
        now = self.ctx.clock()
        with self.ctx.sessions.writes.begin() as session:
            case = self._own_case(session, actor, case_id)
            if session.execute(select(m.Handover.id).where(m.Handover.case_id == case.id)).first():
                raise WorkflowError(
                    _("case {number} was handed over already: change that record, or follow it up").format(
                        number=case.number
                    )
                )
            values = self._checked(case, data, actor)
            seq = next_change_seq(session, actor.station_id)
            row = m.Handover(
                id=m.new_id(),
                origin=actor.station_id,
                case_id=case.id,
                **values,
                status="handed_over",
                status_on=values["handed_on"],
                followups=[],
                created_by=actor.username,
                created_at=now,
                updated_by=actor.username,
                updated_at=now,
                version=1,
                change_seq=seq,
            )
            session.add(row)
            self._log(session, actor, row, seq, now, None)
            return HandoverResult(
                view(row, case.number, actor.station_code), Changes(cases=frozenset({case.id}))
            )

    def edit(
        self, actor: Actor, handover_id: str, data: HandoverInput, expected_version: int
    ) -> HandoverResult:
        """Correct what was handed over (a typo in the receipt number, a forgotten paper)."""
        require(actor, "handover.record")
        now = self.ctx.clock()
        with self.ctx.sessions.writes.begin() as session:
            row, case = self._own_row(session, actor, handover_id, expected_version)
            before = row_state(m.Handover.__table__, row)  # type: ignore[arg-type]
            values = self._checked(case, data, actor)
            if row.status != "handed_over" and values["handed_on"] > date.fromisoformat(
                row.followups[0]["on"]
            ):
                raise ValidationError(
                    [
                        "handed_on: "
                        + _("after the police's first answer ({day})").format(day=row.followups[0]["on"])
                    ]
                )
            for key, value in values.items():
                setattr(row, key, value)
            if row.status == "handed_over":
                row.status_on = row.handed_on
            if row_state(m.Handover.__table__, row) == before:  # type: ignore[arg-type]
                return HandoverResult(view(row, case.number, actor.station_code), Changes())
            self._bump(session, actor, row, now, before)
            return HandoverResult(
                view(row, case.number, actor.station_code), Changes(cases=frozenset({case.id}))
            )

    def follow_up(
        self,
        actor: Actor,
        handover_id: str,
        status: str,
        on: date,
        note: str = "",
        expected_version: int | None = None,
    ) -> HandoverResult:
        """Record the police's answer: ``received``, then ``prosecuted`` or ``returned``."""
        require(actor, "handover.record")
        now = self.ctx.clock()
        problems: list[str] = []
        if status not in FOLLOW_UPS:
            problems.append(
                "status: "
                + _("{value} is not one of {allowed}").format(value=status, allowed=", ".join(FOLLOW_UPS))
            )
        if on > self.ctx.today():
            problems.append("on: " + _("{day} is in the future").format(day=on.isoformat()))
        if problems:
            raise ValidationError(problems)
        with self.ctx.sessions.writes.begin() as session:
            row, case = self._own_row(session, actor, handover_id, expected_version)
            if row.status in FINAL:
                raise WorkflowError(
                    _("the hand-over of case {number} is closed ({status}): no further step").format(
                        number=case.number, status=status_text(row.status)
                    )
                )
            if status == row.status:
                raise WorkflowError(_("the hand-over is {status} already").format(status=status_text(status)))
            if on < row.status_on:
                raise ValidationError(
                    ["on: " + _("before the previous step ({day})").format(day=row.status_on.isoformat())]
                )
            before = row_state(m.Handover.__table__, row)  # type: ignore[arg-type]
            step = {
                "status": status,
                "on": on.isoformat(),
                "note": nfc(note),
                "by": actor.username,
                "at": now.isoformat(),
            }
            row.followups = [*row.followups, step]
            row.status, row.status_on = status, on
            self._bump(session, actor, row, now, before)
            return HandoverResult(
                view(row, case.number, actor.station_code), Changes(cases=frozenset({case.id}))
            )

    # ----- reads ------------------------------------------------------------------------------

    def resolve(self, case_number_or_id: str) -> str:
        """The id of the hand-over of a case given by number or id, or of the hand-over with that id."""
        with self.ctx.sessions.reads() as session:
            found = (
                session.execute(
                    select(m.Handover.id)
                    .join(m.Case, m.Case.id == m.Handover.case_id)
                    .where(
                        (m.Case.number == case_number_or_id)
                        | (m.Case.id == case_number_or_id)
                        | (m.Handover.id == case_number_or_id)
                    )
                )
                .scalars()
                .all()
            )
        if len(found) != 1:
            raise NotFound(_("no hand-over of case {case}").format(case=case_number_or_id))
        return found[0]

    def get(self, actor: Actor, handover_id: str) -> HandoverView:
        require(actor, "case.read")
        with self.ctx.sessions.reads() as session:
            found = self._rows(session, m.Handover.id == handover_id)
        if not found:
            raise NotFound(_("no hand-over with id {id}").format(id=handover_id))
        return found[0]

    def for_case(self, actor: Actor, case_id: str) -> HandoverView | None:
        require(actor, "case.read")
        with self.ctx.sessions.reads() as session:
            found = self._rows(session, m.Handover.case_id == case_id)
        return found[0] if found else None

    def find(
        self, actor: Actor, *, status: str | None = None, start: date | None = None, end: date | None = None
    ) -> list[HandoverView]:
        """The hand-overs made from ``start`` to ``end`` (inclusive), newest first."""
        require(actor, "case.read")
        conditions: list[Any] = []
        if status is not None:
            conditions.append(m.Handover.status == status)
        if start is not None:
            conditions.append(m.Handover.handed_on >= start)
        if end is not None:
            conditions.append(m.Handover.handed_on <= end)
        with self.ctx.sessions.reads() as session:
            return self._rows(session, *conditions)

    def history(self, actor: Actor, handover_id: str) -> list[audit.HistoryEntry]:
        require(actor, "case.read")
        with self.ctx.sessions.reads() as session:
            return audit.history(session, handover_id)

    # ----- helpers ----------------------------------------------------------------------------

    def _rows(self, session: Session, *conditions: Any) -> list[HandoverView]:
        query = (
            select(m.Handover, m.Case.number, m.Station.code)
            .join(m.Case, m.Case.id == m.Handover.case_id)
            .join(m.Station, m.Station.id == m.Handover.origin)
            .where(*conditions)
            .order_by(m.Handover.handed_on.desc(), m.Case.number.desc())
        )
        return [view(row, number, code) for row, number, code in session.execute(query)]

    def _own_case(self, session: Session, actor: Actor, case_id: str) -> m.Case:
        case = session.get(m.Case, case_id)
        if case is None:
            raise NotFound(_("no case with id {id}").format(id=case_id))
        if case.origin != actor.station_id:
            raise WorkflowError(
                _("case {number} belongs to another station: only its own post hands it over").format(
                    number=case.number
                )
            )
        if case.status == "voided":
            raise WorkflowError(_("case {number} is voided").format(number=case.number))
        if case.outcome != CRIMINAL_TRANSFER:
            raise WorkflowError(
                _(
                    "case {number} is not a criminal transfer: set its outcome to criminal transfer "
                    "before handing it over"
                ).format(number=case.number)
            )
        return case

    def _own_row(
        self, session: Session, actor: Actor, handover_id: str, expected_version: int | None
    ) -> tuple[m.Handover, m.Case]:
        row = session.get(m.Handover, handover_id)
        if row is None:
            raise NotFound(_("no hand-over with id {id}").format(id=handover_id))
        case = session.get(m.Case, row.case_id)
        assert case is not None
        if row.origin != actor.station_id:
            raise WorkflowError(
                _("the hand-over of case {number} belongs to another station").format(number=case.number)
            )
        if expected_version is not None and row.version != expected_version:
            raise WorkflowError(
                _(
                    "the hand-over of case {number} was changed meanwhile (version {version}): reload it"
                ).format(number=case.number, version=row.version)
            )
        return row, case

    def _checked(self, case: m.Case, data: HandoverInput, actor: Actor) -> dict[str, Any]:
        """The row's values from ``data``, or every problem with its path."""
        problems: list[str] = []
        agency = nfc(data.receiving_agency)
        if not agency:
            problems.append("receiving_agency: " + _("required"))
        if data.handed_on > self.ctx.today():
            problems.append(
                "handed_on: " + _("{day} is in the future").format(day=data.handed_on.isoformat())
            )
        if data.handed_on < self.ctx.local(case.occurred_at).date():
            problems.append("handed_on: " + _("before the case happened"))
        documents = [nfc(d) for d in data.documents]
        for index, text in enumerate(documents):
            if not text:
                problems.append(f"documents[{index}]: " + _("empty"))
        if len(documents) > MAX_DOCUMENTS:
            problems.append("documents: " + _("more than {count} papers").format(count=MAX_DOCUMENTS))
        defendants = _defendants(case, data.defendants, problems)
        if problems:
            raise ValidationError(problems)
        return {
            "receiving_agency": agency,
            "handed_on": data.handed_on,
            "documents": documents,
            "receipt_no": _optional(data.receipt_no),
            "defendants": defendants,
            "handed_by": _optional(data.handed_by) or actor.full_name or actor.username,
            "received_by": _optional(data.received_by),
            "note": _optional(data.note),
        }

    def _bump(
        self, session: Session, actor: Actor, row: m.Handover, now: datetime, before: dict[str, Any]
    ) -> None:
        seq = next_change_seq(session, actor.station_id)
        row.version += 1
        row.updated_by, row.updated_at, row.change_seq = actor.username, now, seq
        self._log(session, actor, row, seq, now, before)

    def _log(
        self,
        session: Session,
        actor: Actor,
        row: m.Handover,
        seq: int,
        now: datetime,
        before: dict[str, Any] | None,
    ) -> None:
        session.add(
            m.ChangeLog(
                station_id=actor.station_id,
                seq=seq,
                entity="handover",
                entity_id=row.id,
                version=row.version,
                at=now,
            )
        )
        session.flush()
        after = row_state(m.Handover.__table__, row)  # type: ignore[arg-type]
        audit.record(
            session,
            at=now,
            station_id=actor.station_id,
            actor=actor.username,
            action="create" if before is None else "update",
            entity="handover",
            entity_id=row.id,
            version=row.version,
            diff=_describe(before, after),
            sealed_state=after,
        )


def _defendants(case: m.Case, wanted: Sequence[str] | None, problems: list[str]) -> list[dict[str, Any]]:
    """The case's parties named by ``wanted`` (full name, accents and case ignored, or identity number),
    as the snapshot the record keeps: a later edit of the case does not change who was handed over."""
    parties = [p for p in case.parties if p.role != "witness"]
    if wanted is None:
        chosen = parties
    else:
        chosen = []
        for index, text in enumerate(wanted):
            key = nfc(text)
            found = [
                p
                for p in parties
                if fold(p.full_name) == fold(key) or (p.id_number is not None and p.id_number == key)
            ]
            if len(found) != 1:
                problems.append(
                    f"defendants[{index}]: "
                    + (
                        _("{name} is not a party of case {number} (witnesses are not handed over)")
                        if not found
                        else _("{name} names several parties of case {number}: give the identity number")
                    ).format(name=key, number=case.number)
                )
            elif found[0] in chosen:
                problems.append(f"defendants[{index}]: " + _("{name} is named twice").format(name=key))
            else:
                chosen.append(found[0])
    return [{"party_id": p.id, "full_name": p.full_name, "id_number": p.id_number} for p in chosen]


def sealed_hash(row: m.Handover) -> str:
    """The hash the audit chain seals for the row as it is (the state ``audit.record`` is given)."""
    return state_hash(row_state(m.Handover.__table__, row))  # type: ignore[arg-type]


def compared_print(session: Session, row: m.Handover, version: int, printed_hash: str) -> str:
    """Hand-over minutes this register printed (app/handover_form.py), against the record now and its
    sealed versions: ``current``, ``earlier`` or ``mismatch``, as ``app.print_codes`` says of a case."""
    if version == row.version and sealed_hash(row).startswith(printed_hash):
        return "current"
    sealed = session.execute(
        select(m.AuditEvent.state_hash).where(
            m.AuditEvent.entity == "handover",
            m.AuditEvent.entity_id == row.id,
            m.AuditEvent.version == version,
        )
    ).scalars()
    if version < row.version and any(h.startswith(printed_hash) for h in sealed):
        return "earlier"
    return "mismatch"
