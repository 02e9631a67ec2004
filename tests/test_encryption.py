"""The register at rest: encrypted with a random key kept only in password and recovery-key slots.

A stolen data folder gives nothing away (no SQLite header, no name or CCCD number anywhere in it); a
wrong password opens nothing; the recovery key sets a forgotten password; a password change rewraps
one slot; a deactivated user loses theirs; a plain register from the previous version is encrypted at
its first log-in, backups included. Through the services and through the command line."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from app import audit
from app.demo import generate_demo
from app.domain import CaseFilter
from app.errors import AppError, AuthError, RegisterError
from app.keyslots import SLOTS_FILE, normalise_recovery_key
from app.register import backup_register, init_register
from app.restore import restore_into
from app.unlock import is_encrypted, log_in, reset_password_with_recovery_key
from db import cipher
from tests.helpers.cases import sample_case
from tests.helpers.cli import outpost
from tests.helpers.clock import Clock
from tests.helpers.registers import PASSWORD, PLAIN_PHOTO, Post, open_sqlite, plain_post

NEW_PASSWORD = "battery-staple-2"


def _files(data_dir: Path) -> list[Path]:
    return [p for p in data_dir.rglob("*") if p.is_file()]


def _secrets_of(post: Post) -> list[bytes]:
    """Every demo person's name and identity number, as the bytes a thief would grep for."""
    conn = open_sqlite(post.data_dir)
    try:
        rows = conn.execute(
            "SELECT full_name, id_number FROM parties WHERE id_number IS NOT NULL"
        ).fetchall()
    finally:
        conn.close()
    assert len(rows) > 20
    return [value.encode() for row in rows for value in row]


def _slots(data_dir: Path) -> dict[str, dict[str, object]]:
    users: dict[str, dict[str, object]] = json.loads((data_dir / SLOTS_FILE).read_text())["users"]
    return users


def test_no_name_or_id_number_of_a_demo_register_is_anywhere_in_the_data_dir(
    post: Post, tmp_path: Path
) -> None:
    generate_demo(post.ctx, post.admin, cases=60, seed=3)
    photo = tmp_path / "bien-ban.jpg"
    photo.write_bytes(PLAIN_PHOTO)
    post.ctx.cases.create(post.officer, sample_case(attachments=(post.ctx.attachments.store_file(photo),)))
    backup_register(post.ctx)
    secrets = _secrets_of(post)  # read with the key, while the register is open (its log is on disk)
    files = _files(post.data_dir)
    assert {p.name for p in files} >= {"register.sqlite", SLOTS_FILE}
    backups = [p for p in files if "backups" in p.parts]
    assert any(p.name == "register.sqlite" for p in backups)
    assert any(p.name.endswith(".sealed") for p in backups)  # the photo, still sealed, in the backup
    for path in files:
        data = path.read_bytes()
        assert not data.startswith(cipher.PLAIN_HEADER), path
        found = [s.decode() for s in [*secrets, b"089312345678"] if s in data]
        assert found == [], f"{path} holds {found[:3]}"
    assert not cipher.opens_with(post.ctx.paths.register, None)


def test_attachments_are_sealed_named_by_an_hmac_and_checked_when_read(
    post: Post, tmp_path: Path
) -> None:
    photo = tmp_path / "tang-vat.jpg"
    photo.write_bytes(PLAIN_PHOTO * 50_000)  # several chunks
    stored = post.ctx.attachments.store_file(photo)
    on_disk = post.ctx.attachments.path(stored.sha256)
    assert stored.sha256 not in str(on_disk) and b"089312345678" not in on_disk.read_bytes()
    assert post.ctx.attachments.read_bytes(stored.sha256) == photo.read_bytes()
    copy = post.ctx.attachments.export_file(stored.sha256, tmp_path / "copy.jpg")
    assert copy.read_bytes() == photo.read_bytes()
    sealed = on_disk.read_bytes()
    on_disk.write_bytes(sealed[: len(sealed) - (1 << 20)])  # the last chunk cut off
    with pytest.raises(AppError, match="damaged"):
        post.ctx.attachments.read_bytes(stored.sha256)
    on_disk.write_bytes(sealed[:100] + bytes([sealed[100] ^ 1]) + sealed[101:])
    with pytest.raises(AppError, match="damaged"):
        post.ctx.attachments.read_bytes(stored.sha256)


