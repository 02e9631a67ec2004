"""A post enrolled with HQ, and what the sync tests do with it: cases to send, exports, imports at
either end, return bundles, and bundle files rebuilt or re-signed to forge them.

The ``pair`` fixture (``fixtures``) is a ``Pair``; every helper takes one."""

from __future__ import annotations

import json
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from app.register import init_register
from app.sync import bundle, keys
from app.sync.bundle import MANIFEST, RECORDS, Member, write_bundle
from app.sync.enrol import accept_request, install_reply, make_request
from app.sync.export import export_changes
from app.sync.hq_import import import_bundles
from app.sync.replies import make_reply
from app.sync.returns import import_returns
from tests.helpers.cases import ICT, sample_case
from tests.helpers.registers import PASSWORD, Post, open_sqlite

PASSPHRASE = "mat-khau-khoa-1"


@dataclass
class Pair:
    post: Post
    hq: Post
    tmp: Path


def enrol_post(post: Post, hq: Post, tmp: Path, name: str = "") -> None:
    make_request(post.ctx, post.admin, PASSPHRASE, tmp / f"request{name}.json")
    accept_request(hq.ctx, hq.admin, PASSPHRASE, tmp / f"request{name}.json", tmp / f"reply{name}.json")
    install_reply(post.ctx, post.admin, PASSPHRASE, tmp / f"reply{name}.json")


def give_keys(post: Post, tmp: Path) -> None:
    """The post's station keys (under ``PASSPHRASE``), made as 'outpost enroll request' makes them, so
    that it signs its printed forms without being enrolled."""
    make_request(post.ctx, post.admin, PASSPHRASE, tmp / "request-keys.json")


def photo_file(folder: Path, index: int, size: int = 40_000) -> Path:
    path = folder / f"anh-{index}.jpg"
    path.write_bytes(random.Random(index).randbytes(size))
    return path


def add_cases(pair: Pair, count: int, photos: bool = True) -> list[str]:
    made = []
    folder = pair.tmp / "photos"
    folder.mkdir(exist_ok=True)
    for i in range(count):
        attachments = ()
        if photos:
            attachments = (
                pair.post.ctx.attachments.store_file(photo_file(folder, i), caption=f"Ảnh {i}"),
            )
        when = datetime(2026, 11, 1 + i % 20, 8, i % 60, tzinfo=ICT)
        made.append(
            pair.post.ctx.cases.create(
                pair.post.officer, sample_case(occurred_at=when, attachments=attachments)
            ).id
        )
    return made


SNAPSHOT_TABLES = (
    "cases",
    "goods_lines",
    "parties",
    "vehicles",
    "attachments",
    "documents",
    "case_history",
    "received_bundles",
    "stations",
    "tips",
    "campaigns",
    "handovers",
)
SNAPSHOT_SKIPPED = ("id", "received_at", "created_at", "updated_at", "replaced_at", "bundle_id", "set_id")


def register_snapshot(data_dir: Path) -> list[Any]:
    """What a register holds (less ids and the instants of this run), to compare before and after: its
    SQLite file, or HQ's PostgreSQL database that ``init hq --db-url`` recorded in ``data_dir``."""
    if (data_dir / "database.url").exists():
        return _database_snapshot((data_dir / "database.url").read_text().strip())
    conn = open_sqlite(data_dir / "register.sqlite")
    try:
        out: list[Any] = []
        for table in SNAPSHOT_TABLES:
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            keep = [c for c in columns if c not in SNAPSHOT_SKIPPED]
            out.append(sorted(conn.execute(f"SELECT {', '.join(keep)} FROM {table}").fetchall(), key=repr))
        return out
    finally:
        conn.close()


def _database_snapshot(url: str) -> list[Any]:
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            out: list[Any] = []
            for table in SNAPSHOT_TABLES:
                columns = [c["name"] for c in inspect(conn).get_columns(table)]
                keep = [c for c in columns if c not in SNAPSHOT_SKIPPED]
                rows = conn.execute(text(f"SELECT {', '.join(keep)} FROM {table}")).all()
                out.append(sorted((tuple(row) for row in rows), key=repr))
            return out
    finally:
        engine.dispose()


def export_parts(pair: Pair, out: str, size: int = 20 * 1024 * 1024) -> list[Path]:
    return list(export_changes(pair.post.ctx, pair.post.admin, PASSPHRASE, pair.tmp / out, size).files)


def import_at_hq(pair: Pair, files: list[Path], dry_run: bool = False) -> Any:
    return import_bundles(pair.hq.ctx, pair.hq.admin, PASSPHRASE, files, dry_run=dry_run)


def rewritten(source: Path, target: Path, change: Callable[[str, bytes], tuple[str, bytes] | None]) -> Path:
    """Copy a zip member by member through ``change`` (which may rename, alter or drop members)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            result = change(info.filename, old.read(info))
            if result is not None:
                new.writestr(result[0], result[1])
    return target


def resigned(
    pair: Pair,
    source: Path,
    target: Path,
    manifest_change: Callable[[dict[str, Any]], None] | None = None,
    records: list[dict[str, Any]] | None = None,
    signer: Any = None,
    recipient: str | None = None,
    payload: bytes | None = None,
) -> Path:
    """``source`` rebuilt with other contents (``records``, or the records' text ``payload``), signed
    with the post's own key (or ``signer``)."""
    with zipfile.ZipFile(source) as old:
        manifest = json.loads(old.read(MANIFEST))
        certificate = json.loads(old.read(bundle.CERTIFICATE))
    identity = keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE)
    opened = bundle.open_bundle(source, lambda c: bundle.certificate_key(c))
    if records is None:
        records = bundle.read_lines(opened, identity)
    if payload is None:
        payload = b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)
    manifest["counts"]["records"] = len(records)
    manifest.pop("members")
    if manifest_change:
        manifest_change(manifest)
    write_bundle(
        target,
        manifest,
        [Member(RECORDS, payload)],
        certificate,
        signer or keys.load_signing_key(pair.post.data_dir, PASSPHRASE),
        recipient or str(identity.to_public()),
    )
    return target


