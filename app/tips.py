"""Tip-offs (tin báo): recorded, assigned to an officer, followed new → checking → acted on → closed with
what came of it, and linked to the case they led to. The informant's identity is sealed with age to the
station's tip key (and, once enrolled, HQ's key); only chiefs and admins holding the key under their
password can open it, and every opening is an audit event shown in the tip's history.

Both keys are checked against what proves them each time an informant is sealed (``app.tip_keys``).
Nothing here ever puts the informant in a return value other than ``read_informant``'s, in an audit
diff, a message or the log (docs/security.md, "Tip-offs")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyrage
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app import audit, tip_keys
from app.auth import can, require
from app.changes import next_change_seq
from app.domain import Actor
from app.errors import AuthError, NotFound, PermissionDenied, ValidationError
from app.i18n import N_, _
from app.serialize import row_state
from app.sync import keywrap
from app.text import nfc
from app.tip_input import TipInput
from db import models as m

if TYPE_CHECKING:
    from app.context import Context

# The order a tip is followed in; a status only moves forward (a closed tip stays closed).
STATUSES = ("new", "checking", "acted_on", "closed")
STATUS_TEXT = {
    "new": N_("new"), "checking": N_("checking"), "acted_on": N_("acted on"), "closed": N_("closed"),
}
# What came of it must be written when the tip is acted on or closed: the report counts these.
NEEDS_RESULT = frozenset({"acted_on", "closed"})
MAX_CHANNEL, MAX_CONTENT, MAX_RESULT = 40, 20000, 4000
MIN_ID_PREFIX = 6  # a tip is named on the command line by its id or a unique start of it


@dataclass(frozen=True)
class TipView:
    """A tip as the screens and the command line see it; never its informant, only whether it has one."""

    id: str
    received_at: datetime
    channel: str
    content: str
    case_id: str | None
    has_informant: bool
    status: str = "new"
    result: str = ""
    assigned_to: str | None = None
    created_by: str = ""
    origin_code: str = ""
    case_number: str | None = None
    version: int = 1
    updated_at: datetime | None = None


def status_label(status: str) -> str:
    return _(STATUS_TEXT[status]) if status in STATUS_TEXT else status


def _view(tip: m.Tip, origin_code: str = "", case_number: str | None = None) -> TipView:
    return TipView(
        tip.id, tip.received_at, tip.channel, tip.content, tip.case_id, tip.informant_sealed is not None,
        tip.status, tip.result, tip.assigned_to, tip.created_by, origin_code, case_number, tip.version,
        tip.updated_at,
    )


class TipService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- writing -------------------------------------------------------------------------------

    def add(
        self, actor: Actor, *, received_at: datetime, channel: str, content: str,
        informant: str | None = None, case_id: str | None = None, assigned_to: str | None = None,
    ) -> TipView:
        """Record one tip; ``case_id`` is a case of this post (by id or number)."""
        item = TipInput(received_at, channel, content, informant, case_id, assigned_to)
        return self.add_many(actor, [item])[0]

    def add_many(self, actor: Actor, items: Sequence[TipInput]) -> list[TipView]:
        """Record every tip or none (``outpost tip add``): each problem named by its tip's place."""
        require(actor, "tip.create")
        problems = [
            f"[{i}].{p}" if len(items) > 1 else p
            for i, item in enumerate(items)
            for p in _text_problems(item.channel, item.content)
        ]
        if problems:
            raise ValidationError(problems)
        if any(item.assigned_to for item in items):
            require(actor, "tip.assign")
        now = self.ctx.clock()
        with self.ctx.sessions.writes.begin() as session:
            # What only the register can tell, for every tip before any is written.
            refs: list[tuple[str | None, str | None]] = []
            for i, item in enumerate(items):
                where = f"[{i}]." if len(items) > 1 else ""
                case_id = assigned_to = None
                try:
                    case_id = None if item.case is None else _own_case(session, actor, item.case).id
                except NotFound as exc:
                    problems.append(f"{where}case: {exc.message}")
                try:
                    if item.assigned_to is not None:
                        assigned_to = _officer(session, actor, item.assigned_to).username
                except NotFound as exc:
                    problems.append(f"{where}assigned_to: {exc.message}")
                refs.append((case_id, assigned_to))
            if problems:
                raise ValidationError(problems)
            recipients = None
            stored = []
            for item, (case_id, assigned_to) in zip(items, refs, strict=True):
                sealed = None
                if item.informant and nfc(item.informant):
                    if recipients is None:
                        # Checked in the transaction that stores the tip: the keys cannot change in between.
                        recipients = tip_keys.sealing_recipients(session)
                    sealed = pyrage.encrypt(nfc(item.informant).encode(), recipients)
                stored.append(self._insert(session, actor, item, case_id, assigned_to, sealed, now))
            return stored

    def _insert(
        self, session: Session, actor: Actor, item: TipInput, case_id: str | None, assigned_to: str | None,
        sealed: bytes | None, now: datetime,
    ) -> TipView:
        seq = next_change_seq(session, actor.station_id)
        tip = m.Tip(id=m.new_id(), origin=actor.station_id, received_at=item.received_at,
                    channel=nfc(item.channel or ""), content=nfc(item.content), case_id=case_id,
                    informant_sealed=sealed, created_by=actor.username, created_at=now, version=1,
                    change_seq=seq, status="new", result="", assigned_to=assigned_to, updated_at=now)
        session.add(tip)
        session.add(m.ChangeLog(station_id=actor.station_id, seq=seq, entity="tip", entity_id=tip.id,
                                version=1, at=now))
        session.flush()
        # The diff never carries the informant: only whether one was recorded.
        diff: dict[str, Any] = {"channel": [None, tip.channel], "informant": [None, sealed is not None]}
        if case_id:
            diff["case_id"] = [None, case_id]
        if assigned_to:
            diff["assigned_to"] = [None, assigned_to]
        audit.record(
            session, at=now, station_id=actor.station_id, actor=actor.username, action="create",
            entity="tip", entity_id=tip.id, version=1, diff=diff,
            sealed_state=row_state(m.Tip.__table__, tip),  # type: ignore[arg-type]
        )
        return _described(session, tip)

    def assign(self, actor: Actor, tip_id: str, username: str | None) -> TipView:
        """Give the tip to an officer of this post to check (None: to nobody)."""
        require(actor, "tip.assign")
        with self.ctx.sessions.writes.begin() as session:
            tip = _own_tip(session, actor, tip_id)
            name = None if username is None else _officer(session, actor, username).username
            return self._set(session, actor, tip, "assign", "assigned_to", name)

    def set_status(self, actor: Actor, tip_id: str, status: str, result: str | None = None) -> TipView:
        """Move the tip on (never back); acting on it or closing it says what came of it."""
        require(actor, "tip.update")
        if status not in STATUSES:
            raise ValidationError(
                [
                    _("status: {value} is not one of {choices}").format(
                        value=status, choices=", ".join(STATUSES)
                    )
                ]
            )
        text = nfc(result or "")
        if len(text) > MAX_RESULT:
            raise ValidationError([_("result: longer than {limit} characters").format(limit=MAX_RESULT)])
        with self.ctx.sessions.writes.begin() as session:
            tip = _own_tip(session, actor, tip_id)
            self._may_work_on(actor, tip)
            if STATUSES.index(status) < STATUSES.index(tip.status) or (
                status == tip.status and not text
            ):
                raise ValidationError(
                    [_("status: a tip that is {current} cannot become {wanted}").format(
                        current=status_label(tip.status), wanted=status_label(status))]
                )
            if status in NEEDS_RESULT and not (text or tip.result):
                raise ValidationError([_("result: say what came of the tip when it is acted on or closed")])
            diff: dict[str, Any] = {}
            if status != tip.status:
                diff["status"] = [tip.status, status]
            if text and text != tip.result:
                diff["result"] = [tip.result, text]
                tip.result = text
            if not diff:
                return _described(session, tip)
            tip.status = status
            if status == "acted_on":  # closed straight from checking: nothing came of it
                tip.acted_at = tip.acted_at or self.ctx.clock()
            self._changed(session, actor, tip, "status", diff)
            return _described(session, tip)

    def link(self, actor: Actor, tip_id: str, case_ref: str | None) -> TipView:
        """Link the tip to the case it led to (a case of this post, by number or id), or unlink it."""
        require(actor, "tip.update")
        with self.ctx.sessions.writes.begin() as session:
            tip = _own_tip(session, actor, tip_id)
            self._may_work_on(actor, tip)
            case_id = None if case_ref is None else _own_case(session, actor, case_ref).id
            return self._set(session, actor, tip, "link", "case_id", case_id)

    def _set(
        self, session: Session, actor: Actor, tip: m.Tip, action: str, field: str, value: str | None
    ) -> TipView:
        """One field of the tip changed, as ``action`` (nothing happens when it is already so)."""
        if getattr(tip, field) != value:
            diff = {field: [getattr(tip, field), value]}
            setattr(tip, field, value)
            self._changed(session, actor, tip, action, diff)
        return _described(session, tip)

    def _may_work_on(self, actor: Actor, tip: m.Tip) -> None:
        """An officer works on the tips given to them; a chief or an admin on any of the post's."""
        if actor.role == "officer" and tip.assigned_to != actor.username:
            raise PermissionDenied(
                _("{user} may only work on tips assigned to them; ask the chief to assign this one").format(
                    user=actor.username)
            )

    def _changed(self, session: Session, actor: Actor, tip: m.Tip, action: str, diff: dict[str, Any]) -> None:
        """A new version of the tip: the change sequence sync cuts bundles from, and its audit event."""
        now = self.ctx.clock()
        tip.version += 1
        tip.updated_at = now
        tip.change_seq = next_change_seq(session, actor.station_id)
        session.add(m.ChangeLog(station_id=actor.station_id, seq=tip.change_seq, entity="tip",
                                entity_id=tip.id, version=tip.version, at=now))
        session.flush()
        audit.record(
            session, at=now, station_id=actor.station_id, actor=actor.username, action=action,
            entity="tip", entity_id=tip.id, version=tip.version, diff=diff,
            sealed_state=row_state(m.Tip.__table__, tip),  # type: ignore[arg-type]
        )

    # -- reading -------------------------------------------------------------------------------

    def find(
        self, actor: Actor, *, status: str | None = None, assigned_to: str | None = None, limit: int = 200
    ) -> list[TipView]:
        """Newest first; ``status`` and ``assigned_to`` narrow it (the screen's "assigned to me")."""
        require(actor, "tip.read")
        query = select(m.Tip).order_by(m.Tip.received_at.desc(), m.Tip.id).limit(limit)
        if status:
            query = query.where(m.Tip.status == status)
        if assigned_to:
            query = query.where(m.Tip.assigned_to == assigned_to)
        with self.ctx.sessions.reads() as session:
            tips = list(session.execute(query).scalars())
            codes: dict[str, str] = {i: c for i, c in session.execute(select(m.Station.id, m.Station.code))}
            linked = [t.case_id for t in tips if t.case_id]
            query_numbers = select(m.Case.id, m.Case.number).where(m.Case.id.in_(linked))
            numbers: dict[str, str] = {i: n for i, n in session.execute(query_numbers)}
            return [
                _view(t, codes.get(t.origin, ""), numbers.get(t.case_id) if t.case_id else None) for t in tips
            ]

    def get(self, actor: Actor, tip_id: str) -> TipView:
        require(actor, "tip.read")
        with self.ctx.sessions.reads() as session:
            return _described(session, _find(session, tip_id))

    def history(self, actor: Actor, tip_id: str) -> list[audit.HistoryEntry]:
        """Every change of the tip and every reading of its informant, oldest first."""
        require(actor, "tip.read")
        with self.ctx.sessions.reads() as session:
            return audit.history(session, _find(session, tip_id).id)

    def read_informant(self, actor: Actor, tip_id: str, password: str) -> str | None:
        """Open the informant's identity with the acting chief's or admin's password; the reading is
        an audit event of the tip (in its history), written before the identity is returned."""
        require(actor, "tip.read_informant")
        with self.ctx.sessions.writes.begin() as session:
            tip = _find(session, tip_id)
            user = session.get(m.User, actor.user_id)
            if tip.informant_sealed is None:
                return None
            if user is None or user.tip_key_wrapped is None:
                raise AuthError(
                    _("{user} has not been given the station's tip key").format(user=actor.username)
                )
            identity = pyrage.x25519.Identity.from_str(
                keywrap.unwrap(user.tip_key_wrapped, password).decode()
            )
            informant = bytes(pyrage.decrypt(tip.informant_sealed, [identity])).decode()
            # Same version and state: a reading changes nothing of the tip, it only leaves a trace.
            audit.record(
                session, at=self.ctx.clock(), station_id=actor.station_id, actor=actor.username,
                action="read_informant", entity="tip", entity_id=tip.id, version=tip.version,
                diff={"informant": "read"},
                sealed_state=row_state(m.Tip.__table__, tip),  # type: ignore[arg-type]
            )
            return informant

    def officers(self, actor: Actor) -> list[str]:
        """Who a tip can be assigned to: the active users of this station who record tips."""
        require(actor, "tip.assign")
        with self.ctx.sessions.reads() as session:
            users = session.execute(
                select(m.User.username).where(
                    m.User.station_id == actor.station_id, m.User.active.is_(True),
                    m.User.role.in_(("officer", "chief", "admin")),
                ).order_by(m.User.username)
            ).scalars()
            return list(users)

    def may_read_informant(self, actor: Actor) -> bool:
        return can(actor, "tip.read_informant")


