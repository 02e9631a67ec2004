"""Export at a post and import at HQ through real bundle files: parts, any order, owner-wins
versions, replays, and hostile files that must be refused without changing anything."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from app import bundle, keys
from app.attachments import store_file
from app.bundle import MANIFEST, RECORDS, Member, write_bundle
from app.enrol import accept_request, install_reply, make_request, revoke
from app.errors import ValidationError
from app.register import init_register, open_register
from app.sync import export_changes, import_bundles
from tests.conftest import ICT, PASSWORD, Inbox, Post, sample_case

PASSPHRASE = "mat-khau-khoa-1"


@dataclass
class Pair:
    post: Post
    hq: Post
    tmp: Path


def _hq(data_dir: Path, code: str = "BCH-AG") -> Post:
    ctx = init_register(
        data_dir,
        kind="hq",
        code=code,
        name=f"Bộ Chỉ huy {code}",
        admin_username="admin",
        admin_password=PASSWORD,
    )
    admin = ctx.login("admin", PASSWORD)
    return Post(ctx, admin, admin, admin, admin, data_dir)


def _enrol(post: Post, hq: Post, tmp: Path, name: str = "") -> None:
    make_request(post.ctx, post.admin, PASSPHRASE, tmp / f"request{name}.json")
    accept_request(hq.ctx, hq.admin, PASSPHRASE, tmp / f"request{name}.json", tmp / f"reply{name}.json")
    install_reply(post.ctx, post.admin, PASSPHRASE, tmp / f"reply{name}.json")


@pytest.fixture
def pair(post: Post, tmp_path: Path) -> Iterator[Pair]:
    hq = _hq(tmp_path / "hq")
    _enrol(post, hq, tmp_path)
    yield Pair(post, hq, tmp_path)
    hq.ctx.close()


def _photo(folder: Path, index: int, size: int = 40_000) -> Path:
    path = folder / f"anh-{index}.jpg"
    path.write_bytes(random.Random(index).randbytes(size))
    return path


def _cases(pair: Pair, count: int, photos: bool = True) -> list[str]:
    made = []
    folder = pair.tmp / "photos"
    folder.mkdir(exist_ok=True)
    for i in range(count):
        attachments = ()
        if photos:
            attachments = (
                store_file(pair.post.ctx.paths.attachments, _photo(folder, i), caption=f"Ảnh {i}"),
            )
        when = datetime(2026, 11, 1 + i % 20, 8, i % 60, tzinfo=ICT)
        made.append(
            pair.post.ctx.cases.create(
                pair.post.officer, sample_case(occurred_at=when, attachments=attachments)
            ).id
        )
    return made


def _snapshot(data_dir: Path) -> list[Any]:
    conn = sqlite3.connect(data_dir / "register.sqlite")
    try:
        tables = (
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
        )
        out: list[Any] = []
        for table in tables:
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            keep = [
                c
                for c in columns
                if c
                not in ("id", "received_at", "created_at", "updated_at", "replaced_at", "bundle_id", "set_id")
            ]
            out.append(sorted(conn.execute(f"SELECT {', '.join(keep)} FROM {table}").fetchall(), key=repr))
        return out
    finally:
        conn.close()


def _export(pair: Pair, out: str, size: int = 20 * 1024 * 1024) -> list[Path]:
    return list(export_changes(pair.post.ctx, pair.post.admin, PASSPHRASE, pair.tmp / out, size).files)


def _import(pair: Pair, files: list[Path], dry_run: bool = False) -> Any:
    return import_bundles(pair.hq.ctx, pair.hq.admin, PASSPHRASE, files, dry_run=dry_run)


def test_parts_in_any_order_give_every_case_and_photo(pair: Pair) -> None:
    made = _cases(pair, 12)
    files = _export(pair, "out", size=150_000)  # ~3 cases with their photo per part
    assert len(files) >= 4
    assert all(f.stat().st_size <= 150_000 for f in files)
    assert not list((pair.tmp / "out").glob(".*"))  # no temporary file left behind
    shuffled = files[:]
    random.Random(3).shuffle(shuffled)
    summary = _import(pair, shuffled)
    assert summary.rejected == [] and (summary.new, summary.updated, summary.unchanged) == (12, 0, 0)
    assert summary.files == 12 and summary.missing == {"BP-VX": []}
    assert set(made) == {r.id for r in pair.hq.ctx.cases.list(pair.hq.admin, limit=100)}
    # Photos arrived intact, content-addressed.
    document = pair.hq.ctx.cases.get(pair.hq.admin, made[0]).document
    sha256 = document["attachments"][0]["sha256"]
    stored = pair.hq.ctx.paths.attachments / sha256[:2] / sha256
    assert stored.read_bytes() == _photo(pair.tmp, 0).read_bytes()
    assert pair.hq.ctx.cases.list(pair.hq.admin, limit=1)[0].number.startswith("BP-VX/2026/")


def test_reverse_order_matches_forward_order(pair: Pair, tmp_path: Path) -> None:
    _cases(pair, 6)
    files = _export(pair, "out", size=100_000)
    # A second HQ register that trusts the same certificates: a copy of the first before any import.
    pair.hq.ctx.close()
    shutil.copytree(pair.hq.data_dir, tmp_path / "hq-b")
    pair.hq.ctx = open_register(pair.hq.data_dir)
    reverse = open_register(tmp_path / "hq-b")
    try:
        assert _import(pair, files).rejected == []
        admin = reverse.login("admin", PASSWORD)
        assert import_bundles(reverse, admin, PASSPHRASE, files[::-1]).rejected == []
    finally:
        reverse.close()
    assert _snapshot(pair.hq.data_dir) == _snapshot(tmp_path / "hq-b")


def test_newer_versions_replace_older_ones_and_history_is_kept(pair: Pair) -> None:
    first, second = _cases(pair, 2, photos=False)
    assert _import(pair, _export(pair, "one")).new == 2
    case = pair.post.ctx.cases.get(pair.post.officer, first)
    changed = replace(sample_case(occurred_at=datetime(2026, 11, 1, 8, 0, tzinfo=ICT)), place="Bến đò mới")
    pair.post.ctx.cases.update(pair.post.officer, first, changed, case.version)
    pair.post.ctx.cases.create(pair.post.officer, sample_case())
    summary = _import(pair, _export(pair, "two"))  # nothing acknowledged yet: everything is sent again
    assert (summary.new, summary.updated, summary.unchanged) == (1, 1, 1)
    assert pair.hq.ctx.cases.get(pair.hq.admin, first).document["place"] == "Bến đò mới"
    conn = sqlite3.connect(pair.hq.data_dir / "register.sqlite")
    history = conn.execute("SELECT case_id, version FROM case_history").fetchall()
    conn.close()
    assert history == [(first, 1)]
    assert pair.hq.ctx.cases.get(pair.hq.admin, second).document["version"] == 1


def test_a_replay_and_a_dry_run_change_nothing(pair: Pair) -> None:
    _cases(pair, 3, photos=False)
    files = _export(pair, "out")
    before = _snapshot(pair.hq.data_dir)
    dry = _import(pair, files, dry_run=True)
    assert (dry.new, dry.rejected) == (3, []) and _snapshot(pair.hq.data_dir) == before
    assert _import(pair, files).new == 3
    after = _snapshot(pair.hq.data_dir)
    replay = _import(pair, files)
    assert (replay.rejected, replay.applied, replay.new) == ([], [], 0)
    assert [r["reason"].split(" on ")[0] for r in replay.skipped] == [
        f"{files[0].name}: this bundle was imported already"
    ]
    assert _snapshot(pair.hq.data_dir) == after


def test_a_file_imported_before_does_not_hold_back_a_new_one(pair: Pair) -> None:
    """A reused USB stick: last week's part beside this week's (and one file given twice)."""
    _cases(pair, 2, photos=False)
    old = _export(pair, "week1")
    assert _import(pair, old).new == 2
    _cases(pair, 3, photos=False)
    new = _export(pair, "week2")
    summary = _import(pair, [*old, *new, new[0]])
    assert summary.rejected == [] and summary.new == 3
    assert summary.applied == [path.name for path in new]
    assert [item["file"] for item in summary.skipped] == [old[0].name, new[0].name]
    assert "given twice" in summary.skipped[1]["reason"]


def test_a_disk_that_fills_up_during_an_export_leaves_no_part_behind(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from app import bundle as module
    from app.errors import AppError

    _cases(pair, 9)
    real, calls = module.write_atomically, [0]

    def fills_up(path: Path, data: bytes, **kwargs: Any) -> None:
        calls[0] += 1
        if calls[0] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data, **kwargs)

    earlier = {path.name: path.read_bytes() for path in _export(pair, "out", size=100_000)}
    calls[0] = 0  # the same changes again (no receipt yet), onto the same stick: the same names
    monkeypatch.setattr(module, "write_atomically", fills_up)
    with pytest.raises(
        AppError,
        match=r"could not write BP-VX-\d{8}-\d{8}-part3of\d+\.outpost in .*out: "
        r"No space left on device\. Nothing was exported",
    ):
        _export(pair, "out", size=100_000)
    # The earlier export on the stick is whole, as it was; nothing of the failed one is left.
    assert {path.name: path.read_bytes() for path in (pair.tmp / "out").iterdir()} == earlier
    monkeypatch.setattr(module, "write_atomically", real)
    files = _export(pair, "out", size=100_000)  # nothing was marked as sent: the next export holds it all
    assert _import(pair, files).new == 9


def test_a_missing_part_is_reported_as_a_sequence_range(pair: Pair) -> None:
    _cases(pair, 9)
    files = _export(pair, "out", size=100_000)
    assert len(files) >= 3
    summary = _import(pair, [files[0], files[2]])
    assert summary.rejected == []
    assert [(b["file"], b["station"], b["part"], b["parts"]) for b in summary.bundles] == [
        (files[0].name, "BP-VX", 1, len(files)),
        (files[2].name, "BP-VX", 3, len(files)),
    ]
    first, last = files[1].name.split("-")[2:4]
    assert summary.missing == {"BP-VX": [[int(first), int(last)]]}
    # A missing last part leaves no gap in the ranges: the set's part count tells it.
    count = len(files)
    assert [s["missing"] for s in summary.missing_parts["BP-VX"]] == [[2, *range(4, count + 1)]]
    dry = _import(pair, files[1:-1], dry_run=True)  # what importing them would leave missing
    assert dry.missing == {"BP-VX": []} and dry.missing_parts["BP-VX"][0]["missing"] == [count]
    done = _import(pair, files[1:])
    assert (done.missing, done.missing_parts) == ({"BP-VX": []}, {"BP-VX": []})


def test_a_later_sending_replaces_an_earlier_one_that_never_arrived_whole(pair: Pair) -> None:
    _cases(pair, 9)
    earlier = _export(pair, "monday", size=100_000)
    assert len(earlier) >= 3
    first = _import(pair, earlier[:1])
    assert first.missing_parts["BP-VX"][0]["missing"] == list(range(2, len(earlier) + 1))
    later = _export(pair, "tuesday", size=100_000)  # no receipt in between: it holds everything again
    done = _import(pair, later)
    assert (done.missing, done.missing_parts) == ({"BP-VX": []}, {"BP-VX": []})


# ----- hostile files -----------------------------------------------------------------------------


def _rewrite(source: Path, target: Path, change: Callable[[str, bytes], tuple[str, bytes] | None]) -> Path:
    """Copy a zip member by member through ``change`` (which may rename, alter or drop members)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            result = change(info.filename, old.read(info))
            if result is not None:
                new.writestr(result[0], result[1])
    return target


