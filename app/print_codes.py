"""The QR code on page 1 of a printed form: what it says, how the station signs it, what checking proves.

A print code names the station that printed the form, the case id, its version, its status and the
first 32 hex digits of the hash the audit chain sealed for that version, and carries an Ed25519
signature by the printing station's key over all of that (docs/domain.md §4, Printed forms). The
signature is what makes a paper provable: without it anyone holding a copy of the register file
could type a code for any case that ``verify_print`` would call genuine. HQ, which cannot recompute a
post's state hash, checks the signature with the key the post enrolled with; anyone else with the
post's station certificate can check it offline (``verify_with_certificate``).

Format 2 (``OUTPOST-PRINT:2:<station>:<case id>:<version>:<status>:<hash32>:<signature>``); the
signature is base64url without padding over the ASCII bytes of everything before its colon, or the
word ``unsigned`` on a draft, submitted or voided case's form printed without the key. Format 1
(``OUTPOST-PRINT:1:<case id>:<version>:<hash32>``, before signatures) is still read, and reported as
unprovable."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import require
from app.domain import Actor
from app.errors import NotFound, RegisterError, ValidationError
from app.handovers import compared_print
from app.i18n import _
from app.json_input import JsonRefused, parse_json, shape_problem
from app.serialize import orm_case_state, state_hash
from app.sync import keys
from app.sync.bundle import CERTIFICATE_SHAPE
from app.sync.enrol import CERTIFICATE_FORMAT
from app.sync.signing import canonical, unb64
from app.sync.status import RETIRED
from db import models as m

if TYPE_CHECKING:
    from app.context import Context

PRINT_PREFIX = "OUTPOST-PRINT"
FORMAT = 2
UNSIGNED = "unsigned"
# Printed only signed: a form of an approved or closed case is final and must be provable.
SIGNED_ONLY = frozenset({"approved", "closed"})
STATUSES = ("draft", "submitted", "approved", "closed", "voided")
_FORMAT_1 = re.compile(
    rf"^{PRINT_PREFIX}:1:(?P<id>[0-9a-f-]{{36}}):(?P<version>[1-9][0-9]{{0,8}}):(?P<hash>[0-9a-f]{{32}})$"
)
_FORMAT_2 = re.compile(
    rf"^(?P<body>{PRINT_PREFIX}:2:(?P<station>[A-Z0-9][A-Z0-9-]{{1,15}}):(?P<id>[0-9a-f-]{{36}}):"
    rf"(?P<version>[1-9][0-9]{{0,8}}):(?P<status>{'|'.join(STATUSES)}):(?P<hash>[0-9a-f]{{32}}))"
    rf":(?P<signature>{UNSIGNED}|[A-Za-z0-9_-]{{86}})$"
)
MAX_CERTIFICATE = 64 * 1024  # a station certificate is a few hundred bytes


def print_payload(
    station_code: str,
    case_id: str,
    version: int,
    status: str,
    sealed_hash: str,
    key: Ed25519PrivateKey | None,
) -> str:
    """The text of a form's QR code, signed with ``key`` (None: ``unsigned``)."""
    body = f"{PRINT_PREFIX}:{FORMAT}:{station_code}:{case_id}:{version}:{status}:{sealed_hash[:32]}"
    if key is None:
        return f"{body}:{UNSIGNED}"
    signature = base64.urlsafe_b64encode(key.sign(body.encode("ascii"))).rstrip(b"=").decode("ascii")
    return f"{body}:{signature}"


def signing_key(ctx: Context, passphrase: str) -> Ed25519PrivateKey:
    """This station's signing key for a print; says how to make one when the station has none."""
    data_dir = ctx.paths.data_dir
    if not keys.has_signing_key(data_dir):
        raise RegisterError(no_key_message(ctx.kind))
    key = keys.load_signing_key(data_dir, passphrase)  # a wrong passphrase stops here
    with ctx.sessions.reads() as session:
        station = session.get(m.Station, ctx.station_id)
        recorded = station.signing_public_key if station is not None else None
    if recorded is not None and recorded != keys.raw_public(key.public_key()):
        # Papers signed with it would verify nowhere: better refused now than found out at HQ.
        raise RegisterError(_("the signing key in the keys folder is not the one this station enrolled with"))
    return key


def no_key_message(kind: str) -> str:
    """Why a form cannot be signed yet, and how the station gets its keys (as export says it)."""
    if kind == "post":
        return _(
            "this post has no signing key yet, so it cannot sign a printed form: run 'outpost enroll "
            "request' and install HQ's reply with 'outpost enroll install'"
        )
    return _(
        "HQ has no signing key yet, so it cannot sign a printed form: it is made by the first "
        "'outpost enroll accept'"
    )


# ----- what a print proves -------------------------------------------------------------------


