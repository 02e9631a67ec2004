"""The post's audit chain anchored at HQ: each export carries the post's audit events (metadata and
hashes, never a diff) and HQ keeps them per post, refusing a bundle whose history rewrites or drops
what it received before (docs/security.md, "The audit trail", docs/bundle-format.md §audit records).

Why at HQ: everyone who can write a post's register can also recompute its chain and MACs (they hold
its key); only a copy out of their reach shows that the newest events were deleted with their rows.

What each export carries: the events from the last one HQ is known to hold (the last event sent in an
export whose changes HQ has acknowledged: one event of overlap, so a rewritten or missing tail cannot
go unseen), or, before any acknowledgement, from the first event the post ever sent; the very first
export starts at most ``FIRST_WINDOW`` events back. Events HQ holds already must come back identical;
new ones must continue HQ's copy. Replays and overlaps change nothing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from app import audit
from app.i18n import _
from db import models as m
from db.bulk import BulkInsert
from db.types import utc_text

FIRST_WINDOW = 5000
SENT_KEY = "audit_anchor_sent"  # meta: {"<last change seq of an export>": last audit seq it carried}
FIRST_KEY = "audit_anchor_first"  # meta: the first audit seq the post ever sent
FIELDS = ("seq", "at", "station_id", "actor", "action", "entity", "entity_id", "version", "diff_hash",
          "state_hash", "prev_hash", "hash")


# ----- at the post -------------------------------------------------------------------------------------


def _meta(session: Session, key: str) -> str | None:
    row = session.get(m.Meta, key)
    return row.value if row is not None else None


def events_to_send(session: Session, acknowledged: int) -> list[dict[str, Any]]:
    """The post's audit events an export carries (module docstring), oldest first."""
    sent = json.loads(_meta(session, SENT_KEY) or "{}")
    held = [seq for change, seq in sent.items() if int(change) <= acknowledged]
    head = session.execute(select(m.AuditEvent.seq).order_by(m.AuditEvent.seq.desc()).limit(1)).scalar()
    if head is None:
        return []
    if held:
        start = max(held)
    elif (first := _meta(session, FIRST_KEY)) is not None:
        start = int(first)
    else:
        start = max(1, int(head) - FIRST_WINDOW + 1)
    rows = session.execute(
        select(m.AuditEvent.__table__).where(m.AuditEvent.seq >= start).order_by(m.AuditEvent.seq)
    )
    return [anchored(row._mapping) for row in rows]


def anchored(event: Any) -> dict[str, Any]:
    """An event as HQ keeps it: its diff replaced by the diff's hash."""
    return {
        "seq": int(event["seq"]),
        "at": utc_text(event["at"]),
        "station_id": event["station_id"],
        "actor": event["actor"],
        "action": event["action"],
        "entity": event["entity"],
        "entity_id": event["entity_id"],
        "version": int(event["version"]),
        "diff_hash": audit.diff_hash(event["diff"]),
        "state_hash": event["state_hash"],
        "prev_hash": event["prev_hash"],
        "hash": event["hash"],
    }


def note_sent(session: Session, acknowledged: int, last_change: int, events: list[dict[str, Any]]) -> None:
    """Remember what an export carried, to start the next one where HQ is known to hold the chain."""
    if not events:
        return
    sent = {k: v for k, v in json.loads(_meta(session, SENT_KEY) or "{}").items() if int(k) > acknowledged}
    held = [v for k, v in json.loads(_meta(session, SENT_KEY) or "{}").items() if int(k) <= acknowledged]
    if held:
        sent[str(acknowledged)] = max(held)  # the newest acknowledged one is all the next export needs
    sent[str(last_change)] = events[-1]["seq"]
    session.merge(m.Meta(key=SENT_KEY, value=json.dumps(sent, sort_keys=True)))
    if _meta(session, FIRST_KEY) is None:
        session.merge(m.Meta(key=FIRST_KEY, value=str(events[0]["seq"])))


