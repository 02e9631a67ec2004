"""Enrolment between a post and HQ: keys under a passphrase, request, certificate, install, revocation,
and the refusals that change nothing.

The tests with an HQ run with HQ on SQLite and on PostgreSQL (``both_engines``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import audit, i18n
from app.errors import AuthError, NotFound, PermissionDenied, RegisterError, ValidationError
from app.register import init_register
from app.sync import keys
from app.sync.enrol import accept_request, install_reply, make_request, revoke
from tests.helpers.cli import db_env, outpost
from tests.helpers.registers import PASSWORD, Post, open_sqlite, rows
from tests.helpers.servers import Inbox

PASSPHRASE = "mat-khau-khoa-1"

pytestmark = pytest.mark.both_engines


@pytest.fixture
def hq(tmp_path: Path, hq_db_url: str | None) -> Iterator[Post]:
    data_dir = tmp_path / "hq"
    ctx = init_register(
        data_dir,
        kind="hq",
        code="BCH-AG",
        name="Bộ Chỉ huy BĐBP tỉnh An Giang",
        admin_username="admin",
        admin_password=PASSWORD,
        db_url=hq_db_url,
    )
    admin = ctx.login("admin", PASSWORD)
    yield Post(ctx, admin, admin, admin, admin, data_dir)
    ctx.close()


def _stations(register: Post) -> list[tuple[object, ...]]:
    return rows(register.ctx, "SELECT * FROM stations ORDER BY id")


def test_request_accept_install_with_matching_fingerprints(post: Post, hq: Post, tmp_path: Path) -> None:
    request, reply = tmp_path / "request.json", tmp_path / "reply.json"
    asked = make_request(post.ctx, post.admin, PASSPHRASE, request)
    issued = accept_request(hq.ctx, hq.admin, PASSPHRASE, request, reply)
    installed = install_reply(post.ctx, post.admin, PASSPHRASE, reply)
    # What each side reads out by phone is the same on both sides.
    assert asked.station_fingerprint == issued.station_fingerprint == installed.station_fingerprint
    assert issued.hq_fingerprint == installed.hq_fingerprint
    assert issued.hq_encryption_fingerprint == installed.hq_encryption_fingerprint
    assert (issued.station_code, installed.hq_code) == ("BP-VX", "BCH-AG")
    assert len(asked.station_fingerprint) == 24 and asked.station_fingerprint.count(" ") == 4
    # Private keys are sealed under the passphrase; nothing readable is left in the key files.
    for data_dir in (post.data_dir, hq.data_dir):
        sealed = (keys.keys_dir(data_dir) / keys.SIGNING_FILE).read_bytes()
        assert sealed.startswith(b"OPKW1") and b"PRIVATE" not in sealed
        assert (keys.keys_dir(data_dir) / keys.SIGNING_FILE).stat().st_mode & 0o077 == 0
    assert b"AGE-SECRET-KEY" not in (keys.keys_dir(hq.data_dir) / keys.ENCRYPTION_FILE).read_bytes()
    with pytest.raises(AuthError, match="wrong key passphrase"):
        keys.load_signing_key(post.data_dir, "not-the-passphrase")
    # HQ knows the post and its certificate; the post knows HQ's public keys.
    [(kind, certificate)] = rows(hq.ctx, "SELECT kind, certificate FROM stations WHERE code = 'BP-VX'")
    assert kind == "post" and json.loads(certificate)["issuer"]["code"] == "BCH-AG"
    conn = open_sqlite(post.data_dir / "register.sqlite")
    recipient = conn.execute("SELECT encryption_public_key FROM stations WHERE code = 'BCH-AG'").fetchone()[0]
    conn.close()
    assert recipient.startswith("age1")
    # Enrolling again with the same key is harmless (a lost reply file can be issued again).
    accept_request(hq.ctx, hq.admin, PASSPHRASE, request, tmp_path / "again.json")
    # Every station row written on the way is sealed in each register's audit chain.
    for ctx in (post.ctx, hq.ctx):
        with ctx.sessions.reads() as session:
            report = audit.verify(session.connection())
        assert report.ok, report.problems


def _tampered(source: Path, target: Path, change: object) -> Path:
    document = json.loads(source.read_text(encoding="utf-8"))
    change(document)  # type: ignore[operator]
    target.write_text(json.dumps(document), encoding="utf-8")
    return target


def test_forged_or_foreign_files_are_refused_and_change_nothing(post: Post, hq: Post, tmp_path: Path) -> None:
    request, reply = tmp_path / "request.json", tmp_path / "reply.json"
    make_request(post.ctx, post.admin, PASSPHRASE, request)
    renamed = _tampered(request, tmp_path / "renamed.json", lambda d: d["station"].update(code="BP-XX"))
    before = _stations(hq)
    with pytest.raises(ValidationError, match="signature does not match"):
        accept_request(hq.ctx, hq.admin, PASSPHRASE, renamed, tmp_path / "out.json")
    for bad, reason in (
        ("not json", "not JSON"),
        (json.dumps({"format": "something-else"}), "format"),
        (json.dumps({"format": "outpost-enrolment-request", "version": 9}), "version 9"),
    ):
        path = tmp_path / "bad.json"
        path.write_text(bad, encoding="utf-8")
        with pytest.raises(ValidationError, match=reason):
            accept_request(hq.ctx, hq.admin, PASSPHRASE, path, tmp_path / "out.json")
    assert _stations(hq) == before and not (tmp_path / "out.json").exists()

    accept_request(hq.ctx, hq.admin, PASSPHRASE, request, reply)
    before = _stations(post)
    forged = _tampered(
        reply, tmp_path / "forged.json", lambda d: d["hq"].update(encryption_recipient="age1evil")
    )
    with pytest.raises(ValidationError, match="signature does not match"):
        install_reply(post.ctx, post.admin, PASSPHRASE, forged)
    # A reply from another HQ for another post's key does not fit this post.
    other_hq = init_register(
        tmp_path / "hq2",
        kind="hq",
        code="BCH-KG",
        name="Bộ Chỉ huy khác",
        admin_username="admin",
        admin_password=PASSWORD,
    )
    other_post = init_register(
        tmp_path / "post2",
        kind="post",
        code="BP-TB",
        name="Đồn khác",
        admin_username="admin",
        admin_password=PASSWORD,
    )
    make_request(other_post, other_post.login("admin", PASSWORD), PASSPHRASE, tmp_path / "r2.json")
    accept_request(
        other_hq,
        other_hq.login("admin", PASSWORD),
        PASSPHRASE,
        tmp_path / "r2.json",
        tmp_path / "reply2.json",
    )
    with pytest.raises(ValidationError, match="another station"):
        install_reply(post.ctx, post.admin, PASSPHRASE, tmp_path / "reply2.json")
    assert _stations(post) == before
    other_hq.close()
    other_post.close()


def test_an_enrolled_post_never_changes_hq_by_installing_another_reply(
    post: Post, hq: Post, tmp_path: Path
) -> None:
    """operations.md §4: a reply "from another HQ than the one installed is refused naming the file" —
    another province's HQ, or a second HQ register under the same code (which used to crash on the
    station code)."""
    request = tmp_path / "request.json"
    make_request(post.ctx, post.admin, PASSPHRASE, request)
    accept_request(hq.ctx, hq.admin, PASSPHRASE, request, tmp_path / "reply.json")
    install_reply(post.ctx, post.admin, PASSPHRASE, tmp_path / "reply.json")
    before = _stations(post)
    for folder, code in (("hq-kg", "BCH-KG"), ("hq-ag-2", "BCH-AG")):
        other = init_register(tmp_path / folder, kind="hq", code=code, name="Bộ Chỉ huy khác",
                              admin_username="admin", admin_password=PASSWORD)
        reply = tmp_path / f"{folder}-reply.json"
        accept_request(other, other.login("admin", PASSWORD), PASSPHRASE, request, reply)
        other.close()
        refusal = rf"^{reply.name} comes from HQ {code} .* enrolled with HQ BCH-AG"
        with pytest.raises(ValidationError, match=refusal):
            install_reply(post.ctx, post.admin, PASSPHRASE, reply)
        assert _stations(post) == before
    again = install_reply(post.ctx, post.admin, PASSPHRASE, tmp_path / "reply.json")  # its own HQ: fine
    assert again.hq_code == "BCH-AG"


def test_refusals_are_in_vietnamese_with_the_file_name_in_front(post: Post, hq: Post, tmp_path: Path) -> None:
    """A chief reading Vietnamese is told which file was refused, and why, in Vietnamese."""
    request, reply = tmp_path / "yeu-cau.json", tmp_path / "phan-hoi.json"
    make_request(post.ctx, post.admin, PASSPHRASE, request)
    bad = tmp_path / "hong.json"
    bad.write_text(json.dumps({"format": "outpost-enrolment-request", "version": 9}), encoding="utf-8")
    nameless = _tampered(request, tmp_path / "khong-ten.json", lambda d: d.update(station={}))
    try:
        i18n.set_language("vi")
        with pytest.raises(ValidationError) as refused:
            accept_request(hq.ctx, hq.admin, PASSPHRASE, bad, tmp_path / "out.json")
        assert refused.value.problems == [
            "hong.json: là yêu cầu đăng ký phiên bản 9; bản Outpost này chỉ đọc phiên bản 1 (hãy cài bản "
            "Outpost mới hơn)"
        ]
        with pytest.raises(ValidationError) as refused:
            accept_request(hq.ctx, hq.admin, PASSPHRASE, nameless, tmp_path / "out.json")
        assert refused.value.problems[0].startswith("khong-ten.json: ")
        accept_request(hq.ctx, hq.admin, PASSPHRASE, request, reply)
        with pytest.raises(ValidationError) as refused:
            accept_request(hq.ctx, hq.admin, PASSPHRASE, reply, tmp_path / "out.json")
        assert refused.value.problems == [
            "phan-hoi.json: không phải là yêu cầu đăng ký (cần định dạng 'outpost-enrolment-request')"
        ]
        with pytest.raises(NotFound, match="Không có đồn nào đã đăng ký với mã BP-XX"):
            revoke(hq.ctx, hq.admin, "BP-XX", "laptop stolen")
    finally:
        i18n.reset()
    assert not (tmp_path / "out.json").exists()


def test_only_an_admin_enrols_and_only_where_it_belongs(post: Post, hq: Post, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied):
        make_request(post.ctx, post.chief, PASSPHRASE, tmp_path / "r.json")
    with pytest.raises(RegisterError, match="only a post"):
        make_request(hq.ctx, hq.admin, PASSPHRASE, tmp_path / "r.json")
    with pytest.raises(ValidationError, match="at least 10"):
        make_request(post.ctx, post.admin, "short", tmp_path / "r.json")
    assert not keys.has_signing_key(post.data_dir)


def test_a_revoked_station_cannot_enrol_again(post: Post, hq: Post, tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    make_request(post.ctx, post.admin, PASSPHRASE, request)
    accept_request(hq.ctx, hq.admin, PASSPHRASE, request, tmp_path / "reply.json")
    revoke(hq.ctx, hq.admin, "BP-VX", "laptop stolen")
    with pytest.raises(ValidationError, match="was revoked"):
        accept_request(hq.ctx, hq.admin, PASSPHRASE, request, tmp_path / "again.json")
    with pytest.raises(NotFound, match="no enrolled post"):
        revoke(hq.ctx, hq.admin, "BP-NONE", "laptop stolen")
    with hq.ctx.sessions.reads() as session:
        report = audit.verify(session.connection())
    assert report.ok, report.problems
    actions = rows(hq.ctx, "SELECT action FROM audit_events WHERE entity = 'station' ORDER BY seq")
    assert actions[-1] == ("update",)  # the revocation


def test_enrolment_through_the_command_line(tmp_path: Path, hq_db_url: str | None) -> None:
    post_dir, hq_dir = tmp_path / "post", tmp_path / "hq"
    env = {"OUTPOST_KEY_PASSPHRASE": PASSPHRASE}
    assert (
        outpost(
            post_dir, "init", "post", "--code", "BP-VX", "--name", "Đồn Vĩnh Xương", "--admin", "admin"
        ).returncode
        == 0
    )
    assert (
        outpost(
            hq_dir, "init", "hq", "--code", "BCH-AG", "--name", "Bộ Chỉ huy", "--admin", "admin",
            env=db_env(hq_db_url),
        ).returncode
        == 0
    )
    asked = outpost(post_dir, "enroll", "request", "--out", str(tmp_path / "req.json"), env=env)
    assert asked.returncode == 0, asked.stderr
    accept = ("enroll", "accept", str(tmp_path / "req.json"), "--out", str(tmp_path / "rep.json"))
    misread = outpost(hq_dir, *accept, "--fingerprint", "AAAA BBBB CCCC DDDD", env=env)
    assert misread.returncode != 0 and not (tmp_path / "rep.json").exists()  # nothing written
    read_out = re.search(r"^\s+station \S+\s+(.+)$", asked.stdout, re.MULTILINE)
    assert read_out is not None, asked.stdout
    issued = outpost(hq_dir, *accept, "--fingerprint", read_out.group(1).lower(), env=env)
    assert issued.returncode == 0, issued.stderr
    assert "the fingerprint read out is its request's" in issued.stdout and "WITHOUT" not in issued.stdout
    installed = outpost(post_dir, "--json", "enroll", "install", str(tmp_path / "rep.json"), env=env)
    assert installed.returncode == 0, installed.stderr
    done = json.loads(installed.stdout)
    assert done["station_fingerprint"] in asked.stdout and done["station_fingerprint"] in issued.stdout
    assert done["hq_fingerprint"] in issued.stdout
    wrong = outpost(
        post_dir,
        "enroll",
        "install",
        str(tmp_path / "rep.json"),
        env={"OUTPOST_KEY_PASSPHRASE": "wrong-passphrase"},
    )
    assert wrong.returncode != 0 and "wrong key passphrase" in wrong.stderr
    revoked = outpost(hq_dir, "station", "revoke", "BP-VX", "--reason", "laptop stolen")
    assert revoked.returncode == 0 and "BP-VX is revoked" in revoked.stdout


# Enough demo cases for several 64 KB parts: parts are filled to the limit, counted compressed.
CASES = 300


def test_export_and_import_through_the_command_line(
    tmp_path: Path, smtp: tuple[Inbox, int], hq_db_url: str | None
) -> None:
    post_dir, hq_dir = tmp_path / "post", tmp_path / "hq"
    env = {"OUTPOST_KEY_PASSPHRASE": PASSPHRASE}
    outpost(post_dir, "init", "post", "--code", "BP-VX", "--name", "Đồn Vĩnh Xương", "--admin", "admin")
    made = outpost(hq_dir, "init", "hq", "--code", "BCH-AG", "--name", "Bộ Chỉ huy", "--admin", "admin",
                   env=db_env(hq_db_url))
    assert made.returncode == 0, made.stderr
    unplugged = outpost(post_dir, "export", "--out", str(tmp_path / "usb"), env=env)
    assert unplugged.returncode == 6 and "usb does not exist (is the USB stick" in unplugged.stderr
    assert not (tmp_path / "usb").exists()
    (tmp_path / "usb").mkdir()
    (tmp_path / "usb2").mkdir()
    not_yet = outpost(post_dir, "export", "--out", str(tmp_path / "usb"), env=env)
    assert not_yet.returncode != 0 and "not enrolled with HQ yet" in not_yet.stderr
    assert outpost(post_dir, "demo", "--cases", str(CASES)).returncode == 0  # before enrolling
    outpost(post_dir, "enroll", "request", "--out", str(tmp_path / "req.json"), env=env)
    unchecked = outpost(
        hq_dir, "enroll", "accept", str(tmp_path / "req.json"), "--out", str(tmp_path / "rep.json"), env=env
    )
    assert "WITHOUT a fingerprint check" in unchecked.stdout and "station revoke BP-VX" in unchecked.stdout
    assert outpost(post_dir, "enroll", "install", str(tmp_path / "rep.json"), env=env).returncode == 0
    exported = outpost(
        post_dir, "--json", "export", "--out", str(tmp_path / "usb"), "--max-part-size", "64K", env=env
    )
    assert exported.returncode == 0, exported.stderr
    files, last = json.loads(exported.stdout)["files"], json.loads(exported.stdout)["last_seq"]
    # the cases, and the demo's field work, hand-overs and tips, each a record
    assert len(files) >= 2 and json.loads(exported.stdout)["records"] > CASES
    dry = outpost(hq_dir, "import", "--dry-run", *files[::-1], env=env)
    assert dry.returncode == 0 and json.loads(dry.stdout)["new"] == CASES
    # nothing applied, and said so: the files it would apply apart
    assert json.loads(dry.stdout)["applied"] == []
    assert sorted(json.loads(dry.stdout)["would_apply"]) == sorted(Path(f).name for f in files)
    done = outpost(hq_dir, "import", *files[::-1], env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["new"] == CASES and json.loads(done.stdout)["missing"] == {"BP-VX": []}
    listed = outpost(hq_dir, "--json", "station", "list", env=env)
    [row] = json.loads(listed.stdout)
    assert (row["code"], row["acknowledged_seq"], row["missing"]) == ("BP-VX", last, [])
    assert row["revoked_at"] is None
    assert row["last_received"] is not None
    text = outpost(hq_dir, "station", "list", env=env).stdout
    assert text.startswith("BP-VX") and f"certificate active, received up to {last}, last bundle " in text
    again = outpost(hq_dir, "import", files[0], env=env)
    assert again.returncode == 0 and "skipped: " in again.stderr and "imported already" in again.stderr
    assert json.loads(again.stdout)["applied"] == [] and json.loads(again.stdout)["new"] == 0
    bad = outpost(post_dir, "export", "--out", str(tmp_path / "x"), "--max-part-size", "lots", env=env)
    assert bad.returncode == 2 and "not a size" in bad.stderr
    # By e-mail through the loopback server: the next export holds everything again (no receipt yet).
    inbox, port = smtp
    setup = outpost(
        post_dir,
        "mail",
        "setup",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--security",
        "none",
        "--from",
        "bp-vx@bienphong.example",
        "--to",
        "bch-ag@bienphong.example",
    )
    assert setup.returncode == 0, setup.stderr
    mailed = outpost(post_dir, "--json", "export", "--out", str(tmp_path / "usb2"), "--email", env=env)
    assert mailed.returncode == 0, mailed.stderr
    assert len(inbox.messages) == len(json.loads(mailed.stdout)["emailed"]) == 1
    assert json.loads(mailed.stdout)["outbox"] is None
    # A refused file holds back the good one beside it, and the command says which.
    mailed_file = Path(json.loads(mailed.stdout)["files"][0])
    broken = tmp_path / "broken.outpost"
    broken.write_bytes(mailed_file.read_bytes()[:300])
    held = outpost(hq_dir, "import", str(broken), str(mailed_file), env=env)
    assert held.returncode == 3 and "broken.outpost: not a bundle or truncated" in held.stderr
    assert f"nothing was applied: import {mailed_file.name} again without the refused files" in held.stderr
