"""Sync between a post and HQ: the post exports what HQ has not acknowledged as signed, encrypted
bundle parts; HQ verifies and imports them (owner wins: a newer version replaces an older one, an
equal or older one is ignored, the replaced version is kept).

The container is ``app.bundle``; the format is in ``docs/bundle-format.md``."""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import multiprocessing
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.orm import Session

from app import audit, enrol, keys, received
from app.attachments import store_bytes, stored_path
from app.auth import require
from app.bundle import (
    FILE_PREFIX,
    RECORDS,
    AlreadyImported,
    BundleRefused,
    Member,
    OpenedBundle,
    open_bundle,
    read_lines,
    read_record_lines,
    write_bundle,
)
from app.campaigns import CAMPAIGNS, campaign_problems, clean_name, seal_campaign
from app.case_query import WITH_CHILDREN
from app.cases import case_values
from app.context import Context
from app.domain import VIETNAM, Actor, CaseInput
from app.errors import AppError, NotFound, RegisterError, ValidationError
from app.i18n import N_, _
from app.reference import CODE_LISTS, Reference, load_reference
from app.search import case_search_body
from app.serialize import CASES, CHILD_TABLES, case_document, case_state, orm_case_state, row_state
from db import halves, search
from db import models as m
from db.bulk import BulkInsert, SqliteForm
from db.files import fsync_folder
from db.types import utc_text

KIND_CHANGES = "changes"
DEFAULT_PART_SIZE = 20 * 1024 * 1024
MIN_PART_SIZE = 64 * 1024
AGE_OVERHEAD = 512  # per encrypted member, a generous bound on age's header and framing
ZIP_OVERHEAD = 256  # per zip member (local header, central directory entry)
PARALLEL_FROM = 2000  # case records: from this many, a helper process checks part of them
CHUNK = 10  # case records checked in one go (this process looks at the helper between chunks)
HELPER_CHUNKS = 16  # chunks the helper is sent at once, at most


# ----- export (post) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    files: tuple[Path, ...]
    records: int
    attachments: int
    first_seq: int
    last_seq: int


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


@dataclass
class _Part:
    records: list[bytes] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    size: int = 0
    last_seq: int = 0
    cases: set[str] = field(default_factory=set)  # ids of the cases it carries


_Line = tuple[bytes, dict[str, Path], str | None]  # a record's line, the files it needs, its case id


def _with_companion(
    part: _Part, main: _Line, linked: str | None, companion: Callable[[str], _Line]
) -> list[_Line]:
    """A record's lines in ``part``: a tip is preceded by a copy of its case unless the part has it."""
    if linked is None or linked in part.cases:
        return [main]
    return [companion(linked), main]


def _size(lines: list[_Line]) -> int:
    return sum(
        len(line) + sum(path.stat().st_size + AGE_OVERHEAD + ZIP_OVERHEAD for path in files.values())
        for line, files, _case in lines
    )


def _cases_with_children(session: Session, ids: list[str]) -> dict[str, m.Case]:
    cases = session.execute(select(m.Case).where(m.Case.id.in_(ids)).options(*WITH_CHILDREN)).scalars()
    return {case.id: case for case in cases}


def tip_document(tip: m.Tip) -> dict[str, Any]:
    """A tip as it travels to HQ. The informant's identity stays sealed with age to the post's and HQ's
    tip keys (the bundle's own encryption is a second layer): it is never plain text in a bundle, and
    neither HQ's import, its log nor its messages ever see it unsealed."""
    return {
        "id": tip.id,
        "received_at": utc_text(tip.received_at),
        "channel": tip.channel,
        "content": tip.content,
        "case_id": tip.case_id,
        "informant_sealed": enrol.b64(tip.informant_sealed) if tip.informant_sealed else None,
        "created_by": tip.created_by,
        "created_at": utc_text(tip.created_at),
        "version": tip.version,
    }


def export_changes(
    ctx: Context, actor: Actor, passphrase: str, out_dir: Path, max_part_size: int = DEFAULT_PART_SIZE
) -> ExportResult:
    """Write every change HQ has not acknowledged into bundle parts of at most ``max_part_size`` bytes.

    Each case travels once, at its latest version, in the part whose sequence range holds its latest
    change, with the photos and files it refers to: every part verifies and imports on its own."""
    require(actor, "sync.export")
    if ctx.kind != "post":
        raise RegisterError("only a post exports changes; HQ sends return bundles")
    if max_part_size < MIN_PART_SIZE:
        raise ValidationError([f"the part size limit must be at least {MIN_PART_SIZE // 1024} KB"])
    with ctx.sessions.reads() as session:
        hq = _hq_of(session)
        own = session.get(m.Station, ctx.station_id)
        assert own is not None
        if not own.certificate:
            raise RegisterError(_("this post has no certificate from HQ: install HQ's enrolment reply first"))
        certificate = json.loads(own.certificate)
        acknowledged = int(_meta(session, "acked_seq") or 0)
        received = set(session.execute(select(m.SentFile.sha256).where(m.SentFile.acknowledged)).scalars())
        latest: dict[tuple[str, str], int] = {
            (entity, entity_id): seq
            for entity, entity_id, seq in session.execute(
                select(m.ChangeLog.entity, m.ChangeLog.entity_id, func.max(m.ChangeLog.seq))
                .where(
                    m.ChangeLog.station_id == ctx.station_id,
                    m.ChangeLog.seq > acknowledged,
                    m.ChangeLog.entity.in_(("case", "tip")),
                )
                .group_by(m.ChangeLog.entity, m.ChangeLog.entity_id)
            )
        }
        last_seq = (
            session.execute(
                select(func.max(m.ChangeLog.seq)).where(m.ChangeLog.station_id == ctx.station_id)
            ).scalar()
            or 0
        )
        # Every record travels in the part whose range holds its latest change, so an acknowledged range
        # never leaves a record behind. A tip whose case travels in another part of this export carries
        # a copy of that case (a companion record) so that its part still imports on its own.
        order = sorted(latest, key=lambda key: (latest[key], key[0] == "tip"))
        parts: list[_Part] = [_Part()]
        attachments = 0

        def case_record(case: m.Case, companion: bool) -> tuple[bytes, dict[str, Path]]:
            record: dict[str, Any] = {
                "type": "case",
                "seq": latest[("case", case.id)],
                "origin": ctx.station_id,
                "document": case_document(case, ctx.station_code),
            }
            if companion:
                record["companion"] = True
            files = {
                a.sha256: stored_path(ctx.paths.attachments, a.sha256)
                for a in case.attachments
                if a.sha256 not in received  # HQ has it already
            }
            return json.dumps(record, ensure_ascii=False, sort_keys=True).encode() + b"\n", files

        by_id: dict[str, m.Case] = {}

        def companion(case_id: str) -> _Line:
            return (*case_record(by_id[case_id], companion=True), case_id)

        for start in range(0, len(order), 500):
            chunk = order[start : start + 500]
            tips = {
                tip.id: tip
                for tip in session.execute(
                    select(m.Tip).where(m.Tip.id.in_([i for e, i in chunk if e == "tip"]))
                ).scalars()
            }
            wanted = [i for e, i in chunk if e == "case"]
            wanted += [t.case_id for t in tips.values() if t.case_id and ("case", t.case_id) in latest]
            by_id.clear()
            by_id.update(_cases_with_children(session, wanted))
            for key in chunk:
                entity, entity_id = key
                linked: str | None = None  # the case a tip refers to, when it travels in this export
                main: _Line
                if entity == "tip":
                    tip = tips[entity_id]
                    record = {
                        "type": "tip",
                        "seq": latest[key],
                        "origin": ctx.station_id,
                        "tip": tip_document(tip),
                    }
                    main = (json.dumps(record, ensure_ascii=False, sort_keys=True).encode() + b"\n", {}, None)
                    if tip.case_id and ("case", tip.case_id) in latest:
                        linked = tip.case_id
                else:
                    main = (*case_record(by_id[entity_id], companion=False), entity_id)
                part = parts[-1]
                lines = _with_companion(part, main, linked, companion)
                size = _size(lines)
                if part.records and part.size + size > max_part_size - 4096:  # room for manifest and zip
                    parts.append(_Part())
                    part = parts[-1]
                    lines = _with_companion(part, main, linked, companion)
                    size = _size(lines)
                for line, files, case_id in lines:
                    part.records.append(line)
                    if case_id:
                        part.cases.add(case_id)
                    for sha256, path in files.items():
                        if sha256 not in part.files:
                            part.files[sha256] = path
                            attachments += 1
                part.size += size
                part.last_seq = latest[key]
    signing_key = keys.load_signing_key(ctx.paths.data_dir, passphrase)  # a wrong passphrase stops here
    if not order:
        return ExportResult((), 0, 0, acknowledged + 1, last_seq)
    parts[-1].last_seq = max(parts[-1].last_seq, last_seq)  # the range covers every change made
    set_id, created = str(uuid.uuid4()), utc_text(ctx.clock())
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, Path]] = []  # (hidden name, final name) of each part
    first = acknowledged + 1
    for index, part in enumerate(parts, start=1):
        members = [Member(RECORDS, b"".join(part.records))]
        for sha256, path in sorted(part.files.items()):
            try:
                members.append(Member(f"{FILE_PREFIX}{sha256}.age", path.read_bytes()))
            except OSError:
                raise AppError(f"file {sha256[:12]}… is missing from the attachment store") from None
        manifest = {
            "kind": KIND_CHANGES,
            "bundle_id": str(uuid.uuid4()),
            "set_id": set_id,
            "part": {"index": index, "count": len(parts)},
            "sender": {"station_id": ctx.station_id, "code": ctx.station_code},
            "recipient": {
                "station_id": hq.id,
                "code": hq.code,
                "encryption_fingerprint": keys.fingerprint(hq.encryption_public_key or ""),
            },
            "seq": {"first": first, "last": part.last_seq},
            "created_at": created,
            "counts": {"records": len(part.records), "files": len(part.files)},
        }
        name = f"{ctx.station_code}-{first:08d}-{part.last_seq:08d}-part{index}of{len(parts)}.outpost"
        # Every part is written under a hidden name first and all are named at the end, so that a
        # failure (a full, read-only or pulled stick) leaves no half export, nor harms an earlier
        # export of the same names on the stick.
        hidden = out_dir / f".{name}.writing"
        try:
            write_bundle(hidden, manifest, members, certificate, signing_key, hq.encryption_public_key or "")
        except OSError as exc:
            for earlier, _final in written:
                earlier.unlink(missing_ok=True)
            hidden.unlink(missing_ok=True)
            raise AppError(
                _(
                    "could not write {name} in {folder}: {error}. Nothing was exported; "
                    "check the USB stick (full, read-only or pulled out?) and try again"
                ).format(name=name, folder=out_dir, error=exc.strerror or exc)
            ) from None
        written.append((hidden, out_dir / name))
        first = part.last_seq + 1
    try:
        for hidden, final in written:
            hidden.replace(final)
        fsync_folder(out_dir)
    except OSError as exc:
        raise AppError(
            _("could not name the files in {folder}: {error}; export again").format(
                folder=out_dir, error=exc.strerror or exc
            )
        ) from None
    with ctx.sessions.writes.begin() as session:  # which part carried each file, for HQ's receipt
        for part in parts:
            for sha256 in part.files:
                sent = session.get(m.SentFile, sha256)
                if sent is None:
                    session.add(m.SentFile(sha256=sha256, last_seq=part.last_seq, acknowledged=False))
                elif not sent.acknowledged:
                    sent.last_seq = max(sent.last_seq, part.last_seq)
    finals = tuple(final for _hidden, final in written)
    return ExportResult(finals, len(order), attachments, acknowledged + 1, parts[-1].last_seq)


