"""A post's export: every change HQ has not acknowledged, as signed, encrypted bundle parts.

Each part verifies and imports on its own at HQ (``hq_import``); the container is ``bundle``, the
format is in ``docs/bundle-format.md``."""

from __future__ import annotations

import json
import uuid
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth import require
from app.case_json import case_document
from app.case_query import WITH_CHILDREN
from app.context import Context
from app.domain import Actor
from app.errors import AppError, RegisterError, ValidationError
from app.formatting import format_int
from app.i18n import _, ngettext
from app.sync import anchor, establishment_sync, keys, signing
from app.sync.activity_import import activity_records
from app.sync.bundle import FILE_PREFIX, KIND_CHANGES, RECORDS, Member, write_bundle
from app.sync.enrol import _hq_of, _meta
from app.sync.handover_import import handover_document
from db import models as m
from db.files import fsync_folder
from db.types import utc_text

DEFAULT_PART_SIZE = 20 * 1024 * 1024


MIN_PART_SIZE = 64 * 1024


AGE_OVERHEAD = 512  # per encrypted member, a generous bound on age's header
AGE_CHUNK, AGE_TAG = 64 * 1024, 16  # age seals each 64 KiB of a member with a 16-byte tag


ZIP_OVERHEAD = 512  # per zip member: local header, central directory entry, its line in the manifest