def _resigned(
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


def _refused(pair: Pair, path: Path, reason: str) -> None:
    before = _snapshot(pair.hq.data_dir)
    summary = _import(pair, [path])
    assert len(summary.rejected) == 1, summary.rejected
    assert reason in summary.rejected[0]["reason"], summary.rejected[0]["reason"]
    assert (summary.new, summary.updated) == (0, 0) and summary.applied == []
    assert _snapshot(pair.hq.data_dir) == before


def test_any_flipped_byte_in_any_member_is_refused(pair: Pair) -> None:
    _cases(pair, 1)
    good = _export(pair, "out")[0]
    with zipfile.ZipFile(good) as archive:
        names = archive.namelist()
    for name in names:

        def flip(member: str, data: bytes, name: str = name) -> tuple[str, bytes]:
            if member != name:
                return member, data
            at = len(data) // 2
            return member, data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]

        _refused(pair, _rewrite(good, pair.tmp / f"flip-{name.replace('/', '_')}.outpost", flip), "")
    assert _import(pair, [good]).new == 1  # the original still imports


def test_structural_attacks_are_refused(pair: Pair) -> None:
    _cases(pair, 1)
    good = _export(pair, "out")[0]
    tmp = pair.tmp
    truncated = tmp / "truncated.outpost"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _refused(pair, truncated, "not a bundle or truncated (not a readable zip file)")
    _refused(pair, tmp, "is a folder, not a bundle file")
    _refused(
        pair,
        _rewrite(good, tmp / "removed.outpost", lambda n, d: None if n == RECORDS else (n, d)),
        f"{RECORDS!r} is missing",
    )
    # A member added to a signed bundle is not in the manifest.
    added = tmp / "extra.outpost"
    shutil.copy(good, added)
    with zipfile.ZipFile(added, "a") as archive:
        archive.writestr("files/" + "0" * 64 + ".age", b"x")
    _refused(pair, added, "is not in the manifest")
    for name, reason in (
        ("../evil.txt", "outside the bundle"),
        ("/etc/passwd", "absolute"),
        ("C:/evil.txt", "absolute"),
        ("notes.txt", "not part of the bundle format"),
    ):
        path = tmp / f"path-{abs(hash(name))}.outpost"
        shutil.copy(good, path)
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr(name, b"x")
        _refused(pair, path, reason)
    duplicate = tmp / "duplicate.outpost"
    shutil.copy(good, duplicate)
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(duplicate, "a") as archive:
        archive.writestr(RECORDS, b"other")
    _refused(pair, duplicate, "appears twice")
    link = tmp / "symlink.outpost"
    shutil.copy(good, link)
    with zipfile.ZipFile(link, "a") as archive:
        info = zipfile.ZipInfo("files/" + "1" * 64 + ".age")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    _refused(pair, link, "symbolic link")
    locked = tmp / "locked.outpost"
    data = bytearray(good.read_bytes())
    entry = data.index(b"PK\x01\x02")  # the first entry of the central directory
    data[entry + 8] |= 0x1  # its flags: "encrypted with a password"
    locked.write_bytes(bytes(data))
    _refused(pair, locked, "encrypted with a zip password")
    bomb = tmp / "bomb.outpost"
    shutil.copy(good, bomb)
    with zipfile.ZipFile(bomb, "a") as archive:
        archive.writestr("files/" + "2" * 64 + ".age", b"\0" * 5_000_000, zipfile.ZIP_DEFLATED)
    _refused(pair, bomb, "zip bomb")
    swapped = _export_other_part(pair)
    mixed = _rewrite(good, tmp / "swapped.outpost", lambda n, d: (n, swapped) if n == RECORDS else (n, d))
    _refused(pair, mixed, "does not match its hash")
    not_zip = tmp / "photo.outpost"
    not_zip.write_bytes(b"\xff\xd8\xff\xe0 a jpeg")
    _refused(pair, not_zip, "not a bundle")


def _export_other_part(pair: Pair) -> bytes:
    pair.post.ctx.cases.create(pair.post.officer, sample_case())
    other = _export(pair, "other")[0]
    with zipfile.ZipFile(other) as archive:
        return archive.read(RECORDS)


