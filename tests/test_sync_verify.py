"""HQ's checks of bundle files: flipped bytes, forged structure, strangers' keys, signed fields that
do not describe the bundle: each file is refused with its reason and nothing changes.

The tests with an HQ run with HQ on SQLite and on PostgreSQL (``both_engines``)."""

from __future__ import annotations

import json
import shutil
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.register import init_register
from app.sync import bundle, keys
from app.sync.bundle import MANIFEST, RECORDS, Member, write_bundle
from app.sync.enrol import revoke
from app.sync.export import export_changes
from tests.helpers.cases import sample_case
from tests.helpers.registers import PASSWORD, Post, make_hq
from tests.helpers.sync import (
    PASSPHRASE,
    Pair,
    add_cases,
    assert_refused,
    enrol_post,
    enrol_second_post,
    export_parts,
    import_at_hq,
    register_snapshot,
    resigned,
    rewritten,
)

pytestmark = pytest.mark.both_engines


def test_any_flipped_byte_in_any_member_is_refused(pair: Pair) -> None:
    add_cases(pair, 1)
    good = export_parts(pair, "out")[0]
    with zipfile.ZipFile(good) as archive:
        names = archive.namelist()
    for name in names:

        def flip(member: str, data: bytes, name: str = name) -> tuple[str, bytes]:
            if member != name:
                return member, data
            at = len(data) // 2
            return member, data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]

        assert_refused(pair, rewritten(good, pair.tmp / f"flip-{name.replace('/', '_')}.outpost", flip), "")
    assert import_at_hq(pair, [good]).new == 1  # the original still imports


def test_structural_attacks_are_refused(pair: Pair) -> None:
    add_cases(pair, 1)
    good = export_parts(pair, "out")[0]
    tmp = pair.tmp
    truncated = tmp / "truncated.outpost"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert_refused(pair, truncated, "not a bundle or truncated (not a readable zip file)")
    assert_refused(pair, tmp, "is a folder, not a bundle file")
    assert_refused(
        pair,
        rewritten(good, tmp / "removed.outpost", lambda n, d: None if n == RECORDS else (n, d)),
        f"{RECORDS!r} is missing",
    )
    # A member added to a signed bundle is not in the manifest.
    added = tmp / "extra.outpost"
    shutil.copy(good, added)
    with zipfile.ZipFile(added, "a") as archive:
        archive.writestr("files/" + "0" * 64 + ".age", b"x")
    assert_refused(pair, added, "is not in the manifest")
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
        assert_refused(pair, path, reason)
    duplicate = tmp / "duplicate.outpost"
    shutil.copy(good, duplicate)
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(duplicate, "a") as archive:
        archive.writestr(RECORDS, b"other")
    assert_refused(pair, duplicate, "appears twice")
    link = tmp / "symlink.outpost"
    shutil.copy(good, link)
    with zipfile.ZipFile(link, "a") as archive:
        info = zipfile.ZipInfo("files/" + "1" * 64 + ".age")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    assert_refused(pair, link, "symbolic link")
    locked = tmp / "locked.outpost"
    data = bytearray(good.read_bytes())
    entry = data.index(b"PK\x01\x02")  # the first entry of the central directory
    data[entry + 8] |= 0x1  # its flags: "encrypted with a password"
    locked.write_bytes(bytes(data))
    assert_refused(pair, locked, "encrypted with a zip password")
    bomb = tmp / "bomb.outpost"
    shutil.copy(good, bomb)
    with zipfile.ZipFile(bomb, "a") as archive:
        archive.writestr("files/" + "2" * 64 + ".age", b"\0" * 5_000_000, zipfile.ZIP_DEFLATED)
    assert_refused(pair, bomb, "zip bomb")
    swapped = _export_other_part(pair)
    mixed = rewritten(good, tmp / "swapped.outpost", lambda n, d: (n, swapped) if n == RECORDS else (n, d))
    assert_refused(pair, mixed, "does not match its hash")
    not_zip = tmp / "photo.outpost"
    not_zip.write_bytes(b"\xff\xd8\xff\xe0 a jpeg")
    assert_refused(pair, not_zip, "not a bundle")


def _export_other_part(pair: Pair) -> bytes:
    pair.post.ctx.cases.create(pair.post.officer, sample_case())
    other = export_parts(pair, "other")[0]
    with zipfile.ZipFile(other) as archive:
        return archive.read(RECORDS)