def _sealed(size: int) -> int:
    """A bound on a member's size in the bundle once age has encrypted it."""
    return size + AGE_OVERHEAD + AGE_TAG * (size // AGE_CHUNK + 1) + ZIP_OVERHEAD


class _Gzip:
    """The gzip size of a part's records as they are added, compressed as ``write_bundle`` compresses
    them (level 6; deflate's output does not depend on how its input is cut).

    Why: a part's limit is on the file sent, and the records shrink about six times in it; counted
    uncompressed, parts came out a sixth of the size allowed and a chief sent six times the e-mails.
    Measuring exactly (a copy of the compressor, flushed) costs a copy of its state, so the size is
    bounded from the last measurement, every byte fed since counted as if it did not compress at all, and
    measured only when that bound comes near the limit: a few dozen times per part. (Estimated from the
    ratio at the last measurement instead, records that compress worse than the ones before them — long
    random text after short ones — went unmeasured, and a 64 KB part came out at 73 KB.)"""

    # Deflate's output is never larger than its input by more than a few bytes per 16 KiB block.
    WORST = 1.01

    HEADER = 18  # gzip's header and trailer

    def __init__(self) -> None:
        self._deflate = zlib.compressobj(6, zlib.DEFLATED, 31)
        self._emitted = 0  # bytes the compressor has handed out so far
        self._fed = 0  # uncompressed bytes fed
        self._measured = (0, 0)  # (fed, exact compressed size) at the last measurement
        self.size = self.HEADER

    def estimate(self, more: int) -> int:
        """At least the compressed size once ``more`` bytes are added."""
        fed, exact = self._measured
        return max(exact, self.HEADER) + int((self._fed - fed + more) * self.WORST) + 64

    def exact(self, data: bytes) -> int:
        """The compressed size if ``data`` were added now (``add`` takes it as the latest measurement)."""
        trial = self._deflate.copy()
        return self._emitted + len(trial.compress(data)) + len(trial.flush())

    def add(self, data: bytes, exact: int | None = None) -> None:
        self._emitted += len(self._deflate.compress(data))
        self._fed += len(data)
        if exact is not None:
            self._measured = (self._fed, exact)
        self.size = exact if exact is not None else self.estimate(0)



@dataclass(frozen=True)
class ExportResult:
    files: tuple[Path, ...]
    records: int
    attachments: int
    first_seq: int
    last_seq: int
    # How many of ``records`` are of each kind (case, tip, handover, activity, establishment): a post's
    # export carries more than cases, and saying "81 cases" of 62 cases and 19 hand-overs misleads.
    kinds: dict[str, int] = field(default_factory=dict)


def records_said(kinds: dict[str, int], number: Callable[[int], str] = format_int) -> str:
    """The records of an export, counted per kind in words: "62 cases, 10 hand-overs, 9 activities";
    ``number`` writes a count (the app's 1.004; the command line's 1,004)."""
    words = {
        "case": lambda n: ngettext("{count} case", "{count} cases", n),
        "tip": lambda n: ngettext("{count} tip-off", "{count} tip-offs", n),
        "handover": lambda n: ngettext("{count} hand-over", "{count} hand-overs", n),
        "activity": lambda n: ngettext("{count} activity", "{count} activities", n),
        establishment_sync.ESTABLISHMENT: lambda n: ngettext(
            "{count} establishment", "{count} establishments", n
        ),
    }
    said = [words[k](kinds[k]).format(count=number(kinds[k])) for k in words if kinds.get(k)]
    said += [f"{number(n)} {kind}" for kind, n in sorted(kinds.items()) if kind not in words and n]
    return ", ".join(said) or ngettext("{count} case", "{count} cases", 0).format(count=0)


@dataclass
class _Part:
    records: list[bytes] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    size: int = 0  # of its files, sealed
    last_seq: int = 0
    cases: set[str] = field(default_factory=set)  # ids of the cases it carries
    text: _Gzip = field(default_factory=_Gzip)  # its records, compressed


_Line = tuple[bytes, dict[str, Path], str | None]  # a record's line, the files it needs, its case id


def _with_companion(
    part: _Part, main: _Line, linked: list[str], companion: Callable[[str], _Line]
) -> list[_Line]:
    """A record's lines in ``part``: a tip (or an activity) is preceded by a copy of each case it refers
    to that travels in this export, unless the part has it."""
    return [companion(case_id) for case_id in linked if case_id not in part.cases] + [main]


def _files_size(part: _Part, lines: list[_Line]) -> int:
    """What the files of ``lines`` add to ``part`` (a file already in it travels once)."""
    new = {sha: path for _line, files, _case in lines for sha, path in files.items() if sha not in part.files}
    return sum(_sealed(path.stat().st_size) for path in new.values())


def _fits(part: _Part, lines: list[_Line], limit: int) -> tuple[bool, int | None]:
    """Whether ``lines`` still fit in ``part`` under ``limit``; the records' exact compressed size with
    them when it was measured."""
    text = b"".join(line for line, _files, _case in lines)
    files = part.size + _files_size(part, lines)
    if files + part.text.estimate(len(text)) <= limit:
        return True, None
    exact = part.text.exact(text)
    return files + exact <= limit, exact


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
        "informant_sealed": signing.b64(tip.informant_sealed) if tip.informant_sealed else None,
        "created_by": tip.created_by,
        "created_at": utc_text(tip.created_at),
        "version": tip.version,
        # Followed through (0015): where the tip stands, what came of it, who checks it.
        "status": tip.status,
        "result": tip.result,
        "assigned_to": tip.assigned_to,
        "updated_at": utc_text(tip.updated_at) if tip.updated_at else None,
        "acted_at": utc_text(tip.acted_at) if tip.acted_at else None,
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
                    m.ChangeLog.entity.in_(
                        ("case", "tip", "handover", "activity", establishment_sync.ESTABLISHMENT)
                    ),
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
        order = sorted(latest, key=lambda key: (latest[key], key[0] != "case"))
        # The post's audit events ride at the end of the first part (app/sync/anchor.py): room for them
        # is kept there from the start.
        events = anchor.events_to_send(session, acknowledged)
        audit_lines = [
            json.dumps({"type": "audit", "event": event}, sort_keys=True).encode() + b"\n" for event in events
        ]
        parts: list[_Part] = [_Part()]
        # Counted first though written last: a part's compressed size hardly depends on the order.
        parts[0].text.add(b"".join(audit_lines), parts[0].text.exact(b"".join(audit_lines)))
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
                a.sha256: ctx.attachments.path(a.sha256)
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
            handovers = {
                row.id: row
                for row in session.execute(
                    select(m.Handover).where(m.Handover.id.in_([i for e, i in chunk if e == "handover"]))
                ).scalars()
            }
            activities = activity_records(session, [i for e, i in chunk if e == "activity"])
            establishments = establishment_sync.load(
                session, [i for e, i in chunk if e == establishment_sync.ESTABLISHMENT]
            )
            wanted = [i for e, i in chunk if e == "case"]
            wanted += [t.case_id for t in tips.values() if t.case_id and ("case", t.case_id) in latest]
            wanted += [h.case_id for h in handovers.values() if ("case", h.case_id) in latest]
            wanted += [c for _doc, ids in activities.values() for c in ids if ("case", c) in latest]
            by_id.clear()
            by_id.update(_cases_with_children(session, wanted))
            for key in chunk:
                entity, entity_id = key
                linked: list[str] = []  # the cases a tip or an activity refers to that travel in this export
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
                        linked = [tip.case_id]
                elif entity == "handover":  # as a tip: after its case, with a copy when that is elsewhere
                    handover = handovers[entity_id]
                    record = {
                        "type": "handover",
                        "seq": latest[key],
                        "origin": ctx.station_id,
                        "handover": handover_document(handover),
                    }
                    main = (json.dumps(record, ensure_ascii=False, sort_keys=True).encode() + b"\n", {}, None)
                    if ("case", handover.case_id) in latest:
                        linked = [handover.case_id]
                elif entity == "activity":
                    document, case_ids = activities[entity_id]
                    record = {
                        "type": "activity",
                        "seq": latest[key],
                        "origin": ctx.station_id,
                        "activity": document,
                    }
                    main = (json.dumps(record, ensure_ascii=False, sort_keys=True).encode() + b"\n", {}, None)
                    linked = [c for c in case_ids if ("case", c) in latest]
                elif entity == establishment_sync.ESTABLISHMENT:
                    row = establishments[entity_id]
                    main = (establishment_sync.export_line(row, latest[key], ctx.station_id), {}, None)
                else:
                    main = (*case_record(by_id[entity_id], companion=False), entity_id)
                part = parts[-1]
                lines = _with_companion(part, main, linked, companion)
                fits, exact = _fits(part, lines, max_part_size - 4096)  # room for the manifest and zip
                if part.records and not fits:
                    parts.append(_Part())
                    part = parts[-1]
                    lines = _with_companion(part, main, linked, companion)
                    exact = None
                part.size += _files_size(part, lines)
                part.text.add(b"".join(line for line, _files, _case in lines), exact)
                for line, files, case_id in lines:
                    part.records.append(line)
                    if case_id:
                        part.cases.add(case_id)
                    for sha256, path in files.items():
                        if sha256 not in part.files:
                            part.files[sha256] = path
                            attachments += 1
                part.last_seq = latest[key]
    signing_key = keys.load_signing_key(ctx.paths.data_dir, passphrase)  # a wrong passphrase stops here
    if not order:
        return ExportResult((), 0, 0, acknowledged + 1, last_seq)
    parts[-1].last_seq = max(parts[-1].last_seq, last_seq)  # the range covers every change made
    parts[0].records += audit_lines
    set_id, created = str(uuid.uuid4()), utc_text(ctx.clock())
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, Path]] = []  # (hidden name, final name) of each part
    first = acknowledged + 1
    for index, part in enumerate(parts, start=1):
        members = [Member(RECORDS, b"".join(part.records))]
        for sha256 in sorted(part.files):
            try:
                members.append(Member(f"{FILE_PREFIX}{sha256}.age", ctx.attachments.read_bytes(sha256)))
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
        anchor.note_sent(session, acknowledged, parts[-1].last_seq, events)
        for part in parts:
            for sha256 in part.files:
                sent = session.get(m.SentFile, sha256)
                if sent is None:
                    session.add(m.SentFile(sha256=sha256, last_seq=part.last_seq, acknowledged=False))
                elif not sent.acknowledged:
                    sent.last_seq = max(sent.last_seq, part.last_seq)
    finals = tuple(final for _hidden, final in written)
    kinds = dict(Counter(entity for entity, _id in order))
    return ExportResult(finals, len(order), attachments, acknowledged + 1, parts[-1].last_seq, kinds)