# ----- import (HQ) --------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    files: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)  # file, record, reason
    applied: list[str] = field(default_factory=list)  # bundle files applied (by a dry run: would be)
    skipped: list[dict[str, str]] = field(default_factory=list)  # file, reason: imported before
    bundles: list[dict[str, Any]] = field(default_factory=list)  # at HQ: each file that passed its checks
    missing: dict[str, list[list[int]]] = field(default_factory=dict)  # station code → missing ranges
    missing_parts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # ``unfinished_sets``
    acknowledged_seq: int | None = None  # at a post: the change HQ has everything up to
    revocations: int = 0  # at a post: stations newly known to be revoked
    refused_at_hq: list[dict[str, str]] = field(default_factory=list)  # at a post: what HQ could not take
    watch_entries: int = 0  # at a post: entries of HQ's watch list now held
    reference_updates: int = 0  # at a post: reference entries HQ sent
    tips: int = 0  # at HQ: tips new or newer than the ones held
    campaigns: int = 0  # at a post: HQ's campaigns new or newer than the ones held

    def as_json(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "files": self.files,
            "tips": self.tips,
            "rejected": self.rejected,
            "skipped": self.skipped,
            "bundles": self.bundles,
            "applied": self.applied,
            "missing": self.missing,
            "missing_parts": self.missing_parts,
            **(
                {
                    "acknowledged_seq": self.acknowledged_seq,
                    "revocations": self.revocations,
                    "refused_at_hq": self.refused_at_hq,
                    "watch_entries": self.watch_entries,
                    "reference_updates": self.reference_updates,
                    "campaigns": self.campaigns,
                }
                if self.acknowledged_seq is not None
                else {}
            ),
        }


def _issuer_check(session: Session, hq: m.Station) -> Any:
    """The check ``open_bundle`` runs on the sender's certificate at HQ."""
    assert hq.signing_public_key is not None
    hq_key = Ed25519PublicKey.from_public_bytes(hq.signing_public_key)

    def check(certificate: dict[str, Any]) -> Ed25519PublicKey:
        issuer = certificate.get("issuer") or {}
        if certificate.get("format") == HQ_IDENTITY_FORMAT:
            raise ValidationError([_("a return bundle from HQ to a post; import it at the post")])
        if certificate.get("format") != enrol.CERTIFICATE_FORMAT or issuer.get("id") != hq.id:
            raise ValidationError([_("the sender's certificate was not issued by this HQ")])
        try:
            hq_key.verify(
                enrol.unb64(certificate.get("signature", ""), "the certificate's signature"),
                enrol.canonical(certificate),
            )
        except InvalidSignature:
            raise ValidationError(
                [_("the sender's certificate was not issued by this HQ (bad signature)")]
            ) from None
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
                        code=station.code, date=f"{station.revoked_at:%d/%m/%Y}"
                    )
                ]
            )
        key = enrol.unb64(certificate.get("signing_public_key", ""), "the certificate's key")
        if key != station.signing_public_key:
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


def _verify(
    session: Session,
    hq: m.Station,
    identity: Any,
    path: Path,
    announce: Callable[[dict[str, Any]], object] = lambda _manifest: None,
) -> _Verified:
    """Everything about one bundle file that must hold before anything is applied. ``announce`` is
    given its manifest once it holds, before the records are decrypted and read."""
    try:
        opened = open_bundle(path, _issuer_check(session, hq))
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
                when=f"{earlier.received_at:%d/%m/%Y %H:%M}"
            ),
        )
    announce(manifest)
    records, texts = read_record_lines(opened, identity)
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
    return _Verified(opened, station, records, texts, files)


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
        if sha256 not in verified.files and not stored_path(ctx.paths.attachments, sha256).is_file():
            label = _("record {number}: case {case}").format(number=number, case=document.get("number"))
            return _("{label} refers to a file the bundle does not carry").format(label=label)
    return None


def import_bundles(
    ctx: Context, actor: Actor, passphrase: str, paths: Sequence[Path], dry_run: bool = False
) -> ImportSummary:
    """Verify every file, then every record, then apply everything in one transaction. A file or a
    record that fails a check is reported with its reason and nothing at all is applied."""
    require(actor, "sync.import")
    identity = keys.load_encryption_identity(ctx.paths.data_dir, passphrase)
    if ctx.kind == "post":
        return _import_returns(ctx, identity, paths, dry_run)
    refused: list[tuple[str, dict[str, str]]] = []  # (station id, rejection) for the return bundle
    summary = _import_changes(ctx, identity, paths, dry_run, refused)
    if refused and not dry_run:
        with ctx.sessions.writes.begin() as session:
            now = ctx.clock()
            session.add_all(
                m.SyncRejection(
                    station_id=station_id,
                    file=entry["file"][:255],
                    record=entry["record"][:40],
                    reason=entry["reason"],
                    at=now,
                    reported=False,
                )
                for station_id, entry in refused
            )
    return summary