def test_trust_failures_are_refused(pair: Pair, tmp_path: Path) -> None:
    _cases(pair, 1, photos=False)
    good = _export(pair, "out")[0]
    tmp = pair.tmp
    # Re-signed by another station's key (its own certificate left in place).
    stranger = Post(
        init_register(
            tmp / "p2",
            kind="post",
            code="BP-TB",
            name="Đồn khác",
            admin_username="admin",
            admin_password=PASSWORD,
        ),
        None,
        None,
        None,
        None,
        tmp / "p2",
    )  # type: ignore[arg-type]
    keys.create_signing_key(tmp / "p2", PASSPHRASE)
    _refused(
        pair,
        _resigned(pair, good, tmp / "resigned.outpost", signer=keys.load_signing_key(tmp / "p2", PASSPHRASE)),
        "signature does not match",
    )
    stranger.ctx.close()
    # A post enrolled with another HQ: its certificate was not issued here.
    other_hq = _hq(tmp / "hq-other", code="BCH-KG")
    other_post_ctx = init_register(
        tmp / "p3", kind="post", code="BP-KG", name="Đồn KG", admin_username="admin", admin_password=PASSWORD
    )
    other_post = Post(other_post_ctx, other_post_ctx.login("admin", PASSWORD), None, None, None, tmp / "p3")  # type: ignore[arg-type]
    other_post.officer = other_post.admin
    _enrol(other_post, other_hq, tmp, "-kg")
    other_post.ctx.cases.create(other_post.admin, sample_case())
    foreign = export_changes(other_post.ctx, other_post.admin, PASSPHRASE, tmp / "kg").files[0]
    _refused(pair, foreign, "not issued by this HQ")
    other_post.ctx.close()
    other_hq.ctx.close()
    # Addressed to another HQ (signed by the right post, re-addressed).
    _refused(
        pair,
        _resigned(
            pair,
            good,
            tmp / "readdressed.outpost",
            manifest_change=lambda m: m["recipient"].update(station_id="another-hq", code="BCH-X"),
        ),
        "addressed to BCH-X",
    )
    # Encrypted to someone else: cannot be read here.
    import pyrage

    _refused(
        pair,
        _resigned(
            pair,
            good,
            tmp / "other-key.outpost",
            recipient=str(pyrage.x25519.Identity.generate().to_public()),
        ),
        "cannot be decrypted",
    )
    # A future format version.
    future = _resigned(pair, good, tmp / "future.outpost", manifest_change=lambda m: m.update(version=2))
    _refused(pair, future, "version 2")
    # Records that lie.
    opened = bundle.open_bundle(good, bundle.certificate_key)
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    foreign_owner = [{**records[0], "origin": "someone-else"}]
    _refused(pair, _resigned(pair, good, tmp / "owner.outpost", records=foreign_owner), "another station")
    bad_case = [{**records[0], "document": {**records[0]["document"], "occurred_at": "yesterday"}}]
    _refused(pair, _resigned(pair, good, tmp / "schema.outpost", records=bad_case), "record 1")
    # Malformed JSON lines inside a correctly signed and encrypted payload.
    identity = keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE)
    with zipfile.ZipFile(good) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        certificate = json.loads(archive.read(bundle.CERTIFICATE))
    manifest.pop("members")
    write_bundle(
        tmp / "garbage.outpost",
        manifest,
        [Member(RECORDS, b"{not json\n")],
        certificate,
        keys.load_signing_key(pair.post.data_dir, PASSPHRASE),
        str(identity.to_public()),
    )
    _refused(pair, tmp / "garbage.outpost", "not valid JSON")
    # A compressed payload that would expand past the limit.
    from app import bundle as container

    limit = container.MAX_RECORDS_TEXT
    container.MAX_RECORDS_TEXT = 100
    try:
        _refused(pair, good, "expands beyond the limit")
    finally:
        container.MAX_RECORDS_TEXT = limit
    # A revoked station's bundle.
    revoke(pair.hq.ctx, pair.hq.admin, "BP-VX")
    _refused(pair, good, "was revoked")


# ----- return bundles ----------------------------------------------------------------------------


def _reply(pair: Pair, out: str = "back") -> Path:
    from app.sync import make_reply

    return make_reply(pair.hq.ctx, pair.hq.admin, PASSPHRASE, "BP-VX", pair.tmp / out)


def _post_import(pair: Pair, files: list[Path]) -> Any:
    return import_bundles(pair.post.ctx, pair.post.admin, PASSPHRASE, files)


def test_after_the_receipt_the_next_export_holds_only_what_is_new(pair: Pair) -> None:
    first_cases = _cases(pair, 5)
    first = _export(pair, "one", size=100_000)
    assert _import(pair, first).new == 5
    back = _post_import(pair, [_reply(pair)])
    assert back.rejected == [] and back.acknowledged_seq == 5
    # Nothing new: nothing to send.
    assert _export(pair, "empty") == []
    # Two new cases, one with a new photo and one reusing a photo HQ already has.
    folder = pair.tmp / "photos"
    reused = pair.post.ctx.cases.get(pair.post.officer, first_cases[0]).document["attachments"][0]
    new_photo = store_file(pair.post.ctx.paths.attachments, _photo(folder, 99), caption="mới")
    from app.domain import AttachmentInput

    old_photo = AttachmentInput(reused["sha256"], reused["filename"], reused["mime"], reused["size"])
    pair.post.ctx.cases.create(pair.post.officer, sample_case(attachments=(new_photo,)))
    pair.post.ctx.cases.create(pair.post.officer, sample_case(attachments=(old_photo,)))
    second = _export(pair, "two")
    with zipfile.ZipFile(second[0]) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    assert manifest["seq"] == {"first": 6, "last": 7} and manifest["counts"] == {"records": 2, "files": 1}
    summary = _import(pair, second)
    assert (summary.new, summary.updated, summary.unchanged, summary.rejected) == (2, 0, 0, [])
    assert summary.missing == {"BP-VX": []}
    assert _post_import(pair, [_reply(pair, "back2")]).acknowledged_seq == 7


def _second_post(pair: Pair, tmp_path: Path) -> Post:
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
    _enrol(other_post, pair.hq, tmp_path, "-tb")
    return other_post


def test_return_bundles_carry_revocations_and_refuse_replays_and_strangers(
    pair: Pair, tmp_path: Path
) -> None:
    _cases(pair, 1, photos=False)
    _import(pair, _export(pair, "one"))
    other_post = _second_post(pair, tmp_path)
    other = other_post.ctx
    from app.sync import make_reply

    for_other = make_reply(pair.hq.ctx, pair.hq.admin, PASSPHRASE, "BP-TB", tmp_path / "tb")
    revoke(pair.hq.ctx, pair.hq.admin, "BP-TB")
    with pytest.raises(ValidationError, match="BP-TB was revoked on .*; HQ sends it nothing"):
        make_reply(pair.hq.ctx, pair.hq.admin, PASSPHRASE, "BP-TB", tmp_path / "tb2")
    assert not (tmp_path / "tb2").exists() or not any((tmp_path / "tb2").iterdir())
    reply = _reply(pair)
    done = _post_import(pair, [reply])
    assert (done.acknowledged_seq, done.revocations, done.rejected) == (1, 1, [])
    conn = sqlite3.connect(pair.post.data_dir / "register.sqlite")
    assert conn.execute("SELECT revoked_at IS NOT NULL FROM stations WHERE code = 'BP-TB'").fetchone() == (1,)
    conn.close()
    replay = _post_import(pair, [reply])
    assert (replay.rejected, replay.applied) == ([], [])
    assert "imported already" in replay.skipped[0]["reason"]
    newer = _reply(pair, "back2")  # beside the old one on the stick: the old one is skipped
    both = _post_import(pair, [reply, newer, newer])
    assert reply.name != newer.name and (both.rejected, both.applied) == ([], [newer.name])
    assert [item["file"] for item in both.skipped] == [reply.name, newer.name]
    # A reply written for another post cannot be used here.
    assert "addressed to BP-TB" in _post_import(pair, [for_other]).rejected[0]["reason"]
    # A post's change bundle is not a return bundle.
    pair.post.ctx.cases.create(pair.post.officer, sample_case())
    changes = _export(pair, "again")
    assert _post_import(pair, changes).rejected[0]["reason"] == (
        f"{changes[0].name}: a post's bundle of changes for HQ; a post imports only HQ's return bundles"
    )
    # ... nor, at HQ, is a return bundle a bundle of changes.
    assert _import(pair, [reply]).rejected[0]["reason"] == (
        f"{reply.name}: a return bundle from HQ to a post; import it at the post"
    )
    other.close()
    from app import audit

    for ctx in (pair.post.ctx, pair.hq.ctx):  # the stations revoked on both sides are sealed
        with ctx.sessions.reads() as session:
            report = audit.verify(session.connection())
        assert report.ok, report.problems