@dataclass(frozen=True)
class PrintCheck:
    """What a print code proves, checked against this register (or a station certificate).

    ``signature``: ``valid`` (signed by ``station``'s key), ``invalid`` (a signature that key never
    made: forged or altered), ``unsigned`` (a draft's paper printed without the key) or ``old``
    (format 1, printed before signatures): only ``valid`` proves anything.

    ``status`` compares the paper with the register's copy of the case. On a paper this register
    printed itself: ``current`` (the case as it is now), ``earlier`` (an earlier version the audit
    chain confirms) or ``mismatch`` (no version ever had that content). On another station's paper
    (a post's, checked at HQ), whose state hash this register cannot recompute: ``same``, ``older``
    (the register holds an older version than the paper: not sent yet) or ``newer`` (changed since),
    ``absent`` (not held here), or ``foreign`` (the case is not that station's). Empty when not
    compared (an unprovable paper, or a check with a certificate only).

    ``case_status`` (with ``void_reason``) is what the case is in the register now, whatever the paper
    shows: a genuine paper of a voided case is void.

    ``key_retired_at``: the paper is signed with a key of ``station`` that a re-key later replaced
    (app/sync/rekey.py), and when: genuine, since the key was the station's when it was current, but
    a paper printed after that day with the retired key proves nothing (it may be the stolen laptop's)."""

    signature: str
    status: str
    case_id: str
    printed_version: int
    printed_status: str = ""
    station: str = ""
    station_revoked_at: datetime | None = None
    number: str = ""
    current_version: int = 0
    case_status: str = ""
    void_reason: str | None = None
    key_retired_at: datetime | None = None

    @property
    def genuine(self) -> bool:
        """Signed by the station and not contradicted by the register."""
        return self.signature == "valid" and self.status not in ("mismatch", "foreign")


@dataclass(frozen=True)
class _Code:
    format: int
    case_id: str
    version: int
    hash: str
    station: str = ""
    status: str = ""
    body: str = ""
    signature: str = ""


def _parse(payload: str) -> _Code:
    text = payload.strip()
    found = _FORMAT_2.match(text)
    if found is not None:
        return _Code(
            2,
            found["id"],
            int(found["version"]),
            found["hash"],
            found["station"],
            found["status"],
            found["body"],
            found["signature"],
        )
    old = _FORMAT_1.match(text)
    if old is not None:
        return _Code(1, old["id"], int(old["version"]), old["hash"])
    raise ValidationError(
        [
            _("code: not a print code of this program (expected {form})").format(
                form=f"{PRINT_PREFIX}:2:<station>:<case id>:<version>:<status>:<hash>:<signature>"
            )
        ]
    )


def _signature_holds(code: _Code, public: bytes | None) -> bool:
    if public is None or code.signature == UNSIGNED:
        return False
    try:
        raw = base64.urlsafe_b64decode(code.signature + "==")
        keys.public_from_raw(public).verify(raw, code.body.encode("ascii"))
    except (InvalidSignature, binascii.Error, ValueError, ValidationError):
        return False
    return True


def _signature(code: _Code, public: bytes | None) -> str:
    if code.format == 1:
        return "old"
    if code.signature == UNSIGNED:
        return UNSIGNED
    return "valid" if _signature_holds(code, public) else "invalid"


def verify_print(ctx: Context, actor: Actor, payload: str) -> PrintCheck:
    """Check the text of a form's QR code: the signature with the printing station's key as this
    register knows it (its own, HQ's at a post, every enrolled post's at HQ, revoked ones too, and the
    keys a re-key retired), then the paper against this register's copy of the case."""
    require(actor, "case.read")
    code = _parse(payload)
    with ctx.sessions.reads() as session:
        station = (
            session.execute(select(m.Station).where(m.Station.code == code.station)).scalar_one_or_none()
            if code.format == 2
            else session.get(m.Station, ctx.station_id)  # an old paper names no station: ours, if any
        )
        if code.format == 2 and station is None:
            raise NotFound(
                _(
                    "no station {code} is known to this register: check the paper at HQ, or with the "
                    "station's certificate (--certificate)"
                ).format(code=code.station)
            )
        assert station is not None
        signature = _signature(code, station.signing_public_key)
        retired_at = _retired_signer(session, station, code) if signature == "invalid" else None
        if retired_at is not None:
            signature = "valid"
        case = session.get(m.Case, code.case_id)
        # Hand-over minutes (app/handover_form.py) carry the hand-over's id: the paper is checked against
        # the hand-over record, and the case it belongs to is reported.
        handover = session.get(m.Handover, code.case_id) if case is None else None
        if handover is not None:
            case = session.get(m.Case, handover.case_id)
        own = station.id == ctx.station_id
        if case is None and own and signature == "valid":  # signed here, yet not here: a restored register?
            raise NotFound(_("no case with id {id} in this register").format(id=code.case_id))
        status = ""
        if signature == "valid" and handover is not None:
            status = (
                compared_print(session, handover, code.version, code.hash)
                if own
                else _compared_other_version(handover.version, code)
            )
        elif signature == "valid" and case is not None:
            status = _compared_own(session, case, code) if own else _compared_other(case, station, code)
        elif signature == "valid":
            status = "absent"
        return PrintCheck(
            signature,
            status,
            code.case_id,
            code.version,
            code.status,
            station.code if code.format == 2 else "",
            station.revoked_at if code.format == 2 else None,
            case.number if case is not None else "",
            handover.version if handover is not None else case.version if case is not None else 0,
            case.status if case is not None else "",
            case.void_reason if case is not None and case.status == "voided" else None,
            retired_at,
        )