def _text_problems(channel: str, content: str) -> list[str]:
    problems = []
    if not nfc(content or ""):
        problems.append("content: " + _("required"))
    elif len(nfc(content)) > MAX_CONTENT:
        problems.append("content: " + _("longer than {limit} characters").format(limit=MAX_CONTENT))
    if len(nfc(channel or "")) > MAX_CHANNEL:
        problems.append("channel: " + _("longer than {limit} characters").format(limit=MAX_CHANNEL))
    return problems


def _find(session: Session, tip_id: str) -> m.Tip:
    """A tip by its id or a unique start of it (as the command line and the list show it)."""
    tip = session.get(m.Tip, tip_id)
    if tip is not None:
        return tip
    if len(tip_id) >= MIN_ID_PREFIX:
        query = select(m.Tip).where(m.Tip.id.startswith(tip_id, autoescape=True)).limit(2)
        found = list(session.execute(query).scalars())
        if len(found) == 1:
            return found[0]
    raise NotFound(_("no tip {tip}").format(tip=tip_id))


def _own_tip(session: Session, actor: Actor, tip_id: str) -> m.Tip:
    """Only the station that recorded a tip changes it (owner wins in sync, docs/architecture.md §4)."""
    tip = _find(session, tip_id)
    if tip.origin != actor.station_id:
        raise PermissionDenied(_("tip {tip} belongs to another station").format(tip=tip.id))
    return tip


def _own_case(session: Session, actor: Actor, ref: str) -> m.Case:
    case = session.execute(
        select(m.Case).where(
            m.Case.origin == actor.station_id, or_(m.Case.id == ref, m.Case.number == ref)
        )
    ).scalars().first()
    if case is None:
        raise NotFound(_("no case {case} at this station").format(case=ref))
    return case


def _officer(session: Session, actor: Actor, username: str) -> m.User:
    user = session.execute(select(m.User).where(m.User.username == username)).scalars().first()
    if user is None or not user.active or user.station_id != actor.station_id:
        raise NotFound(_("no active user {user} at this station").format(user=username))
    return user


def _described(session: Session, tip: m.Tip) -> TipView:
    station = session.get(m.Station, tip.origin)
    number = None
    if tip.case_id:
        number = session.execute(select(m.Case.number).where(m.Case.id == tip.case_id)).scalar()
    return _view(tip, station.code if station else "", number)
