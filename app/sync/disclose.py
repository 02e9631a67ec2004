"""HQ discloses a post's bundle to an outside auditor: a copy whose age members open with the
auditor's own age key, without HQ's private key ever leaving HQ.

Each encrypted member (``records.jsonl.gz.age``, ``files/*.age``) keeps its payload byte for byte;
only its age header changes: HQ opens the file key with its identity and wraps the same file key to
the auditor's X25519 recipient (``agefile``). The auditor checks the post's signature and the member
hashes on the original bundle, checks that each disclosed payload is the original's, and decrypts the
copy with the standard ``age`` tool. Steps for the auditor: ``docs/bundle-format.md`` §7.
The disclosure is sealed in HQ's audit chain, on the sending station's row."""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app import audit
from app.auth import require
from app.domain import Actor
from app.errors import RegisterError, ValidationError
from app.files import write_atomically
from app.i18n import _
from app.json_input import parse_json
from app.serialize import row_state
from app.sync import agefile, enrol, keys, signing
from app.sync.bundle import (
    CERTIFICATE,
    KIND_CHANGES,
    MANIFEST,
    MAX_MANIFEST,
    SIGNATURE,
    SUFFIX,
    BundleRefused,
    open_bundle,
)
from app.sync.verify import _issued_here
from db import models as m

if TYPE_CHECKING:
    from app.context import Context

DISCLOSED_SUFFIX = ".disclosed.zip"  # not ``.outpost``: the copy is for reading, never for an import


@dataclass(frozen=True)
class Disclosure:
    file: Path  # the copy written
    bundle_id: str
    station: str  # the sending post's code
    members: int  # age members re-wrapped
    recipient: str  # the auditor's age1… recipient
    fingerprint: str  # of that recipient (bundle-format §1), to read out to the auditor
    hq_signing_public_key: str  # base64: the key the auditor checks the post's certificate with
    hq_fingerprint: str  # of that key, for the auditor to compare with one obtained apart


def disclose_bundle(
    ctx: Context, actor: Actor, passphrase: str, path: Path, recipient: str, folder: Path
) -> Disclosure:
    """Write ``<bundle name>.disclosed.zip`` into ``folder`` (which must exist): the bundle with every
    age member's file key wrapped to ``recipient`` instead of HQ. Only a bundle this HQ could import
    (issued by it, addressed to it, intact) is disclosed, a revoked post's too (an audit may be about
    it); nothing in the register changes but the audit event that records the disclosure."""
    require(actor, "sync.disclose")
    if ctx.kind != "hq":
        raise RegisterError(_("only HQ discloses bundles: the posts' bundles are encrypted to HQ"))
    try:
        auditor = agefile.recipient_bytes(recipient)
    except agefile.AgeRefused as exc:
        raise ValidationError(
            [_("--to: not an age X25519 recipient (age1…): {reason}").format(reason=exc)]
        ) from None
    target = folder / (path.name.removesuffix(SUFFIX) + DISCLOSED_SUFFIX)
    if target.exists():
        raise ValidationError(
            [_("{path} exists already; a disclosure never replaces a file").format(path=target)]
        )
    identity = agefile.identity_bytes(str(keys.load_encryption_identity(ctx.paths.data_dir, passphrase)))
    with ctx.sessions.reads() as session:
        hq = session.get(m.Station, ctx.station_id)
        if hq is None or hq.signing_public_key is None:
            raise RegisterError(_("this register has no encryption key yet (made on enrolment)"))
        hq_id, hq_raw = hq.id, hq.signing_public_key
    hq_key = Ed25519PublicKey.from_public_bytes(hq_raw)
    senders: list[Ed25519PublicKey] = []
    try:
        opened = open_bundle(path, _certificate_check(hq_id, hq_key, senders))
    except BundleRefused:
        raise
    except ValidationError as exc:
        raise BundleRefused(path, exc.message) from None
    manifest = opened.manifest
    if manifest.get("kind") != KIND_CHANGES or (manifest.get("recipient") or {}).get("station_id") != hq_id:
        raise BundleRefused(path, _("only a post's bundle addressed to this HQ can be disclosed"))
    disclosed = {
        name: _rewrap(path, name, sealed, identity, auditor) for name, sealed in opened.sealed.items()
    }
    plain = _plain_members(path, manifest, senders[0])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:  # the members in the order and manner of a bundle
        archive.writestr(MANIFEST, plain[MANIFEST], zipfile.ZIP_DEFLATED)
        archive.writestr(SIGNATURE, plain[SIGNATURE], zipfile.ZIP_STORED)
        archive.writestr(CERTIFICATE, plain[CERTIFICATE], zipfile.ZIP_DEFLATED)
        for name, data in disclosed.items():
            archive.writestr(name, data, zipfile.ZIP_STORED)
    station_id = (opened.certificate.get("station") or {}).get("id")
    # The event is committed before the copy is written: a disclosure that failed to be written is
    # recorded too, one that was written never goes unrecorded.
    with ctx.sessions.writes.begin() as session:
        station = session.get(m.Station, station_id) if isinstance(station_id, str) else None
        if station is None or station.kind != "post":
            raise BundleRefused(path, _("the sending station is not enrolled here"))
        audit.record(  # on the sender's row, unchanged: 'audit verify' still finds the row as sealed
            session,
            at=ctx.clock(),
            station_id=ctx.station_id,
            actor=actor.username,
            action="disclose",
            entity="station",
            entity_id=station.id,
            version=station.version,
            diff={
                "bundle_id": [None, str(manifest.get("bundle_id"))],
                "file": [None, path.name],
                "to": [None, recipient.strip()],
            },
            sealed_state=row_state(enrol.STATIONS, station),
        )
        code = station.code
    write_atomically(target, buffer.getvalue())
    return Disclosure(
        target,
        str(manifest.get("bundle_id")),
        code,
        len(disclosed),
        recipient.strip(),
        keys.fingerprint(recipient.strip()),
        signing.b64(hq_raw),
        keys.fingerprint(hq_raw),
    )


