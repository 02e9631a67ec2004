"""HQ's watch list, reviewed: the candidates HQ's cases suggest, an analyst's confirm or dismiss with a
reason (sealed in the audit chain), the confirmed entries HQ's return bundles carry, and at a post the
entries the case editor warns about.

Why reviewed: a list made by counting alone sent every post names that an analyst never looked at (a
common plate misread twice, two namesakes); an entry a post acts on at the checkpoint must be one a
person at HQ stands behind, with the posts and case numbers that show why (docs/operations.md,
"The watch list"). Candidates are recomputed from the cases each time, never stored: only the decisions
are (``watch_reviews``)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, func, null, select
from sqlalchemy.orm import Session

from app import audit
from app.auth import require
from app.domain import Actor
from app.errors import NotFound, RegisterError, ValidationError
from app.i18n import _
from app.serialize import row_state
from app.text import normalize_id_number, normalize_plate, normalize_vessel
from db import models as m

if TYPE_CHECKING:
    from app.context import Context

MIN_STATIONS = 2  # the same number or plate at this many posts …
MIN_CASES = 3  # … or in this many cases makes a candidate
KEY_MAX, NAME_KEY_MAX, LABEL_MAX = 80, 210, 200
REASON_MAX = 500
SENT_CASES_MAX = 50  # case numbers an entry names in a return bundle, the newest first
KINDS = ("person", "vehicle", "vessel", "name")  # "name": folded name and birth year, a weaker match
DECISIONS = ("confirmed", "dismissed")
NAMESPACE = uuid.UUID("0b6f3c1e-7d4a-4f5e-9a2b-8c1d3e5f7a90")
REVIEWS: Table = m.WatchReview.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Candidate:
    """One person, vehicle or vessel HQ's cases point at, with its review."""

    kind: str  # person | vehicle | vessel | name
    key: str  # normalised number or plate; "folded name/birth year"
    label: str  # as written in the newest case
    posts: tuple[str, ...]  # the codes of the posts (or HQ) whose cases name it
    case_numbers: tuple[str, ...]  # newest first
    cases: int
    last_seen: date | None  # the register's day of its newest case
    state: str  # pending | confirmed | dismissed
    reason: str = ""
    decided_by: str = ""
    decided_at: datetime | None = None
    new_cases: int = 0  # cases since the decision (a dismissed candidate with new ones is pending again)
    decided_by_name: str = ""  # the analyst's full name, as the review screen says who decided

    @property
    def id(self) -> str:
        """What the CLI and the review screen name it by: ``person:089090001234``."""
        return f"{self.kind}:{self.key}"

    @property
    def weak(self) -> bool:
        """Matched by name and birth year only: two namesakes born the same year look the same."""
        return self.kind == "name"


@dataclass(frozen=True)
class CaseBehind:
    """One case behind a candidate, as the review screen lists it."""

    case_id: str
    number: str
    post: str
    occurred_at: datetime  # the case's local time
    status: str
    name: str  # the name or plate as written
    identity: str  # the identity number; the vehicle's kind
    birth_date: date | None


@dataclass
class _Seen:
    """What the register holds for one key: its cases, newest first."""

    label: str = ""
    newest: datetime | None = None
    rows: list[tuple[datetime, str, str, str]] = field(default_factory=list)  # (at, case id, number, post)

    def case_ids(self) -> set[str]:
        return {case_id for _at, case_id, _n, _p in self.rows}


def parse_id(text: str) -> tuple[str, str]:
    """``person:089090001234`` → (kind, key); the number or plate may be written as people write it."""
    kind, sep, key = text.partition(":")
    kind = kind.strip().lower()
    if not sep or kind not in KINDS or not key.strip():
        raise ValidationError(
            [
                _("{text}: not a watch-list candidate (write kind:key, e.g. person:089090001234 or "
                  "vehicle:67H120413)").format(text=repr(text))
            ]
        )
    if kind == "person":
        return kind, normalize_id_number(key)
    if kind == "vehicle":
        return kind, normalize_plate(key)
    if kind == "vessel":
        return kind, normalize_vessel(key)
    return kind, key.strip()


# ----- HQ: candidates and decisions -----------------------------------------------------------------


def candidates(ctx: Context, actor: Actor) -> list[Candidate]:
    """Every candidate and every reviewed entry, those waiting for a decision first, then by how many
    cases name them."""
    _require_hq(ctx, actor)
    with ctx.sessions.reads() as session:
        found = _candidates(session, ctx.zone)
    order = {"pending": 0, "confirmed": 1, "dismissed": 2}
    return sorted(found, key=lambda c: (order[c.state], c.weak, -c.cases, c.kind, c.key))


