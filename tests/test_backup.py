"""A backup is complete (issue 20 item 1, issue 17 items 1 and 5): the register, its slots and its
sealed attachments in one folder written whole; a restore onto a new laptop gets every photo back, and
an attachment missing from or damaged in the backup is named before anything is replaced."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app.attachments import AttachmentStore
from app.backup import MANIFEST, list_backups, parts_of, rotate, write_backup
from app.errors import AppError, Cancelled, RegisterError
from app.keyslots import KeySlots
from app.progress import CancelToken
from app.restore import RestoreRefused, Unlock, restore_into, restore_new
from app.sync.enrol import revoke
from app.sync.hq_import import import_bundles
from app.sync.replies import make_reply
from app.unlock import log_in
from db import cipher, migrate
from tests.helpers.cases import sample_case
from tests.helpers.cli import outpost
from tests.helpers.clock import Clock
from tests.helpers.registers import PASSWORD, Post
from tests.helpers.sync import PASSPHRASE, Pair, add_cases, enrol_second_post, export_parts, import_at_post

PHOTO = b"\xff\xd8\xff\xe0 bien ban tang vat: Tran Thi Bich Ngoc, CCCD 089312345678 " * 40_000  # ~3 MB


def _with_photo(post: Post, tmp_path: Path, name: str = "bien-ban.jpg") -> tuple[str, str]:
    """A case with a photo; the photo's hash and the case's number."""
    photo = tmp_path / name
    photo.write_bytes(PHOTO + name.encode())
    stored = post.ctx.attachments.store_file(photo)
    made = post.ctx.cases.create(post.officer, sample_case(attachments=(stored,)))
    return stored.sha256, made.number


def _fingerprint(data_dir: Path) -> dict[str, str]:
    files = [p for p in sorted(data_dir.rglob("*")) if p.is_file() and "logs" not in p.parts]
    return {str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _sealed_file(backup: Path) -> Path:
    (found,) = list((backup / "attachments").glob("??/*.sealed"))
    return found


def test_a_new_laptop_gets_the_photo_back_through_the_command_line(post: Post, tmp_path: Path) -> None:
    sha, number = _with_photo(post, tmp_path)
    recovery = post.ctx.recovery_key
    assert recovery is not None
    post.ctx.close()
    stick = tmp_path / "stick"
    stick.mkdir()
    made = outpost(post.data_dir, "--json", "--user", "chief", "backup", "--out", str(stick / "saved"))
    assert made.returncode == 0, made.stderr
    backup = Path(json.loads(made.stdout)["backup"])
    assert {p.name for p in backup.iterdir()} == {
        "register.sqlite", "register.keys", "settings.json", "attachments", MANIFEST
    } - ({"settings.json"} if not (post.data_dir / "settings.json").exists() else set())
    for path in backup.rglob("*"):  # nothing plain: no SQLite header, no name, no photo bytes
        if path.is_file():
            data = path.read_bytes()
            assert not data.startswith(cipher.PLAIN_HEADER) and b"089312345678" not in data, path
    assert not list(stick.glob(".*"))  # no half-written folder left beside it
    # The stick itself as --out: a new backup inside it, named as in backups/; a backup folder given
    # as --out is refused, not written into.
    inside = outpost(post.data_dir, "--json", "--user", "chief", "backup", "--out", str(stick))
    assert inside.returncode == 0, inside.stderr
    second = Path(json.loads(inside.stdout)["backup"])
    assert second.parent == stick and second.name.startswith("outpost-BP-VX-")
    assert (second / "register.sqlite").is_file()
    onto = outpost(post.data_dir, "--user", "chief", "backup", "--out", str(backup))
    assert onto.returncode == 7 and f"{backup} already exists; choose another name" in onto.stderr

    laptop = tmp_path / "new-laptop"
    done = outpost(laptop, "--json", "restore", str(backup), "--recovery-key", password=None,
                   env={"OUTPOST_RECOVERY_KEY": recovery})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["attachments"] == 1
    assert outpost(laptop, "audit", "verify").returncode == 0
    ctx, _officer = log_in(laptop, "officer", PASSWORD)
    try:
        assert ctx.attachments.read_bytes(sha) == PHOTO + b"bien-ban.jpg"  # opens, equals the original
        opened = ctx.attachments.export_file(sha, tmp_path / "opened.jpg")
        assert opened.read_bytes() == (tmp_path / "bien-ban.jpg").read_bytes()
        assert ctx.attachments.path(sha).stat().st_mode & 0o777 == 0o600
    finally:
        ctx.close()
    assert number


@pytest.mark.parametrize("harm", ["damaged", "missing"])
def test_a_backup_with_a_bad_attachment_is_refused_by_name_unless_accepted(
    post: Post, tmp_path: Path, harm: str
) -> None:
    sha, number = _with_photo(post, tmp_path)
    _with_photo(post, tmp_path, "second.jpg")
    backup = write_backup(post.ctx, tmp_path / "saved")
    recovery = post.ctx.recovery_key
    post.ctx.close()
    sealed = AttachmentStore(backup / "attachments", post.ctx.key).path(sha)
    if harm == "damaged":
        data = bytearray(sealed.read_bytes())
        data[len(data) // 2] ^= 1  # one bit, inside the sealed content: its authentication fails
        sealed.write_bytes(bytes(data))
    else:
        sealed.unlink()
    expected = {"damaged": "damaged in the backup (it fails its authentication)",
                "missing": "missing from the backup"}[harm]

    laptop = tmp_path / "new-laptop"
    env = {"OUTPOST_RECOVERY_KEY": recovery or ""}
    refused = outpost(laptop, "restore", str(backup), "--recovery-key", password=None, env=env)
    assert refused.returncode == 7
    assert f"attachment bien-ban.jpg of case {number}: {expected}" in refused.stderr
    assert "second.jpg" not in refused.stderr  # the sound one is not named
    assert "--without-missing-attachments" in refused.stderr
    assert not (laptop / "register.sqlite").exists() and not list(laptop.glob(".restore*"))

    accepted = outpost(laptop, "restore", str(backup), "--recovery-key", "--without-missing-attachments",
                       password=None, env=env)
    assert accepted.returncode == 0, accepted.stderr
    assert f"warning: restored without attachment bien-ban.jpg of case {number}" in accepted.stderr
    ctx, _officer = log_in(laptop, "officer", PASSWORD)
    try:
        with pytest.raises(AppError, match="missing"):  # the bad copy was never put in the store
            ctx.attachments.read_bytes(sha)
        assert len(ctx.attachments.stored_files()) == 1  # the sound one came
    finally:
        ctx.close()


def test_restoring_into_the_register_takes_a_lost_photo_back(post: Post, tmp_path: Path) -> None:
    sha, _number = _with_photo(post, tmp_path)
    backup = write_backup(post.ctx, tmp_path / "saved")
    post.ctx.attachments.path(sha).unlink()  # the photo is lost from the laptop's data folder
    done = restore_into(post.ctx, backup, Unlock())
    assert done.attachments == 1 and done.without == ()
    assert post.ctx.attachments.read_bytes(sha) == PHOTO + b"bien-ban.jpg"
    assert done.previous_saved_to is not None and (done.previous_saved_to / MANIFEST).is_file()


def test_an_earlier_versions_register_only_backup_still_restores(post: Post, tmp_path: Path) -> None:
    sha, number = _with_photo(post, tmp_path)
    old = tmp_path / "old.sqlite"  # as the version before this one wrote it: the file, its slots beside
    migrate.backup_sqlite(post.ctx.paths.register, old, post.ctx.key)
    KeySlots(post.ctx.paths.keys).copy_to(old.with_name(old.name + ".keys"))
    assert parts_of(old).attachments is None
    # Into its register: the photo is still in the data folder, so nothing is missing.
    done = restore_into(post.ctx, old, Unlock())
    assert done.without == () and post.ctx.attachments.read_bytes(sha)
    # Onto a new laptop it has no photo to bring: named, and restored only when accepted.
    laptop = tmp_path / "new-laptop"
    unlock = Unlock(recovery_key=post.ctx.recovery_key)
    with pytest.raises(RestoreRefused) as refused:
        restore_new(laptop, old, unlock)
    assert refused.value.attachments_only
    assert refused.value.problems == [f"attachment bien-ban.jpg of case {number}: missing from the backup"]
    assert not (laptop / "register.sqlite").exists()
    assert restore_new(laptop, old, unlock, accept_missing=True).without == tuple(refused.value.problems)


def test_a_backup_cut_short_is_never_taken_for_a_good_one(post: Post, tmp_path: Path) -> None:
    _with_photo(post, tmp_path)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):  # stopped while copying the attachments
        write_backup(post.ctx, tmp_path / "saved", cancel=token)
    assert list(tmp_path.glob("*saved*")) == []  # neither the name nor its hidden partial folder
    # A folder left by a crash mid-write (no backup.json, which is written last) is named as such.
    backup = write_backup(post.ctx, tmp_path / "saved")
    crashed = tmp_path / ".crashed.partial"
    backup.rename(crashed)
    (crashed / MANIFEST).unlink()
    for source in (crashed, crashed / "register.sqlite"):
        with pytest.raises(RestoreRefused, match="incomplete backup"):
            restore_into(post.ctx, source, Unlock())
    assert list_backups(tmp_path) == []
    with pytest.raises(RegisterError, match="already exists"):
        write_backup(post.ctx, crashed)


def test_cancelling_a_restore_at_any_step_before_the_swap_changes_nothing(post: Post, tmp_path: Path) -> None:
    sha, _number = _with_photo(post, tmp_path)
    backup = write_backup(post.ctx, tmp_path / "saved")
    post.ctx.attachments.path(sha).unlink()
    post.ctx.cases.create(post.officer, sample_case())
    with post.ctx.sessions.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    before = _fingerprint(post.data_dir)
    step, committed = 0, []
    while True:
        step += 1
        token = CancelToken()

        def cancel_at(done: int, total: int, token: CancelToken = token, step: int = step) -> None:
            if done >= step:
                token.cancel()

        try:
            restore_into(post.ctx, backup, Unlock(), progress=cancel_at, cancel=token,
                         committing=lambda step=step: committed.append(step))
        except Cancelled:
            assert _fingerprint(post.data_dir) == before, step  # byte for byte: no safety backup either
            assert not committed
            continue
        break
    assert committed == [step] and step >= 5  # every step before the swap was tried
    assert post.ctx.attachments.read_bytes(sha)  # the last, uncancelled run restored


def test_automatic_backups_keep_the_last_n_and_are_listed_newest_first(
    post: Post, tmp_path: Path, clock: Clock
) -> None:
    _with_photo(post, tmp_path)
    manual = write_backup(post.ctx)
    made = []
    for _hour in range(4):
        clock.advance(timedelta(hours=1))
        made.append(rotate(post.ctx, keep=2))
    listed = list_backups(post.ctx.paths.backups)
    assert [b.path for b in listed] == [made[3], made[2], manual]  # the manual one is never removed
    assert listed[0].created_at >= clock.start + clock.moved
    assert listed[0].attachments == 1 and listed[0].automatic
    assert not listed[2].automatic
    assert all(not p.name.startswith(".") for p in post.ctx.paths.backups.iterdir())
    assert os.stat(made[3]).st_mode & 0o777 == 0o700


@pytest.mark.parametrize("manifest", [
    b"not json", b"[]", b'{"format": "something-else", "version": 1}',
    b'{"format": "outpost-backup", "version": 99, "created_at": "2026-11-25T02:30:00+00:00"}',
    b'{"format": "outpost-backup", "version": 1, "created_at": "yesterday"}',
    b'{"format": "outpost-backup", "version": 1, "created_at": "2026-11-25T02:30:00+00:00",'
    b' "attachments": {}}',
])
def test_a_hostile_backup_json_is_refused_or_left_off_the_list(
    post: Post, tmp_path: Path, manifest: bytes
) -> None:
    backup = write_backup(post.ctx, tmp_path / "saved")
    (backup / MANIFEST).write_bytes(manifest)
    assert list_backups(tmp_path) == []
    if b'"version": 1' not in manifest:  # the others are read as a backup; its register decides
        with pytest.raises(RestoreRefused):
            restore_into(post.ctx, backup, Unlock())


def test_a_backup_is_named_by_the_posts_own_clock(post: Post) -> None:
    """The name tells the time as the post reads it (its zone, UTC+7 here), not UTC: a chief looking for
    the backup of 17:00 finds "…-170000"; backup.json keeps the instant in UTC."""
    made = write_backup(post.ctx)
    info = next(b for b in list_backups(post.ctx.paths.backups) if b.path == made)
    stamp = datetime.strptime(made.name.removeprefix(f"outpost-{post.ctx.station_code}-"), "%Y%m%d-%H%M%S")
    local = post.ctx.local(info.created_at).replace(tzinfo=None)
    assert post.ctx.local(info.created_at).utcoffset() == timedelta(hours=7)
    assert abs(stamp - local) < timedelta(seconds=2)


def test_a_new_hq_computer_gets_hqs_keys_back_from_its_backup(pair: Pair, tmp_path: Path) -> None:
    """Nothing re-keys HQ: its backup holds its signing and encryption keys, still wrapped under its key
    passphrase, and a new HQ computer restored from it reads the posts' bundles and signs their return
    bundles (a post's backup never holds the post's keys: see the first test)."""
    add_cases(pair, 2, photos=False)
    backup = write_backup(pair.hq.ctx)
    held = sorted((backup / "keys").iterdir())
    assert [p.name for p in held] == ["encryption.key", "signing.key"]
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in held)
    assert all(p.read_bytes() == (pair.hq.data_dir / "keys" / p.name).read_bytes() for p in held)
    recovery = pair.hq.ctx.recovery_key
    assert recovery is not None
    pair.hq.ctx.close()
    said = outpost(pair.hq.data_dir, "backup")
    assert said.returncode == 0 and "HQ's keys (still locked by HQ's key passphrase)" in said.stdout

    new_hq = tmp_path / "new-hq"
    done = outpost(new_hq, "restore", str(backup), "--recovery-key", password=None,
                   env={"OUTPOST_RECOVERY_KEY": recovery})
    assert done.returncode == 0, done.stderr
    assert "HQ's keys came with the backup" in done.stdout and "rekey-request" not in done.stdout
    assert (new_hq / "keys").stat().st_mode & 0o777 == 0o700
    ctx, admin = log_in(new_hq, "admin", PASSWORD)
    try:
        assert import_bundles(ctx, admin, PASSPHRASE, export_parts(pair, "usb")).new == 2
        reply = make_reply(ctx, admin, PASSPHRASE, "BP-VX", tmp_path / "back")
    finally:
        ctx.close()
    assert import_at_post(pair, [reply]).applied == [reply.name]


def test_an_hq_backup_without_keys_says_where_they_must_come_from(pair: Pair, tmp_path: Path) -> None:
    """A backup made before HQ's keys were backed up (or whose keys were taken out): the restore says
    what to copy, rather than sending HQ's administrator to a re-key that only posts have."""
    backup = write_backup(pair.hq.ctx)
    shutil.rmtree(backup / "keys")
    (backup / "keys").mkdir()
    (backup / "keys" / "signing.key").symlink_to(pair.hq.data_dir / "keys" / "signing.key")  # never followed
    recovery = pair.hq.ctx.recovery_key
    assert recovery is not None
    new_hq = tmp_path / "new-hq"
    done = outpost(new_hq, "restore", str(backup), "--recovery-key", password=None,
                   env={"OUTPOST_RECOVERY_KEY": recovery})
    assert done.returncode == 0, done.stderr
    assert "holds no HQ keys" in done.stdout and str(new_hq / "keys") in done.stdout
    assert not (new_hq / "keys").exists()