def _certificate_check(hq_id: str, hq_key: Ed25519PublicKey, senders: list[Ed25519PublicKey]) -> Any:
    """The certificate check for ``open_bundle``: a station certificate this HQ issued; its key is kept
    in ``senders``. Revocation does not matter: an audit may be about a revoked post."""

    def check(certificate: dict[str, Any]) -> Ed25519PublicKey:
        _issued_here(certificate, hq_id, hq_key)
        sender = keys.public_from_raw(
            signing.unb64(certificate.get("signing_public_key", ""), _("the certificate's key"))
        )
        senders.append(sender)
        return sender

    return check


def _rewrap(path: Path, name: str, sealed: bytes, identity: bytes, auditor: bytes) -> bytes:
    try:
        age = agefile.parse(sealed)
        key = agefile.file_key(age, identity)
    except agefile.AgeRefused as exc:
        raise BundleRefused(path, f"{name}: {exc}") from None
    if key is None:
        raise BundleRefused(
            path,
            _(
                "{name} cannot be decrypted with this register's key (the bundle was addressed to another HQ)"
            ).format(name=name),
        )
    return agefile.rewrapped(age, key, auditor)


def _plain_members(path: Path, manifest: dict[str, Any], sender: Ed25519PublicKey) -> dict[str, bytes]:
    """The manifest, its signature and the certificate as the bundle holds them, read again for the
    copy: checked once more against the sender's key and the manifest already verified, so a file
    changed on disk meanwhile is refused rather than copied."""
    try:
        with zipfile.ZipFile(path) as archive:
            plain = {name: archive.read(name) for name in (MANIFEST, SIGNATURE, CERTIFICATE)}
        sender.verify(signing.unb64(plain[SIGNATURE].decode("ascii"), _("the signature")), plain[MANIFEST])
        same = parse_json(plain[MANIFEST], MAX_MANIFEST) == manifest
    except (
        OSError, zipfile.BadZipFile, zlib.error, KeyError, ValueError, NotImplementedError, InvalidSignature,
        ValidationError,
    ):
        same = False
    if not same:
        raise BundleRefused(path, _("the file changed while it was being disclosed"))
    return plain