def test_the_whole_round_with_a_thousand_demo_cases(pair: Pair, smtp: tuple[Inbox, int]) -> None:
    """Enrolled post → export of 1 000 demo cases in parts → e-mail → HQ imports the attachments in
    shuffled order → return bundle → the next export holds only the new cases."""
    from app.demo import generate_demo
    from app.mail import deliver
    from app.sync import make_reply

    inbox, port = smtp
    generate_demo(pair.post.ctx, pair.post.admin, cases=1000, seed=7)
    pair.post.ctx.settings = replace(
        pair.post.ctx.settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        mail_from="bp-vx@example.vn",
        mail_to="bch@example.vn",
    )
    parts = export_changes(pair.post.ctx, pair.post.admin, PASSPHRASE, pair.tmp / "usb", 64 * 1024)
    assert parts.records == 1000 and len(parts.files) >= 3
    assert deliver(pair.post.ctx, parts.files).sent == parts.files
    received = pair.tmp / "inbox"
    received.mkdir()
    attachments = []
    for message in inbox.messages:
        for part in message.walk():
            if part.get_filename():
                path = received / part.get_filename()
                path.write_bytes(part.get_payload(decode=True))
                attachments.append(path)
    random.Random(11).shuffle(attachments)
    summary = _import(pair, attachments)
    assert (summary.new, summary.updated, summary.unchanged, summary.rejected) == (1000, 0, 0, [])
    assert summary.missing == {"BP-VX": []}
    assert pair.hq.ctx.cases.count(pair.hq.admin) == 1000
    back = _post_import(
        pair, [make_reply(pair.hq.ctx, pair.hq.admin, PASSPHRASE, "BP-VX", pair.tmp / "back")]
    )
    assert back.acknowledged_seq == parts.last_seq
    for _ in range(5):
        pair.post.ctx.cases.create(pair.post.officer, sample_case())
    second = export_changes(pair.post.ctx, pair.post.admin, PASSPHRASE, pair.tmp / "usb2")
    assert (second.records, len(second.files), second.first_seq) == (5, 1, parts.last_seq + 1)
    again = _import(pair, list(second.files))
    assert (again.new, again.updated, again.unchanged, again.rejected) == (5, 0, 0, [])
    assert pair.hq.ctx.cases.count(pair.hq.admin) == 1005


def test_what_hq_stores_is_what_the_post_sent_sealed_and_searchable(pair: Pair) -> None:
    """Cases written in bulk at HQ read back as the post's own documents, HQ's audit chain verifies
    (each import event seals the stored rows), and the search finds them however the words are typed."""
    from app import audit
    from app.demo import generate_demo
    from app.domain import CaseFilter

    made = _cases(pair, 2)  # with photos, documents and people
    generate_demo(pair.post.ctx, pair.post.admin, cases=300, seed=5)
    changed = pair.post.ctx.cases.get(pair.post.officer, made[0])
    pair.post.ctx.cases.update(
        pair.post.officer, made[0], replace(sample_case(), place="Bến đò Vĩnh Xương"), changed.version
    )
    assert _import(pair, _export(pair, "out")).new == 302
    identity = ("created_at", "updated_at", "submitted_at", "approved_at")
    post_ids = [r.id for r in pair.post.ctx.cases.list(pair.post.admin, limit=1000)]
    assert len(post_ids) == 302
    for case_id in post_ids:
        sent = pair.post.ctx.cases.get(pair.post.admin, case_id).document
        stored = pair.hq.ctx.cases.get(pair.hq.admin, case_id).document
        assert {k: v for k, v in stored.items() if k not in identity} == {
            k: v for k, v in sent.items() if k not in identity
        }
    with pair.hq.ctx.sessions.reads() as session:
        report = audit.verify(session.connection())
    assert report.ok, report
    for words in ("ben do vinh xuong", "Bến đò Vĩnh", "thuoc la"):
        found = pair.hq.ctx.cases.list(pair.hq.admin, CaseFilter(query=words), limit=1000)
        expected = pair.post.ctx.cases.list(pair.post.admin, CaseFilter(query=words), limit=1000)
        assert sorted(r.id for r in found) == sorted(r.id for r in expected) != []