def test_trust_failures_are_refused(pair: Pair, tmp_path: Path) -> None:
    add_cases(pair, 1, photos=False)
    good = export_parts(pair, "out")[0]
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
    assert_refused(
        pair,
        resigned(pair, good, tmp / "resigned.outpost", signer=keys.load_signing_key(tmp / "p2", PASSPHRASE)),
        "signature does not match",
    )
    stranger.ctx.close()
    # A post enrolled with another HQ: its certificate was not issued here.
    other_hq = make_hq(tmp / "hq-other", code="BCH-KG")
    other_post_ctx = init_register(
        tmp / "p3", kind="post", code="BP-KG", name="Đồn KG", admin_username="admin", admin_password=PASSWORD
    )
    other_post = Post(other_post_ctx, other_post_ctx.login("admin", PASSWORD), None, None, None, tmp / "p3")  # type: ignore[arg-type]
    other_post.officer = other_post.admin
    enrol_post(other_post, other_hq, tmp, "-kg")
    other_post.ctx.cases.create(other_post.admin, sample_case())
    foreign = export_changes(other_post.ctx, other_post.admin, PASSPHRASE, tmp / "kg").files[0]
    assert_refused(pair, foreign, "not issued by this HQ")
    other_post.ctx.close()
    other_hq.ctx.close()
    # Addressed to another HQ (signed by the right post, re-addressed).
    assert_refused(
        pair,
        resigned(
            pair,
            good,
            tmp / "readdressed.outpost",
            manifest_change=lambda m: m["recipient"].update(station_id="another-hq", code="BCH-X"),
        ),
        "addressed to BCH-X",
    )
    # Encrypted to someone else: cannot be read here.
    import pyrage

    assert_refused(
        pair,
        resigned(
            pair,
            good,
            tmp / "other-key.outpost",
            recipient=str(pyrage.x25519.Identity.generate().to_public()),
        ),
        "cannot be decrypted",
    )
    # A future format version.
    future = resigned(pair, good, tmp / "future.outpost", manifest_change=lambda m: m.update(version=2))
    assert_refused(pair, future, "version 2")
    # Records that lie.
    opened = bundle.open_bundle(good, bundle.certificate_key)
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    foreign_owner = [{**records[0], "origin": "someone-else"}]
    owner = resigned(pair, good, tmp / "owner.outpost", records=foreign_owner)
    assert_refused(pair, owner, "another station")
    bad_case = [{**records[0], "document": {**records[0]["document"], "occurred_at": "yesterday"}}]
    assert_refused(pair, resigned(pair, good, tmp / "schema.outpost", records=bad_case), "record 1")
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
    assert_refused(pair, tmp / "garbage.outpost", "not valid JSON")
    # A compressed payload that would expand past the limit.
    from app.sync import bundle as container

    limit = container.MAX_RECORDS_TEXT
    container.MAX_RECORDS_TEXT = 100
    try:
        assert_refused(pair, good, "expands beyond the limit")
    finally:
        container.MAX_RECORDS_TEXT = limit
    # A revoked station's bundle.
    revoke(pair.hq.ctx, pair.hq.admin, "BP-VX", "laptop stolen")
    assert_refused(pair, good, "was revoked")


def test_every_signed_manifest_field_is_checked(pair: Pair) -> None:
    """Fields an independent verifier checks: signed by the right key, they are still refused when
    they do not describe the bundle (parts, ranges, the recipient's key, the counts, empty lines)."""
    add_cases(pair, 1, photos=False)
    good = export_parts(pair, "out")[0]

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
        assert_refused(pair, resigned(pair, good, pair.tmp / f"signed-{number}.outpost", change), reason)
    line = resigned(pair, good, pair.tmp / "lines.outpost")
    opened = bundle.open_bundle(line, lambda c: bundle.certificate_key(c))
    text = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    blank = json.dumps(text[0]).encode() + b"\n\n"
    assert_refused(pair, resigned(pair, good, pair.tmp / "blank.outpost", payload=blank), "line 2 is empty")
    assert import_at_hq(pair, [good]).new == 1


def test_another_posts_bundle_cannot_make_a_bundle_look_imported(pair: Pair, tmp_path: Path) -> None:
    """Bundle ids can be read on the stick: a bundle of another post carrying this post's bundle id
    must not make this post's bundle skipped as "imported already"; it is refused, loudly."""
    add_cases(pair, 1, photos=False)
    genuine = export_parts(pair, "out")[0]
    with zipfile.ZipFile(genuine) as archive:
        stolen_id = json.loads(archive.read(MANIFEST))["bundle_id"]
    other_post = enrol_second_post(pair, tmp_path)
    other = other_post.ctx
    other.cases.create(other_post.admin, sample_case())
    theirs = export_changes(other, other_post.admin, PASSPHRASE, tmp_path / "tb").files[0]
    forged = resigned(
        pair,
        theirs,
        tmp_path / "forged.outpost",
        manifest_change=lambda manifest: manifest.update(bundle_id=stolen_id),
        signer=keys.load_signing_key(tmp_path / "p2", PASSPHRASE),
    )
    together = import_at_hq(pair, [forged, genuine])
    assert together.skipped == [] and [r["file"] for r in together.rejected] == [genuine.name]
    assert "already used by a bundle of another station" in together.rejected[0]["reason"]
    assert import_at_hq(pair, [forged]).new == 1
    later = import_at_hq(pair, [genuine])
    assert (
        later.skipped == [] and "already used by a bundle of another station" in later.rejected[0]["reason"]
    )
    other.close()


def test_a_companion_flag_must_be_true_and_only_a_companion_may_sit_outside_the_range(pair: Pair) -> None:
    add_cases(pair, 1, photos=False)
    good = export_parts(pair, "out")[0]
    opened = bundle.open_bundle(good, lambda c: bundle.certificate_key(c))
    records = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))
    for number, (change, reason) in enumerate(
        [
            ({"seq": 999}, "outside the bundle's range"),
            ({"companion": "yes"}, "companion flag"),
            ({"companion": True, "seq": 0}, "outside the bundle's range"),
        ]
    ):
        path = resigned(
            pair, good, pair.tmp / f"companion-{number}.outpost", records=[{**records[0], **change}]
        )
        before = register_snapshot(pair.hq.data_dir)
        summary = import_at_hq(pair, [path])
        assert len(summary.rejected) == 1 and reason in summary.rejected[0]["reason"], summary.rejected
        assert register_snapshot(pair.hq.data_dir) == before
    from app import i18n

    i18n.set_language("vi")  # as the app shows it
    try:
        summary = import_at_hq(pair, [pair.tmp / "companion-0.outpost"])
    finally:
        i18n.reset()
    assert summary.rejected[0]["reason"] == "bản ghi 1: số thứ tự nằm ngoài phạm vi của gói"
    moved = resigned(
        pair, good, pair.tmp / "companion-ok.outpost", records=[{**records[0], "companion": True, "seq": 999}]
    )
    assert import_at_hq(pair, [moved]).new == 1
