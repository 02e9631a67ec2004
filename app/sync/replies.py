"""HQ's return bundles for a post: the receipt, revocations, refusals, reference data, the watch
list and HQ's campaigns, signed and encrypted to the post.

HQ's reference data updates are stored here too (``set_reference_items``): they reach the posts
only through these bundles."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from app.auth import require
from app.context import Context
from app.domain import Actor
from app.errors import NotFound, RegisterError, ValidationError
from app.json_input import JsonRefused, parse_json
from app.reference import CODE_LISTS, load_reference
from app.sync import enrol, establishment_sync, keys, signing
from app.sync.bundle import KIND_RETURN, RECORDS, Member, write_bundle
from app.sync.enrol import HQ_IDENTITY_FORMAT
from app.sync.return_checks import _check_reference, _check_reference_updates, _reference_overrides
from app.sync.status import coverage
from app.watch import entries_for_posts
from db import models as m
from db.types import utc_text


def make_reply(ctx: Context, actor: Actor, passphrase: str, code: str, out_dir: Path) -> Path:
    """HQ's signed return bundle for one post: the receipt (the highest sequence up to which
    everything arrived, and the missing ranges) and every revocation, encrypted to the post."""
    require(actor, "sync.reply")
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
            day = ctx.local(station.revoked_at)
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
        # Only the entries an analyst confirmed (app/watch.py): a candidate nobody stood behind stays at HQ.
        records.extend({"type": "watch", **entry} for entry in entries_for_posts(session, ctx.zone))
        # Every other station's establishments, and their inspections of the last days (app/inspections.py).
        records.extend(
            establishment_sync.return_records(
                session, station.id, ctx.clock(), ctx.settings.inspection_window_days
            )
        )
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
        identity = signing.sign(
            {
                "format": HQ_IDENTITY_FORMAT,
                "version": enrol.VERSION,
                "id": hq.id,
                "code": hq.code,
                "name": hq.name,
                "signing_public_key": signing.b64(hq.signing_public_key or b""),
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
    stamp = ctx.local(created).strftime("%Y%m%d-%H%M%S")  # the register's time, as people read it
    path = out_dir / f"{hq_code}-to-{station_code}-{stamp}-{short_id}.outpost"
    write_bundle(path, manifest, [Member(RECORDS, payload)], identity, signing_key, recipient)
    if reported:  # each refusal is told once, in a reply that was really written
        with ctx.sessions.writes.begin() as session:
            session.execute(
                update(m.SyncRejection).where(m.SyncRejection.id.in_(reported)).values(reported=True)
            )
    return path


MAX_REFERENCE_FILE = 16 * 1024**2  # a reference list is a few hundred entries


def set_reference_items(ctx: Context, actor: Actor, path: Path) -> int:
    """HQ: add or replace reference entries from a JSON file ``{"kind": ..., "items": [...]}``; they
    reach every post in its next return bundle. Returns how many entries were stored."""
    require(actor, "reference.manage")
    if ctx.kind != "hq":
        raise RegisterError("reference data updates are made at HQ and reach posts in return bundles")
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ValidationError([f"{path.name}: not a readable JSON file ({exc})"]) from None
    try:
        document = parse_json(text, MAX_REFERENCE_FILE)
    except JsonRefused as exc:
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