def _retired_signer(session: Session, station: m.Station, code: _Code) -> datetime | None:
    """When the key that signed ``code`` was retired, if it is one of ``station``'s keys a re-key
    replaced (recorded at HQ when it accepts a re-key, and at the post when it installs the reply)."""
    row = session.get(m.Meta, RETIRED + station.id)
    try:
        history = json.loads(row.value) if row is not None else []
    except ValueError:
        return None  # an unreadable record proves no key; ``audit verify`` reports a changed meta row
    for entry in history if isinstance(history, list) else []:
        try:
            key = unb64(entry["key"], _("a retired key"))
            retired_at = datetime.fromisoformat(entry["retired_at"])
        except (KeyError, TypeError, ValueError, ValidationError):
            continue
        if _signature_holds(code, key):
            return retired_at
    return None


def _compared_own(session: Session, case: m.Case, code: _Code) -> str:
    """A paper this register printed: its hash against the case now, then against the audit chain."""
    if code.version == case.version and state_hash(orm_case_state(case)).startswith(code.hash):
        return "current"
    sealed = (
        session.execute(
            select(m.AuditEvent.state_hash).where(
                m.AuditEvent.entity == "case",
                m.AuditEvent.entity_id == case.id,
                m.AuditEvent.version == code.version,
            )
        )
        .scalars()
        .all()
    )
    if code.version < case.version and any(h.startswith(code.hash) for h in sealed):
        return "earlier"
    return "mismatch"


def _compared_other_version(version: int, code: _Code) -> str:
    if code.version == version:
        return "same"
    return "older" if version < code.version else "newer"


def _compared_other(case: m.Case, station: m.Station, code: _Code) -> str:
    """Another station's paper: the signature proves what it printed; the register's copy says how the
    case stands here. A post prints only its own cases; HQ may print any."""
    if station.kind == "post" and case.origin != station.id:
        return "foreign"
    if code.version == case.version:
        return "same"
    return "older" if case.version < code.version else "newer"


def verify_with_certificate(payload: str, certificate_path: Path) -> tuple[PrintCheck, dict[str, Any]]:
    """Check a print code offline, with no register: the signature against the key in a station
    certificate file (the ``certificate.json`` of any bundle the post sent, or HQ's enrolment reply's
    ``certificate``). Returns the check and the certificate's station and issuer, whose key
    fingerprint the reader compares with HQ's by phone: the file alone proves only itself."""
    code = _parse(payload)
    try:
        size = certificate_path.stat().st_size
        if size > MAX_CERTIFICATE:
            raise ValidationError(
                [_("{file}: too big to be a station certificate").format(file=certificate_path.name)]
            )
        text = certificate_path.read_bytes()
    except FileNotFoundError:
        raise NotFound(_("{file} does not exist").format(file=certificate_path)) from None
    try:
        document = parse_json(text, MAX_CERTIFICATE)
    except JsonRefused as exc:
        raise ValidationError([f"{certificate_path.name}: {exc}"]) from None
    problem = shape_problem(document, CERTIFICATE_SHAPE)
    if problem is None and (not isinstance(document, dict) or document.get("format") != CERTIFICATE_FORMAT):
        problem = _("not a station certificate")
    if problem:
        raise ValidationError([f"{certificate_path.name}: {problem}"])
    assert isinstance(document, dict)
    station = document.get("station") or {}
    issuer = document.get("issuer") or {}
    public = unb64(document.get("signing_public_key", ""), _("the certificate's key"))
    issuer_public = unb64(issuer.get("signing_public_key", ""), _("the issuer's key"))
    try:
        keys.public_from_raw(issuer_public).verify(
            unb64(document.get("signature", ""), _("signature")), canonical(document)
        )
    except (InvalidSignature, ValidationError):
        raise ValidationError(
            [
                _("{file}: the certificate's signature does not match its contents").format(
                    file=certificate_path.name
                )
            ]
        ) from None
    if code.format == 2 and station.get("code") != code.station:
        raise ValidationError(
            [
                _("the paper was printed by {code}, the certificate is {other}'s").format(
                    code=code.station, other=station.get("code")
                )
            ]
        )
    check = PrintCheck(_signature(code, public), "", code.case_id, code.version, code.status, code.station)
    about = {
        "station": station.get("code"),
        "station_fingerprint": keys.fingerprint(public),
        "issuer": issuer.get("code"),
        "issuer_fingerprint": keys.fingerprint(issuer_public),
    }
    return check, about
