"""A post's import of HQ's return bundles: checked against the HQ the post enrolled with, then
applied in one transaction (acknowledged changes, revocations, watch list, reference data, campaigns).

HQ imports the posts' bundles with ``hq_import.import_bundles``; a front end picks one by the
register's kind."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.auth import require
from app.campaigns import CAMPAIGNS, clean_name, seal_campaign
from app.context import Context
from app.domain import Actor
from app.errors import RegisterError, ValidationError
from app.i18n import _
from app.reference import load_reference
from app.serialize import row_state
from app.sync import enrol, establishment_sync, keys, signing
from app.sync.bundle import (
    KIND_RETURN,
    RECORDS,
    AlreadyImported,
    BundleRefused,
    check_ids,
    open_bundle,
    read_lines,
    unexpected,
)
from app.sync.enrol import HQ_IDENTITY_FORMAT, _hq_of, _meta
from app.sync.return_checks import RETURN_CHECKS, _check_reference_updates, _reference_overrides
from app.sync.summary import ImportSummary
from db import models as m

RETURN_TYPES = frozenset({"receipt", "revocation", *RETURN_CHECKS})  # the record types a return bundle holds


def _hq_identity_check(hq: m.Station) -> Any:
    """The check ``open_bundle`` runs at a post on the sender's identity: the HQ it enrolled with."""

    def check(identity: dict[str, Any]) -> Ed25519PublicKey:
        if identity.get("format") == enrol.CERTIFICATE_FORMAT:
            raise ValidationError(
                [_("a post's bundle of changes for HQ; a post imports only HQ's return bundles")]
            )
        if identity.get("format") != HQ_IDENTITY_FORMAT or identity.get("id") != hq.id:
            raise ValidationError([_("the bundle does not come from the HQ this post is enrolled with")])
        key = signing.unb64(identity.get("signing_public_key", ""), _("HQ's key"))
        if key != hq.signing_public_key:
            raise ValidationError([_("the bundle is signed with another key than this post's HQ's")])
        public = keys.public_from_raw(key)
        signing.verify(identity, public, _("HQ identity"))
        return public

    return check


def import_returns(
    ctx: Context, actor: Actor, passphrase: str, paths: Sequence[Path], dry_run: bool = False
) -> ImportSummary:
    """A post: check every return bundle from HQ, then apply them all in one transaction. A file that
    fails a check is reported with its reason and nothing at all is applied."""
    require(actor, "sync.import")
    if ctx.kind != "post":
        raise RegisterError("only a post imports HQ's return bundles; HQ imports the posts' bundles")
    identity = keys.load_encryption_identity(ctx.paths.data_dir, passphrase)
    return _import_returns(ctx, identity, paths, dry_run)


def _import_returns(ctx: Context, identity: Any, paths: Sequence[Path], dry_run: bool) -> ImportSummary:
    summary = ImportSummary(dry_run=dry_run)
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
                check_ids(path, manifest)
                if session.get(m.ReceivedBundle, str(manifest.get("bundle_id"))) is not None:
                    raise AlreadyImported(
                        path, _("this bundle was imported already (a replay changes nothing)")
                    )
                if any(manifest.get("bundle_id") == other.get("bundle_id") for _p, other, _r in receipts):
                    raise AlreadyImported(path, _("the same bundle is given twice"))
                count = (manifest.get("counts") or {}).get("records")
                if type(count) is not int:
                    raise BundleRefused(path, _("the number of records differs from the manifest's count"))
                records = read_lines(opened, identity, count, RETURN_TYPES)
                for number, record in enumerate(records, start=1):
                    kind = record.get("type")
                    if kind == "receipt":
                        seq = record.get("acknowledged_seq")
                        if record.get("station_id") != ctx.station_id or type(seq) is not int or seq < 0:
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
            except Exception as exc:  # no file from outside may stop the others (``bundle.unexpected``)
                summary.rejected.append(
                    {"file": path.name, "record": "", "reason": unexpected(path, exc).message}
                )
        receipts.sort(key=lambda receipt: str(receipt[1].get("created_at")))  # the newest watch list last
        # The watch list and reference data of a bundle older than one applied before are outdated and
        # not applied (below): the summary says what the post holds after this import, not what an old
        # bundle carried.
        newest_seen = _meta(session, "return_created_at") or ""
        watch_from: int | None = None
        for _path, manifest, records in receipts:
            summary.refused_at_hq += [
                {"file": r["file"], "record": r["record"], "reason": r["reason"]}
                for r in records
                if r["type"] == "rejection"
            ]
            summary.inspections = sum(r["type"] == "inspection" for r in records)
            if str(manifest.get("created_at") or "") >= newest_seen:
                newest_seen = str(manifest.get("created_at") or "")
                summary.reference_updates += sum(r["type"] == "reference" for r in records)
                watch_from = sum(r["type"] == "watch" for r in records)
        summary.watch_entries = (
            watch_from
            if watch_from is not None
            else session.execute(select(func.count()).select_from(m.WatchEntry)).scalar_one()
        )
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
        if summary.rejected:
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
                if kind in ("receipt", "rejection", "establishment", "inspection") or (
                    kind in ("watch", "reference") and not current
                ):
                    pass  # in the summary above, or below; an older bundle's lists are outdated
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
                            posts=record.get("posts", []),
                            case_numbers=record.get("case_numbers", []),
                            reason=record.get("reason", ""),
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
            stored = establishment_sync.apply_returns(ctx, session, records, current, now, hq)
            summary.establishments += stored
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
        if dry_run:  # applied above only to count as the real import counts (establishments, revocations)
            session.rollback()
            return summary
        session.merge(m.Meta(key="acked_seq", value=str(acknowledged)))
        session.merge(m.Meta(key="return_created_at", value=newest))
        summary.acknowledged_seq = acknowledged
        for sent in session.execute(select(m.SentFile).where(m.SentFile.last_seq <= acknowledged)).scalars():
            sent.acknowledged = True
        overrides = _reference_overrides(session) if summary.reference_updates else None
    if overrides is not None:
        ctx.reference = load_reference(overrides=overrides)  # HQ's updates apply from now on
    return summary


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