def _import_changes(
    ctx: Context,
    identity: Any,
    paths: Sequence[Path],
    dry_run: bool,
    refused: list[tuple[str, dict[str, str]]],
) -> ImportSummary:
    helper = _Helper(ctx.reference)  # started once the manifests announce enough records
    try:
        with _without_cycle_collection(), ctx.sessions.writes.begin() as session:
            hq = session.get(m.Station, ctx.station_id)
            assert hq is not None
            return _import_verified(ctx, session, hq, identity, paths, dry_run, refused, ctx.clock(), helper)
    finally:
        helper.stop()


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """An import makes hundreds of thousands of objects (records, rows), none of them in a cycle: the
    cycle collector would only walk them again and again, a tenth of the import's time. Reference
    counting frees them as before; the collector runs again afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import_verified(
    ctx: Context,
    session: Session,
    hq: m.Station,
    identity: Any,
    paths: Sequence[Path],
    dry_run: bool,
    refused: list[tuple[str, dict[str, str]]],
    now: datetime,
    helper: _Helper,
) -> ImportSummary:
    """``_import_changes`` in its transaction."""
    summary = ImportSummary()
    steps: list[_Verified | dict[str, str]] = []  # each file, verified or refused, in the order given
    seen_ids: dict[str, str] = {}  # bundle id → the station that sent it
    for path in paths:
        try:
            one = _verify(session, hq, identity, path, helper.announce)
        except AlreadyImported as exc:
            summary.skipped.append({"file": path.name, "reason": exc.message})
            continue
        except BundleRefused as exc:
            steps.append({"file": path.name, "record": "", "reason": exc.message})
            continue
        bundle_id = str(one.opened.manifest.get("bundle_id"))
        if seen_ids.get(bundle_id, one.station.id) != one.station.id:
            used = _("its bundle id was already used by a bundle of another station")
            steps.append({"file": path.name, "record": "", "reason": f"{path.name}: {used}"})
            continue
        if bundle_id in seen_ids:
            twice = _("the same bundle is given twice")
            summary.skipped.append({"file": path.name, "reason": f"{path.name}: {twice}"})
            continue
        seen_ids[bundle_id] = one.station.id
        steps.append(one)
    verified = [step for step in steps if isinstance(step, _Verified)]
    for one in verified:
        manifest = one.opened.manifest
        summary.bundles.append(
            {
                "file": one.opened.path.name,
                "station": one.station.code,
                "part": manifest["part"]["index"],
                "parts": manifest["part"]["count"],
                "first_seq": manifest["seq"]["first"],
                "last_seq": manifest["seq"]["last"],
                "records": len(one.records),
            }
        )
    stored = _known_cases(session, [case_id for one in verified for case_id in _case_ids(one.records)])
    # Rows are made only for SQLite, as it stores them; other databases take each case's CaseInput.
    rows = session.get_bind().dialect.name == "sqlite"
    early = _EarlyCases(ctx, session, verified, now) if rows and not dry_run else None
    checked = _check_cases(
        ctx,
        verified,
        now,
        lambda case_id: rows and case_id not in stored,
        helper,
        early.write if early is not None else None,
    )
    for step in steps:
        if not isinstance(step, _Verified):
            summary.rejected.append(step)
            continue
        for number, record in enumerate(step.records, start=1):
            if record.get("type") == "tip":
                reason = _check_tip_record(step, number, record)
            else:
                reason = _record_problem(ctx, step, number, record, checked[id(record)])
            if reason:
                entry = {"file": step.opened.path.name, "record": str(number), "reason": reason}
                summary.rejected.append(entry)
                refused.append((step.station.id, entry))
    if summary.rejected:
        session.rollback()
        return summary
    # Newest version of each case across all files; parts may come in any order.
    newest: dict[str, tuple[dict[str, Any], m.Station, CaseInput | received.NewCase]] = {}
    newest_tips: dict[str, tuple[dict[str, Any], m.Station]] = {}
    for one in verified:
        for record in one.records:
            if record["type"] == "tip":
                tip = record["tip"]
                if tip["id"] not in newest_tips or tip["version"] > newest_tips[tip["id"]][0]["version"]:
                    newest_tips[tip["id"]] = (tip, one.station)
                continue
            document = record["document"]
            known = newest.get(document["id"])
            if known is None or document["version"] > known[0]["version"]:
                data = checked[id(record)][1]
                assert data is not None
                newest[document["id"]] = (document, one.station, data)
    to_apply: list[tuple[m.Case | None, dict[str, Any], m.Station, CaseInput | received.NewCase]] = []
    wanted = {data.campaign_id for _d, _s, data in newest.values() if data.campaign_id}
    campaigns = set(session.scalars(select(m.Campaign.id).where(m.Campaign.id.in_(wanted))))
    for document, station, data in newest.values():
        if early is not None and document["id"] in early.written:
            summary.new += 1  # written while the rest was checked
            continue
        origin, version = stored.get(document["id"], (None, 0))
        reason = None
        if origin is not None and origin != station.id:
            reason = _("case {number} belongs to another station")
        elif data.campaign_id and data.campaign_id not in campaigns:
            reason = _("case {number} refers to a campaign HQ has not declared")
        if reason:
            entry = {
                "file": "",
                "record": document["number"],
                "reason": reason.format(number=document["number"]),
            }
            summary.rejected.append(entry)
            refused.append((station.id, entry))
            continue
        if origin is not None and version >= document["version"]:
            summary.unchanged += 1
            continue
        existing = None if origin is None else session.get(m.Case, document["id"])
        if existing is None:
            summary.new += 1
        else:
            summary.updated += 1
        to_apply.append((existing, document, station, data))
    tips_to_apply = _tips_to_apply(session, newest_tips, newest, summary, refused)
    if summary.rejected:
        session.rollback()
        return summary
    for one in verified:  # files first: the cases refer to them
        for sha256, content in one.files.items():
            if not stored_path(ctx.paths.attachments, sha256).exists():
                summary.files += 1
                if not dry_run:
                    store_bytes(ctx.paths.attachments, sha256, content)
    if not dry_run:
        new = [(d, station, data) for e, d, station, data in to_apply if e is None]
        _insert_received_cases(
            ctx, session, [(d, s, c) for d, s, c in new if isinstance(c, received.NewCase)], now
        )
        _insert_new_cases(ctx, session, [(d, s, c) for d, s, c in new if isinstance(c, CaseInput)], now)
        for existing, document, station, data in to_apply:
            if existing is not None:
                assert isinstance(data, CaseInput)  # asked for every case HQ has already
                _apply_case(ctx, session, existing, document, station, data, now)
        for tip, station in tips_to_apply:
            _apply_tip(ctx, session, tip, station, now)
    for one in verified:
        manifest = one.opened.manifest
        summary.applied.append(one.opened.path.name)
        session.add(  # by a dry run too, to tell what would be missing; rolled back then
            m.ReceivedBundle(
                bundle_id=str(manifest["bundle_id"]),
                station_id=one.station.id,
                set_id=str(manifest["set_id"]),
                part_index=manifest["part"]["index"],
                part_count=manifest["part"]["count"],
                first_seq=manifest["seq"]["first"],
                last_seq=manifest["seq"]["last"],
                records=len(one.records),
                received_at=now,
            )
        )
    session.flush()
    for one in verified:
        summary.missing[one.station.code] = coverage(session, one.station.id)[1]
        summary.missing_parts[one.station.code] = unfinished_sets(session, one.station.id)
    if dry_run:
        session.rollback()
    return summary


MAX_SEALED_INFORMANT = 64 * 1024
EARLIEST_YEAR, LATEST_YEAR = 1990, 9998  # of a tip's times
TIP_FIELDS = frozenset(
    {
        "id",
        "received_at",
        "channel",
        "content",
        "case_id",
        "informant_sealed",
        "created_by",
        "created_at",
        "version",
    }
)
AGE_HEADER = b"age-encryption.org/v1\n"


def _utc_instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None or not EARLIEST_YEAR <= moment.astimezone(UTC).year <= LATEST_YEAR:
            return None
    except (ValueError, OverflowError):
        return None
    return moment


def _check_tip_record(verified: _Verified, number: int, record: dict[str, Any]) -> str | None:
    """Why a tip record cannot be applied, or None. Messages never quote the tip's content or its
    sealed informant."""
    station, seq = verified.station, verified.opened.manifest["seq"]
    tip = record.get("tip")
    if record.get("origin") != station.id:
        return _("record {number}: claims to belong to another station than the sender {code}").format(
            number=number, code=station.code
        )
    if not isinstance(record.get("seq"), int) or not seq["first"] <= record["seq"] <= seq["last"]:
        return _("record {number}: its sequence number is outside the bundle's range").format(number=number)
    if not isinstance(tip, dict) or not isinstance(tip.get("id"), str) or not 0 < len(tip["id"]) <= 36:
        return _("record {number}: a tip without a valid id").format(number=number)
    label = _("record {number}: tip {tip}").format(number=number, tip=tip["id"])
    sealed = tip.get("informant_sealed")
    problems = [
        ("received_at", _utc_instant(tip.get("received_at")) is not None),
        ("created_at", _utc_instant(tip.get("created_at")) is not None),
        ("channel", isinstance(tip.get("channel"), str) and len(tip["channel"]) <= 40),
        ("content", isinstance(tip.get("content"), str) and 0 < len(tip["content"]) <= 20000),
        (
            "case_id",
            tip.get("case_id") is None or (isinstance(tip["case_id"], str) and len(tip["case_id"]) <= 36),
        ),
        ("created_by", isinstance(tip.get("created_by"), str) and len(tip["created_by"]) <= 64),
        (
            "version",
            isinstance(tip.get("version"), int)
            and not isinstance(tip["version"], bool)
            and tip["version"] >= 1,
        ),
        ("informant_sealed", sealed is None or _is_sealed(sealed)),
    ]
    bad = [name for name, ok in problems if not ok]
    if bad:
        return _("{label}: {fields} not valid").format(label=label, fields=", ".join(bad))
    if set(tip) != TIP_FIELDS:
        return (
            _("{label}: unknown fields") if set(tip) - TIP_FIELDS else _("{label}: missing fields")
        ).format(label=label)
    return None


def _is_sealed(value: object) -> bool:
    """An age ciphertext in base64, as a tip's informant travels; plain text never passes."""
    if not isinstance(value, str) or len(value) > MAX_SEALED_INFORMANT * 4 // 3 + 4:
        return False
    try:
        raw = enrol.unb64(value, "the informant")
    except ValidationError:
        return False
    return raw.startswith(AGE_HEADER)