def cases_behind(ctx: Context, actor: Actor, candidate_id: str) -> list[CaseBehind]:
    """The cases behind a candidate, newest first (voided cases do not count and are left out)."""
    _require_hq(ctx, actor)
    kind, key = parse_id(candidate_id)
    with ctx.sessions.reads() as session:
        codes = _station_codes(session)
        columns = (m.Case.id, m.Case.number, m.Case.origin, m.Case.occurred_at, m.Case.utc_offset_min,
                   m.Case.status)
        if kind in ("person", "name"):
            query = select(m.Party.full_name, m.Party.id_number, m.Party.birth_date, *columns).join(
                m.Case, m.Case.id == m.Party.case_id
            )
            if kind == "person":
                query = query.where(m.Party.id_normalized == key)
            else:
                name, _sep, year = key.rpartition("/")
                query = query.where(m.Party.name_folded == name, m.Party.birth_date.is_not(None))
        else:
            is_ship = m.Vehicle.kind == "ship"
            query = (
                select(m.Vehicle.plate, m.Vehicle.kind, null(), *columns)
                .join(m.Case, m.Case.id == m.Vehicle.case_id)
                .where(m.Vehicle.plate_normalized == key, is_ship if kind == "vessel" else ~is_ship)
            )
        found: list[CaseBehind] = []
        for name, identity, born, case_id, number, origin, at, offset, status in session.execute(
            query.where(m.Case.status != "voided").order_by(m.Case.occurred_at.desc())
        ):
            if kind == "name" and (born is None or str(born.year) != year):
                continue
            local = at.astimezone(timezone(timedelta(minutes=offset)))
            found.append(
                CaseBehind(
                    case_id, number, codes.get(origin, origin), local, status, name, identity or "", born
                )
            )
    return found


