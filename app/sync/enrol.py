"""Enrolment: a post asks HQ for a station certificate; HQ issues it with its own public keys; the post
installs them. Both sides print key fingerprints for the operators to compare by phone. HQ can
revoke a station.

Every document is JSON signed with Ed25519 over its canonical bytes (``signing.canonical``): the document
without its ``signature`` member, keys sorted, no spaces, UTF-8. The format is in
``docs/bundle-format.md``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from app import audit, tip_keys
from app.auth import require
from app.domain import Actor
from app.errors import NotFound, RegisterError, ValidationError
from app.files import write_atomically
from app.i18n import _
from app.json_input import JsonRefused, Shape, parse_json, shape_problem
from app.serialize import row_state
from app.sync import keys
from app.sync.signing import b64, sign, unb64, verify
from db import models as m
from db.types import utc_text

if TYPE_CHECKING:
    from app.context import Context

STATIONS: Table = m.Station.__table__  # type: ignore[assignment]

REQUEST_FORMAT = "outpost-enrolment-request"
REPLY_FORMAT = "outpost-enrolment-reply"
CERTIFICATE_FORMAT = "outpost-station-certificate"
HQ_IDENTITY_FORMAT = "outpost-hq-identity"  # the signed identity HQ puts in its return bundles
VERSION = 1
MAX_FILE = 64 * 1024  # enrolment files are small; anything bigger is not one


# The fields of a request or a reply (and the certificate in it) with their JSON types, checked before
# any is used (``app.json_input.shape_problem``).
_STATION_SHAPE: dict[str, Shape] = {"id": str, "code": str, "name": str, "force": str, "commune_code": str}
ENROLMENT_SHAPE: dict[str, Shape] = {
    "format": str,
    "version": int,
    "station": _STATION_SHAPE,
    "signing_public_key": str,
    "encryption_recipient": str,
    "signature": str,
    "hq": {
        "id": str,
        "code": str,
        "name": str,
        "signing_public_key": str,
        "encryption_recipient": str,
        "tip_recipient": str,
    },
    "certificate": {
        "format": str,
        "station": _STATION_SHAPE,
        "signing_public_key": str,
        "signature": str,
        "issuer": {"id": str, "code": str, "signing_public_key": str},
    },
}


@contextmanager
def _naming(path: Path) -> Iterator[None]:
    """A refusal that does not name the file it is about gets its name in front: the signature and key
    checks (``signing``, ``keys``) know no file, and a person must know which one was refused (found by
    the property tests, ``tests/test_properties_inputs.py``)."""
    try:
        yield
    except ValidationError as exc:
        if all(path.name in problem for problem in exc.problems):
            raise
        raise ValidationError(
            [problem if path.name in problem else f"{path.name}: {problem}" for problem in exc.problems]
        ) from None


def read_document(path: Path, expected_format: str, what: str) -> dict[str, Any]:
    """A signed JSON document of the expected format and version (signature not yet checked)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE:
            raise ValidationError(
                [_("{file} is {size:,} bytes: too big to be an {what}").format(
                    file=path.name, size=size, what=what)]
            )
        text = path.read_bytes()
    except FileNotFoundError:
        raise ValidationError([_("{file} does not exist").format(file=path)]) from None
    try:
        document = parse_json(text, MAX_FILE)
    except JsonRefused as exc:
        raise ValidationError(
            [_("{file} is not an {what} (not JSON: {problem})").format(
                file=path.name, what=what, problem=exc)]
        ) from None
    problem = shape_problem(document, ENROLMENT_SHAPE)
    if problem:
        raise ValidationError(
            [_("{file} is not an {what} ({problem})").format(file=path.name, what=what, problem=problem)]
        )
    assert isinstance(document, dict)
    if document.get("format") != expected_format:
        raise ValidationError([
            _("{file} is not an {what} (format {format} expected)").format(
                file=path.name, what=what, format=repr(expected_format))
        ])
    if document.get("version") != VERSION:
        raise ValidationError(
            [
                _("{file} is an {what} of version {version}; this Outpost reads version {supported} "
                  "(install the newer Outpost)").format(
                    file=path.name, what=what, version=repr(document.get("version")), supported=VERSION)
            ]
        )
    return document


def write_document(path: Path, document: dict[str, Any]) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    write_atomically(path, text.encode())