def _tips_to_apply(
    session: Session,
    newest_tips: dict[str, tuple[dict[str, Any], m.Station]],
    newest_cases: dict[str, tuple[dict[str, Any], m.Station, CaseInput | received.NewCase]],
    summary: ImportSummary,
    refused: list[tuple[str, dict[str, str]]],
) -> list[tuple[dict[str, Any], m.Station]]:
    """Owner wins, as for cases; a tip may link only to a case of its own station."""
    if not newest_tips:
        return []
    stored = {
        tip_id: (origin, version)
        for tip_id, origin, version in session.execute(
            select(m.Tip.id, m.Tip.origin, m.Tip.version).where(m.Tip.id.in_(list(newest_tips)))
        )
    }
    linked = {t["case_id"] for t, _ in newest_tips.values() if t["case_id"] is not None}
    case_origins = dict(
        session.execute(select(m.Case.id, m.Case.origin).where(m.Case.id.in_(list(linked)))).all()
    )
    case_origins.update({case_id: station.id for case_id, (_d, station, _c) in newest_cases.items()})
    result = []
    for tip, station in newest_tips.values():
        origin, version = stored.get(tip["id"], (None, 0))
        reason = None
        if origin is not None and origin != station.id:
            reason = _("tip {tip} belongs to another station").format(tip=tip["id"])
        elif tip["case_id"] is not None and case_origins.get(tip["case_id"]) != station.id:
            reason = _("tip {tip} refers to a case of {code} that HQ does not have").format(
                tip=tip["id"], code=station.code
            )
        if reason:
            entry = {"file": "", "record": tip["id"], "reason": reason}
            summary.rejected.append(entry)
            refused.append((station.id, entry))
        elif version < tip["version"]:
            summary.tips += 1
            result.append((tip, station))
    return result


def _apply_tip(
    ctx: Context, session: Session, tip: dict[str, Any], station: m.Station, now: datetime
) -> None:
    row = session.get(m.Tip, tip["id"])
    before = None if row is None else row.version
    if row is None:
        row = m.Tip(id=tip["id"], origin=station.id, change_seq=0)
        session.add(row)
    row.received_at = _utc_instant(tip["received_at"])  # type: ignore[assignment]
    row.created_at = _utc_instant(tip["created_at"])  # type: ignore[assignment]
    row.channel, row.content, row.case_id = tip["channel"], tip["content"], tip["case_id"]
    row.informant_sealed = (
        enrol.unb64(tip["informant_sealed"], "the informant") if tip["informant_sealed"] else None
    )
    row.created_by, row.version = tip["created_by"], tip["version"]
    session.flush()
    _seal_import(
        ctx,
        session,
        station,
        "tip",
        row.id,
        row.version,
        {"version": [before, row.version], "informant": [None, row.informant_sealed is not None]},
        row_state(m.Tip.__table__, row),  # type: ignore[arg-type]
        now,
    )


def _seal_import(
    ctx: Context,
    session: Session,
    station: m.Station,
    entity: str,
    entity_id: str,
    version: int,
    diff: dict[str, Any],
    state: Any,
    now: datetime,
) -> None:
    """HQ's own chain seals what it received, so that 'outpost audit verify' covers it too."""
    audit.record(
        session,
        at=now,
        station_id=ctx.station_id,
        actor=f"sync:{station.code}",
        action="import",
        entity=entity,
        entity_id=entity_id,
        version=version,
        diff=diff,
        sealed_state=state,
    )


def _known_cases(session: Session, ids: list[str]) -> dict[str, tuple[str, int]]:
    """Origin and version of the cases among ``ids`` that HQ has already, in a few queries."""
    known: dict[str, tuple[str, int]] = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        for case_id, origin, version in session.execute(
            select(m.Case.id, m.Case.origin, m.Case.version).where(m.Case.id.in_(chunk))
        ):
            known[case_id] = (origin, version)
    return known


def _check_cases(
    ctx: Context,
    verified: list[_Verified],
    now: datetime,
    new: Callable[[str], bool],
    helper: _Helper,
    checked_in_order: Callable[[list[_Chunk], list[list[received.Checked]]], None] | None = None,
) -> dict[int, received.Checked]:
    """``received.check_cases`` of every case record of ``verified`` (by ``id`` of the record), with the
    rows of each case for which ``new(case id)``. From ``PARALLEL_FROM`` records on, the helper process
    is sent batches of chunks and this one checks the next chunk after them, in turn, so both cores
    work; a helper slow to start, or failing, only leaves more to this process. ``checked_in_order``
    is handed the chunks checked so far from the first on, as they come (each once; called between two
    looks at the helper, even when none came), while the rest is checked."""
    chunks: list[_Chunk] = []
    for one in verified:
        indices = [index for index, record in enumerate(one.records) if record.get("type") != "tip"]
        for start in range(0, len(indices), CHUNK):
            part = indices[start : start + CHUNK]
            items = [(i + 1, one.records[i], _is_new(one.records[i], new)) for i in part]
            chunks.append(_Chunk(_origin(one), items, [one.texts[i] for i in part], one))
    results: list[list[received.Checked] | None] = [None] * len(chunks)
    helper.want(sum(len(chunk.items) for chunk in chunks))
    front, back = 0, len(chunks)  # the chunks nobody has taken yet; the helper takes from the front
    handed = 0  # chunks given to ``checked_in_order``
    while front < back or helper.busy:
        front = helper.step(chunks, results, front, back, now, wait=front == back)
        if checked_in_order is not None:
            done = handed
            while done < len(chunks) and results[done] is not None:
                done += 1
            checked_in_order(chunks[handed:done], results[handed:done])  # type: ignore[arg-type]
            handed = done
        if front < back:  # the next chunk; the helper's are before it, so the checked ones stay in order
            index = front
            front += 1
            results[index] = received.check_cases(
                ctx.reference, chunks[index].origin, now, chunks[index].items
            )
    helper.finish()
    checked: dict[int, received.Checked] = {}
    for chunk, result in zip(chunks, results, strict=True):
        if result is None:  # sent to a helper that failed
            result = received.check_cases(ctx.reference, chunk.origin, now, chunk.items)
        for (_number, record, _new), outcome in zip(chunk.items, result, strict=True):
            checked[id(record)] = outcome
    return checked


class _Chunk(NamedTuple):
    """Case records of one bundle, checked in one go."""

    origin: received.Origin
    items: list[tuple[int, dict[str, Any], bool]]  # number, record, whether HQ lacks its case
    texts: list[bytes]  # the line each record was read from
    source: _Verified  # the file they are from

    def lines(self) -> list[tuple[int, bytes, bool]]:
        return [
            (number, text, new) for (number, _record, new), text in zip(self.items, self.texts, strict=True)
        ]