# ----- at HQ -------------------------------------------------------------------------------------------


def event_problem(event: Any) -> str | None:
    """Why a received audit event is malformed, or None."""
    if not isinstance(event, dict) or set(event) != set(FIELDS):
        return _("an audit record does not hold exactly the fields of an audit event")
    ints = ("seq", "version")
    for name in FIELDS:
        value = event[name]
        if name in ints:
            if type(value) is not int or not 0 <= value < 2**63:
                return _("an audit event's {name} is not a number").format(name=name)
        elif not isinstance(value, str) or len(value) > 200:
            return _("an audit event's {name} is not text").format(name=name)
    return None


def _link(event: Mapping[str, Any]) -> str:
    return audit.linked_hash(
        event["prev_hash"], event["at"], event["station_id"], event["actor"], event["action"],
        event["entity"], event["entity_id"], event["version"], event["diff_hash"], event["state_hash"],
    )


@dataclass
class AnchorBook:
    """HQ's copy of the posts' chains during one import: what it holds, plus what this import adds."""

    session: Session
    heads: dict[str, tuple[int, int, str] | None] = field(default_factory=dict)  # first seq, head seq, hash
    added: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)

    def _head(self, station_id: str) -> tuple[int, int, str] | None:
        if station_id not in self.heads:
            row = self.session.execute(
                select(m.AuditAnchor.seq, m.AuditAnchor.hash)
                .where(m.AuditAnchor.station_id == station_id)
                .order_by(m.AuditAnchor.seq.desc())
                .limit(1)
            ).first()
            first = self.session.execute(
                select(func.min(m.AuditAnchor.seq)).where(m.AuditAnchor.station_id == station_id)
            ).scalar()
            self.heads[station_id] = (int(first or 0), int(row[0]), str(row[1])) if row else None
        return self.heads[station_id]

    def _held(self, station_id: str, seqs: list[int]) -> dict[int, dict[str, Any]]:
        wanted = set(seqs)
        held = {seq: e for seq, e in self.added.get(station_id, {}).items() if seq in wanted}
        for start in range(0, len(seqs), 900):
            for row in self.session.execute(
                select(m.AuditAnchor).where(
                    m.AuditAnchor.station_id == station_id, m.AuditAnchor.seq.in_(seqs[start : start + 900])
                )
            ).scalars():
                held[row.seq] = _stored(row)
        return held

    def check(
        self, station: m.Station, events: list[dict[str, Any]], first_part: bool, made_at: str | None = None
    ) -> str | None:
        """Why ``events`` (a part's audit records) do not continue the chain HQ holds for ``station``,
        naming the break; None when they do (their new events are then kept by ``add``). ``made_at`` is
        when the post made the part (its manifest's ``created_at``): a part that ends before HQ's copy
        of the chain but was made before the post wrote the last event HQ holds is an earlier part that
        came late (a stick brought after an e-mail), not a chain cut short."""
        head = self._head(station.id)
        if not events:
            if head is not None and first_part:
                return _("the bundle carries none of the post's audit events, though HQ holds its chain")
            return None
        for event in events:
            problem = event_problem(event)
            if problem:
                return problem
            if event["station_id"] != station.id:
                return _("audit event {seq} is not one of this post's").format(seq=event["seq"])
        for before, event in zip([None, *events], events, strict=False):
            if _link(event) != event["hash"]:
                return _("audit event {seq}: its hash does not match its contents").format(seq=event["seq"])
            if before is not None and (
                event["seq"] != before["seq"] + 1 or event["prev_hash"] != before["hash"]
            ):
                return _("audit events {a} and {b} do not follow each other").format(
                    a=before["seq"], b=event["seq"]
                )
        if head is None:
            return None
        first_held, head_seq, head_hash = head
        first, last = events[0]["seq"], events[-1]["seq"]
        if first > head_seq + 1:
            return _("the post's audit events jump from {held} (the last HQ holds) to {first}").format(
                held=head_seq, first=first
            )
        if first == head_seq + 1 and events[0]["prev_hash"] != head_hash:
            return _("audit event {seq} does not continue the chain HQ holds (it was rewritten)").format(
                seq=first
            )
        if last < head_seq and not self._made_before(station.id, head_seq, made_at):
            return _(
                "the post's audit chain now ends at event {last}, but HQ received it up to event {held}: "
                "events were deleted at the post"
            ).format(last=last, held=head_seq)
        overlap = [e for e in events if first_held <= e["seq"] <= head_seq]
        held = self._held(station.id, [e["seq"] for e in overlap])
        for event in overlap:
            if held.get(event["seq"]) != event:
                return _(
                    "audit event {seq} differs from the one HQ received before: the post's history was "
                    "rewritten"
                ).format(seq=event["seq"])
        return None

    def _made_before(self, station_id: str, seq: int, made_at: str | None) -> bool:
        """Whether a part made at ``made_at`` was made before the post wrote its audit event ``seq``
        (both by the post's clock); False when either instant cannot be read."""
        held = self._held(station_id, [seq]).get(seq)
        made, written = _instant(made_at), _instant(held["at"] if held else None)
        return made is not None and written is not None and made < written

    def add(self, station: m.Station, events: list[dict[str, Any]]) -> None:
        head = self._head(station.id)
        new = [e for e in events if head is None or e["seq"] > head[1]]
        if not new:
            return
        # In one ``executemany`` (a post's first bundle carries an event for each of its cases: as ORM
        # objects they took ~0.45 s of the importing process for 20 000, issue 18).
        conn = self.session.connection()
        rows = BulkInsert(conn, m.AuditAnchor.__table__)  # type: ignore[arg-type]
        for event in new:
            rows.add({**event, "station_id": station.id, "event_station_id": event["station_id"]})
        rows.write(conn)
        self.added.setdefault(station.id, {}).update({e["seq"]: e for e in new})
        first = new[0]["seq"] if head is None else head[0]
        self.heads[station.id] = (first, new[-1]["seq"], new[-1]["hash"])