def test_return_bundles_report_refusals_once_and_carry_the_watch_list_and_reference_data(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import audit
    from app.cli import main
    from app.lookup import lookup

    _cases(pair, 3, photos=False)  # the same person and motorbike three times: on the watch list
    good = _export(pair, "one")[0]
    assert _import(pair, [good]).new == 3
    # A later bundle with a case that fails the rules is refused; HQ tells the post why.
    opened = bundle.open_bundle(good, lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    bad = [{**records[0], "document": {**records[0]["document"], "occurred_at": "yesterday", "version": 9}}]
    new_id = "b0000000-0000-4000-8000-000000000009"
    changed = _resigned(
        pair,
        good,
        pair.tmp / "bad.outpost",
        records=bad,
        manifest_change=lambda m: m.update(bundle_id=new_id),
    )
    assert len(_import(pair, [changed]).rejected) == 1
    # HQ adds a detection method; every post receives it.
    update = pair.tmp / "drone.json"
    drone = {"code": "drone", "vi": "Thiết bị bay không người lái", "en": "Drone"}
    update.write_text(json.dumps({"kind": "detection_methods", "items": [drone]}), encoding="utf-8")
    monkeypatch.setenv("OUTPOST_PASSWORD", PASSWORD)
    hq_dir = str(pair.hq.data_dir)
    assert main(["--data-dir", hq_dir, "--user", "admin", "reference", "set", str(update)]) == 0
    back = _post_import(pair, [_reply(pair)])
    assert back.rejected == [] and back.acknowledged_seq == 3
    assert len(back.refused_at_hq) == 1 and "occurred_at" in back.refused_at_hq[0]["reason"]
    assert back.reference_updates == 1
    assert pair.post.ctx.reference.label("detection_methods", "drone") != "drone"
    assert back.watch_entries == 2  # the person (by CCCD) and the motorbike (by plate)
    hits = lookup(pair.post.ctx, pair.post.officer, "089090001234")
    assert hits and all(hit.watch == (1, 3) for hit in hits)
    assert all(hit.watch == (1, 3) for hit in lookup(pair.post.ctx, pair.post.officer, "67h1 20413"))
    # The post's register keeps the update after it is opened again, and a case may use it.
    pair.post.ctx.close()
    pair.post.ctx = open_register(pair.post.data_dir)
    assert pair.post.ctx.reference.label("detection_methods", "drone", "en") == "Drone"
    pair.post.ctx.cases.create(pair.post.officer, sample_case(detection="drone"))
    # A refusal is reported once; the watch list and reference data come every time.
    again = _post_import(pair, [_reply(pair, "back2")])
    assert again.refused_at_hq == [] and again.watch_entries == 2 and again.reference_updates == 1
    for ctx in (pair.post.ctx, pair.hq.ctx):
        with ctx.sessions.reads() as session:
            assert audit.verify(session.connection()).ok


def _written_reply(pair: Pair, reply: Path, record: dict[str, Any], bundle_id: str) -> Path:
    """``reply`` rewritten by HQ with ``record`` as its only record."""
    with zipfile.ZipFile(reply) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        certificate = json.loads(archive.read(bundle.CERTIFICATE))
    manifest.pop("members")
    manifest.update(bundle_id=bundle_id, counts={"records": 1, "files": 0})
    path = pair.tmp / f"reply-{bundle_id[:8]}.outpost"
    write_bundle(
        path,
        manifest,
        [Member(RECORDS, json.dumps(record).encode() + b"\n")],
        certificate,
        keys.load_signing_key(pair.hq.data_dir, PASSPHRASE),
        str(keys.load_encryption_identity(pair.post.data_dir, PASSPHRASE).to_public()),
    )
    return path


def _reply_to_forge(pair: Pair) -> tuple[Path, dict[str, Any], dict[str, Any], Any, str]:
    """A real return bundle for the post, and what it takes to write others like it: its manifest
    (without the member list), HQ's identity document, HQ's signing key and the post's recipient."""
    from app.sync import make_reply

    _cases(pair, 1, photos=False)
    _import(pair, _export(pair, "one"))
    reply = make_reply(pair.hq.ctx, pair.hq.admin, PASSPHRASE, "BP-VX", pair.tmp / "back")
    with zipfile.ZipFile(reply) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        certificate = json.loads(archive.read(bundle.CERTIFICATE))
    manifest.pop("members")
    hq_key = keys.load_signing_key(pair.hq.data_dir, PASSPHRASE)
    post_recipient = str(keys.load_encryption_identity(pair.post.data_dir, PASSPHRASE).to_public())
    return reply, manifest, certificate, hq_key, post_recipient


def test_a_malformed_return_record_refuses_the_whole_return_bundle(pair: Pair) -> None:
    reply, manifest, certificate, hq_key, post_recipient = _reply_to_forge(pair)
    watched = {"type": "watch", "kind": "person", "key": "1", "label": "x", "stations": 1, "cases": 1}
    leaner = _written_reply(pair, reply, watched, "d0000000-0000-4000-8000-000000000001")
    summary = _post_import(pair, [leaner])
    assert summary.rejected == [] and summary.watch_entries == 1  # last_seen may be left out
    before = _snapshot(pair.post.data_dir)
    for number, record in enumerate(
        [
            {"type": "watch", "kind": "person", "key": "", "label": "x", "stations": 1, "cases": 1},
            {"type": "watch", "kind": "cat", "key": "1", "label": "x", "stations": 1, "cases": 1},
            {"type": "reference", "kind": "commodities", "code": "x", "payload": {"code": "x"}},
            {"type": "reference", "kind": "detection_methods", "code": "x", "payload": {"code": "y"}},
            {"type": "rejection", "file": "a", "record": 1, "reason": "r"},
            {"type": "gift"},
            {**CAMPAIGN, "ends_on": "2026-01-01"},  # ends before it starts
            {**CAMPAIGN, "starts_on": "2026-02-30"},
            {**CAMPAIGN, "name": " "},
            {**CAMPAIGN, "version": 0},
            {**CAMPAIGN, "origin": "BP-VX"},
        ]
    ):
        manifest.update(
            bundle_id=f"c0000000-0000-4000-8000-0000000000{number:02d}", counts={"records": 1, "files": 0}
        )
        payload = json.dumps(record).encode() + b"\n"
        path = pair.tmp / f"hostile-{number}.outpost"
        write_bundle(path, manifest, [Member(RECORDS, payload)], certificate, hq_key, post_recipient)
        summary = _post_import(pair, [path])
        expected = "'units' is missing" if record.get("kind") == "commodities" else "record 1"
        assert len(summary.rejected) == 1 and expected in summary.rejected[0]["reason"], record
        assert _snapshot(pair.post.data_dir) == before


def test_reference_updates_with_bad_input_are_refused_with_a_reason(pair: Pair) -> None:
    from app.errors import AppError
    from app.sync import set_reference_items

    durian = {"code": "durian", "vi": "Sầu riêng", "en": "Durian", "base_unit": "kg", "units": []}
    numbered = {"code": "x", "vi": 5, "en": "X"}
    cases = [
        ("not json", "not a readable JSON file"),
        (json.dumps({"kind": "detection_methods", "items": []}), "at least one item"),
        (json.dumps({"kind": "planets", "items": [{"code": "x", "vi": "x", "en": "x"}]}), "kind 'planets'"),
        (json.dumps({"kind": "detection_methods", "items": [{"vi": "x"}]}), "needs its code"),
        (json.dumps({"kind": "commodities", "items": [{"code": "durian"}]}), "'units' is missing"),
        (json.dumps({"kind": "commodities", "items": [durian]}), "cannot be used"),
        (json.dumps({"kind": "detection_methods", "items": [numbered]}), "not well formed"),
    ]
    for number, (text, reason) in enumerate(cases):
        path = pair.tmp / f"ref-{number}.json"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(AppError, match=reason):
            set_reference_items(pair.hq.ctx, pair.hq.admin, path)
    with pytest.raises(AppError, match="made at HQ"):
        set_reference_items(pair.post.ctx, pair.post.admin, pair.tmp / "ref-0.json")
    conn = sqlite3.connect(pair.hq.data_dir / "register.sqlite")
    assert conn.execute("SELECT count(*) FROM reference_items").fetchone() == (0,)
    conn.close()


# ----- tips --------------------------------------------------------------------------------------

INFORMANT = "Lê Thị Tin, 0912 345 678"


def test_a_tip_reaches_hq_with_its_informant_sealed_all_the_way(pair: Pair) -> None:
    from app import audit
    from app.tips import TipService

    case_id = _cases(pair, 1, photos=False)[0]
    tip = TipService(pair.post.ctx).add(
        pair.post.chief,
        received_at=datetime(2026, 11, 20, 21, 0, tzinfo=ICT),
        channel="phone",
        content="Xe tải chở đường qua mốc 264 lúc 23 giờ",
        informant=INFORMANT,
        case_id=case_id,
    )
    files = _export(pair, "out")
    # Not in the file, and not in the records once the bundle's own encryption is taken off.
    raw = b"".join(path.read_bytes() for path in files)
    opened = bundle.open_bundle(files[0], lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    text = json.dumps(records, ensure_ascii=False)
    for secret in (INFORMANT, "Lê Thị Tin", "0912 345 678", "0912345678"):
        assert secret.encode() not in raw and secret not in text
    assert [r["type"] for r in records] == ["case", "tip"]
    summary = _import(pair, files)
    assert (summary.new, summary.tips, summary.rejected) == (1, 1, [])
    assert INFORMANT not in json.dumps(summary.as_json(), ensure_ascii=False)
    # HQ's admin opens it with HQ's tip key; HQ's audit chain seals the tip without the informant.
    hq_tips = TipService(pair.hq.ctx)
    assert hq_tips.read_informant(pair.hq.admin, tip.id, PASSWORD) == INFORMANT
    conn = sqlite3.connect(pair.hq.data_dir / "register.sqlite")
    diffs = [row[0] for row in conn.execute("SELECT diff FROM audit_events WHERE entity = 'tip'")]
    conn.close()
    assert diffs and all("Lê Thị" not in d for d in diffs)
    with pair.hq.ctx.sessions.reads() as session:
        assert audit.verify(session.connection()).ok
    # Sent again unchanged: nothing new.
    again = _import(pair, _export(pair, "again"))
    assert (again.tips, again.unchanged, again.rejected) == (0, 1, [])


def test_a_tip_with_an_unsealed_informant_or_a_foreign_case_is_refused_without_quoting_it(pair: Pair) -> None:
    from app.tips import TipService

    TipService(pair.post.ctx).add(
        pair.post.chief,
        received_at=datetime(2026, 11, 20, 21, 0, tzinfo=ICT),
        channel="phone",
        content="Ghe chở thuốc lá",
        informant=INFORMANT,
    )
    good = _export(pair, "out")[0]
    opened = bundle.open_bundle(good, lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    import base64

    plain = base64.b64encode(INFORMANT.encode()).decode()
    tip = records[0]["tip"]
    attempts = [
        ({**records[0], "tip": {**tip, "informant_sealed": plain}}, "informant_sealed not valid"),
        ({**records[0], "tip": {**tip, "informant": INFORMANT}}, "unknown fields"),
        ({**records[0], "tip": {**tip, "case_id": "no-such-case"}}, "HQ does not have"),
        ({**records[0], "tip": {k: v for k, v in tip.items() if k != "case_id"}}, "missing fields"),
        ({**records[0], "origin": "someone-else"}, "another station"),
    ]
    for number, (record, reason) in enumerate(attempts):
        path = _resigned(pair, good, pair.tmp / f"tip-{number}.outpost", records=[record])
        before = _snapshot(pair.hq.data_dir)
        summary = _import(pair, [path])
        assert len(summary.rejected) == 1 and reason in summary.rejected[0]["reason"], summary.rejected
        assert INFORMANT not in json.dumps(summary.as_json(), ensure_ascii=False)
        assert _snapshot(pair.hq.data_dir) == before


def test_review_findings_are_refused_cleanly(pair: Pair) -> None:
    """Inputs found by review that crashed the import or were stored unreadable: each is refused."""
    from app.tips import TipService

    TipService(pair.post.ctx).add(
        pair.post.chief,
        received_at=datetime(2026, 11, 20, 21, 0, tzinfo=ICT),
        channel="phone",
        content="Ghe chở thuốc lá",
    )
    good = _export(pair, "out")[0]
    opened = bundle.open_bundle(good, lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    tip = records[0]["tip"]
    for number, (change, reason) in enumerate(
        [
            ({"case_id": ""}, "HQ does not have"),
            ({"received_at": "0999-01-01T00:00:00+00:00"}, "received_at"),
            ({"created_at": "0001-01-01T00:00:00+05:00"}, "created_at"),
        ]
    ):
        path = _resigned(
            pair,
            good,
            pair.tmp / f"review-{number}.outpost",
            records=[{**records[0], "tip": {**tip, **change}}],
        )
        summary = _import(pair, [path])
        assert len(summary.rejected) == 1 and reason in summary.rejected[0]["reason"], summary.rejected


def test_every_signed_manifest_field_is_checked(pair: Pair) -> None:
    """Fields an independent verifier checks: signed by the right key, they are still refused when
    they do not describe the bundle (parts, ranges, the recipient's key, the counts, empty lines)."""
    _cases(pair, 1, photos=False)
    good = _export(pair, "out")[0]

    def changed(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
        return lambda manifest: manifest.update({key: value})

    def recipient(manifest: dict[str, Any]) -> None:
        manifest["recipient"]["encryption_fingerprint"] = "AAAA AAAA AAAA AAAA AAAA"

    for number, (change, reason) in enumerate(
        [
            (changed("part", {"index": 8, "count": 7}), "part number is not valid"),
            (changed("part", {"index": 0, "count": 1}), "part number is not valid"),
            (changed("part", {"index": True, "count": 1}), "part number is not valid"),
            (changed("seq", {"first": 0, "last": 3}), "sequence range"),
            (changed("seq", {"first": 3, "last": 2}), "sequence range"),
            (recipient, "encrypted to another key"),
            (changed("counts", {"records": 1, "files": 2}), "number of files"),
        ]
    ):
        _refused(pair, _resigned(pair, good, pair.tmp / f"signed-{number}.outpost", change), reason)
    line = _resigned(pair, good, pair.tmp / "lines.outpost")
    opened = bundle.open_bundle(line, lambda c: bundle.certificate_key(c))
    text = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    blank = json.dumps(text[0]).encode() + b"\n\n"
    _refused(pair, _resigned(pair, good, pair.tmp / "blank.outpost", payload=blank), "line 2 is empty")
    assert _import(pair, [good]).new == 1


def test_a_return_bundle_must_describe_itself(pair: Pair) -> None:
    reply, good, certificate, hq_key, post_recipient = _reply_to_forge(pair)
    opened = bundle.open_bundle(reply, lambda _c: hq_key.public_key())
    payload = b"".join(
        json.dumps(r).encode() + b"\n"
        for r in bundle.read_lines(opened, keys.load_encryption_identity(pair.post.data_dir, PASSPHRASE))
    )
    before = _snapshot(pair.post.data_dir)
    for number, (change, extra, reason) in enumerate(
        [
            ({"recipient": {**good["recipient"], "encryption_fingerprint": "X"}}, [], "another key"),
            ({"part": {"index": 1, "count": 2}}, [], "one part holding records only"),
            ({}, [Member("files/" + "a" * 64 + ".age", b"x")], "one part holding records only"),
            ({"counts": {"records": 9, "files": 0}}, [], "number of records"),
        ]
    ):
        manifest = {**good, **change, "bundle_id": f"e0000000-0000-4000-8000-0000000000{number:02d}"}
        path = pair.tmp / f"return-{number}.outpost"
        members = [Member(RECORDS, payload), *extra]
        write_bundle(path, manifest, members, certificate, hq_key, post_recipient)
        summary = _post_import(pair, [path])
        assert len(summary.rejected) == 1 and reason in summary.rejected[0]["reason"], summary.rejected
        assert _snapshot(pair.post.data_dir) == before
    assert _post_import(pair, [reply]).rejected == []


def test_another_posts_bundle_cannot_make_a_bundle_look_imported(pair: Pair, tmp_path: Path) -> None:
    """Bundle ids can be read on the stick: a bundle of another post carrying this post's bundle id
    must not make this post's bundle skipped as "imported already"; it is refused, loudly."""
    _cases(pair, 1, photos=False)
    genuine = _export(pair, "out")[0]
    with zipfile.ZipFile(genuine) as archive:
        stolen_id = json.loads(archive.read(MANIFEST))["bundle_id"]
    other_post = _second_post(pair, tmp_path)
    other = other_post.ctx
    other.cases.create(other_post.admin, sample_case())
    theirs = export_changes(other, other_post.admin, PASSPHRASE, tmp_path / "tb").files[0]
    forged = _resigned(
        pair,
        theirs,
        tmp_path / "forged.outpost",
        manifest_change=lambda manifest: manifest.update(bundle_id=stolen_id),
        signer=keys.load_signing_key(tmp_path / "p2", PASSPHRASE),
    )
    together = _import(pair, [forged, genuine])
    assert together.skipped == [] and [r["file"] for r in together.rejected] == [genuine.name]
    assert "already used by a bundle of another station" in together.rejected[0]["reason"]
    assert _import(pair, [forged]).new == 1
    later = _import(pair, [genuine])
    assert (
        later.skipped == [] and "already used by a bundle of another station" in later.rejected[0]["reason"]
    )
    other.close()


def test_a_refusal_is_kept_for_the_next_reply_when_writing_one_fails(pair: Pair) -> None:
    from app.errors import AppError
    from app.sync import make_reply

    _cases(pair, 1, photos=False)
    good = _export(pair, "one")[0]
    opened = bundle.open_bundle(good, lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    bad = [{**records[0], "document": {**records[0]["document"], "occurred_at": "yesterday"}}]
    assert _import(pair, [_resigned(pair, good, pair.tmp / "bad.outpost", records=bad)]).rejected
    blocked = pair.tmp / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    with pytest.raises((AppError, OSError)):
        make_reply(pair.hq.ctx, pair.hq.admin, PASSPHRASE, "BP-VX", blocked)
    back = _post_import(pair, [_reply(pair)])
    assert len(back.refused_at_hq) == 1


def test_an_older_return_bundle_does_not_replace_a_newer_watch_list(pair: Pair) -> None:
    from app.sync import make_reply

    _cases(pair, 3, photos=False)
    _import(pair, _export(pair, "one"))
    pair.hq.ctx.clock = lambda: datetime(2026, 11, 21, 8, 0, tzinfo=ICT)
    older = make_reply(pair.hq.ctx, pair.hq.admin, PASSPHRASE, "BP-VX", pair.tmp / "old")
    case = sample_case()
    from dataclasses import replace as changed

    from app.domain import VehicleInput

    for _ in range(3):  # a second vehicle seen three times
        car = changed(case, vehicles=(VehicleInput("car", "51A-123.45"),))
        pair.post.ctx.cases.create(pair.post.officer, car)
    _import(pair, _export(pair, "two"))
    pair.hq.ctx.clock = lambda: datetime(2026, 11, 22, 8, 0, tzinfo=ICT)
    newer = make_reply(pair.hq.ctx, pair.hq.admin, PASSPHRASE, "BP-VX", pair.tmp / "new")
    assert _post_import(pair, [newer]).watch_entries == 3
    _post_import(pair, [older])
    conn = sqlite3.connect(pair.post.data_dir / "register.sqlite")
    assert conn.execute("SELECT count(*) FROM watch_entries").fetchone() == (3,)
    conn.close()


def _record_types(pair: Pair, path: Path) -> list[str]:
    opened = bundle.open_bundle(path, lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    return ["companion" if r.get("companion") else r["type"] for r in records]


def test_a_tip_and_its_case_in_different_parts_each_import_on_their_own(pair: Pair) -> None:
    """Each record stays in the part whose range holds its latest change (an acknowledged range never
    leaves one behind); a tip whose case travels in another part carries a copy of the case."""
    from app.tips import TipService

    folder = pair.tmp / "photos"
    folder.mkdir()
    photo = store_file(pair.post.ctx.paths.attachments, _photo(folder, 99), caption="Ảnh")
    data = sample_case(occurred_at=datetime(2026, 11, 1, 8, 0, tzinfo=ICT), attachments=(photo,))
    first = pair.post.ctx.cases.create(pair.post.officer, data).id
    _cases(pair, 1)
    tip = TipService(pair.post.ctx).add(
        pair.post.chief,
        received_at=datetime(2026, 11, 20, 21, 0, tzinfo=ICT),
        channel="phone",
        content="Ghe chở thuốc lá",
        informant=INFORMANT,
        case_id=first,
    )
    # The case changes after the tip was recorded: its latest change now follows the tip's.
    pair.post.ctx.cases.update(pair.post.officer, first, replace(data, summary="Sửa sau tin báo"), 1)
    parts = _export(pair, "parts", size=64 * 1024)  # one photo case a part
    kinds = {path.name: _record_types(pair, path) for path in parts}
    tip_part = next(path for path in parts if "tip" in kinds[path.name])
    assert kinds[tip_part.name] == ["companion", "tip"], kinds
    assert sum(k.count("case") for k in kinds.values()) == 2  # each case once at its own position
    # The tip's part alone: the tip and (a copy of) its case arrive together.
    alone = _import(pair, [tip_part])
    assert (alone.new, alone.tips, alone.rejected) == (1, 1, []), alone.rejected
    rest = _import(pair, [path for path in parts if path != tip_part][::-1])
    assert (rest.new, rest.unchanged, rest.rejected) == (1, 1, [])
    hq_tips = TipService(pair.hq.ctx)
    assert hq_tips.read_informant(pair.hq.admin, tip.id, PASSWORD) == INFORMANT
    with pair.hq.ctx.sessions.reads() as session:
        from db import models as m

        stored = session.get(m.Case, first)
        assert stored is not None and stored.version == 2 and stored.summary == "Sửa sau tin báo"
        assert session.get(m.Tip, tip.id).case_id == first  # type: ignore[union-attr]


def test_a_companion_flag_must_be_true_and_only_a_companion_may_sit_outside_the_range(pair: Pair) -> None:
    _cases(pair, 1, photos=False)
    good = _export(pair, "out")[0]
    opened = bundle.open_bundle(good, lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    for number, (change, reason) in enumerate(
        [
            ({"seq": 999}, "outside the bundle's range"),
            ({"companion": "yes"}, "companion flag"),
            ({"companion": True, "seq": 0}, "outside the bundle's range"),
        ]
    ):
        path = _resigned(
            pair, good, pair.tmp / f"companion-{number}.outpost", records=[{**records[0], **change}]
        )
        before = _snapshot(pair.hq.data_dir)
        summary = _import(pair, [path])
        assert len(summary.rejected) == 1 and reason in summary.rejected[0]["reason"], summary.rejected
        assert _snapshot(pair.hq.data_dir) == before
    from app import i18n

    i18n.set_language("vi")  # as the app shows it
    try:
        summary = _import(pair, [pair.tmp / "companion-0.outpost"])
    finally:
        i18n.reset()
    assert summary.rejected[0]["reason"] == "bản ghi 1: số thứ tự nằm ngoài phạm vi của gói"
    moved = _resigned(
        pair, good, pair.tmp / "companion-ok.outpost", records=[{**records[0], "companion": True, "seq": 999}]
    )
    assert _import(pair, [moved]).new == 1


CAMPAIGN = {
    "type": "campaign",
    "id": "e0000000-0000-4000-8000-000000000001",
    "name": "Cao điểm Tết",
    "starts_on": "2026-01-15",
    "ends_on": "2026-03-15",
    "version": 1,
}


def test_campaigns_are_declared_at_hq_reach_the_posts_and_keep_their_cases_linked(pair: Pair) -> None:
    from datetime import date

    from app.audit import verify
    from app.campaigns import add_campaign, change_campaign, list_campaigns
    from app.errors import RegisterError, ValidationError
    from app.reports import Scope, as_json, build_report, parse_period
    from db import models as m

    with pytest.raises(RegisterError, match="declared at HQ"):
        add_campaign(pair.post.ctx, pair.post.admin, "Đợt riêng", date(2026, 1, 1), date(2026, 1, 31))
    with pytest.raises(ValidationError, match="ends before it starts"):
        add_campaign(pair.hq.ctx, pair.hq.admin, "Sai", date(2026, 2, 1), date(2026, 1, 31))
    tet = add_campaign(
        pair.hq.ctx, pair.hq.admin, "  Cao điểm  Tết Bính Ngọ 2026 ", date(2026, 1, 15), date(2026, 3, 15)
    )
    assert tet.name == "Cao điểm Tết Bính Ngọ 2026"
    # A post cannot choose a campaign it has not received.
    with pytest.raises(ValidationError):
        pair.post.ctx.cases.create(pair.post.officer, sample_case(campaign_id=tet.id))
    back = _post_import(pair, [_reply(pair)])
    assert back.rejected == [] and back.campaigns == 1
    assert [row.name for row in list_campaigns(pair.post.ctx)] == [tet.name]
    when = datetime(2026, 2, 3, 9, 0, tzinfo=ICT)
    case = pair.post.ctx.cases.create(pair.post.officer, sample_case(occurred_at=when, campaign_id=tet.id))
    pair.post.ctx.cases.submit(pair.post.officer, case.id)
    pair.post.ctx.cases.approve(pair.post.chief, case.id)
    summary = _import(pair, _export(pair, "out"))
    assert (summary.new, summary.rejected) == (1, [])
    with pair.hq.ctx.sessions.reads() as session:
        assert session.get(m.Case, case.id).campaign_id == tet.id  # type: ignore[union-attr]
    scope = Scope(campaign_id=tet.id)
    period = parse_period(pair.hq.ctx, "campaign", None, scope)
    assert as_json(build_report(pair.hq.ctx, pair.hq.admin, "campaign", period, scope))["total"]["cases"] == 1
    # HQ extends the campaign: the newer version replaces the post's; an older reply changes nothing.
    old_reply = _reply(pair, "old")
    change_campaign(pair.hq.ctx, pair.hq.admin, tet.id, tet.name, tet.starts_on, date(2026, 3, 31))
    assert _post_import(pair, [_reply(pair, "new")]).campaigns == 1
    assert _post_import(pair, [old_reply]).campaigns == 0
    assert list_campaigns(pair.post.ctx)[0].ends_on == date(2026, 3, 31)
    for ctx in (pair.post.ctx, pair.hq.ctx):
        with ctx.sessions.reads() as session:
            assert verify(session.connection()).ok


def test_a_case_naming_a_campaign_hq_never_declared_is_refused(pair: Pair) -> None:
    _cases(pair, 1, photos=False)
    good = _export(pair, "out")[0]
    opened = bundle.open_bundle(good, lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    record = records[0]
    record["document"]["campaign_id"] = "e0000000-0000-4000-8000-00000000beef"
    path = _resigned(pair, good, pair.tmp / "campaign.outpost", records=[record])
    before = _snapshot(pair.hq.data_dir)
    summary = _import(pair, [path])
    assert len(summary.rejected) == 1 and "campaign HQ has not declared" in summary.rejected[0]["reason"]
    assert _snapshot(pair.hq.data_dir) == before


def test_a_large_import_shares_its_checks_with_a_helper_process(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From ``PARALLEL_FROM`` records on, a helper process checks part of the chunks while the
    importing process checks the others and writes: the same refusals (worded by the importing process,
    in its language) and the same stored, sealed, searchable cases as when one process checks all."""
    import time

    from app import audit, i18n, received, sync
    from app.demo import generate_demo
    from app.domain import CaseFilter

    generate_demo(pair.post.ctx, pair.post.admin, cases=240, seed=11)
    good = _export(pair, "out")[0]
    opened = bundle.open_bundle(good, lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    bad = [dict(r) for r in records]
    for index, change in ((2, {"occurred_at": "yesterday"}), (5, {"status": "lost"}), (239, {"version": 0})):
        bad[index] = {**bad[index], "document": {**bad[index]["document"], **change}}
    refused = _resigned(pair, good, pair.tmp / "bad.outpost", records=bad)
    i18n.set_language("vi")
    monkeypatch.setattr(sync, "PARALLEL_FROM", 10**9)
    alone = _import(pair, [refused], dry_run=True).rejected
    assert [r["record"] for r in alone] == ["3", "6", "240"], alone
    assert all(r["reason"].startswith(f"bản ghi {r['record']}: ") for r in alone), alone

    monkeypatch.setattr(sync, "PARALLEL_FROM", 100)
    monkeypatch.setattr(sync, "CHUNK", 4)
    helpers: list[Any] = []
    want = sync._Helper.want
    monkeypatch.setattr(sync._Helper, "want", lambda self, n: (helpers.append(self), want(self, n))[1])
    here: list[int] = []
    check = received.check_cases

    def slowly(*args: Any) -> list[Any]:
        """This process waits for the helper to start, then checks slowly: the helper takes chunks."""
        if not here:
            assert helpers[-1]._conn.poll(60)
        time.sleep(0.02)
        result = check(*args)
        here.append(len(result))
        return result

    monkeypatch.setattr(received, "check_cases", slowly)
    assert _import(pair, [refused], dry_run=True).rejected == alone
    assert 0 < sum(here) < 240
    # Checked cases are written while the rest is checked, in the import's one transaction: a record
    # refused after some were written still leaves HQ's register as it was.
    batches: list[int] = []
    insert = sync._insert_received_cases

    def counted(*args: Any) -> Any:
        batches.append(len(args[2]))
        return insert(*args)

    monkeypatch.setattr(sync, "_insert_received_cases", counted)
    before = _snapshot(pair.hq.data_dir)
    here.clear()
    assert _import(pair, [refused]).rejected == alone
    assert sum(batches) > 100 and _snapshot(pair.hq.data_dir) == before
    here.clear()
    batches.clear()
    assert _import(pair, [good]).new == 240
    assert 0 < sum(here) < 240
    assert sum(batches) == 240 and len([b for b in batches if b]) > 2  # written in several goes
    for row in pair.post.ctx.cases.list(pair.post.admin, limit=1000):
        sent = pair.post.ctx.cases.get(pair.post.admin, row.id).document
        stored = pair.hq.ctx.cases.get(pair.hq.admin, row.id).document
        identity = ("created_at", "updated_at", "submitted_at", "approved_at")
        assert {k: v for k, v in stored.items() if k not in identity} == {
            k: v for k, v in sent.items() if k not in identity
        }
    with pair.hq.ctx.sessions.reads() as session:
        assert audit.verify(session.connection()).ok
    found = pair.hq.ctx.cases.list(pair.hq.admin, CaseFilter(query="thuoc la"), limit=1000)
    expected = pair.post.ctx.cases.list(pair.post.admin, CaseFilter(query="thuoc la"), limit=1000)
    assert sorted(r.id for r in found) == sorted(r.id for r in expected) != []


def test_rows_made_while_checking_are_what_sqlalchemy_stores_and_the_audit_seals(tmp_path: Path) -> None:
    """``received.new_case`` builds the canonical rows once and stores them as they are: the same values
    SQLAlchemy's own conversions bind, the same state hash ``serialize.case_state`` gives and the same
    search text as ``search.rows_search_body`` of the stored values."""
    from datetime import UTC
    from decimal import Decimal

    from sqlalchemy import create_engine

    from app import received
    from app.case_rows import received_case_rows
    from app.domain import AttachmentInput, CaseInput, DocumentInput, VehicleInput
    from app.reference import load_reference
    from app.search import rows_search_body
    from app.serialize import CASES, CHILD_TABLES, case_state, state_hash
    from db.bulk import BulkInsert
    from db.types import utc_text
    from tests.test_interchange import full_case

    reference = load_reference()
    now = datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=UTC)
    origin = received.Origin("station-id", "BP-VX", 1, 10)
    cases = [
        full_case(),
        CaseInput(occurred_at=datetime(1990, 1, 1, tzinfo=ICT), violation_group="trade_fraud"),
        replace(
            sample_case(),
            latitude=10,
            vehicles=(VehicleInput("ship", "ag 12345 ts"), VehicleInput("car", "51a 12345", 'Xe "tải"')),
            documents=(DocumentInput("MBB01", "1/BB", datetime(2026, 1, 2).date(), "Đại úy"),),
            attachments=(AttachmentInput("ab" * 32, "ảnh.jpg", "image/jpeg", 12, None),),
            goods=(replace(sample_case().goods[0], quantity=Decimal("1E+2")),),
        ),
    ]
    documents = [
        {
            "id": f"case-{i}",
            "number": number,
            "status": "approved",
            "version": 3,
            "created_by": "an",
            "updated_by": None,
            "remark": "Ghi chú",
            "approved_by": "chief",
        }
        for i, number in enumerate(["BP-VX/2026/00007", "BP-VX/1990/00001", "số lạ"])
    ]
    conn = create_engine("sqlite://").connect()
    for document, data in zip(documents, cases, strict=True):
        ids = iter(f"line-{i}" for i in range(100))
        new = received.new_case(reference, document, data, origin, utc_text(now), ids)
        ids = iter(f"line-{i}" for i in range(100))
        case, lines = received_case_rows(document, data, reference, "station-id", now, ids)
        expected_case = BulkInsert(conn, CASES)
        expected_case.add(case)
        assert new.case == expected_case.rows[0]
        for name, table in CHILD_TABLES.items():
            expected_lines = BulkInsert(conn, table)
            expected_lines.add_all(lines[name])
            assert new.lines[name] == expected_lines.rows, name
        assert new.state_hash == state_hash(case_state(case, lines))
        assert new.search_body == rows_search_body(case, lines, reference)
        assert (new.version, new.campaign_id) == (3, data.campaign_id)


def test_ids_drawn_together_are_version_4_uuids() -> None:
    import uuid

    from db import models as m

    ids = m.new_ids(500)
    assert len(set(ids)) == 500
    for text in ids:
        value = uuid.UUID(text)
        assert (value.version, value.variant, str(value)) == (4, uuid.RFC_4122, text)


def test_reports_at_hq_follow_every_import(pair: Pair) -> None:
    """HQ's stored report tallies are dropped by the import that changes their cases (bulk path)."""
    from datetime import date

    from sqlalchemy import select

    from app import periods
    from app.reports import as_json, build_report
    from db import models as m

    post = pair.post
    made = _cases(pair, 6, photos=False)  # 1-6 November 2026: the first half of the month
    for case_id in made:
        post.ctx.cases.submit(post.officer, case_id)
        post.ctx.cases.approve(post.chief, case_id)
    assert _import(pair, _export(pair, "a")).new == 6
    november = periods.month(2026, 11)  # statistical: 15/10 – 14/11

    def total() -> dict[str, Any]:
        return dict(as_json(build_report(pair.hq.ctx, pair.hq.admin, "monthly", november))["total"])

    def stored() -> set[Any]:
        with pair.hq.ctx.sessions.reads() as session:
            query = select(m.ReportHalf.half).where(m.ReportHalf.origin == post.officer.station_id)
            return set(session.execute(query).scalars())

    first = total()
    assert first["cases"] == 6
    assert stored() >= {date(2026, 10, 15), date(2026, 11, 1)}
    post.ctx.cases.void(post.chief, made[0], "Nhập trùng")
    post.ctx.cases.close(post.chief, made[1])
    extra = post.ctx.cases.create(
        post.officer, sample_case(occurred_at=datetime(2026, 10, 20, 7, 0, tzinfo=ICT))
    )
    post.ctx.cases.submit(post.officer, extra.id)
    post.ctx.cases.approve(post.chief, extra.id)
    summary = _import(pair, _export(pair, "b"))
    assert (summary.new, summary.updated) == (1, 2)
    # The updates dropped the first half of November, the new case the second half of October; the
    # year before stays stored.
    assert not {date(2026, 11, 1), date(2026, 10, 15)} & stored()
    assert {date(2025, 10, 15), date(2025, 11, 1)} <= stored()
    second = total()
    assert second["cases"] == 6 and second["goods_value"] == first["goods_value"]
    assert {date(2026, 11, 1), date(2026, 10, 15)} <= stored()