def test_files_and_folders_are_the_users_own(post: Post) -> None:
    backup = backup_register(post.ctx)
    for folder in (post.data_dir, post.ctx.paths.backups, post.ctx.paths.attachments, post.ctx.paths.logs):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE(backup.stat().st_mode) == 0o700
    for path in (post.ctx.paths.register, post.ctx.paths.keys, backup / "register.sqlite",
                 backup / "register.keys", backup / "backup.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_only_a_users_password_opens_the_register(post: Post) -> None:
    post.ctx.close()
    with pytest.raises(AuthError, match="wrong password"):
        log_in(post.data_dir, "officer", "not-the-password")
    with pytest.raises(AuthError, match="unknown or inactive"):
        log_in(post.data_dir, "nobody", PASSWORD)
    ctx, officer = log_in(post.data_dir, "officer", PASSWORD)
    try:
        assert officer.role == "officer" and ctx.key is not None
    finally:
        ctx.close()
    other = post.data_dir.parent / "other"
    init_register(other, kind="post", code="BP-KH", name="Khánh Bình", admin_username="admin",
                  admin_password=PASSWORD).close()
    (post.data_dir / SLOTS_FILE).write_bytes((other / SLOTS_FILE).read_bytes())  # another register's slots
    with pytest.raises(RegisterError, match="does not open this register"):
        log_in(post.data_dir, "admin", PASSWORD)


def test_a_password_change_rewraps_only_that_users_slot(post: Post) -> None:
    before = _slots(post.data_dir)
    post.ctx.users.change_password(post.officer, PASSWORD, NEW_PASSWORD)
    after = _slots(post.data_dir)
    assert after["officer"]["wrapped"] != before["officer"]["wrapped"]
    del after["officer"], before["officer"]
    assert after == before
    post.ctx.close()
    with pytest.raises(AuthError, match="wrong password"):
        log_in(post.data_dir, "officer", PASSWORD)
    ctx, officer = log_in(post.data_dir, "officer", NEW_PASSWORD)
    ctx.close()
    assert officer.username == "officer"


def test_a_deactivated_user_loses_their_slot_and_cannot_open_the_register(post: Post) -> None:
    post.ctx.users.deactivate(post.admin, "chief")
    assert "chief" not in _slots(post.data_dir)
    post.ctx.close()
    with pytest.raises(AuthError, match="unknown or inactive"):
        log_in(post.data_dir, "chief", PASSWORD)


def test_the_recovery_key_sets_a_forgotten_password(tmp_path: Path, clock: Clock) -> None:
    ctx = init_register(tmp_path / "post", kind="post", code="BP-VX", name="Vĩnh Xương",
                        admin_username="admin", admin_password=PASSWORD, clock=clock)
    recovery = ctx.recovery_key
    assert recovery is not None and len(recovery) == 39 and recovery.count("-") == 7
    admin = ctx.login("admin", PASSWORD)
    ctx.users.add(admin, "officer", role="officer", full_name="Lê Văn Tư", password=PASSWORD)
    ctx.close()
    with pytest.raises(AuthError, match="recovery key"):
        reset_password_with_recovery_key(tmp_path / "post", "AAAA-" * 7 + "AAAA", "admin", NEW_PASSWORD)
    typed = recovery.lower().replace("-", " ").replace("O", "0")  # as someone copies it off paper
    assert normalise_recovery_key(typed) == recovery
    reset_password_with_recovery_key(tmp_path / "post", typed, "admin", NEW_PASSWORD)
    with pytest.raises(AuthError):
        log_in(tmp_path / "post", "admin", PASSWORD)
    ctx, admin = log_in(tmp_path / "post", "admin", NEW_PASSWORD)
    try:
        assert admin.role == "admin"
        # The only admin's tip key stays sealed under the forgotten password: it still pins the
        # station's key, so tip-offs go on being sealed, and passwords can be changed again.
        ctx.tips.add(admin, received_at=clock(), channel="phone", content="Hàng qua mốc 264",
                     informant="Lê Văn Báo")
        ctx.users.change_password(admin, NEW_PASSWORD, PASSWORD)
        with ctx.sessions.engine.connect() as conn:
            assert audit.verify(conn).ok  # the reset is in the audit chain
    finally:
        ctx.close()


def test_backups_are_encrypted_and_restore(post: Post, tmp_path: Path) -> None:
    made = post.ctx.cases.create(post.officer, sample_case())
    backup = backup_register(post.ctx, tmp_path / "saved")
    assert (backup / "register.keys").is_file()  # its slots travel with it
    register = backup / "register.sqlite"
    assert not cipher.is_plain(register) and not cipher.opens_with(register, None)
    assert cipher.opens_with(register, post.ctx.key)
    post.ctx.cases.void(post.chief, made.id, "entered twice")
    restore_into(post.ctx, backup)
    ctx, chief = log_in(post.data_dir, "chief", PASSWORD)
    try:
        assert ctx.cases.get(chief, made.id).status != "voided"
    finally:
        ctx.close()


def test_a_plain_register_is_encrypted_at_its_first_log_in(tmp_path: Path, clock: Clock) -> None:
    data_dir = tmp_path / "post"
    plain_post(data_dir, clock)
    plain = cipher.connect(data_dir / "register.sqlite", None)
    names = [r[0].encode() for r in plain.execute("SELECT full_name FROM parties").fetchall()]
    counts = cipher.table_counts(plain)
    plain.close()

    ctx, officer = log_in(data_dir, "officer", PASSWORD, clock=clock)
    try:
        assert ctx.recovery_key is not None and is_encrypted(data_dir)
        with ctx.sessions.engine.connect() as conn:
            assert audit.verify(conn).ok
        assert ctx.cases.count(officer, CaseFilter()) == 41  # the demo cases and the one with a photo
    finally:
        ctx.close()
    conn = cipher.connect(data_dir / "register.sqlite", None)  # without the key: nothing readable
    with pytest.raises(cipher.DatabaseError):
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.close()
    for path in _files(data_dir):
        data = path.read_bytes()
        assert not data.startswith(cipher.PLAIN_HEADER), path
        assert [n for n in names if n in data] == [], path
        assert b"089312345678" not in data, path  # the photo is sealed too
    assert not list(data_dir.glob("register.sqlite-*"))  # no plain log left beside it
    assert not list(data_dir.glob("attachments.plain-left"))
    slots = _slots(data_dir)
    assert "migrated" not in slots["officer"] and "migrated" in slots["admin"]
    # The others open it with their own passwords, and their slots become ordinary ones.
    with pytest.raises(AuthError):
        log_in(data_dir, "admin", "not-the-password", clock=clock)
    ctx, admin = log_in(data_dir, "admin", PASSWORD, clock=clock)
    try:
        assert admin.role == "admin" and ctx.recovery_key is None
        with ctx.sessions.reads() as session:
            (sha256,) = session.connection().exec_driver_sql("SELECT sha256 FROM attachments").one()
        assert ctx.attachments.read_bytes(sha256) == PLAIN_PHOTO
        conn = open_sqlite(data_dir)
        try:
            after = cipher.table_counts(conn)
        finally:
            conn.close()
        assert {t: after[t] for t in ("cases", "parties", "goods_lines")} == {
            t: counts[t] for t in ("cases", "parties", "goods_lines")
        }
    finally:
        ctx.close()
    assert "migrated" not in _slots(data_dir)["admin"]


def test_the_command_line_encrypts_a_plain_register_and_shows_the_recovery_key(
    tmp_path: Path, clock: Clock
) -> None:
    data_dir = tmp_path / "post"
    plain_post(data_dir, clock)
    listed = outpost(data_dir, "--user", "chief", "case", "list")
    assert listed.returncode == 0, listed.stderr
    assert "RECOVERY KEY" in listed.stderr and "safe" in listed.stderr
    recovery = listed.stderr.split("RECOVERY KEY (shown only now):")[1].split()[0]
    again = outpost(data_dir, "--user", "chief", "case", "list")
    assert again.returncode == 0 and "RECOVERY KEY" not in again.stderr and again.stdout == listed.stdout
    assert not cipher.is_plain(data_dir / "register.sqlite")
    reset = outpost(data_dir, "user", "reset-password", "officer", "--recovery-key", password=None,
                    env={"OUTPOST_RECOVERY_KEY": recovery, "OUTPOST_NEW_PASSWORD": NEW_PASSWORD})
    assert reset.returncode == 0, reset.stderr
    assert outpost(data_dir, "--user", "officer", "case", "list", password=NEW_PASSWORD).returncode == 0


def test_the_command_line_from_set_up_to_deactivation(tmp_path: Path) -> None:
    data_dir = tmp_path / "post"
    made = outpost(data_dir, "init", "post", "--code", "BP-VX", "--name", "Vĩnh Xương", "--admin", "admin")
    assert made.returncode == 0 and "RECOVERY KEY" in made.stderr and "safe" in made.stderr
    assert not (data_dir / "register.sqlite").read_bytes().startswith(cipher.PLAIN_HEADER)
    added = outpost(data_dir, "user", "add", "officer", "--role", "officer", "--full-name", "Lê Văn Tư",
                    env={"OUTPOST_NEW_PASSWORD": PASSWORD})
    assert added.returncode == 0, added.stderr
    assert set(_slots(data_dir)) == {"admin", "officer"}
    before = _slots(data_dir)["admin"]
    changed = outpost(data_dir, "--user", "officer", "user", "password",
                      env={"OUTPOST_NEW_PASSWORD": NEW_PASSWORD})
    assert changed.returncode == 0, changed.stderr
    assert _slots(data_dir)["admin"] == before
    wrong = outpost(data_dir, "--user", "officer", "case", "list")
    assert wrong.returncode == 5 and "wrong password" in wrong.stderr
    assert outpost(data_dir, "--user", "officer", "case", "list", password=NEW_PASSWORD).returncode == 0
    gone = outpost(data_dir, "user", "deactivate", "officer")
    assert gone.returncode == 0, gone.stderr
    assert set(_slots(data_dir)) == {"admin"}
    refused = outpost(data_dir, "--user", "officer", "case", "list", password=NEW_PASSWORD)
    assert refused.returncode == 5 and "unknown or inactive" in refused.stderr
    os.remove(data_dir / SLOTS_FILE)
    lost = outpost(data_dir, "case", "list")
    assert lost.returncode != 0 and "key file" in lost.stderr and "Traceback" not in lost.stderr


def test_a_new_recovery_key_replaces_the_old_one(tmp_path: Path) -> None:
    data_dir = tmp_path / "post"
    made = outpost(data_dir, "init", "post", "--code", "BP-VX", "--name", "Vĩnh Xương", "--admin", "admin")
    old = made.stderr.split("RECOVERY KEY (shown only now):")[1].split()[0]
    renewed = outpost(data_dir, "recovery-key")
    assert renewed.returncode == 0, renewed.stderr
    new = renewed.stderr.split("RECOVERY KEY (shown only now):")[1].split()[0]
    assert new != old and "safe" in renewed.stderr
    reset = {"OUTPOST_NEW_PASSWORD": NEW_PASSWORD}
    refused = outpost(data_dir, "user", "reset-password", "admin", "--recovery-key", password=None,
                      env={**reset, "OUTPOST_RECOVERY_KEY": old})
    assert refused.returncode == 5 and "recovery key does not open" in refused.stderr
    done = outpost(data_dir, "user", "reset-password", "admin", "--recovery-key", password=None,
                   env={**reset, "OUTPOST_RECOVERY_KEY": new})
    assert done.returncode == 0, done.stderr
    assert outpost(data_dir, "recovery-key", "--json", password=NEW_PASSWORD).returncode == 0
