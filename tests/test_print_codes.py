"""A printed form's QR code, signed by the station: checked at the post, at HQ after a round trip and
offline with the station's certificate; forged, altered, unsigned and old codes proved nothing; the
code decoded from the rendered page (zbarimg) verifies."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from app.errors import AuthError, NotFound, RegisterError, ValidationError
from app.forms import print_form
from app.print_codes import print_payload, verify_print
from app.sync import keys
from app.sync.enrol import revoke
from tests.helpers.cases import sample_case
from tests.helpers.cli import outpost
from tests.helpers.clock import Clock
from tests.helpers.registers import Post, register_sql
from tests.helpers.sync import PASSPHRASE, Pair, export_parts, give_keys, import_at_hq

KEYED = {"OUTPOST_KEY_PASSPHRASE": PASSPHRASE}


def _approved(post: Post) -> str:
    made = post.ctx.cases.create(post.officer, sample_case())
    post.ctx.cases.submit(post.officer, made.id)
    post.ctx.cases.approve(post.chief, made.id)
    return made.id


def _parts(payload: str) -> list[str]:
    """prefix, format, station, case id, version, status, hash, signature."""
    parts = payload.split(":")
    assert len(parts) == 8 and parts[:2] == ["OUTPOST-PRINT", "2"], payload
    return parts


def _form_cli(
    post: Post, case_id: str, pdf: Path, env: dict[str, str], user: str = "chief"
) -> subprocess.CompletedProcess[str]:
    """``outpost --json form MBB01 CASE --pdf PDF`` as ``user``, with ``env`` (the key passphrase)."""
    return outpost(
        post.data_dir, "--user", user, "--json", "form", "MBB01", case_id, "--pdf", str(pdf), env=env
    )


def _forged_from_the_file(data_dir: Path, case_id: str) -> list[str]:
    """What someone holding only a copy of the register file can type: the case id, its version and its
    sealed hash read from the file, with no signature, a made-up one, or in the old format."""
    with register_sql(data_dir) as conn:  # the file opened with SQL, keyed as someone with a password would
        version, status = conn.execute(
            "SELECT version, status FROM cases WHERE id = ?", (case_id,)
        ).fetchone()
        (sealed,) = conn.execute(
            "SELECT state_hash FROM audit_events WHERE entity = 'case' AND entity_id = ? AND version = ?",
            (case_id, version),
        ).fetchone()
    body = f"OUTPOST-PRINT:2:BP-VX:{case_id}:{version}:{status}:{sealed[:32]}"
    return [f"{body}:unsigned", f"{body}:{'A' * 86}", f"OUTPOST-PRINT:1:{case_id}:{version}:{sealed[:32]}"]


def test_a_signed_print_is_proved_at_the_post(post: Post, tmp_path: Path) -> None:
    give_keys(post, tmp_path)
    case_id = post.ctx.cases.create(post.officer, sample_case()).id
    printed = print_form(post.ctx, post.officer, "MBB15", case_id, PASSPHRASE)
    station, uuid, version, status = _parts(printed.payload)[2:6]
    assert (station, uuid, version, status) == ("BP-VX", case_id, "1", "draft")
    assert len(printed.payload) < 200  # fits a version-10 QR code in its 18 mm square
    check = verify_print(post.ctx, post.analyst, printed.payload)
    assert (check.signature, check.status, check.genuine, check.case_status) == (
        "valid",
        "current",
        True,
        "draft",
    )
    # The case changes after printing: the paper is still genuine, but out of date.
    current = post.ctx.cases.get(post.officer, case_id)
    post.ctx.cases.update(
        post.officer, case_id, replace(sample_case(), place="Bến đò Vĩnh Xương"), current.version
    )
    later = verify_print(post.ctx, post.analyst, printed.payload)
    assert (later.status, later.printed_version, later.current_version, later.genuine) == (
        "earlier",
        1,
        2,
        True,
    )
    # Signed with the station's own key, but content no version of the case ever had.
    never = print_payload(
        "BP-VX", case_id, 1, "draft", "0" * 64, keys.load_signing_key(post.data_dir, PASSPHRASE)
    )
    check = verify_print(post.ctx, post.analyst, never)
    assert (check.signature, check.status, check.genuine) == ("valid", "mismatch", False)
    with pytest.raises(ValidationError):
        verify_print(post.ctx, post.analyst, "https://example.org/not-ours")
    made_up = verify_print(post.ctx, post.analyst, printed.payload.replace(case_id, "0" * 8 + case_id[8:]))
    assert (made_up.signature, made_up.genuine, made_up.number) == ("invalid", False, "")  # no such case
    with pytest.raises(NotFound, match="no station BP-XX"):
        verify_print(post.ctx, post.analyst, printed.payload.replace(":BP-VX:", ":BP-XX:"))


@pytest.mark.parametrize("field", [4, 5, 6])  # the version, the status, the hash
def test_an_altered_code_is_not_genuine(post: Post, tmp_path: Path, field: int) -> None:
    give_keys(post, tmp_path)
    case_id = _approved(post)
    parts = _parts(print_form(post.ctx, post.chief, "MBB01", case_id, PASSPHRASE).payload)
    parts[field] = {4: "2", 5: "closed", 6: "0" * 32}[field]
    check = verify_print(post.ctx, post.analyst, ":".join(parts))
    assert (check.signature, check.genuine, check.status) == ("invalid", False, "")
    assert check.case_status == "approved"  # what the case is now is still said


def test_an_approved_case_prints_only_signed(post: Post, tmp_path: Path) -> None:
    case_id = _approved(post)
    with pytest.raises(AuthError, match="only signed"):
        print_form(post.ctx, post.chief, "MBB01", case_id)
    with pytest.raises(RegisterError, match="'outpost enroll request'"):  # no keys yet: how to make them
        print_form(post.ctx, post.chief, "MBB01", case_id, PASSPHRASE)
    post.ctx.close()
    pdf = tmp_path / "f.pdf"
    said = _form_cli(post, case_id, pdf, KEYED)
    assert said.returncode == 7 and "has no signing key yet" in said.stderr
    assert "enroll request" in said.stderr and not pdf.exists()
    made = outpost(
        post.data_dir, "--user", "admin", "enroll", "request", "--out", str(tmp_path / "r.json"), env=KEYED
    )
    assert made.returncode == 0, made.stderr
    no_passphrase = _form_cli(post, case_id, pdf, {})
    assert no_passphrase.returncode == 5 and "OUTPOST_KEY_PASSPHRASE" in no_passphrase.stderr
    wrong = _form_cli(post, case_id, pdf, {"OUTPOST_KEY_PASSPHRASE": "not-the-passphrase"})
    assert wrong.returncode == 5 and "wrong key passphrase" in wrong.stderr
    done = _form_cli(post, case_id, pdf, KEYED)
    assert done.returncode == 0, done.stderr
    verified = outpost(post.data_dir, "--user", "chief", "verify-print", json.loads(done.stdout)["code"])
    assert verified.returncode == 0 and verified.stdout.startswith("genuine: ")
    assert "signed by BP-VX" in verified.stdout and "the case is approved" in verified.stdout


def test_a_draft_printed_without_the_key_proves_nothing(post: Post, tmp_path: Path) -> None:
    case_id = post.ctx.cases.create(post.officer, sample_case()).id
    payload = print_form(post.ctx, post.officer, "MBB01", case_id).payload
    assert payload.endswith(":draft:" + _parts(payload)[6] + ":unsigned")
    check = verify_print(post.ctx, post.analyst, payload)
    assert (check.signature, check.genuine, check.case_status) == ("unsigned", False, "draft")
    post.ctx.close()
    out = tmp_path / "draft.pdf"
    printed = _form_cli(post, case_id, out, {}, user="officer")
    assert printed.returncode == 0 and "printed unsigned" in printed.stderr
    assert json.loads(printed.stdout)["code"].endswith(":unsigned")
    said = outpost(post.data_dir, "--user", "chief", "verify-print", payload)
    assert said.returncode == 9 and "UNSIGNED" in said.stdout and "proves nothing" in said.stdout
    assert "genuine" not in said.stdout and "the case is a draft, not approved" in said.stdout


def test_an_old_paper_cannot_be_verified(post: Post, tmp_path: Path) -> None:
    give_keys(post, tmp_path)
    case_id = _approved(post)
    old = _forged_from_the_file(post.data_dir, case_id)[2]  # exactly what version 1 of the code held
    check = verify_print(post.ctx, post.analyst, old)
    assert (check.signature, check.genuine, check.case_status) == ("old", False, "approved")
    post.ctx.close()
    said = outpost(post.data_dir, "--user", "chief", "--json", "verify-print", old)
    assert said.returncode == 9 and json.loads(said.stdout)["genuine"] is False
    said = outpost(post.data_dir, "--user", "chief", "verify-print", old)
    assert said.returncode == 9 and "genuine" not in said.stdout
    assert said.stdout.startswith("unsigned, printed by an earlier version of Outpost: cannot be verified")


def test_verify_print_says_what_the_case_is_now(post: Post, tmp_path: Path) -> None:
    """A genuine paper is not a final form unless its case is approved or closed: the check says which."""
    give_keys(post, tmp_path)
    case_id = post.ctx.cases.create(post.officer, sample_case()).id
    draft = print_form(post.ctx, post.officer, "MBB01", case_id, PASSPHRASE).payload
    post.ctx.cases.submit(post.officer, case_id)
    submitted = print_form(post.ctx, post.officer, "MBB01", case_id, PASSPHRASE).payload
    post.ctx.cases.approve(post.chief, case_id)
    approved = print_form(post.ctx, post.officer, "MBB01", case_id, PASSPHRASE).payload
    post.ctx.close()

    def check(payload: str) -> tuple[str, dict[str, object]]:
        said = outpost(post.data_dir, "--user", "chief", "verify-print", payload)
        shown = outpost(post.data_dir, "--user", "chief", "--json", "verify-print", payload)
        assert said.returncode == 0 == shown.returncode, said.stdout + said.stderr + shown.stderr
        return said.stdout, json.loads(shown.stdout)

    text, result = check(submitted)
    assert "genuine but out of date" in text and "the case is approved" in text
    text, result = check(approved)
    assert "genuine:" in text and "the case is approved" in text
    assert (result["status"], result["case_status"], result["void_reason"]) == ("current", "approved", None)
    assert (result["signature"], result["printed_status"], result["station"]) == (
        "valid",
        "approved",
        "BP-VX",
    )
    assert outpost(post.data_dir, "--user", "chief", "case", "close", case_id).returncode == 0
    text, result = check(approved)
    assert "the case is closed" in text and result["case_status"] == "closed"
    reason = "Lập trùng với vụ BP-VX/2026/00002"
    voided = outpost(post.data_dir, "--user", "chief", "case", "void", case_id, "--reason", reason)
    assert voided.returncode == 0, voided.stderr
    for payload in (draft, submitted, approved):
        text, result = check(payload)
        assert "genuine but out of date" in text and f"the case is VOIDED (reason: {reason})" in text
        assert (result["case_status"], result["void_reason"]) == ("voided", reason)


@pytest.mark.both_engines
def test_a_post_print_verifies_at_hq_and_a_forged_one_nowhere(pair: Pair, clock: Clock) -> None:
    post, hq = pair.post, pair.hq
    case_id = _approved(post)
    paper = print_form(post.ctx, post.chief, "MBB01", case_id, PASSPHRASE).payload
    forged = _forged_from_the_file(post.data_dir, case_id)
    before = verify_print(hq.ctx, hq.analyst, paper)  # HQ knows the post's key from its enrolment
    assert (before.signature, before.status, before.genuine) == ("valid", "absent", True)
    clock.advance(timedelta(hours=2))
    assert import_at_hq(pair, export_parts(pair, "a")).new == 1
    at_hq = verify_print(hq.ctx, hq.analyst, paper)
    assert (at_hq.signature, at_hq.status, at_hq.genuine, at_hq.case_status) == (
        "valid",
        "same",
        True,
        "approved",
    )
    assert (at_hq.station, at_hq.printed_version, at_hq.current_version) == ("BP-VX", 3, 3)
    for text in forged:  # refused at the post and at HQ alike
        for ctx, actor in ((post.ctx, post.analyst), (hq.ctx, hq.analyst)):
            check = verify_print(ctx, actor, text)
            assert not check.genuine and check.signature in ("unsigned", "invalid", "old"), text
    # The post closes the case and prints again: HQ has not received that version yet; once it has, the
    # first paper is out of date.
    post.ctx.cases.close(post.chief, case_id)
    closed = print_form(post.ctx, post.chief, "MBB01", case_id, PASSPHRASE).payload
    assert verify_print(hq.ctx, hq.analyst, closed).status == "older"
    import_at_hq(pair, export_parts(pair, "b"))
    assert verify_print(hq.ctx, hq.analyst, closed).status == "same"
    assert verify_print(hq.ctx, hq.analyst, paper).status == "newer"
    # HQ prints the post's case with its own key; the post knows HQ's key from the enrolment reply.
    from_hq = print_form(hq.ctx, hq.analyst, "MBB01", case_id, PASSPHRASE).payload
    assert _parts(from_hq)[2] == "BCH-AG"
    assert verify_print(hq.ctx, hq.analyst, from_hq).status == "current"
    at_post = verify_print(post.ctx, post.analyst, from_hq)
    assert (at_post.signature, at_post.status, at_post.genuine) == ("valid", "same", True)

    post.ctx.close()
    hq.ctx.close()
    said = outpost(hq.data_dir, "verify-print", paper)
    assert said.returncode == 0, said.stdout + said.stderr
    assert (
        said.stdout.startswith("genuine but out of date: signed by BP-VX")
        and "the case is closed" in said.stdout
    )
    for text in forged:
        for data_dir in (post.data_dir, hq.data_dir):
            refused = outpost(
                data_dir, "--user", "chief" if data_dir == post.data_dir else "admin", "verify-print", text
            )
            assert refused.returncode == 9 and "genuine" not in refused.stdout.split(";")[0], refused.stdout


@pytest.mark.both_engines
def test_a_revoked_station_s_paper_says_so_at_hq(pair: Pair) -> None:
    post, hq = pair.post, pair.hq
    case_id = _approved(post)
    paper = print_form(post.ctx, post.chief, "MBB01", case_id, PASSPHRASE).payload
    import_at_hq(pair, export_parts(pair, "a"))
    revoked_at = revoke(hq.ctx, hq.admin, "BP-VX", "laptop stolen")
    check = verify_print(hq.ctx, hq.analyst, paper)
    assert (check.signature, check.status, check.station_revoked_at) == ("valid", "same", revoked_at)
    day = hq.ctx.local(revoked_at)  # the register's time zone, as every time told to a person
    hq.ctx.close()
    said = outpost(hq.data_dir, "verify-print", paper)
    assert f"station BP-VX was revoked on {day:%d/%m/%Y}" in said.stdout, said.stdout


def _certificate(pair: Pair, folder: Path) -> Path:
    """The certificate.json of a bundle the post sent: what an auditor is handed."""
    with zipfile.ZipFile(export_parts(pair, "for-auditor")[0]) as archive:
        target = folder / "certificate.json"
        target.write_bytes(archive.read("certificate.json"))
    return target


def test_a_paper_is_checked_offline_with_the_station_certificate(pair: Pair, tmp_path: Path) -> None:
    post = pair.post
    case_id = _approved(post)
    paper = print_form(post.ctx, post.chief, "MBB01", case_id, PASSPHRASE).payload
    forged = _forged_from_the_file(post.data_dir, case_id)
    certificate = _certificate(pair, tmp_path)
    post.ctx.close()
    elsewhere = tmp_path / "no-register"  # no register at all, and no password asked for
    said = outpost(
        elsewhere, "--json", "verify-print", paper, "--certificate", str(certificate), password=None
    )
    assert said.returncode == 0, said.stderr
    result = json.loads(said.stdout)
    assert (result["signature"], result["genuine"], result["station"], result["issuer"]) == (
        "valid",
        True,
        "BP-VX",
        "BCH-AG",
    )
    for text in forged[:2]:
        refused = outpost(elsewhere, "verify-print", text, "--certificate", str(certificate), password=None)
        assert refused.returncode == 9, refused.stdout + refused.stderr
    other = paper.replace(":BP-VX:", ":BP-TB:")
    assert (
        outpost(elsewhere, "verify-print", other, "--certificate", str(certificate), password=None).returncode
        == 2
    )
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "outpost-station-certificate", "station": [' * 200)
    refused = outpost(elsewhere, "verify-print", paper, "--certificate", str(bad), password=None)
    assert refused.returncode == 2 and "bad.json" in refused.stderr and "Traceback" not in refused.stderr


def test_the_qr_code_on_the_printed_page_decodes_and_verifies(post: Post, tmp_path: Path) -> None:
    if shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None:
        # scripts/system-packages.sh installs them: a machine without them must say so
        pytest.fail(
            "zbarimg (zbar-tools) and pdftoppm (poppler-utils) are needed to read the QR code back",
            pytrace=False,
        )
    give_keys(post, tmp_path)
    case_id = _approved(post)
    post.ctx.close()
    pdf = tmp_path / "mbb01.pdf"
    printed = _form_cli(post, case_id, pdf, KEYED)
    assert printed.returncode == 0, printed.stderr
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True
    )
    (page,) = tmp_path.glob("page*.png")
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", str(page)], capture_output=True, text=True, check=True
    )
    text = decoded.stdout.strip()
    assert text == json.loads(printed.stdout)["code"]
    said = outpost(post.data_dir, "--user", "chief", "verify-print", text)
    assert (
        said.returncode == 0 and said.stdout.startswith("genuine: ") and "the case is approved" in said.stdout
    )
