"""Re-keying a station: a replaced laptop takes over its post, or a post rotates its keys on demand.

The station's signing and encryption keys live in ``keys/`` beside the register, never in a backup.
A new laptop restores the register from its encrypted backup (``app.restore``) and then makes new
keys; the old laptop's keys (perhaps stolen) must stop being accepted. Three steps, as enrolment:

1. the post writes a **re-key request** (``make_request``): the new public keys, the station, the
   key being replaced and where the restored register stands (its change sequence, a digest of its
   case versions), signed by the new key, and also by the old one when it is still here (a rotation);
2. HQ **accepts** it (``accept_request``) once the operator has compared the new key's fingerprint
   by phone: HQ certifies the new key, and from that moment refuses every bundle signed by the old
   one (the bundles imported before stay as they are). The reply tells the post what HQ holds of it:
   the sequence HQ has received up to, and the version of each of the post's cases HQ has;
3. the post **installs** the reply (``install_reply``): the new keys become the station's, its
   change sequence continues after the highest one HQ received (so no number is used twice), what
   HQ acknowledged is taken as acknowledged, and each case HQ holds at a newer version than the
   restored register takes that version number, so the post's next change of it is newer than HQ's.

The formats are in docs/bundle-format.md, the reasoning in docs/security.md."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app import audit, tip_keys
from app.auth import require
from app.domain import Actor
from app.errors import RegisterError, ValidationError
from app.i18n import _
from app.json_input import JsonRefused, Shape, parse_json, shape_problem
from app.serialize import orm_case_state
from app.sync import anchor, enrol, keys
from app.sync.signing import b64, sign, unb64, verify
from app.sync.status import RETIRED, coverage, local_day
from db import models as m
from db.types import utc_text

if TYPE_CHECKING:
    from app.context import Context

REQUEST_FORMAT = "outpost-rekey-request"
REPLY_FORMAT = "outpost-rekey-reply"
VERSION = 1
MAX_FILE = 32 * 1024 * 1024  # a reply lists every case of the post HQ holds: ~60 bytes each
SEQ_FLOOR = "seq_floor"  # meta: the post's next change is numbered above this (app.changes)

_STATION: dict[str, Shape] = {"id": str, "code": str, "name": str}
REQUEST_SHAPE: dict[str, Shape] = {
    "format": str, "version": int, "station": _STATION, "signing_public_key": str,
    "encryption_recipient": str, "previous_signing_public_key": str,
    "sequence": {"last": int, "acknowledged": int}, "versions": {"cases": int, "digest": str},
    "created_at": str, "signature": str, "previous_signature": str,
}
REPLY_SHAPE: dict[str, Shape] = {
    "format": str, "version": int, "certificate": dict, "hq": dict,
    "sequence": {"received_up_to": int, "highest": int}, "versions": dict,
    "created_at": str, "signature": str,
}


@dataclass(frozen=True)
class Rekey:
    """What a re-key step did, for the operator: the fingerprints to compare and what was aligned."""

    station_code: str
    station_fingerprint: str
    rotation: bool = False  # signed by the old key too (the old laptop was there)
    hq_code: str = ""
    received_up_to: int = 0  # HQ's sequence for this post (the reply)
    highest: int = 0
    next_seq: int = 0  # the post's next change number after the install
    aligned: list[str] = field(default_factory=list)  # case numbers HQ held at a newer version
    missing: int = 0  # cases of this post HQ holds that the restored register lacks


def _read(path: Path, expected: str, shape: dict[str, Shape], what: str) -> dict[str, Any]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE:
            raise ValidationError([_("{file} is {size:,} bytes: too big to be a {what}").format(
                file=path.name, size=size, what=what)])
        document = parse_json(path.read_bytes(), MAX_FILE)
    except FileNotFoundError:
        raise ValidationError([_("{path} does not exist").format(path=path)]) from None
    except JsonRefused as exc:
        raise ValidationError([_("{file} is not a {what} (not JSON: {problem})").format(
            file=path.name, what=what, problem=exc)]) from None
    problem = shape_problem(document, shape)
    if problem or not isinstance(document, dict):
        raise ValidationError([_("{file} is not a {what} ({problem})").format(
            file=path.name, what=what, problem=problem)])
    if document.get("format") != expected or document.get("version") != VERSION:
        raise ValidationError([_("{file} is not a {what} ({format} version {version} expected)").format(
            file=path.name, what=what, format=repr(expected), version=VERSION)])
    return document


def _versions_digest(versions: dict[str, int]) -> str:
    lines = "".join(f"{case_id}:{version}\n" for case_id, version in sorted(versions.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def _own_versions(session: Session, station_id: str) -> dict[str, int]:
    rows = session.execute(select(m.Case.id, m.Case.version).where(m.Case.origin == station_id))
    return {case_id: version for case_id, version in rows}


# ----- post: request ------------------------------------------------------------------------------


def make_request(ctx: Context, actor: Actor, passphrase: str, out: Path, *, rotate: bool = False) -> Rekey:
    """New keys for this post (kept pending) and the request HQ certifies them from. With the old
    signing key still here the request is signed by it too; ``rotate`` insists that it is."""
    require(actor, "station.enrol")
    if ctx.kind != "post":
        raise RegisterError(
            _("only a post asks for a re-key; HQ accepts it with 'outpost enroll rekey-accept'")
        )
    data_dir = ctx.paths.data_dir
    old = keys.load_signing_key(data_dir, passphrase) if keys.has_signing_key(data_dir) else None
    if rotate and old is None:
        raise RegisterError(
            _("this computer has no station key to rotate: on a new laptop, use "
              "'outpost enroll rekey-request'")
        )
    with ctx.sessions.reads() as session:
        station = session.get(m.Station, ctx.station_id)
        assert station is not None
        if not station.certificate or not enrol._meta(session, "hq_station_id"):
            raise RegisterError(
                _("this post was never enrolled with HQ: enrol it with 'outpost enroll request' instead")
            )
        previous = station.signing_public_key or b""
        identity = {"id": station.id, "code": station.code, "name": station.name}
        last = session.execute(
            select(func.max(m.ChangeLog.seq)).where(m.ChangeLog.station_id == ctx.station_id)
        ).scalar()
        floor = int(enrol._meta(session, SEQ_FLOOR) or 0)
        acknowledged = int(enrol._meta(session, "acked_seq") or 0)
        versions = _own_versions(session, ctx.station_id)
    if old is not None and keys.raw_public(old.public_key()) != previous:
        raise RegisterError(_("the station key on this computer is not the one the register names"))
    public, recipient = keys.create_pending_keys(data_dir, passphrase)
    body = {
        "format": REQUEST_FORMAT,
        "version": VERSION,
        "station": identity,
        "signing_public_key": b64(public),
        "encryption_recipient": recipient,
        "previous_signing_public_key": b64(previous),
        "sequence": {"last": max(int(last or 0), floor), "acknowledged": acknowledged},
        "versions": {"cases": len(versions), "digest": _versions_digest(versions)},
        "created_at": utc_text(ctx.clock()),
    }
    request = sign(body, keys.load_pending_signing_key(data_dir, passphrase))
    if old is not None:
        # The old key signs the request as signed by the new one: the same laptop, rotating.
        request["previous_signature"] = b64(old.sign(_for_previous(request)))
    enrol.write_document(out, request)
    return Rekey(identity["code"], keys.fingerprint(public), rotation=old is not None)


def _for_previous(request: dict[str, Any]) -> bytes:
    """What the old key signs: the request as the new key signed it, its signature included."""
    signed = {k: v for k, v in request.items() if k != "previous_signature"}
    return json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _previous_signature_holds(request: dict[str, Any], previous: bytes) -> bool:
    try:
        keys.public_from_raw(previous).verify(
            unb64(request["previous_signature"], _("the old key's signature")), _for_previous(request)
        )
    except Exception:  # InvalidSignature, or not a key: either way it does not hold
        return False
    return True


# ----- HQ: accept ---------------------------------------------------------------------------------


def accept_request(
    ctx: Context, actor: Actor, passphrase: str, request_path: Path, out: Path, fingerprint: str
) -> Rekey:
    """Certify a post's new key once the fingerprint read out by phone matches, revoke its old key
    from now on, and write the reply with what HQ holds of the post."""
    require(actor, "station.enrol")
    if ctx.kind != "hq":
        raise RegisterError(
            _("only HQ accepts a re-key request; a post makes it with 'outpost enroll rekey-request'")
        )
    with enrol._naming(request_path):  # the signature and key checks know no file: it is named
        return _accept_request(ctx, actor, passphrase, request_path, out, fingerprint)


def _accept_request(
    ctx: Context, actor: Actor, passphrase: str, request_path: Path, out: Path, fingerprint: str
) -> Rekey:
    request = _read(request_path, REQUEST_FORMAT, REQUEST_SHAPE, _("re-key request"))
    station_doc = request.get("station") or {}
    public_raw = unb64(request.get("signing_public_key", ""), _("the station's new public key"))
    recipient = str(request.get("encryption_recipient", ""))
    if not recipient.startswith("age1"):
        raise ValidationError([_("{file}: the station's encryption key is not an age recipient").format(
            file=request_path.name)])
    # The post holds the new key (its signature covers everything but the old key's, added after it).
    signed = {k: v for k, v in request.items() if k != "previous_signature"}
    verify(signed, keys.public_from_raw(public_raw), _("re-key request"))
    new_fingerprint = keys.fingerprint(public_raw)
    keys.check_read_out(fingerprint, new_fingerprint)
    previous = unb64(request.get("previous_signing_public_key", ""), _("the station's old public key"))
    private, hq_recipient = enrol._hq_keys(ctx, actor, passphrase)
    hq_public = keys.raw_public(private.public_key())
    now = ctx.clock()
    with ctx.sessions.writes.begin() as session:
        hq = enrol._own_station(ctx, session)
        station = session.get(m.Station, station_doc.get("id"))
        if station is None or station.kind != "post":
            code = station_doc.get("code")
            raise ValidationError([_("station {code} is not enrolled here").format(code=code)])
        if station.revoked_at is not None:
            revoked = _("station {code} was revoked; it cannot be re-keyed")
            raise ValidationError([revoked.format(code=station.code)])
        if station.signing_public_key == public_raw:
            raise ValidationError([_("station {code} has this key already").format(code=station.code)])
        if station.signing_public_key != previous:
            raise ValidationError([
                _("the request replaces a key of {code} that is not its current one (made from a register "
                  "older than the last re-key?); nothing was changed").format(code=station.code)
            ])
        rotation = "previous_signature" in request
        if rotation and not _previous_signature_holds(request, previous):
            raise ValidationError([_("the old key's signature on the request does not hold")])
        certificate = enrol.issue_certificate(enrol._station_identity(station), public_raw, hq, private, now)
        before = enrol.station_state(station)
        station.signing_public_key = public_raw
        station.encryption_public_key = recipient
        station.certificate = json.dumps(certificate, sort_keys=True, ensure_ascii=False).encode()
        enrol.seal_station(ctx, session, actor.username, station, before)
        history = _record_retired(session, station.id, previous, utc_text(now))
        # A restored laptop's audit chain parts from the one HQ anchored after the backup it came from
        # (docs/security.md): the post's anchored chain starts again from its next export. What HQ
        # anchored before stays counted in this re-key's audit event.
        held = m.AuditAnchor.station_id == station.id
        dropped = session.execute(select(func.count()).select_from(m.AuditAnchor).where(held)).scalar_one()
        session.execute(delete(m.AuditAnchor).where(held))
        history[-1]["anchored_events_dropped"] = dropped
        session.merge(m.Meta(key=RETIRED + station.id, value=json.dumps(history)))
        received_up_to, _missing = coverage(session, station.id)
        highest = session.execute(
            select(func.max(m.ReceivedBundle.last_seq)).where(m.ReceivedBundle.station_id == station.id)
        ).scalar()
        versions = _own_versions(session, station.id)
        reply = sign(
            {
                "format": REPLY_FORMAT,
                "version": VERSION,
                "certificate": certificate,
                "hq": enrol.hq_identity(session, hq, hq_public, hq_recipient),
                "sequence": {"received_up_to": received_up_to, "highest": int(highest or 0)},
                "versions": versions,
                "created_at": utc_text(now),
            },
            private,
        )
        code, hq_code = station.code, hq.code
    enrol.write_document(out, reply)
    return Rekey(code, new_fingerprint, rotation, hq_code, received_up_to, int(highest or 0))


def _record_retired(session: Session, station_id: str, key: bytes, retired_at: str) -> list[dict[str, Any]]:
    """Add ``key`` to the station's retired keys (meta ``RETIRED``); the history, newest last."""
    row = session.get(m.Meta, RETIRED + station_id)
    history: list[dict[str, Any]] = json.loads(row.value) if row is not None else []
    history.append({"key": b64(key), "retired_at": retired_at})
    session.merge(m.Meta(key=RETIRED + station_id, value=json.dumps(history)))
    return history