def decide(ctx: Context, actor: Actor, candidate_id: str, decision: str, reason: str) -> Candidate:
    """Confirm (it goes to the posts in their next return bundle) or dismiss (it never does, until new
    cases add to it) a candidate; the reason is required and both are sealed in the audit chain."""
    _require_hq(ctx, actor)
    if decision not in DECISIONS:
        raise ValidationError([_("decision: confirm or dismiss")])
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError([_("reason: required (say why the analyst stands behind this decision)")])
    if len(reason) > REASON_MAX:
        raise ValidationError([_("reason: at most {count} characters").format(count=REASON_MAX)])
    kind, key = parse_id(candidate_id)
    if kind == "name" and decision == "confirmed":
        raise ValidationError(
            [
                _("{id}: a name and birth year is a lead, not an identity; confirm the person's identity "
                  "number from the cases behind it instead").format(id=candidate_id)
            ]
        )
    with ctx.sessions.writes.begin() as session:
        seen = _seen(session, [(kind, key)]).get((kind, key))
        if seen is None or not seen.rows:
            raise NotFound(_("{id}: no case at HQ names it").format(id=f"{kind}:{key}"))
        review = session.execute(
            select(m.WatchReview).where(m.WatchReview.kind == kind, m.WatchReview.key == key)
        ).scalar_one_or_none()
        before = None if review is None else row_state(REVIEWS, review)
        if review is None:
            entity_id = str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))
            review = m.WatchReview(id=entity_id, version=1, kind=kind, key=key)
            session.add(review)
        review.decision = decision
        review.reason = reason
        review.decided_by = actor.username
        review.decided_at = ctx.clock()
        review.case_ids = sorted(seen.case_ids())

        def describe(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
            return {
                "key": f"{kind}:{key}",
                "decision": [None if old is None else old["decision"], new["decision"]],
                "reason": new["reason"],
                "cases": len(new["case_ids"]),
            }

        audit.seal_row(
            session,
            at=ctx.clock(),
            station_id=ctx.station_id,
            actor=actor.username,
            entity="watch_review",
            table=REVIEWS,
            row=review,
            before=before,
            describe=describe,
        )
        decided = _candidate(kind, key, seen, review, _station_codes(session), ctx.zone)
        return replace(decided, decided_by_name=actor.full_name)


def entries_for_posts(session: Session, zone: tzinfo) -> list[dict[str, Any]]:
    """The confirmed entries as return-bundle records (docs/bundle-format.md, ``watch``): each names
    the posts and the newest case numbers behind it and the analyst's reason. Dismissed or undecided
    candidates never leave HQ; an entry whose cases were all voided has nothing to show and stays too."""
    confirmed = session.execute(
        select(m.WatchReview).where(m.WatchReview.decision == "confirmed", m.WatchReview.kind != "name")
    ).scalars().all()
    seen = _seen(session, [(r.kind, r.key) for r in confirmed])
    codes = _station_codes(session)
    records: list[dict[str, Any]] = []
    for review in sorted(confirmed, key=lambda r: (r.kind, r.key)):
        found = seen.get((review.kind, review.key))
        if found is None or not found.rows or len(review.key) > KEY_MAX:
            continue
        entry = _candidate(review.kind, review.key, found, review, codes, zone)
        records.append(
            {
                "kind": entry.kind,
                "key": entry.key,
                "label": entry.label[:LABEL_MAX] or entry.key,
                "stations": len(entry.posts),
                "cases": entry.cases,
                "last_seen": entry.last_seen.isoformat() if entry.last_seen else None,
                "posts": list(entry.posts),
                "case_numbers": list(entry.case_numbers[:SENT_CASES_MAX]),
                "reason": entry.reason,
            }
        )
    return records


def _require_hq(ctx: Context, actor: Actor) -> None:
    require(actor, "watch.review")
    if ctx.kind != "hq":
        raise RegisterError(_("the watch list is reviewed at HQ; posts receive it in return bundles"))


def _station_codes(session: Session) -> dict[str, str]:
    return {station_id: code for station_id, code in session.execute(select(m.Station.id, m.Station.code))}


def _candidates(session: Session, zone: tzinfo) -> list[Candidate]:
    keys: set[tuple[str, str]] = set(_repeated(session))
    reviews = {(r.kind, r.key): r for r in session.execute(select(m.WatchReview)).scalars()}
    keys |= set(reviews)
    seen = _seen(session, keys)
    codes = _station_codes(session)
    users = select(m.User.username, m.User.full_name)
    names: dict[str, str] = {name: full for name, full in session.execute(users)}
    found = [
        _candidate(kind, key, seen.get((kind, key), _Seen(label=key)), reviews.get((kind, key)), codes, zone)
        for kind, key in keys
    ]
    return [replace(c, decided_by_name=names.get(c.decided_by, "")) if c.decided_by else c for c in found]


def _candidate(
    kind: str, key: str, seen: _Seen, review: m.WatchReview | None, codes: dict[str, str], zone: tzinfo
) -> Candidate:
    rows = sorted(seen.rows, reverse=True)
    numbers = tuple(dict.fromkeys(number for _at, _id, number, _post in rows))
    posts = tuple(sorted({codes.get(post, post) for _at, _id, _n, post in rows}))
    last = rows[0][0].astimezone(zone).date() if rows else None
    if review is None:
        return Candidate(kind, key, seen.label or key, posts, numbers, len(numbers), last, "pending")
    new = len(seen.case_ids() - set(review.case_ids or []))
    # A dismissed candidate stays dismissed until a case it was not decided on adds to it.
    state = "pending" if review.decision == "dismissed" and new else review.decision
    return Candidate(
        kind, key, seen.label or key, posts, numbers, len(numbers), last, state,
        review.reason, review.decided_by, review.decided_at, new,
    )


def _repeated(session: Session) -> Iterable[tuple[str, str]]:
    """The keys seen at enough posts or in enough cases (voided cases do not count)."""
    repeated = (func.count(func.distinct(m.Case.origin)) >= MIN_STATIONS) | (
        func.count(func.distinct(m.Case.id)) >= MIN_CASES
    )
    people = (
        select(m.Party.id_normalized)
        .join(m.Case, m.Case.id == m.Party.case_id)
        .where(
            m.Party.id_normalized.is_not(None),
            m.Party.id_normalized != "",
            func.length(m.Party.id_normalized) <= KEY_MAX,
            m.Case.status != "voided",
        )
        .group_by(m.Party.id_normalized)
        .having(repeated)
    )
    for (key,) in session.execute(people):
        yield "person", str(key)
    is_ship = m.Vehicle.kind == "ship"
    vehicles = (
        select(is_ship, m.Vehicle.plate_normalized)
        .join(m.Case, m.Case.id == m.Vehicle.case_id)
        .where(
            m.Vehicle.plate_normalized != "",
            func.length(m.Vehicle.plate_normalized) <= KEY_MAX,
            m.Case.status != "voided",
        )
        .group_by(is_ship, m.Vehicle.plate_normalized)
        .having(repeated)
    )
    for ship, key in session.execute(vehicles):
        yield ("vessel" if ship else "vehicle"), key
    # The same folded name and birth year, where the identity numbers do not already tell: several
    # numbers, or some cases without one.
    year = func.extract("year", m.Party.birth_date)
    number = func.nullif(m.Party.id_normalized, "")
    names = (
        select(m.Party.name_folded, year)
        .join(m.Case, m.Case.id == m.Party.case_id)
        .where(
            m.Party.kind == "person",
            m.Party.name_folded != "",
            m.Party.birth_date.is_not(None),
            m.Case.status != "voided",
        )
        .group_by(m.Party.name_folded, year)
        .having(repeated & ((func.count(func.distinct(number)) != 1) | (func.count(number) != func.count())))
    )
    for name, born in session.execute(names):
        key = f"{name}/{int(born)}"
        if len(key) <= NAME_KEY_MAX:
            yield "name", key


def _seen(session: Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], _Seen]:
    """The cases (not voided) behind each key, read in one query per kind."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for kind, key in keys:
        wanted[kind].add(key)
    found: dict[tuple[str, str], _Seen] = defaultdict(_Seen)
    case_columns = (m.Case.occurred_at, m.Case.id, m.Case.number, m.Case.origin)
    for kind, chunk in _chunks(wanted):
        query: Any
        if kind == "person":
            query = select(m.Party.id_normalized, m.Party.full_name, null(), *case_columns).join(
                m.Case, m.Case.id == m.Party.case_id
            ).where(m.Party.id_normalized.in_(chunk))
        elif kind == "name":
            names = {key.rpartition("/")[0] for key in chunk}
            query = select(m.Party.name_folded, m.Party.full_name, m.Party.birth_date, *case_columns).join(
                m.Case, m.Case.id == m.Party.case_id
            ).where(m.Party.name_folded.in_(names), m.Party.kind == "person", m.Party.birth_date.is_not(None))
        else:
            is_ship = m.Vehicle.kind == "ship"
            query = select(m.Vehicle.plate_normalized, m.Vehicle.plate, null(), *case_columns).join(
                m.Case, m.Case.id == m.Vehicle.case_id
            ).where(m.Vehicle.plate_normalized.in_(chunk), is_ship if kind == "vessel" else ~is_ship)
        for found_key, label, born, at, case_id, number, origin in session.execute(
            query.where(m.Case.status != "voided")
        ):
            key = f"{found_key}/{born.year}" if kind == "name" else str(found_key)
            if key not in chunk:
                continue
            seen = found[(kind, key)]
            if seen.newest is None or at >= seen.newest:
                seen.label, seen.newest = label, at  # as written in the newest case
            seen.rows.append((at, case_id, number, origin))
    return dict(found)


def _chunks(wanted: dict[str, set[str]], size: int = 500) -> Iterable[tuple[str, set[str]]]:
    """Keys in groups small enough for one IN (…) on either engine."""
    for kind, keys in wanted.items():
        ordered = sorted(keys)
        for start in range(0, len(ordered), size):
            yield kind, set(ordered[start : start + size])


# ----- a post: what the case editor warns about ---------------------------------------------------


@dataclass(frozen=True)
class WatchNotice:
    """One entry of HQ's watch list as a post holds it."""

    kind: str
    key: str
    label: str
    posts: tuple[str, ...]
    case_numbers: tuple[str, ...]
    cases: int
    reason: str

    def message(self) -> str:
        """The warning the case editor shows, naming why (HQ's posts and cases)."""
        numbers = ", ".join(self.case_numbers[:3]) + (" …" if len(self.case_numbers) > 3 else "")
        text = _("On HQ's watch list: {label}, {cases} cases at {posts}").format(
            label=self.label, cases=self.cases, posts=", ".join(self.posts) or "?"
        )
        if numbers:
            text += " (" + numbers + ")"
        if self.reason:
            text += _("; HQ: {reason}").format(reason=self.reason)
        return text