@dataclass(frozen=True)
class Enrolment:
    """What an enrolment step did, for the operator: codes and fingerprints to compare by phone."""

    station_code: str
    station_fingerprint: str
    hq_code: str = ""
    hq_fingerprint: str = ""
    hq_encryption_fingerprint: str = ""


def _station_identity(station: m.Station) -> dict[str, Any]:
    return {
        "id": station.id,
        "code": station.code,
        "name": station.name,
        "force": station.force,
        "commune_code": station.commune_code,
    }


def station_state(station: m.Station | None) -> dict[str, Any] | None:
    """A station's sealed state before a change (None for a station not stored yet)."""
    return None if station is None else row_state(STATIONS, station)


def seal_station(
    ctx: Context,
    session: Session,
    actor: str,
    station: m.Station,
    before: dict[str, Any] | None,
    reason: str | None = None,
) -> None:
    """Seal a station row that was added or changed into the audit chain (its keys, certificate,
    revocation), so that 'outpost audit verify' covers the stations too. Nothing changed, nothing sealed."""

    def describe(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
        changed = sorted(k for k in after if before is None or before.get(k) != after[k])
        diff = {"code": [None if before is None else before["code"], after["code"]], "fields": changed}
        return diff if reason is None else {**diff, "reason": reason}

    audit.seal_row(
        session,
        at=ctx.clock(),
        station_id=ctx.station_id,
        actor=actor,
        entity="station",
        table=STATIONS,
        row=station,
        before=before,
        describe=describe,
    )


def _own_station(ctx: Context, session: Session) -> m.Station:
    station = session.get(m.Station, ctx.station_id)
    assert station is not None
    return station


def _meta(session: Session, key: str) -> str | None:
    row = session.get(m.Meta, key)
    return row.value if row is not None else None


def _hq_of(session: Session) -> m.Station:
    hq_id = _meta(session, "hq_station_id")
    hq = session.get(m.Station, hq_id) if hq_id else None
    if hq is None or not hq.encryption_public_key:
        raise RegisterError(
            _(
                "this post is not enrolled with HQ yet: run 'outpost enroll request' and install HQ's reply "
                "with 'outpost enroll install'"
            )
        )
    return hq


# ----- post: request ------------------------------------------------------------------------------


def make_request(ctx: Context, actor: Actor, passphrase: str, out: Path) -> Enrolment:
    """Write this post's enrolment request (made with a new signing key if it has none)."""
    require(actor, "station.enrol")
    if ctx.kind != "post":
        raise RegisterError(
            _("only a post asks for enrolment; HQ issues certificates with 'outpost enroll accept'")
        )
    if keys.has_signing_key(ctx.paths.data_dir):
        private = keys.load_signing_key(ctx.paths.data_dir, passphrase)
        public = keys.raw_public(private.public_key())
    else:
        public = keys.create_signing_key(ctx.paths.data_dir, passphrase)
        private = keys.load_signing_key(ctx.paths.data_dir, passphrase)
    # The post's own encryption key: HQ's return bundles (receipts, watch list) are sealed to it.
    if not keys.has_encryption_key(ctx.paths.data_dir):
        keys.create_encryption_key(ctx.paths.data_dir, passphrase)
    recipient = str(keys.load_encryption_identity(ctx.paths.data_dir, passphrase).to_public())
    with ctx.sessions.writes.begin() as session:
        station = _own_station(ctx, session)
        before = station_state(station)
        station.signing_public_key = public
        station.encryption_public_key = recipient
        seal_station(ctx, session, actor.username, station, before)
        identity = _station_identity(station)
    request = sign(
        {
            "format": REQUEST_FORMAT,
            "version": VERSION,
            "station": identity,
            "signing_public_key": b64(public),
            "encryption_recipient": recipient,
            "created_at": utc_text(ctx.clock()),
        },
        private,
    )
    write_document(out, request)
    return Enrolment(identity["code"], keys.fingerprint(public))


# ----- HQ: accept ---------------------------------------------------------------------------------


def _hq_keys(ctx: Context, actor: Actor, passphrase: str) -> tuple[Ed25519PrivateKey, str]:
    """HQ's signing key and encryption recipient, made on first use."""
    data_dir = ctx.paths.data_dir
    with ctx.sessions.reads() as session:
        registered = _own_station(ctx, session).signing_public_key
    if registered is not None and not keys.has_signing_key(data_dir):
        # Making a new key here would silently replace the one the posts were certified with.
        raise _foreign_keys(ctx, registered, None)
    if not keys.has_signing_key(data_dir):
        keys.create_signing_key(data_dir, passphrase)
    if not keys.has_encryption_key(data_dir):
        keys.create_encryption_key(data_dir, passphrase)
    private = keys.load_signing_key(data_dir, passphrase)
    own = keys.raw_public(private.public_key())
    if registered is not None and registered != own:
        raise _foreign_keys(ctx, registered, own)
    recipient = str(keys.load_encryption_identity(data_dir, passphrase).to_public())
    with ctx.sessions.writes.begin() as session:
        station = _own_station(ctx, session)
        before = station_state(station)
        station.signing_public_key = keys.raw_public(private.public_key())
        station.encryption_public_key = recipient
        seal_station(ctx, session, actor.username, station, before)
    return private, recipient


def check_folder_recipient(ctx: Context, recipient: str) -> None:
    """HQ's encryption key in the data folder must be the one its station gave the posts: else the
    folder belongs to another HQ's database (``import`` would open nothing, or the wrong HQ's bundles)."""
    with ctx.sessions.reads() as session:
        registered = _own_station(ctx, session).encryption_public_key
    if registered and registered != recipient:
        raise _foreign_keys(ctx, registered, recipient)


def _foreign_keys(ctx: Context, registered: bytes | str, own: bytes | str | None) -> RegisterError:
    """The data folder's keys are not those of the register's station: the folder and the database
    belong to two different HQs (or the keys folder was lost)."""
    return RegisterError(
        _("the register's station {code} has the key {registered}, but the keys in {folder} are "
          "{own}: this data folder and this database belong to different stations. Open the register "
          "with its own data folder; nothing was changed").format(
            code=ctx.station_code, registered=keys.fingerprint(registered),
            folder=keys.keys_dir(ctx.paths.data_dir),
            own=keys.fingerprint(own) if own is not None else _("missing"),
        )
    )


def issue_certificate(
    station: dict[str, Any], public_raw: bytes, hq: m.Station, private: Ed25519PrivateKey, now: datetime
) -> dict[str, Any]:
    """HQ's certificate for a post's signing key (on enrolment, and on a re-key: ``app.sync.rekey``)."""
    return sign(
        {
            "format": CERTIFICATE_FORMAT,
            "version": VERSION,
            "station": station,
            "signing_public_key": b64(public_raw),
            "issuer": {
                "id": hq.id, "code": hq.code, "signing_public_key": b64(keys.raw_public(private.public_key()))
            },
            "issued_at": utc_text(now),
        },
        private,
    )


def hq_identity(session: Session, hq: m.Station, hq_public: bytes, recipient: str) -> dict[str, Any]:
    """The ``hq`` member of an enrolment or re-key reply: HQ's identity and public keys."""
    # The posts will seal informants to HQ's tip key: it must still be HQ's own, checked as a tip is.
    own_tip_key_problems = tip_keys.problems(session)
    if own_tip_key_problems:
        raise tip_keys.TipKeyChanged(
            _("no reply was written: HQ's tip key was changed outside Outpost ({problems})").format(
                problems="; ".join(own_tip_key_problems)
            )
        )
    return {
        **_station_identity(hq),
        "signing_public_key": b64(hq_public),
        "encryption_recipient": recipient,
        # Informants' identities in the post's tips are sealed to this key as well.
        "tip_recipient": (session.get(m.Meta, tip_keys.OWN) or m.Meta(value="")).value,
    }


def accept_request(
    ctx: Context, actor: Actor, passphrase: str, request_path: Path, out: Path, fingerprint: str | None = None
) -> Enrolment:
    """Check a post's request, record the station and write the signed reply with its certificate.
    With ``fingerprint`` (the one the post read out by phone: the app asks for it) nothing is written
    unless it is the request's key's."""
    require(actor, "station.enrol")
    if ctx.kind != "hq":
        raise RegisterError(
            _("only HQ accepts enrolment requests; a post makes them with 'outpost enroll request'")
        )
    with _naming(request_path):
        return _accept_request(ctx, actor, passphrase, request_path, out, fingerprint)


def _accept_request(
    ctx: Context, actor: Actor, passphrase: str, request_path: Path, out: Path, fingerprint: str | None
) -> Enrolment:
    request = read_document(request_path, REQUEST_FORMAT, _("enrolment request"))
    station = request.get("station")
    if not isinstance(station, dict) or not all(
        isinstance(station.get(k), str) for k in ("id", "code", "name")
    ):
        raise ValidationError(
            [_("{file}: the station's id, code and name are missing").format(file=request_path.name)]
        )
    public_raw = unb64(request.get("signing_public_key", ""), _("the station's public key"))
    station_recipient = str(request.get("encryption_recipient", ""))
    if not station_recipient.startswith("age1"):
        raise ValidationError(
            [_("{file}: the station's encryption key is not an age recipient").format(file=request_path.name)]
        )
    verify(request, keys.public_from_raw(public_raw), _("enrolment request"))  # proof the post holds the key
    if fingerprint is not None:
        keys.check_read_out(fingerprint, keys.fingerprint(public_raw))
    private, recipient = _hq_keys(ctx, actor, passphrase)
    hq_public = keys.raw_public(private.public_key())
    now = ctx.clock()
    with ctx.sessions.writes.begin() as session:
        hq = _own_station(ctx, session)
        if station["id"] == hq.id or station["code"] == hq.code:
            raise ValidationError([_("{file} names HQ itself, not a post").format(file=request_path.name)])
        known = session.get(m.Station, station["id"])
        same_code = session.execute(
            select(m.Station).where(m.Station.code == station["code"])
        ).scalar_one_or_none()
        if same_code is not None and same_code.id != station["id"]:
            raise ValidationError([
                _("station code {code} is already enrolled for another station").format(code=station["code"])
            ])
        if known is not None and known.revoked_at is not None:
            raise ValidationError(
                [_("station {code} was revoked; it cannot be enrolled again").format(code=station["code"])]
            )
        if known is not None and known.signing_public_key not in (None, public_raw):
            raise ValidationError(
                [
                    _("station {code} is enrolled with another key: a laptop that replaces the station's "
                      "restores its backup and asks for a re-key ('outpost enroll rekey-request', "
                      "docs/operations.md), it does not enrol again").format(code=station["code"])
                ]
            )
        certificate = issue_certificate(station, public_raw, hq, private, now)
        certificate_bytes = json.dumps(certificate, sort_keys=True, ensure_ascii=False).encode()
        before = station_state(known)
        if known is None:
            known = m.Station(
                id=station["id"], code=station["code"], name=station["name"], kind="post", created_at=now
            )
            session.add(known)
        known.name = station["name"]
        known.force = str(station.get("force") or "border_guard")
        known.commune_code = station.get("commune_code")
        known.signing_public_key = public_raw
        known.encryption_public_key = station_recipient
        known.certificate = certificate_bytes
        seal_station(ctx, session, actor.username, known, before)
        hq_code = hq.code
        reply = sign(
            {
                "format": REPLY_FORMAT,
                "version": VERSION,
                "certificate": certificate,
                "hq": hq_identity(session, hq, hq_public, recipient),
                "created_at": utc_text(now),
            },
            private,
        )
    write_document(out, reply)
    return Enrolment(
        station["code"],
        keys.fingerprint(public_raw),
        hq_code,
        keys.fingerprint(hq_public),
        keys.fingerprint(recipient),
    )


def revoke(ctx: Context, actor: Actor, code: str, reason: str) -> datetime:
    """Mark a station revoked (a stolen laptop): its bundles are refused from now on. The reason is
    required and kept in the audit event that seals the revocation (who, when and why)."""
    require(actor, "station.revoke")
    if ctx.kind != "hq":
        raise RegisterError(_("only HQ revokes stations"))
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError([_("say why the station is revoked (a reason is required)")])
    with ctx.sessions.writes.begin() as session:
        station = session.execute(select(m.Station).where(m.Station.code == code)).scalar_one_or_none()
        if station is None or station.kind != "post":
            raise NotFound(_("no enrolled post with the code {code}").format(code=code))
        if station.revoked_at is None:
            before = station_state(station)
            station.revoked_at = ctx.clock()
            seal_station(ctx, session, actor.username, station, before, reason=reason)
        revoked_at: datetime = station.revoked_at
    return revoked_at


# ----- post: install ------------------------------------------------------------------------------


def install_reply(ctx: Context, actor: Actor, passphrase: str, reply_path: Path) -> Enrolment:
    """Check HQ's reply against this post's own key and store HQ's public keys and the certificate."""
    require(actor, "station.enrol")
    if ctx.kind != "post":
        raise RegisterError(_("only a post installs an enrolment reply"))
    with _naming(reply_path):
        return _install_reply(ctx, actor, passphrase, reply_path)


def _install_reply(ctx: Context, actor: Actor, passphrase: str, reply_path: Path) -> Enrolment:
    reply = read_document(reply_path, REPLY_FORMAT, _("enrolment reply"))
    hq = reply.get("hq")
    certificate = reply.get("certificate")
    if not isinstance(hq, dict) or not isinstance(certificate, dict):
        raise ValidationError(
            [_("{file}: HQ's keys or the certificate are missing").format(file=reply_path.name)]
        )
    hq_public_raw = unb64(hq.get("signing_public_key", ""), _("HQ's public key"))
    hq_public = keys.public_from_raw(hq_public_raw)
    verify(reply, hq_public, _("enrolment reply"))
    verify(certificate, hq_public, _("station certificate"))
    issuer = certificate.get("issuer") or {}
    own = keys.raw_public(keys.load_signing_key(ctx.paths.data_dir, passphrase).public_key())
    recipient = str(hq.get("encryption_recipient", ""))
    if not recipient.startswith("age1"):
        raise ValidationError(
            [_("{file}: HQ's encryption key is not an age recipient").format(file=reply_path.name)]
        )
    with ctx.sessions.writes.begin() as session:
        station = _own_station(ctx, session)
        if (certificate.get("station") or {}).get("id") != station.id:  # null: no station
            raise ValidationError(
                [_("{file} is the certificate of another station").format(file=reply_path.name)]
            )
        if unb64(certificate.get("signing_public_key", ""), _("the certificate's key")) != own:
            raise ValidationError(
                [_("{file} certifies another key than this post's").format(file=reply_path.name)]
            )
        if issuer.get("signing_public_key") != hq.get("signing_public_key"):
            raise ValidationError(
                [_("{file}: the certificate was not issued by the HQ that sent it").format(
                    file=reply_path.name)]
            )
        if not isinstance(hq.get("id"), str) or not isinstance(hq.get("code"), str):
            raise ValidationError([_("{file}: HQ's id and code are missing").format(file=reply_path.name)])
        other = session.scalars(
            select(m.Station).where(
                m.Station.kind == "hq", m.Station.id != hq["id"], m.Station.signing_public_key.is_not(None)
            )
        ).first()
        if other is not None:  # enrolled with one HQ: another's reply (or a second register of it) is refused
            raise ValidationError(
                [
                    _(
                        "{file} comes from HQ {code} ({given}), but this post is enrolled with HQ "
                        "{installed} ({installed_id}): a post sends to one HQ, and nothing was changed"
                    ).format(
                        file=reply_path.name,
                        code=hq["code"],
                        given=hq["id"][:8],
                        installed=other.code,
                        installed_id=other.id[:8],
                    )
                ]
            )
        known = session.get(m.Station, hq["id"])
        before = station_state(known)
        if known is None:
            known = m.Station(
                id=hq["id"],
                code=hq["code"],
                name=str(hq.get("name", hq["code"])),
                kind="hq",
                created_at=ctx.clock(),
            )
            session.add(known)
        elif known.signing_public_key not in (None, hq_public_raw):
            raise ValidationError(
                [_("{file} comes from another HQ key than the one installed").format(file=reply_path.name)]
            )
        known.signing_public_key = hq_public_raw
        known.encryption_public_key = recipient
        seal_station(ctx, session, actor.username, known, before)
        own_before = station_state(station)
        station.certificate = json.dumps(certificate, sort_keys=True, ensure_ascii=False).encode()
        seal_station(ctx, session, actor.username, station, own_before)
        session.merge(m.Meta(key="hq_station_id", value=hq["id"]))
        tip_recipient = hq.get("tip_recipient")
        if isinstance(tip_recipient, str) and tip_recipient.startswith("age1"):
            session.merge(m.Meta(key=tip_keys.HQ, value=tip_recipient))
            # What proves that key each time a tip is sealed: the reply as HQ signed it.
            session.merge(m.Meta(key=tip_keys.HQ_REPLY, value=tip_keys.reply_text(reply)))
        code = station.code
    return Enrolment(
        code, keys.fingerprint(own), hq["code"], keys.fingerprint(hq_public_raw), keys.fingerprint(recipient)
    )