def retired_key_message(session: Session, station: m.Station, key: bytes, zone: tzinfo) -> str | None:
    """Why a bundle signed by ``key`` is refused when it is a key of ``station`` replaced by a re-key
    (the day told in ``zone``, the register's)."""
    row = session.get(m.Meta, RETIRED + station.id)
    for entry in json.loads(row.value) if row is not None else []:
        if entry.get("key") == b64(key):
            day = local_day(str(entry.get("retired_at", "")), zone)
            return _(
                "the bundle is signed by the key of {code} that HQ replaced on {date} (re-key); bundles "
                "signed by it are refused from then on"
            ).format(code=station.code, date=f"{day:%d/%m/%Y}" if day else "?")
    return None


# ----- post: install ------------------------------------------------------------------------------


def install_reply(ctx: Context, actor: Actor, passphrase: str, reply_path: Path) -> Rekey:
    """Check HQ's reply against the HQ key this post knows and its pending key; then the pending
    keys become the station's and the sequence and versions continue from what HQ holds."""
    require(actor, "station.enrol")
    if ctx.kind != "post":
        raise RegisterError(_("only a post installs a re-key reply"))
    with enrol._naming(reply_path):  # the signature and key checks know no file: it is named
        return _install_reply(ctx, actor, passphrase, reply_path)


