"""Tip-offs (tin báo). The informant's identity is sealed with age to the station's tip key (and,
once enrolled, HQ's key); only chiefs and admins holding the key under their password can open it.
Both keys are checked against what proves them each time an informant is sealed (``app.tip_keys``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import pyrage

from app import audit, tip_keys
from app.auth import require
from app.changes import next_change_seq
from app.domain import Actor
from app.errors import AuthError, NotFound, ValidationError
from app.serialize import row_state
from app.sync import keywrap
from app.text import nfc
from db import models as m

if TYPE_CHECKING:
    from app.context import Context


@dataclass(frozen=True)
class TipView:
    id: str
    received_at: datetime
    channel: str
    content: str
    case_id: str | None
    has_informant: bool


class TipService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def add(
        self, actor: Actor, *, received_at: datetime, channel: str, content: str,
        informant: str | None = None, case_id: str | None = None,
    ) -> TipView:
        require(actor, "tip.create")
        if not nfc(content):
            raise ValidationError(["content: required"])
        now = self.ctx.clock()
        with self.ctx.sessions.writes.begin() as session:
            sealed = None
            if informant and nfc(informant):
                # Checked in the transaction that stores the tip: the keys cannot change in between.
                sealed = pyrage.encrypt(nfc(informant).encode(), tip_keys.sealing_recipients(session))
            seq = next_change_seq(session, actor.station_id)
            tip = m.Tip(id=m.new_id(), origin=actor.station_id, received_at=received_at, channel=nfc(channel),
                        content=nfc(content), case_id=case_id, informant_sealed=sealed,
                        created_by=actor.username, created_at=now, version=1, change_seq=seq)
            session.add(tip)
            session.add(m.ChangeLog(station_id=actor.station_id, seq=seq, entity="tip", entity_id=tip.id,
                                    version=1, at=now))
            session.flush()
            # The diff never carries the informant: only whether one was recorded.
            audit.record(
                session, at=now, station_id=actor.station_id, actor=actor.username, action="create",
                entity="tip", entity_id=tip.id, version=1,
                diff={"channel": [None, tip.channel], "informant": [None, sealed is not None]},
                sealed_state=row_state(m.Tip.__table__, tip),  # type: ignore[arg-type]
            )
            return TipView(tip.id, tip.received_at, tip.channel, tip.content, tip.case_id, sealed is not None)

    def read_informant(self, actor: Actor, tip_id: str, password: str) -> str | None:
        """Open the informant's identity with the acting chief's or admin's password."""
        require(actor, "tip.read_informant")
        with self.ctx.sessions.reads() as session:
            tip = session.get(m.Tip, tip_id)
            user = session.get(m.User, actor.user_id)
            if tip is None:
                raise NotFound(f"no tip {tip_id}")
            if tip.informant_sealed is None:
                return None
            if user is None or user.tip_key_wrapped is None:
                raise AuthError(f"{actor.username} has not been given the station's tip key")
            identity = pyrage.x25519.Identity.from_str(
                keywrap.unwrap(user.tip_key_wrapped, password).decode()
            )
            return bytes(pyrage.decrypt(tip.informant_sealed, [identity])).decode()
