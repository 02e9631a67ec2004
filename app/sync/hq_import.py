"""HQ's import of the posts' bundles of changes: verify every file, check every record, then apply
everything in one transaction (owner wins: a newer version replaces an older one, an equal or older
one is ignored, the replaced version is kept).

The steps live beside it: ``verify`` (files), ``checks`` (case records, with a helper process),
``tip_import`` (tips), ``store`` (writing cases). A post imports HQ's return bundles with
``returns.import_returns`` instead."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import collector
from app.activity_json import ActivityInput
from app.auth import require
from app.context import Context
from app.domain import Actor, CaseInput
from app.errors import RegisterError
from app.i18n import _
from app.sync import anchor, enrol, establishment_sync, keys, received
from app.sync.activity_import import activities_to_apply, check_activity_record, store_activities
from app.sync.bundle import AlreadyImported, BundleRefused, unexpected
from app.sync.checks import _case_ids, _check_cases, _Helper
from app.sync.handover_import import apply_handover, check_handover_record, handovers_to_apply
from app.sync.status import coverage, unfinished_sets
from app.sync.store import _apply_case, _EarlyCases, _insert_received_cases
from app.sync.summary import ImportSummary
from app.sync.tip_import import _apply_tip, _check_tip_record, _tips_to_apply
from app.sync.verify import _record_problem, _Verified, _verify
from db import models as m
from db.engine import enlarge_cache


def import_bundles(
    ctx: Context, actor: Actor, passphrase: str, paths: Sequence[Path], dry_run: bool = False
) -> ImportSummary:
    """HQ: verify every file, then every record, then apply everything in one transaction. A file or
    a record that fails a check is reported with its reason and nothing at all is applied."""
    require(actor, "sync.import")
    if ctx.kind != "hq":
        raise RegisterError("only HQ imports the posts' bundles; a post imports HQ's return bundles")
    identity = keys.load_encryption_identity(ctx.paths.data_dir, passphrase)
    enrol.check_folder_recipient(ctx, str(identity.to_public()))
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
        # An import makes hundreds of thousands of objects (records, rows), none of them in a cycle: the
        # collector would only walk them again and again, a tenth of the import's time.
        with collector.paused(), ctx.sessions.writes.begin() as session:
            enlarge_cache(session.connection(), IMPORT_CACHE_KIB)
            hq = session.get(m.Station, ctx.station_id)
            assert hq is not None
            return _import_verified(ctx, session, hq, identity, paths, dry_run, refused, ctx.clock(), helper)
    finally:
        helper.stop()


# The page cache of the import's connection on SQLite, in KiB, until it goes back to the pool (then
# ``CACHE_KIB`` again, ``db.engine.enlarge_cache``). Each new case goes into a dozen indexes at places
# all over them (ids, times, posts): once HQ's indexes outgrow the usual 64 MiB, nearly every insert
# reads and decrypts pages the cache had dropped, and each import was slower than the last (issue 18:
# the main process's CPU 7.0 s for the first post's 20 000 cases, 15.3 s for the tenth's; at 200 000
# cases 23.6 s with 64 MiB, 17.2 s with this, 14.3 s into an empty HQ; docs/performance.md). The
# cache grows only as pages are read.
IMPORT_CACHE_KIB = 1_048_576


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
    summary = ImportSummary(dry_run=dry_run)
    steps: list[_Verified | dict[str, str]] = []  # each file, verified or refused, in the order given
    seen_ids: dict[str, str] = {}  # bundle id → the station that sent it
    for path in paths:
        try:
            one = _verify(session, hq, identity, path, ctx.zone, helper.announce)
        except AlreadyImported as exc:
            summary.skipped.append({"file": path.name, "reason": exc.message})
            continue
        except BundleRefused as exc:
            steps.append({"file": path.name, "record": "", "reason": exc.message})
            continue
        except Exception as exc:  # no file from outside may stop the others (``bundle.unexpected``)
            steps.append({"file": path.name, "record": "", "reason": unexpected(path, exc).message})
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
    # The rows of each new case are made while it is checked (``received.new_case``), on either engine,
    # and written while the rest is still checked (the last ones just after, ``write_rest``).
    early = _EarlyCases(ctx, session, verified, now) if not dry_run else None
    try:
        checked = _check_cases(
            ctx,
            verified,
            now,
            lambda case_id: case_id not in stored,
            helper,
            early.write if early is not None else None,
        )
        if early is not None:
            early.write_rest(checked)  # on PostgreSQL by the writer thread, while the records are looked at
        read_activities = _look_at_records(ctx, steps, checked, now, summary, refused)
    finally:
        if early is not None:
            early.finish()  # every early write done (on PostgreSQL, by its own thread)
    if early is not None:
        early.let_go()  # the rows of what the writer thread wrote after the checks ended
    _check_anchors(session, verified, summary, refused)
    if summary.rejected:
        session.rollback()
        return summary
    # Newest version of each case across all files; parts may come in any order.
    newest: dict[str, tuple[dict[str, Any], m.Station, CaseInput | received.NewCase]] = {}
    newest_tips: dict[str, tuple[dict[str, Any], m.Station]] = {}
    newest_handovers: dict[str, tuple[dict[str, Any], m.Station]] = {}
    newest_activities: dict[str, tuple[dict[str, Any], ActivityInput, m.Station]] = {}
    for one in verified:
        for record in one.records:
            if record["type"] == "activity":
                document = record["activity"]
                known_activity = newest_activities.get(document["id"])
                if known_activity is None or document["version"] > known_activity[0]["version"]:
                    newest_activities[document["id"]] = (document, read_activities[id(record)], one.station)
                continue
            if record["type"] == "tip":
                tip = record["tip"]
                if tip["id"] not in newest_tips or tip["version"] > newest_tips[tip["id"]][0]["version"]:
                    newest_tips[tip["id"]] = (tip, one.station)
                continue
            if record["type"] == "handover":
                handover = record["handover"]
                known_handover = newest_handovers.get(handover["id"])
                if known_handover is None or handover["version"] > known_handover[0]["version"]:
                    newest_handovers[handover["id"]] = (handover, one.station)
                continue
            if record["type"] == establishment_sync.ESTABLISHMENT:
                continue  # ``establishment_sync.newest_of`` below
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
            summary.new += 1  # written early (``_EarlyCases``)
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
    # Before the cases and tips: an activity names the establishment it inspected.
    newest_establishments = establishment_sync.newest_of(verified)
    summary.establishments = establishment_sync.apply_at_hq(
        ctx, session, newest_establishments, summary, refused, now, dry_run
    )
    handovers = handovers_to_apply(session, newest_handovers, newest, summary, refused)
    incoming = {(station.id, d["number"]): case_id for case_id, (d, station, _c) in newest.items()}
    activities = activities_to_apply(session, newest_activities, incoming, summary, refused)
    if summary.rejected:
        session.rollback()
        return summary
    for one in verified:  # files first: the cases refer to them
        for sha256, content in one.files.items():
            if not ctx.attachments.has(sha256):
                summary.files += 1
                if not dry_run:
                    ctx.attachments.store_bytes(sha256, content)
    if not dry_run:
        new = [(d, station, data) for e, d, station, data in to_apply if e is None]
        assert all(isinstance(c, received.NewCase) for _d, _s, c in new)  # checked as new: its rows made
        _insert_received_cases(
            ctx, session, [(d, s, c) for d, s, c in new if isinstance(c, received.NewCase)], now
        )
        for existing, document, station, data in to_apply:
            if existing is not None:
                assert isinstance(data, CaseInput)  # asked for every case HQ has already
                _apply_case(ctx, session, existing, document, station, data, now)
        for tip, station in tips_to_apply:
            _apply_tip(ctx, session, tip, station, now)
        for handover, station in handovers:  # after the cases: each names one
            apply_handover(ctx, session, handover, station, now)
        store_activities(ctx, session, activities, now)
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


def _look_at_records(
    ctx: Context,
    steps: list[_Verified | dict[str, str]],
    checked: dict[int, received.Checked],
    now: datetime,
    summary: ImportSummary,
    refused: list[tuple[str, dict[str, str]]],
) -> dict[int, ActivityInput]:
    """Every record's last checks once the cases' are done (each refusal into ``summary`` and
    ``refused``, with the files refused whole), and the activities read, by ``id`` of the record. Reads
    no database: on PostgreSQL it runs while the writer thread still writes the last cases."""
    read_activities: dict[int, ActivityInput] = {}
    for step in steps:
        if not isinstance(step, _Verified):
            summary.rejected.append(step)
            continue
        for number, record in enumerate(step.records, start=1):
            if record.get("type") == "tip":
                reason = _check_tip_record(step, number, record)
            elif record.get("type") == "handover":
                reason = check_handover_record(step, number, record)
            elif record.get("type") == "activity":
                reason, activity = check_activity_record(ctx, step, number, record, now)
                if activity is not None:
                    read_activities[id(record)] = activity
            elif record.get("type") == establishment_sync.ESTABLISHMENT:
                reason = establishment_sync.check_at_hq(step, number, record)
            else:
                reason = _record_problem(ctx, step, number, record, checked[id(record)])
            if reason:
                entry = {"file": step.opened.path.name, "record": str(number), "reason": reason}
                summary.rejected.append(entry)
                refused.append((step.station.id, entry))
    return read_activities


def _check_anchors(
    session: Session,
    verified: list[_Verified],
    summary: ImportSummary,
    refused: list[tuple[str, dict[str, str]]],
) -> None:
    """Each part's audit events must continue the chain HQ holds for its post (app/sync/anchor.py);
    a part that rewrites or truncates it is refused, naming the post and the break."""
    book = anchor.AnchorBook(session)

    def position(one: _Verified) -> tuple[str, int, int]:
        manifest = one.opened.manifest
        return one.station.id, manifest["seq"]["first"], manifest["part"]["index"]

    order = sorted(verified, key=position)
    for one in order:
        manifest = one.opened.manifest
        first_part = manifest["part"]["index"] == 1
        problem = book.check(one.station, one.audit, first_part, manifest.get("created_at"))
        if problem is None:
            book.add(one.station, one.audit)
            continue
        entry = {
            "file": one.opened.path.name,
            "record": "audit",
            "reason": _("post {code}: {problem}; the part is refused").format(
                code=one.station.code, problem=problem
            ),
        }
        summary.rejected.append(entry)
        refused.append((one.station.id, entry))


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