class _Helper:
    """A helper process checking chunks of records (``received.helper_main``), started once an import
    has enough records to share (``PARALLEL_FROM``) on a machine with a second core, and driven from
    this thread between its own chunks. No thread of this process reads or writes the pipe: one would
    compete with the checks for the interpreter lock and could wait on it for seconds. It is started the
    same way on every system (spawn; the frozen app's entry point runs ``freeze_support``), as soon as
    the manifests announce the records, so that it is ready when the checks begin; it is sent the
    records' lines as they came, which costs this process less than sending the records."""

    def __init__(self, reference: Reference) -> None:
        self._reference = reference
        self._announced = 0
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._ready = False
        self._sent: list[int] = []  # chunks it is checking
        self._gone = False

    def announce(self, manifest: dict[str, Any]) -> None:
        """Count the records a verified manifest announces (``_verify``)."""
        count = (manifest.get("counts") or {}).get("records")
        self._announced += count if isinstance(count, int) else 0
        self.want(self._announced)

    def want(self, records: int) -> None:
        """Start the helper if ``records`` are worth sharing and it is not started yet."""
        cores = getattr(os, "process_cpu_count", os.cpu_count)() or 1
        if self._process is not None or self._gone or records < PARALLEL_FROM or cores < 2:
            return
        try:
            context = multiprocessing.get_context("spawn")
            self._conn, child = context.Pipe()
            self._process = context.Process(target=received.helper_main, args=(child,), daemon=True)
            self._process.start()
            child.close()
        except (OSError, ValueError):
            self._gone = True  # this process checks everything

    @property
    def active(self) -> bool:
        """Whether the helper was started and has not failed."""
        return self._process is not None and not self._gone

    @property
    def busy(self) -> bool:
        return bool(self._sent)

    def step(
        self,
        chunks: list[_Chunk],
        results: list[list[received.Checked] | None],
        front: int,
        back: int,
        now: datetime,
        wait: bool,
    ) -> int:
        """Take the helper's answer if it has one (waiting for it if ``wait``), and send it chunks from
        ``front`` on when it is idle. Returns the new front."""
        conn = self._conn
        if conn is None or self._gone:
            return front
        try:
            if not self._ready:
                if not conn.poll():
                    return front
                if conn.recv() != received.READY:
                    raise OSError("the helper process did not start")
                conn.send(self._reference)
                self._ready = True
            if self._sent and (wait or conn.poll()):
                kind, answer = conn.recv()
                if kind == "checked":
                    for index, result in zip(self._sent, answer, strict=True):
                        results[index] = result
                self._sent = []
            if not self._sent and front < back:
                # Fewer chunks at a time near the end, so that neither process waits long for the other.
                count = max(1, min(HELPER_CHUNKS, (back - front) // 3))
                origin = chunks[front].origin
                while front < back and len(self._sent) < count and chunks[front].origin == origin:
                    self._sent.append(front)
                    front += 1
                conn.send((now, [(chunks[i].origin, chunks[i].lines()) for i in self._sent]))
        except (EOFError, OSError):
            self._gone, self._sent = True, []  # this process checks what it had
        return front

    def finish(self) -> None:
        """Let the helper go once the checks are done: it is told to stop (and exits while this process
        writes), or ended at once if it has not said it is ready."""
        if self._process is None or self._conn is None or self._conn.closed:
            return
        if self._ready and not self._gone:
            try:
                self._conn.send(None)
            except OSError:
                pass
        else:
            self._process.terminate()  # still starting: it has done nothing yet
        self._conn.close()
        self._gone = True

    def stop(self) -> None:
        """``finish``, and wait for the helper process to be gone."""
        self.finish()
        if self._process is not None:
            self._process.join(timeout=10)


def _case_id(record: dict[str, Any]) -> str | None:
    """The id a record's case document gives, if it gives one (checked or not)."""
    document = record.get("document")
    return document["id"] if isinstance(document, dict) and isinstance(document.get("id"), str) else None


def _case_ids(records: list[dict[str, Any]]) -> list[str]:
    return [case_id for record in records if (case_id := _case_id(record)) is not None]


def _is_new(record: dict[str, Any], new: Callable[[str], bool]) -> bool:
    case_id = _case_id(record)
    return case_id is not None and new(case_id)


class _EarlyCases:
    """New cases written while the rest of an import is still checked (SQLite): the rows of each one
    whose checks passed, as soon as every chunk before it is checked too, so that writing overlaps the
    helper's checks. Only a case that appears once in the import and that HQ does not have, with its
    files and its campaign known, is taken; any other goes through the usual path after all checks.
    Everything is in the import's one transaction: a refusal anywhere still leaves the register as it
    was."""

    AT_ONCE = 300  # cases written between two looks at the helper

    def __init__(self, ctx: Context, session: Session, verified: list[_Verified], now: datetime) -> None:
        self._ctx, self._session, self._now = ctx, session, now
        seen: dict[str, int] = {}
        named: set[str] = set()
        for one in verified:
            for record in one.records:
                case_id = _case_id(record)
                if case_id is not None:
                    seen[case_id] = seen.get(case_id, 0) + 1
                    campaign = record["document"].get("campaign_id")
                    if isinstance(campaign, str):
                        named.add(campaign)
        self._once = {case_id for case_id, count in seen.items() if count == 1}
        self._campaigns = set(session.scalars(select(m.Campaign.id).where(m.Campaign.id.in_(named))))
        self.written: set[str] = set()
        self._waiting: list[tuple[dict[str, Any], m.Station, received.NewCase]] = []
        self._ends: _Ends | None = None

    def write(self, chunks: list[_Chunk], results: list[list[received.Checked]]) -> None:
        """Take the cases of ``chunks`` that qualify, and write the next few waiting: a little at a time,
        so that the helper is never kept waiting long for its next chunks. What is still waiting when
        the checks end is written the usual way."""
        for chunk, result in zip(chunks, results, strict=True):
            for (number, record, new), outcome in zip(chunk.items, result, strict=True):
                data = outcome[1]
                document = record.get("document")
                if (
                    not new
                    or not isinstance(data, received.NewCase)
                    or not isinstance(document, dict)
                    or document["id"] not in self._once
                    or (data.campaign_id and data.campaign_id not in self._campaigns)
                    or _record_problem(self._ctx, chunk.source, number, record, outcome)
                ):
                    continue
                self._waiting.append((document, chunk.source.station, data))
        batch = self._waiting[: self.AT_ONCE]
        del self._waiting[: self.AT_ONCE]
        self._ends = _insert_received_cases(self._ctx, self._session, batch, self._now, self._ends)
        self.written.update(document["id"] for document, _station, _data in batch)


@functools.cache
def _form(table: Table) -> SqliteForm:
    return SqliteForm(table)


@dataclass
class _Ends:
    """Where the audit chain and the cases' rowids end, carried from one write of new cases to the next
    within an import (so that each write need not ask)."""

    head: str
    rowid: int


def _insert_received_cases(
    ctx: Context,
    session: Session,
    items: list[tuple[dict[str, Any], m.Station, received.NewCase]],
    now: datetime,
    ends: _Ends | None = None,
) -> _Ends | None:
    """Cases HQ has not seen yet, as ``received.new_case`` made their rows, written in a few
    ``executemany`` calls (SQLite): the case, its lines, the chained ``import`` audit event sealing the
    stored state, and its search entry. The same values as ``_apply_case`` would store one by one
    through the ORM, at a fraction of the cost. ``ends``, when given, says where the chain and the rowids
    ended after the previous write of this import (nothing else written since); returns where they end
    now."""
    if not items:
        return ends
    conn = session.connection()
    if ends is None:
        rowid = int(conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM cases").scalar_one())
        ends = _Ends(audit.chain_head(session), rowid)
    head, rowid = ends.head, ends.rowid
    cases: list[tuple[Any, ...]] = []
    lines: dict[str, list[tuple[Any, ...]]] = {name: [] for name in CHILD_TABLES}
    events_form = _form(m.AuditEvent.__table__)
    events: list[tuple[Any, ...]] = []
    search_rows: list[tuple[int, str]] = []
    at = utc_text(now)
    diffs: dict[int, str] = {}  # by version: the diff of an import event
    for document, station, new in items:
        diff = diffs.get(new.version)
        if diff is None:
            diff = diffs[new.version] = audit.stored_diff({"version": [None, new.version]})
        event = {
            "at": at,
            "station_id": ctx.station_id,
            "actor": f"sync:{station.code}",
            "action": "import",
            "entity": "case",
            "entity_id": document["id"],
            "version": new.version,
            "diff": diff,
            "state_hash": new.state_hash,
            "prev_hash": head,
        }
        link = audit.event_hash(
            head,
            at,
            ctx.station_id,
            event["actor"],
            "import",
            "case",
            document["id"],
            new.version,
            diff,
            new.state_hash,
        )
        event["hash"] = head = link
        events.append(events_form.stored(event))
        rowid += 1
        cases.append((rowid, *new.case))
        for name, rows in new.lines.items():
            lines[name] += rows
        search_rows.append((rowid, new.search_body))
    form = _form(CASES)
    conn.exec_driver_sql(form.insert_sql(with_rowid=True), cases)
    halves.drop(conn.exec_driver_sql, halves.of_case_rows(form.columns, cases, offset=1))
    for name, rows in lines.items():
        if rows:
            conn.exec_driver_sql(_form(CHILD_TABLES[name]).insert_sql(), rows)
    conn.exec_driver_sql(events_form.insert_sql(), events)
    search.insert_many(conn, search_rows)
    return _Ends(head, rowid)


def _insert_new_cases(
    ctx: Context, session: Session, items: list[tuple[dict[str, Any], m.Station, CaseInput]], now: datetime
) -> None:
    """Cases HQ has not seen yet, on a database other than SQLite (which takes rows made while the
    records were checked): written as rows in a few ``executemany`` calls with SQLAlchemy's own
    conversions, the case, its lines and the chained ``import`` audit event sealing the stored state."""
    if not items:
        return
    conn = session.connection()
    head = audit.chain_head(session)
    cases = BulkInsert(conn, CASES)
    lines_of = {name: BulkInsert(conn, table) for name, table in CHILD_TABLES.items()}
    events = BulkInsert(conn, m.AuditEvent.__table__)  # type: ignore[arg-type]
    for document, station, data in items:
        fields, lines = case_values(data, ctx.reference)
        case_id = document["id"]
        year, seq = received.number_parts(document["number"], data.occurred_at)
        case = {
            **fields,
            **received.received_columns(document),
            "id": case_id,
            "origin": station.id,
            "year": year,
            "seq": seq,
            "created_by": str(document.get("created_by") or ""),
            "created_at": now,
            "updated_at": now,
            "submitted_at": None,
            "approved_at": None,
            "change_seq": 0,
        }
        for rows in lines.values():
            for row in rows:
                row["id"], row["case_id"] = m.new_id(), case_id
        event = audit.sealed_event(
            head,
            at=now,
            station_id=ctx.station_id,
            actor=f"sync:{station.code}",
            action="import",
            entity="case",
            entity_id=case_id,
            version=case["version"],
            diff={"version": [None, case["version"]]},
            sealed_state=case_state(case, lines),
        )
        head = event["hash"]
        events.add(event)
        cases.add(case)
        for name, rows in lines.items():
            lines_of[name].add_all(rows)
    cases.write(conn)
    for insert in lines_of.values():
        insert.write(conn)
    events.write(conn)


def _apply_case(
    ctx: Context,
    session: Session,
    existing: m.Case,
    document: dict[str, Any],
    station: m.Station,
    data: CaseInput,
    now: datetime,
) -> None:
    """A newer version of a case HQ has: stored as the station sent it, the version it replaces kept in
    the history."""
    session.add(
        m.CaseHistory(
            case_id=existing.id,
            version=existing.version,
            document=case_document(existing, station.code),
            replaced_at=now,
        )
    )
    before = existing.version
    case = existing
    ctx.cases.fill(case, data)
    for name, value in received.received_columns(document).items():
        setattr(case, name, value)
    case.year, case.seq = received.number_parts(document["number"], case.occurred_at)
    case.updated_at = now
    session.flush()
    if session.get_bind().dialect.name == "sqlite":
        search.upsert(
            session.connection(), case.id, case_search_body(case_document(case, station.code), ctx.reference)
        )
    _seal_import(
        ctx,
        session,
        station,
        "case",
        case.id,
        case.version,
        {"version": [before, case.version]},
        orm_case_state(case),
        now,
    )


def coverage(session: Session, station_id: str) -> tuple[int, list[list[int]]]:
    """What HQ has of a station's changes: the highest sequence up to which everything arrived, and
    the ranges not received below the highest received."""
    missing: list[list[int]] = []
    covered = 0
    for first, last in session.execute(
        select(m.ReceivedBundle.first_seq, m.ReceivedBundle.last_seq)
        .where(m.ReceivedBundle.station_id == station_id)
        .order_by(m.ReceivedBundle.first_seq)
    ):
        if first > covered + 1:
            missing.append([covered + 1, first - 1])
        covered = max(covered, last)
    contiguous = missing[0][0] - 1 if missing else covered
    return contiguous, missing


def unfinished_sets(session: Session, station_id: str) -> list[dict[str, Any]]:
    """The parts HQ lacks of a station's latest sending (the one reaching furthest in its changes):
    ``[{"set_id", "parts", "missing"}]`` with the missing part numbers, or ``[]``. An earlier sending
    does not count: each holds everything HQ had not acknowledged, so a later one replaces it. A part
    missing after the highest range received shows only here."""
    sets: dict[str, tuple[int, set[int], int, datetime]] = {}
    for set_id, index, count, last, when in session.execute(
        select(
            m.ReceivedBundle.set_id,
            m.ReceivedBundle.part_index,
            m.ReceivedBundle.part_count,
            m.ReceivedBundle.last_seq,
            m.ReceivedBundle.received_at,
        ).where(m.ReceivedBundle.station_id == station_id)
    ):
        _count, indexes, reach, latest = sets.setdefault(set_id, (count, set(), last, when))
        indexes.add(index)
        sets[set_id] = (count, indexes, max(reach, last), max(latest, when))
    if not sets:
        return []
    set_id, (count, indexes, _reach, _when) = max(sets.items(), key=lambda item: (item[1][2], item[1][3]))
    if len(indexes) >= count:
        return []
    return [{"set_id": set_id, "parts": count, "missing": sorted(set(range(1, count + 1)) - indexes)}]


@dataclass(frozen=True)
class PostStatus:
    """An enrolled post as HQ sees it."""

    code: str
    name: str
    revoked_at: datetime | None
    acknowledged: int  # every change up to this one has arrived
    missing: list[list[int]]  # ranges not received below the highest received
    last_received: datetime | None  # when HQ last imported one of its bundles


def posts(ctx: Context, actor: Actor) -> list[PostStatus]:
    """HQ: every post enrolled here, by code, with what HQ has received of it."""
    require(actor, "sync.import")
    if ctx.kind != "hq":
        raise RegisterError("only HQ enrols posts")
    with ctx.sessions.reads() as session:
        stations = session.scalars(
            select(m.Station)
            .where(m.Station.kind == "post", m.Station.signing_public_key.is_not(None))
            .order_by(m.Station.code)
        ).all()
        last = dict(
            session.execute(
                select(m.ReceivedBundle.station_id, func.max(m.ReceivedBundle.received_at)).group_by(
                    m.ReceivedBundle.station_id
                )
            ).all()
        )
        return [
            PostStatus(
                station.code,
                station.name,
                station.revoked_at,
                *coverage(session, station.id),
                last.get(station.id),
            )
            for station in stations
        ]


# ----- return bundles (HQ → post) -----------------------------------------------------------------

KIND_RETURN = "return"
HQ_IDENTITY_FORMAT = "outpost-hq-identity"


def make_reply(ctx: Context, actor: Actor, passphrase: str, code: str, out_dir: Path) -> Path:
    """HQ's signed return bundle for one post: the receipt (the highest sequence up to which
    everything arrived, and the missing ranges) and every revocation, encrypted to the post."""
    require(actor, "sync.import")
    if ctx.kind != "hq":
        raise RegisterError("only HQ writes return bundles")
    signing_key = keys.load_signing_key(ctx.paths.data_dir, passphrase)
    reported: list[int] = []  # refusals told in this reply: marked once the file is written
    with ctx.sessions.reads() as session:
        hq = session.get(m.Station, ctx.station_id)
        station = session.execute(select(m.Station).where(m.Station.code == code)).scalar_one_or_none()
        assert hq is not None
        if station is None or station.kind != "post" or not station.encryption_public_key:
            raise NotFound(f"no enrolled post with the code {code}")
        if station.revoked_at is not None:  # its laptop may be in other hands: no watch list, nothing
            day = station.revoked_at.astimezone(VIETNAM)
            raise ValidationError([f"station {code} was revoked on {day:%d/%m/%Y}; HQ sends it nothing"])
        acknowledged, missing = coverage(session, station.id)
        records: list[dict[str, Any]] = [
            {
                "type": "receipt",
                "station_id": station.id,
                "acknowledged_seq": acknowledged,
                "missing": missing,
            }
        ]
        for revoked in session.execute(select(m.Station).where(m.Station.revoked_at.is_not(None))).scalars():
            records.append(
                {
                    "type": "revocation",
                    "station_id": revoked.id,
                    "code": revoked.code,
                    "revoked_at": utc_text(revoked.revoked_at) if revoked.revoked_at else None,
                }
            )
        rejections = session.execute(
            select(m.SyncRejection)
            .where(m.SyncRejection.station_id == station.id, m.SyncRejection.reported.is_(False))
            .order_by(m.SyncRejection.id)
        ).scalars()
        for rejection in rejections:
            records.append(
                {
                    "type": "rejection",
                    "file": rejection.file,
                    "record": rejection.record,
                    "reason": rejection.reason,
                    "at": utc_text(rejection.at),
                }
            )
            reported.append(rejection.id)
        for item in session.execute(
            select(m.ReferenceItem).order_by(m.ReferenceItem.kind, m.ReferenceItem.code)
        ).scalars():
            records.append(
                {"type": "reference", "kind": item.kind, "code": item.code, "payload": item.payload}
            )
        records.extend({"type": "watch", **entry} for entry in watch_list(session))
        for campaign in session.execute(
            select(m.Campaign).where(m.Campaign.origin == hq.id).order_by(m.Campaign.starts_on, m.Campaign.id)
        ).scalars():
            records.append(
                {
                    "type": "campaign",
                    "id": campaign.id,
                    "name": campaign.name,
                    "starts_on": campaign.starts_on.isoformat(),
                    "ends_on": campaign.ends_on.isoformat(),
                    "version": campaign.version,
                }
            )
        identity = enrol.sign(
            {
                "format": HQ_IDENTITY_FORMAT,
                "version": enrol.VERSION,
                "id": hq.id,
                "code": hq.code,
                "name": hq.name,
                "signing_public_key": enrol.b64(hq.signing_public_key or b""),
            },
            signing_key,
        )
        recipient, station_id, station_code = station.encryption_public_key, station.id, station.code
        hq_id, hq_code = hq.id, hq.code
    created = ctx.clock()
    manifest = {
        "kind": KIND_RETURN,
        "bundle_id": str(uuid.uuid4()),
        "set_id": str(uuid.uuid4()),
        "part": {"index": 1, "count": 1},
        "sender": {"station_id": hq_id, "code": hq_code},
        "recipient": {
            "station_id": station_id,
            "code": station_code,
            "encryption_fingerprint": keys.fingerprint(recipient),
        },
        "seq": {"first": acknowledged, "last": acknowledged},
        "created_at": utc_text(created),
        "counts": {"records": len(records), "files": 0},
    }
    payload = b"".join(json.dumps(r, ensure_ascii=False, sort_keys=True).encode() + b"\n" for r in records)
    out_dir.mkdir(parents=True, exist_ok=True)
    # The time to the second, and the bundle id's first characters: two replies never share a name.
    short_id = str(manifest["bundle_id"])[:8]
    path = out_dir / f"{hq_code}-to-{station_code}-{created:%Y%m%d-%H%M%S}-{short_id}.outpost"
    write_bundle(path, manifest, [Member(RECORDS, payload)], identity, signing_key, recipient)
    if reported:  # each refusal is told once, in a reply that was really written
        with ctx.sessions.writes.begin() as session:
            session.execute(
                update(m.SyncRejection).where(m.SyncRejection.id.in_(reported)).values(reported=True)
            )
    return path


WATCH_MIN_STATIONS = 2  # seen by at least this many posts …
WATCH_MIN_CASES = 3  # … or in at least this many cases
WATCH_KEY_MAX, WATCH_LABEL_MAX = 80, 200


def watch_list(session: Session) -> list[dict[str, Any]]:
    """People (by identity number) and vehicles and vessels (by plate or registration) that appear in
    cases of several posts, or in several cases: what every post should know at its checkpoints.
    Voided cases do not count."""
    entries: list[dict[str, Any]] = []
    counted = (
        func.count(func.distinct(m.Case.origin)),
        func.count(func.distinct(m.Case.id)),
        func.max(m.Case.occurred_at),
    )
    repeated = (func.count(func.distinct(m.Case.origin)) >= WATCH_MIN_STATIONS) | (
        func.count(func.distinct(m.Case.id)) >= WATCH_MIN_CASES
    )
    people = (
        select(m.Party.id_normalized, func.max(m.Party.full_name), *counted)
        .join(m.Case, m.Case.id == m.Party.case_id)
        .where(
            m.Party.id_normalized.is_not(None),
            m.Party.id_normalized != "",
            func.length(m.Party.id_normalized) <= WATCH_KEY_MAX,
            m.Case.status != "voided",
        )
        .group_by(m.Party.id_normalized)
        .having(repeated)
        .order_by(m.Party.id_normalized)
    )
    for key, label, stations, cases, last in session.execute(people):
        entries.append(_watch_entry("person", key, label, stations, cases, last))
    is_ship = m.Vehicle.kind == "ship"
    vehicles = (
        select(is_ship, m.Vehicle.plate_normalized, func.max(m.Vehicle.plate), *counted)
        .join(m.Case, m.Case.id == m.Vehicle.case_id)
        .where(
            m.Vehicle.plate_normalized != "",
            func.length(m.Vehicle.plate_normalized) <= WATCH_KEY_MAX,
            m.Case.status != "voided",
        )
        .group_by(is_ship, m.Vehicle.plate_normalized)
        .having(repeated)
        .order_by(m.Vehicle.plate_normalized)
    )
    for ship, key, label, stations, cases, last in session.execute(vehicles):
        entries.append(_watch_entry("vessel" if ship else "vehicle", key, label, stations, cases, last))
    return entries


def _watch_entry(kind: str, key: Any, label: str, stations: int, cases: int, last: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "key": key,
        "label": label[:WATCH_LABEL_MAX],
        "stations": int(stations),
        "cases": int(cases),
        "last_seen": last.astimezone(VIETNAM).date().isoformat() if isinstance(last, datetime) else None,
    }


def _hq_identity_check(hq: m.Station) -> Any:
    """The check ``open_bundle`` runs at a post on the sender's identity: the HQ it enrolled with."""

    def check(identity: dict[str, Any]) -> Ed25519PublicKey:
        if identity.get("format") == enrol.CERTIFICATE_FORMAT:
            raise ValidationError(
                [_("a post's bundle of changes for HQ; a post imports only HQ's return bundles")]
            )
        if identity.get("format") != HQ_IDENTITY_FORMAT or identity.get("id") != hq.id:
            raise ValidationError([_("the bundle does not come from the HQ this post is enrolled with")])
        key = enrol.unb64(identity.get("signing_public_key", ""), "HQ's key")
        if key != hq.signing_public_key:
            raise ValidationError([_("the bundle is signed with another key than this post's HQ's")])
        public = keys.public_from_raw(key)
        enrol.verify(identity, public, "HQ identity")
        return public

    return check


def _import_returns(ctx: Context, identity: Any, paths: Sequence[Path], dry_run: bool) -> ImportSummary:
    summary = ImportSummary()
    with ctx.sessions.writes.begin() as session:
        hq = _hq_of(session)
        own_max = (
            session.execute(
                select(func.max(m.ChangeLog.seq)).where(m.ChangeLog.station_id == ctx.station_id)
            ).scalar()
            or 0
        )
        receipts: list[tuple[Path, dict[str, Any], list[dict[str, Any]]]] = []
        for path in paths:
            try:
                opened = open_bundle(path, _hq_identity_check(hq))
                manifest = opened.manifest
                if manifest.get("kind") != KIND_RETURN:
                    raise BundleRefused(
                        path,
                        _("a {kind} bundle cannot be imported at a post").format(
                            kind=repr(manifest.get("kind"))
                        ),
                    )
                if (manifest.get("recipient") or {}).get("station_id") != ctx.station_id:
                    raise BundleRefused(
                        path,
                        _("the bundle is addressed to {code}, not to this post ({post})").format(
                            code=(manifest.get("recipient") or {}).get("code"), post=ctx.station_code
                        ),
                    )
                own = session.get(m.Station, ctx.station_id)
                fingerprint = keys.fingerprint((own.encryption_public_key if own else None) or "")
                if (manifest.get("recipient") or {}).get("encryption_fingerprint") != fingerprint:
                    raise BundleRefused(path, _("the bundle is encrypted to another key than this post's"))
                if manifest.get("part") != {"index": 1, "count": 1} or opened.sealed.keys() - {RECORDS}:
                    raise BundleRefused(path, _("a return bundle is one part holding records only"))
                if session.get(m.ReceivedBundle, str(manifest.get("bundle_id"))) is not None:
                    raise AlreadyImported(
                        path, _("this bundle was imported already (a replay changes nothing)")
                    )
                if any(manifest.get("bundle_id") == other.get("bundle_id") for _p, other, _r in receipts):
                    raise AlreadyImported(path, _("the same bundle is given twice"))
                records = read_lines(opened, identity)
                if len(records) != (manifest.get("counts") or {}).get("records"):
                    raise BundleRefused(path, _("the number of records differs from the manifest's count"))
                for number, record in enumerate(records, start=1):
                    kind = record.get("type")
                    if kind == "receipt":
                        seq = record.get("acknowledged_seq")
                        if record.get("station_id") != ctx.station_id or not isinstance(seq, int) or seq < 0:
                            raise BundleRefused(
                                path,
                                _(
                                    "record {number}: a receipt for another station "
                                    "or without a valid sequence"
                                ).format(number=number),
                            )
                        if seq > own_max:
                            raise BundleRefused(
                                path,
                                _(
                                    "record {number}: acknowledges change {seq}, "
                                    "but this post has made only {made}"
                                ).format(number=number, seq=seq, made=own_max),
                            )
                    elif kind == "revocation":
                        if not isinstance(record.get("station_id"), str):
                            raise BundleRefused(
                                path,
                                _("record {number}: a revocation without a station").format(number=number),
                            )
                    elif kind in RETURN_CHECKS:
                        problem = RETURN_CHECKS[kind](record)
                        if problem:
                            raise BundleRefused(
                                path,
                                _("record {number}: {problem}").format(number=number, problem=_(problem)),
                            )
                        if kind == "campaign" and _foreign_campaign(session, record, hq):
                            raise BundleRefused(
                                path,
                                _("record {number}: a campaign this post holds from elsewhere").format(
                                    number=number
                                ),
                            )
                    else:
                        raise BundleRefused(
                            path,
                            _("record {number}: unknown record type {kind}").format(
                                number=number, kind=repr(kind)
                            ),
                        )
                _check_reference_updates(session, path, records)
                receipts.append((path, manifest, records))
            except AlreadyImported as exc:
                summary.skipped.append({"file": path.name, "reason": exc.message})
            except ValidationError as exc:
                reason = exc.message if isinstance(exc, BundleRefused) else f"{path.name}: {exc.message}"
                summary.rejected.append({"file": path.name, "record": "", "reason": reason})
        receipts.sort(key=lambda receipt: str(receipt[1].get("created_at")))  # the newest watch list last
        for _path, _manifest, records in receipts:
            summary.refused_at_hq += [
                {"file": r["file"], "record": r["record"], "reason": r["reason"]}
                for r in records
                if r["type"] == "rejection"
            ]
            summary.reference_updates += sum(r["type"] == "reference" for r in records)
            summary.watch_entries = sum(r["type"] == "watch" for r in records)
        offered: dict[str, int] = {}  # campaign id → the newest version these bundles carry
        for _p, _m, records in receipts:
            for r in records:
                if r["type"] == "campaign":
                    offered[r["id"]] = max(offered.get(r["id"], 0), r["version"])
        held = dict(
            session.execute(select(m.Campaign.id, m.Campaign.version).where(m.Campaign.id.in_(offered))).all()
        )
        summary.campaigns = sum(version > held.get(cid, 0) for cid, version in offered.items())
        acknowledged = max(
            [int(_meta(session, "acked_seq") or 0)]
            + [
                r["acknowledged_seq"]
                for _p, _m, records in receipts
                for r in records
                if r["type"] == "receipt"
            ]
        )
        summary.acknowledged_seq = acknowledged  # shown by a dry run too
        if summary.rejected or dry_run:
            if not summary.rejected:
                summary.applied = [path.name for path, _m, _r in receipts]  # would be applied
            session.rollback()
            return summary
        now = ctx.clock()
        newest = _meta(session, "return_created_at") or ""
        for path, manifest, records in receipts:
            current = str(manifest.get("created_at") or "") >= newest  # not older than one applied before
            if current:
                newest = str(manifest.get("created_at") or "")
                session.execute(delete(m.WatchEntry))  # each return bundle carries HQ's whole watch list
            for record in records:
                kind = record["type"]
                if kind in ("receipt", "rejection") or (kind in ("watch", "reference") and not current):
                    pass  # in the summary above; an older bundle's lists are outdated
                elif kind == "watch":
                    session.merge(
                        m.WatchEntry(
                            kind=record["kind"],
                            key=record["key"],
                            label=record["label"],
                            stations=record["stations"],
                            cases=record["cases"],
                            last_seen=date.fromisoformat(record["last_seen"])
                            if record.get("last_seen")
                            else None,
                            received_at=now,
                        )
                    )
                elif kind == "campaign":
                    _apply_campaign(ctx, session, record, hq)
                elif kind == "reference":
                    session.merge(
                        m.ReferenceItem(
                            kind=record["kind"],
                            code=record["code"],
                            payload=record["payload"],
                            updated_at=now,
                            source="hq",
                        )
                    )
                else:
                    station = session.get(m.Station, record["station_id"])
                    before = enrol.station_state(station)
                    if station is None:
                        station = m.Station(
                            id=record["station_id"],
                            code=str(record.get("code", ""))[:16],
                            name=str(record.get("code", "")),
                            kind="post",
                            created_at=now,
                        )
                        session.add(station)
                    if station.revoked_at is None:
                        station.revoked_at = now
                        summary.revocations += 1
                    enrol.seal_station(ctx, session, f"sync:{hq.code}", station, before)
            session.add(
                m.ReceivedBundle(
                    bundle_id=str(manifest["bundle_id"]),
                    station_id=hq.id,
                    set_id=str(manifest["set_id"]),
                    part_index=1,
                    part_count=1,
                    first_seq=0,
                    last_seq=0,
                    records=len(records),
                    received_at=now,
                )
            )
            summary.applied.append(path.name)
        session.merge(m.Meta(key="acked_seq", value=str(acknowledged)))
        session.merge(m.Meta(key="return_created_at", value=newest))
        summary.acknowledged_seq = acknowledged
        for sent in session.execute(select(m.SentFile).where(m.SentFile.last_seq <= acknowledged)).scalars():
            sent.acknowledged = True
        overrides = _reference_overrides(session) if summary.reference_updates else None
    if overrides is not None:
        ctx.reference = load_reference(overrides=overrides)  # HQ's updates apply from now on
    return summary


def _reference_overrides(session: Session) -> dict[str, list[dict[str, Any]]]:
    overrides: dict[str, list[dict[str, Any]]] = {}
    for item in session.execute(select(m.ReferenceItem).order_by(m.ReferenceItem.code)).scalars():
        overrides.setdefault(item.kind, []).append(item.payload)
    return overrides


def _check_reference_updates(session: Session, path: Path, records: list[dict[str, Any]]) -> None:
    """Reference data from HQ must load together with what the post has, or the bundle is refused."""
    incoming = [r for r in records if r.get("type") == "reference"]
    if not incoming:
        return
    overrides = _reference_overrides(session)
    for record in incoming:
        kept = [p for p in overrides.get(record["kind"], []) if p.get("code") != record["code"]]
        overrides[record["kind"]] = [*kept, record["payload"]]
    try:
        load_reference(overrides=overrides)
    except KeyError as exc:
        raise BundleRefused(
            path, f"HQ's reference data update cannot be used: {exc.args[0]!r} is missing"
        ) from None
    except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        raise BundleRefused(path, f"HQ's reference data update cannot be used: {exc}") from None


def _text_field(record: dict[str, Any], key: str, limit: int) -> bool:
    value = record.get(key)
    return isinstance(value, str) and 0 < len(value) <= limit


def _check_rejection(record: dict[str, Any]) -> str | None:
    if not all(isinstance(record.get(k), str) for k in ("file", "record", "reason")):
        return N_("a rejection without its file, record and reason")
    return None


def _check_watch(record: dict[str, Any]) -> str | None:
    last_seen = record.get("last_seen")
    if (
        record.get("kind") not in ("person", "vehicle", "vessel")
        or not _text_field(record, "key", 80)
        or not _text_field(record, "label", 200)
        or not all(
            isinstance(record.get(k), int) and not isinstance(record[k], bool) and 0 <= record[k] < 2**31
            for k in ("stations", "cases")
        )
        or not (last_seen is None or (isinstance(last_seen, str) and _is_iso_date(last_seen)))
    ):
        return N_("a watch-list entry that is not well formed")
    return None


def _is_iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _check_reference(record: dict[str, Any]) -> str | None:
    if (
        record.get("kind") not in (*CODE_LISTS, "commodities", "communes")
        or not _text_field(record, "code", 40)
        or not isinstance(record.get("payload"), dict)
        or record["payload"].get("code") != record["code"]
        or not all(isinstance(record["payload"].get(k, ""), str) for k in ("vi", "en", "ten"))
    ):
        return N_("a reference data update that is not well formed")
    return None


def set_reference_items(ctx: Context, actor: Actor, path: Path) -> int:
    """HQ: add or replace reference entries from a JSON file ``{"kind": ..., "items": [...]}``; they
    reach every post in its next return bundle. Returns how many entries were stored."""
    require(actor, "reference.manage")
    if ctx.kind != "hq":
        raise RegisterError("reference data updates are made at HQ and reach posts in return bundles")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError([f"{path.name}: not a readable JSON file ({exc})"]) from None
    kind, items = (
        (document.get("kind"), document.get("items")) if isinstance(document, dict) else (None, None)
    )
    if not isinstance(items, list) or not items:
        raise ValidationError(
            [f'{path.name}: expected {{"kind": ..., "items": [...]}} with at least one item']
        )
    for number, item in enumerate(items, start=1):
        problem = _check_reference(
            {
                "kind": kind,
                "code": (item or {}).get("code") if isinstance(item, dict) else None,
                "payload": item,
            }
        )
        if problem:
            raise ValidationError(
                [
                    f"{path.name}: item {number}: {problem} (kind {kind!r}: one of "
                    f"{', '.join((*CODE_LISTS, 'commodities', 'communes'))}; each item needs its code, "
                    "and its names as text)"
                ]
            )
    with ctx.sessions.writes.begin() as session:
        _check_reference_updates(
            session,
            path,
            [{"type": "reference", "kind": kind, "code": i["code"], "payload": i} for i in items],
        )
        now = ctx.clock()
        for item in items:
            session.merge(
                m.ReferenceItem(kind=kind, code=item["code"], payload=item, updated_at=now, source="hq")
            )
        session.flush()
        ctx.reference = load_reference(overrides=_reference_overrides(session))
    return len(items)


def _check_campaign(record: dict[str, Any]) -> str | None:
    dates = [record.get(k) for k in ("starts_on", "ends_on")]
    version = record.get("version")
    if (
        not _text_field(record, "id", 36)
        or not all(isinstance(d, str) and _is_iso_date(d) for d in dates)
        or not isinstance(version, int)
        or isinstance(version, bool)
        or not 1 <= version < 2**31
        or set(record) != {"type", "id", "name", "starts_on", "ends_on", "version"}
        or campaign_problems(record.get("name"), *(date.fromisoformat(str(d)) for d in dates))
    ):
        return N_("a campaign that is not well formed")
    return None


def _foreign_campaign(session: Session, record: dict[str, Any], hq: m.Station) -> bool:
    held = session.get(m.Campaign, record["id"])
    return held is not None and held.origin != hq.id


def _apply_campaign(ctx: Context, session: Session, record: dict[str, Any], hq: m.Station) -> None:
    """HQ's campaign at the post: a newer version replaces the held one (owner wins)."""
    row = session.get(m.Campaign, record["id"])
    if row is not None and row.version >= record["version"]:
        return
    before = None if row is None else row_state(CAMPAIGNS, row)
    if row is None:
        row = m.Campaign(id=record["id"], origin=hq.id, change_seq=0)
        session.add(row)
    row.name = clean_name(record["name"])
    row.starts_on, row.ends_on = (
        date.fromisoformat(record["starts_on"]),
        date.fromisoformat(record["ends_on"]),
    )
    seal_campaign(ctx, session, f"sync:{hq.code}", row, before, version=record["version"])


RETURN_CHECKS = {
    "rejection": _check_rejection,
    "watch": _check_watch,
    "reference": _check_reference,
    "campaign": _check_campaign,
}