class WatchIndex:
    """HQ's watch list held at a post, looked up by what the editor's cells hold."""

    def __init__(self, notices: Iterable[WatchNotice] = ()) -> None:
        self._by_key = {(n.kind, n.key): n for n in notices}

    def __len__(self) -> int:
        return len(self._by_key)

    def person(self, id_number: str | None) -> WatchNotice | None:
        key = normalize_id_number(id_number or "")
        return self._by_key.get(("person", key)) if key else None

    def vehicle(self, kind: str | None, plate: str | None) -> WatchNotice | None:
        if kind == "ship":
            key = normalize_vessel(plate or "")
            return self._by_key.get(("vessel", key)) if key else None
        key = normalize_plate(plate or "")
        return self._by_key.get(("vehicle", key)) if key else None


def watch_index(ctx: Context, actor: Actor) -> WatchIndex:
    """The watch list this register holds from HQ's return bundles (empty at HQ and before the first)."""
    require(actor, "case.read")
    with ctx.sessions.reads() as session:
        entries = session.execute(select(m.WatchEntry)).scalars().all()
        return WatchIndex(
            WatchNotice(
                e.kind, e.key, e.label, tuple(e.posts or ()), tuple(e.case_numbers or ()), e.cases,
                e.reason or "",
            )
            for e in entries
        )