def _install_reply(ctx: Context, actor: Actor, passphrase: str, reply_path: Path) -> Rekey:
    reply = _read(reply_path, REPLY_FORMAT, REPLY_SHAPE, _("re-key reply"))
    data_dir = ctx.paths.data_dir
    pending = keys.raw_public(keys.load_pending_signing_key(data_dir, passphrase).public_key())
    certificate = reply.get("certificate")
    with ctx.sessions.writes.begin() as session:
        hq = enrol._hq_of(session)
        assert hq.signing_public_key is not None
        hq_public = keys.public_from_raw(hq.signing_public_key)
        verify(reply, hq_public, _("re-key reply"))  # only the HQ this post is enrolled with
        if not isinstance(certificate, dict):
            raise ValidationError([_("{file}: the certificate is missing").format(file=reply_path.name)])
        verify(certificate, hq_public, _("station certificate"))
        station = enrol._own_station(ctx, session)
        if (certificate.get("station") or {}).get("id") != station.id:
            raise ValidationError([_("{file} is the certificate of another station").format(
                file=reply_path.name)])
        if unb64(certificate.get("signing_public_key", ""), _("the certificate's key")) != pending:
            raise ValidationError([
                _("{file} certifies another key than the one this computer's request asked for").format(
                    file=reply_path.name)
            ])
        recipient = keys.load_pending_recipient(data_dir, passphrase)
        if station.signing_public_key is not None and station.signing_public_key != pending:
            # The papers printed with the old key stay provable here, as at HQ (app.print_codes).
            _record_retired(session, station.id, station.signing_public_key, str(reply.get("created_at")))
        before = enrol.station_state(station)
        station.signing_public_key = pending
        station.encryption_public_key = recipient
        station.certificate = json.dumps(certificate, sort_keys=True, ensure_ascii=False).encode()
        enrol.seal_station(ctx, session, actor.username, station, before)
        # HQ starts this post's anchored audit chain again (app.sync.anchor): so does the post.
        for key in (anchor.SENT_KEY, anchor.FIRST_KEY):
            row = session.get(m.Meta, key)
            if row is not None:
                session.delete(row)
        # The reply, signed by HQ, now backs HQ's tip key and the post's certificate (app.tip_keys),
        # as the enrolment reply did before it.
        tip_recipient = (reply.get("hq") or {}).get("tip_recipient")
        if isinstance(tip_recipient, str) and tip_recipient.startswith("age1"):
            session.merge(m.Meta(key=tip_keys.HQ, value=tip_recipient))
            session.merge(m.Meta(key=tip_keys.HQ_REPLY, value=tip_keys.reply_text(reply)))
        sequence = reply.get("sequence") or {}
        received_up_to, highest = int(sequence.get("received_up_to") or 0), int(sequence.get("highest") or 0)
        last = int(session.execute(
            select(func.max(m.ChangeLog.seq)).where(m.ChangeLog.station_id == ctx.station_id)
        ).scalar() or 0)
        floor = max(last, highest, int(enrol._meta(session, SEQ_FLOOR) or 0))
        session.merge(m.Meta(key=SEQ_FLOOR, value=str(floor)))
        # What HQ has received without a gap is acknowledged; the rest is sent again at the next export.
        session.merge(m.Meta(key="acked_seq", value=str(received_up_to)))
        aligned, missing = _align_versions(ctx, session, actor, reply.get("versions") or {})
        code, hq_code = station.code, hq.code
    keys.promote_pending(data_dir, ctx.clock().strftime("%Y%m%d-%H%M%S"))
    return Rekey(code, keys.fingerprint(pending), False, hq_code, received_up_to, highest, floor + 1,
                 aligned, missing)


def _align_versions(
    ctx: Context, session: Session, actor: Actor, hq_versions: dict[str, Any]
) -> tuple[list[str], int]:
    """Each case of this post that HQ holds at a newer version than the restored register takes that
    version number (sealed in the audit chain), so that its next change here is newer than HQ's and
    is applied there. Its content stays as restored: the changes made after the backup are at HQ."""
    mine = _own_versions(session, ctx.station_id)
    aligned: list[str] = []
    missing = 0
    now = ctx.clock()
    for case_id, version in sorted(hq_versions.items()):
        if type(version) is not int:
            raise ValidationError([_("the reply's version of case {case} is not a number").format(
                case=case_id)])
        if case_id not in mine:
            missing += 1
            continue
        if version <= mine[case_id]:
            continue
        case = session.get(m.Case, case_id)
        assert case is not None
        old = case.version
        case.version = version
        session.flush()
        audit.record(
            session, at=now, station_id=ctx.station_id, actor=actor.username, action="align",
            entity="case", entity_id=case.id, version=version,
            diff={"version": [old, version], "reason": [None, "re-key: HQ holds a newer version"]},
            sealed_state=orm_case_state(case),
        )
        aligned.append(case.number)
    return aligned, missing