def assert_refused(pair: Pair, path: Path, reason: str) -> None:
    before = register_snapshot(pair.hq.data_dir)
    summary = import_at_hq(pair, [path])
    assert len(summary.rejected) == 1, summary.rejected
    assert reason in summary.rejected[0]["reason"], summary.rejected[0]["reason"]
    assert (summary.new, summary.updated) == (0, 0) and summary.applied == []
    assert register_snapshot(pair.hq.data_dir) == before


def hq_reply(pair: Pair, out: str = "back") -> Path:
    return make_reply(pair.hq.ctx, pair.hq.admin, PASSPHRASE, "BP-VX", pair.tmp / out)


def import_at_post(pair: Pair, files: list[Path]) -> Any:
    return import_returns(pair.post.ctx, pair.post.admin, PASSPHRASE, files)


def enrol_second_post(pair: Pair, tmp_path: Path) -> Post:
    """Another post, BP-TB, enrolled with the same HQ."""
    other = init_register(
        tmp_path / "p2",
        kind="post",
        code="BP-TB",
        name="Đồn Tịnh Biên",
        admin_username="admin",
        admin_password=PASSWORD,
    )
    other_post = Post(other, other.login("admin", PASSWORD), None, None, None, tmp_path / "p2")  # type: ignore[arg-type]
    enrol_post(other_post, pair.hq, tmp_path, "-tb")
    return other_post


def bundle_records(pair: Pair, path: Path) -> list[dict[str, Any]]:
    """The records of a post's bundle part, read with HQ's key (audit events included)."""
    identity = keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE)
    return bundle.read_lines(bundle.open_bundle(path, lambda c: bundle.certificate_key(c)), identity)


def change_records(pair: Pair, path: Path) -> int:
    """How many case and tip records a part holds (its audit events apart)."""
    return sum(1 for record in bundle_records(pair, path) if record["type"] != "audit")


def enrol_another_post(
    hq: Post, tmp_path: Path, code: str, name: str, clock: Callable[[], datetime] | None = None
) -> Post:
    """Another post ``code`` enrolled with the same HQ (its admin stands in for every role), for the
    tests that need several posts (who is late); its register on ``clock`` (HQ's when None)."""
    folder = tmp_path / code
    ctx = init_register(
        folder, kind="post", code=code, name=name, admin_username="admin", admin_password=PASSWORD,
        clock=clock or hq.ctx.clock,
    )
    admin = ctx.login("admin", PASSWORD)
    made = Post(ctx, admin, admin, admin, admin, folder)
    enrol_post(made, hq, tmp_path, f"-{code}")
    return made


def send_cases(post: Post, hq: Post, folder: Path, count: int, size: int = 20 * 1024 * 1024) -> list[Path]:
    """``count`` cases made at ``post`` (a photo each) and exported in parts of ``size`` for HQ; they
    happened in the hours before the post's clock."""
    photos = folder / "photos"
    photos.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        photo = post.ctx.attachments.store_file(photo_file(photos, i), caption=f"Ảnh {i}")
        hour = post.ctx.clock().astimezone(ICT).replace(minute=0, second=0, microsecond=0)
        occurred = hour - timedelta(hours=2 + i)  # on the hour: the same in every run of a test
        post.ctx.cases.create(post.officer, sample_case(attachments=(photo,), occurred_at=occurred))
    return list(export_changes(post.ctx, post.admin, PASSPHRASE, folder / "out", size).files)


def late_province(post: Post, hq: Post, tmp: Path, advance: Callable[[timedelta], None]) -> list[Path]:
    """Three posts at ``hq`` for the who-is-late tests, the registers' clock starting on 10/11/2026:
    BP-CD sends on 10/11 (before November's statistical month ends on the 14th), then, ``advance``d to
    25/11, ``post`` (BP-VX) sends everything and BP-TB all but its second part. A campaign at HQ covers
    November (the weekly report is due). Returns BP-TB's parts, the second one not imported."""
    from app.campaigns import add_campaign

    tb = enrol_another_post(hq, tmp, "BP-TB", "Đồn Tịnh Biên")
    cd = enrol_another_post(hq, tmp, "BP-CD", "Đồn Châu Đốc")
    add_campaign(hq.ctx, hq.admin, "Cao điểm tháng 11", date(2026, 11, 1), date(2026, 11, 30))
    import_bundles(hq.ctx, hq.admin, PASSPHRASE, send_cases(cd, hq, tmp / "cd", 2))
    advance(timedelta(days=15))
    import_bundles(hq.ctx, hq.admin, PASSPHRASE, send_cases(post, hq, tmp / "vx", 2))
    parts = send_cases(tb, hq, tmp / "tb", 9, size=100_000)
    assert len(parts) >= 3
    import_bundles(hq.ctx, hq.admin, PASSPHRASE, [parts[0], *parts[2:]])
    for made in (tb, cd):
        made.ctx.close()
    return parts
