"""HQ's checks of one bundle file before any record is applied: the sender's certificate, the
manifest, the counts and the files; and what still stops a checked case record from being applied.

The other steps of HQ's import work on the ``_Verified`` files this module makes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from app.context import Context
from app.errors import RegisterError, ValidationError
from app.i18n import _
from app.sync import enrol, keys, received, signing
from app.sync.bundle import (
    FILE_PREFIX,
    KIND_CHANGES,
    AlreadyImported,
    BundleRefused,
    OpenedBundle,
    check_ids,
    open_bundle,
    read_record_lines,
)
from app.sync.enrol import HQ_IDENTITY_FORMAT
from db import models as m


def _issued_here(certificate: dict[str, Any], hq_id: str, hq_key: Ed25519PublicKey) -> None:
    """A station certificate this HQ issued: its format, its issuer and HQ's signature over its
    canonical JSON; else ``ValidationError``."""
    issuer = certificate.get("issuer") or {}
    if certificate.get("format") != enrol.CERTIFICATE_FORMAT or issuer.get("id") != hq_id:
        raise ValidationError([_("the sender's certificate was not issued by this HQ")])
    try:
        hq_key.verify(
            signing.unb64(certificate.get("signature", ""), _("the certificate's signature")),
            signing.canonical(certificate),
        )
    except InvalidSignature:
        raise ValidationError(
            [_("the sender's certificate was not issued by this HQ (bad signature)")]
        ) from None


def _issuer_check(session: Session, hq: m.Station, zone: tzinfo) -> Any:
    """The check ``open_bundle`` runs on the sender's certificate at HQ (``zone``: the register's, for
    the dates it tells)."""
    if hq.signing_public_key is None:  # no post was ever enrolled here, so no bundle can be from one
        raise RegisterError(
            _("HQ {code} has no signing key yet: enrol the posts with 'outpost enroll accept' before "
              "importing their bundles").format(code=hq.code)
        )
    hq_key = Ed25519PublicKey.from_public_bytes(hq.signing_public_key)

    def check(certificate: dict[str, Any]) -> Ed25519PublicKey:
        if certificate.get("format") == HQ_IDENTITY_FORMAT:
            raise ValidationError([_("a return bundle from HQ to a post; import it at the post")])
        _issued_here(certificate, hq.id, hq_key)
        station_id = (certificate.get("station") or {}).get("id")
        station = session.get(m.Station, station_id) if isinstance(station_id, str) else None
        if station is None or station.kind != "post":
            raise ValidationError(
                [
                    _("station {code} is not enrolled here").format(
                        code=(certificate.get("station") or {}).get("code")
                    )
                ]
            )
        if station.revoked_at is not None:
            raise ValidationError(
                [
                    _("station {code} was revoked on {date}; its bundles are refused").format(
                        code=station.code, date=f"{station.revoked_at.astimezone(zone):%d/%m/%Y}"
                    )
                ]
            )
        key = signing.unb64(certificate.get("signing_public_key", ""), _("the certificate's key"))
        if key != station.signing_public_key:
            from app.sync.rekey import retired_key_message

            retired = retired_key_message(session, station, key, zone)
            if retired is not None:
                raise ValidationError([retired])
            raise ValidationError(
                [_("the certificate of {code} is not the one HQ issued last").format(code=station.code)]
            )
        return keys.public_from_raw(key)

    return check


@dataclass(frozen=True)
class _Verified:
    opened: OpenedBundle
    station: m.Station
    records: list[dict[str, Any]]
    texts: list[bytes]  # the line each record was read from
    files: dict[str, bytes]
    # The post's audit events the part carries (app/sync/anchor.py), taken out of ``records``.
    audit: list[Any] = field(default_factory=list)


def _verify(
    session: Session,
    hq: m.Station,
    identity: Any,
    path: Path,
    zone: tzinfo,
    announce: Callable[[dict[str, Any]], object] = lambda _manifest: None,
) -> _Verified:
    """Everything about one bundle file that must hold before anything is applied. ``announce`` is
    given its manifest once it holds, before the records are decrypted and read; dates are told in
    ``zone``, the register's."""
    try:
        opened = open_bundle(path, _issuer_check(session, hq, zone))
    except BundleRefused:
        raise
    except ValidationError as exc:
        raise BundleRefused(path, exc.message) from None
    manifest = opened.manifest
    sender_id = (opened.certificate.get("station") or {}).get("id")
    station = session.get(m.Station, sender_id)
    assert station is not None
    if manifest.get("kind") != KIND_CHANGES:
        raise BundleRefused(
            path, _("a {kind} bundle cannot be imported at HQ").format(kind=repr(manifest.get("kind")))
        )
    if (manifest.get("recipient") or {}).get("station_id") != hq.id:
        raise BundleRefused(
            path,
            _("the bundle is addressed to {code}, not to this HQ ({hq})").format(
                code=(manifest.get("recipient") or {}).get("code"), hq=hq.code
            ),
        )
    recipient = manifest.get("recipient") or {}
    if recipient.get("encryption_fingerprint") != keys.fingerprint(hq.encryption_public_key or ""):
        raise BundleRefused(path, _("the bundle is encrypted to another key than this HQ's"))
    if (manifest.get("sender") or {}).get("station_id") != station.id:
        raise BundleRefused(path, _("the manifest names another sender than the certificate"))
    check_ids(path, manifest)
    seq = manifest.get("seq") or {}
    part = manifest.get("part") or {}
    if not (
        all(type(v) is int for v in (seq.get("first"), seq.get("last"), part.get("index"), part.get("count")))
        and 1 <= seq["first"] <= seq["last"] < 2**63
        and 1 <= part["index"] <= part["count"] < 2**31
    ):
        raise BundleRefused(path, _("the manifest's sequence range or part number is not valid"))
    attachments = sum(1 for name in opened.sealed if name.startswith(FILE_PREFIX))
    if (manifest.get("counts") or {}).get("files") != attachments:
        raise BundleRefused(path, _("the number of files differs from the manifest's count"))
    earlier = session.get(m.ReceivedBundle, str(manifest.get("bundle_id")))
    if earlier is not None and earlier.station_id != station.id:
        # Bundle ids can be read on the stick; another post's bundle must not make this one "seen".
        raise BundleRefused(path, _("its bundle id was already used by a bundle of another station"))
    if earlier is not None:
        raise AlreadyImported(
            path,
            _("this bundle was imported already on {when} (a replay changes nothing)").format(
                when=f"{earlier.received_at.astimezone(zone):%d/%m/%Y %H:%M}"
            ),
        )
    count = (manifest.get("counts") or {}).get("records")
    if type(count) is not int:
        raise BundleRefused(path, _("the number of records differs from the manifest's count"))
    if count < 1:
        raise BundleRefused(path, _("the part holds no records (Outpost never writes one)"))
    announce(manifest)
    records, texts = read_record_lines(opened, identity, count, RECORD_TYPES)
    files: dict[str, bytes] = {}
    for name in opened.sealed:
        if name.startswith(FILE_PREFIX):
            content = opened.decrypt(identity, name)
            sha256 = name[len(FILE_PREFIX) : -len(".age")]
            if hashlib.sha256(content).hexdigest() != sha256:
                raise BundleRefused(
                    path, _("the file {name}… does not match its name").format(name=sha256[:12])
                )
            files[sha256] = content
    if len(records) != (manifest.get("counts") or {}).get("records"):
        raise BundleRefused(path, _("the number of records differs from the manifest's count"))
    events = [record.get("event") for record in records if record["type"] == "audit"]
    if events:
        kept = [i for i, record in enumerate(records) if record["type"] != "audit"]
        records, texts = [records[i] for i in kept], [texts[i] for i in kept]
    return _Verified(opened, station, records, texts, files, events)


# The records of a post's bundle part.
RECORD_TYPES = frozenset({"case", "tip", "handover", "activity", "establishment", "audit"})


def _origin(verified: _Verified) -> received.Origin:
    seq = verified.opened.manifest["seq"]
    return received.Origin(verified.station.id, verified.station.code, seq["first"], seq["last"])


def _record_problem(
    ctx: Context, verified: _Verified, number: int, record: dict[str, Any], checked: received.Checked
) -> str | None:
    """Why a case record cannot be applied, or None, given what ``received.check_cases`` made of it. A
    refusal is worded again here: the helper process words it in its own language."""
    if checked[1] is None:
        reason, _data = received.case_problem(ctx.reference, _origin(verified), number, record)
        return reason or checked[0]
    document = record["document"]
    for attachment in document.get("attachments") or []:
        sha256 = str(attachment.get("sha256", ""))
        if sha256 not in verified.files and not ctx.attachments.has(sha256):
            label = _("record {number}: case {case}").format(number=number, case=document.get("number"))
            return _("{label} refers to a file the bundle does not carry").format(label=label)
    return None