def test_hq_refuses_a_backup_older_than_a_revocation_unless_told(pair: Pair, tmp_path: Path) -> None:
    """Restored, an HQ backup made before a post was revoked would take that post's bundles again (the
    thief's laptop): the restore names it and is refused, then done when the administrator says so."""
    second = enrol_second_post(pair, tmp_path)
    second.ctx.close()
    backup = write_backup(pair.hq.ctx)
    revoke(pair.hq.ctx, pair.hq.admin, "BP-VX", "máy bị mất cắp")
    with pytest.raises(RestoreRefused) as refused:
        restore_into(pair.hq.ctx, backup)
    assert refused.value.stations_only and not refused.value.attachments_only
    assert refused.value.problems == [
        "post BP-VX was revoked after this backup was made: restored, HQ would accept its bundles again."
    ]
    assert "--despite-station-changes" in refused.value.message
    assert pair.hq.ctx.cases.list(pair.hq.admin) == []  # nothing replaced
    pair.hq.ctx.close()
    said = outpost(pair.hq.data_dir, "restore", str(backup))
    assert said.returncode == 7 and "BP-VX was revoked after this backup" in said.stderr
    done = outpost(pair.hq.data_dir, "restore", str(backup), "--despite-station-changes")
    assert done.returncode == 0, done.stderr
    stations = json.loads(outpost(pair.hq.data_dir, "--json", "station", "list").stdout)
    assert {s["code"]: s["certificate"] for s in stations} == {"BP-VX": "active", "BP-TB": "active"}