def _stored(row: m.AuditAnchor) -> dict[str, Any]:
    return {
        "seq": row.seq, "at": row.at, "station_id": row.event_station_id, "actor": row.actor,
        "action": row.action, "entity": row.entity, "entity_id": row.entity_id, "version": row.version,
        "diff_hash": row.diff_hash, "state_hash": row.state_hash, "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


def verify_anchors(conn: Connection) -> list[str]:
    """At HQ: every post's chain as received, link by link (``audit verify``)."""
    problems: list[str] = []
    codes = {row.id: row.code for row in conn.execute(select(m.Station.id, m.Station.code))}
    previous: dict[str, Any] | None = None
    station: str | None = None
    for row in conn.execute(
        select(m.AuditAnchor.__table__).order_by(m.AuditAnchor.station_id, m.AuditAnchor.seq)
    ):
        stored = row._mapping
        event = {name: stored[name] for name in FIELDS if name != "station_id"}
        event["station_id"] = stored["event_station_id"]
        if stored["station_id"] != station:
            station, previous = stored["station_id"], None
        code = codes.get(stored["station_id"], stored["station_id"])
        if _link(event) != event["hash"]:
            problems.append(
                _("post {code}: its audit event {seq} held at HQ was edited").format(
                    code=code, seq=event["seq"]
                )
            )
        if previous is not None and (
            event["seq"] != previous["seq"] + 1 or event["prev_hash"] != previous["hash"]
        ):
            problems.append(
                _("post {code}: its audit events {a} and {b} held at HQ do not follow each other").format(
                    code=code, a=previous["seq"], b=event["seq"]
                )
            )
        previous = event
    return problems


def _instant(value: object) -> datetime | None:
    """An aware instant from a stored one or its text (``utc_text``, ISO 8601), else None."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        return None
    return value
