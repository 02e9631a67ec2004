"""An outside auditor checks a real bundle with standard tools, following only docs/bundle-format.md:
HQ discloses it to the auditor's own age key (``outpost bundle disclose``), the auditor verifies both
signatures with ``openssl pkeyutl -verify -rawin``, the member hashes, that the disclosed payloads
are the original's, and decrypts with the reference ``age``.

The auditor's side uses nothing of Outpost: Python's standard library where the document uses
``unzip``/``jq``/``sha256sum``, and the reference programs as child processes."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app import audit
from app.errors import AppError
from app.sync.disclose import disclose_bundle
from db import models as m
from tests.helpers.cli import ROOT, outpost
from tests.helpers.registers import PASSWORD, Post
from tests.helpers.sync import PASSPHRASE, Pair, add_cases, export_parts, resigned

PROGRAMS = ("age", "age-keygen", "openssl", "jq", "unzip")  # Debian: age, openssl, jq, unzip
if [name for name in PROGRAMS if shutil.which(name) is None]:
    pytest.fail(f"{', '.join(PROGRAMS)} are needed to audit a bundle as the document says", pytrace=False)

SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")  # §1: DER SubjectPublicKeyInfo of an Ed25519 key
MAC_LINE = 48  # §7 step 5: "--- ", 43 base64 characters, a line feed


def _auditor_key(folder: Path) -> tuple[Path, str]:
    key = folder / "auditor.key"
    made = subprocess.run(["age-keygen", "-o", str(key)], capture_output=True, text=True, check=True)
    recipient = next(
        line.split(": ", 1)[1].strip()
        for line in (made.stdout + made.stderr).splitlines()
        if line.startswith("Public key: ")
    )
    return key, recipient


def _disclose(hq: Post, bundle: Path, recipient: str, out: Path) -> dict[str, str]:
    out.mkdir()
    done = outpost(
        hq.data_dir,
        "--json",
        "bundle",
        "disclose",
        str(bundle),
        "--to",
        recipient,
        "--out",
        str(out),
        env={"OUTPOST_KEY_PASSPHRASE": PASSPHRASE},
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, str] = json.loads(done.stdout)
    return result


def _pem(folder: Path, name: str, key_b64: str) -> Path:
    """§1 ``spki_pem``: the DER prefix and the 32 raw bytes, base64 between the PEM lines."""
    body = base64.encodebytes(SPKI_PREFIX + base64.b64decode(key_b64)).decode()
    path = folder / f"{name}.pem"
    path.write_text(f"-----BEGIN PUBLIC KEY-----\n{body}-----END PUBLIC KEY-----\n")
    return path


def _openssl_verify(key: Path, signed: Path, signature: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "openssl",
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            str(key),
            "-rawin",
            "-in",
            str(signed),
            "-sigfile",
            str(signature),
        ],
        capture_output=True,
        text=True,
    )


def _fingerprint(key: bytes) -> str:
    """§1, as step 1 computes it (without the spaces)."""
    return base64.b32encode(hashlib.sha256(key).digest()).decode()[:20]


def _payload(data: bytes) -> bytes:
    """§7 step 5: the bytes after the first line that starts with ``--- ``."""
    offset = (b"\n" + data).index(b"\n--- ")
    return data[offset + MAC_LINE :]


def _unzip(archive: Path, folder: Path) -> None:
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(folder)


def test_an_auditor_verifies_a_disclosed_bundle_with_age_and_openssl(pair: Pair, tmp_path: Path) -> None:
    add_cases(pair, 3)  # with a photo each: files/*.age members too
    [bundle] = export_parts(pair, "usb")
    work = tmp_path / "auditor"
    work.mkdir()
    auditor_key, recipient = _auditor_key(work)
    told = _disclose(pair.hq, bundle, recipient, tmp_path / "disclosed")
    disclosed = Path(told["file"])
    assert disclosed.name == bundle.name.removesuffix(".outpost") + ".disclosed.zip"
    assert told["members"] == 4 and told["station"] == "BP-VX"

    # The auditor's side, step by step as §7 says.
    hq_key = told["hq_signing_public_key"]
    orig, disc = work / "orig", work / "disc"
    _unzip(bundle, orig)
    _unzip(disclosed, disc)
    certificate = json.loads((orig / "certificate.json").read_bytes())
    manifest = json.loads((orig / "manifest.json").read_bytes())

    # 1. HQ's key: its fingerprint is the one HQ gave, and it is the certificate's issuer key.
    assert _fingerprint(base64.b64decode(hq_key)) == told["hq_fingerprint"].replace(" ", "")
    assert certificate["issuer"]["signing_public_key"] == hq_key

    # 2. The certificate is signed by HQ over its canonical JSON without "signature".
    hq_pem = _pem(work, "hq", hq_key)
    body = {k: v for k, v in certificate.items() if k != "signature"}
    signed = work / "certificate.signed"
    signed.write_bytes(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())
    (work / "certificate.sig").write_bytes(base64.b64decode(certificate["signature"]))
    checked = _openssl_verify(hq_pem, signed, work / "certificate.sig")
    assert checked.returncode == 0 and "Signature Verified Successfully" in checked.stdout, checked

    # 3. The manifest is signed by the post over manifest.json's exact bytes.
    post_pem = _pem(work, "post", certificate["signing_public_key"])
    (work / "manifest.sig.bin").write_bytes(base64.b64decode((orig / "manifest.sig").read_bytes()))
    checked = _openssl_verify(post_pem, orig / "manifest.json", work / "manifest.sig.bin")
    assert checked.returncode == 0 and "Signature Verified Successfully" in checked.stdout, checked
    assert manifest["sender"]["code"] == certificate["station"]["code"] == "BP-VX"

    # 4. The members are exactly the listed ones, with the listed hashes.
    present = sorted(
        p.relative_to(orig).as_posix()
        for p in orig.rglob("*")
        if p.is_file() and p.name not in ("manifest.json", "manifest.sig", "certificate.json")
    )
    listed = sorted(member["name"] for member in manifest["members"])
    assert present == listed and len(listed) == 4
    for member in manifest["members"]:
        assert hashlib.sha256((orig / member["name"]).read_bytes()).hexdigest() == member["sha256"]

    # 5. Each disclosed payload is the original's; only the header differs.
    for name in listed:
        original, copy = (orig / name).read_bytes(), (disc / name).read_bytes()
        assert _payload(copy) == _payload(original) and len(_payload(original)) > 16
        assert copy != original

    # 6. The reference age opens the copy with the auditor's key; the records are all there.
    records = work / "records.jsonl.gz"
    opened = subprocess.run(
        ["age", "-d", "-i", str(auditor_key), "-o", str(records), str(disc / "records.jsonl.gz.age")],
        capture_output=True,
        text=True,
    )
    assert opened.returncode == 0, opened.stderr
    text = subprocess.run(["gunzip", "-c", str(records)], capture_output=True, check=True).stdout
    lines = text.decode().splitlines()
    assert len(lines) == manifest["counts"]["records"]
    types = [json.loads(line)["type"] for line in lines]
    # The three cases, then the post's audit events (metadata and hashes: docs/bundle-format.md).
    assert types.count("case") == 3 and set(types) == {"case", "audit"}
    for name in listed:
        if name.startswith("files/"):
            plain = subprocess.run(
                ["age", "-d", "-i", str(auditor_key), str(disc / name)], capture_output=True, check=True
            ).stdout
            assert hashlib.sha256(plain).hexdigest() == Path(name).stem

    # The original stays closed to the auditor: only HQ's key opens it.
    refused = subprocess.run(
        ["age", "-d", "-i", str(auditor_key), str(orig / "records.jsonl.gz.age")], capture_output=True
    )
    assert refused.returncode != 0

    # One changed byte in manifest.json and openssl refuses the post's signature.
    tampered = bytearray((orig / "manifest.json").read_bytes())
    tampered[len(tampered) // 2] ^= 0x01
    (work / "manifest.tampered").write_bytes(bytes(tampered))
    checked = _openssl_verify(post_pem, work / "manifest.tampered", work / "manifest.sig.bin")
    assert checked.returncode != 0 and "Signature Verified Successfully" not in checked.stdout


def test_a_disclosure_is_recorded_and_refuses_what_it_must(pair: Pair, tmp_path: Path) -> None:
    add_cases(pair, 1, photos=False)
    [bundle] = export_parts(pair, "usb")
    _key, recipient = _auditor_key(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    hq = pair.hq

    def refused(path: Path = bundle, to: str = recipient, ctx: Any = hq.ctx, actor: Any = hq.admin) -> str:
        with pytest.raises(AppError) as caught:
            disclose_bundle(ctx, actor, PASSPHRASE, path, to, out)
        return str(caught.value)

    hq.ctx.users.add(
        hq.admin, "kiemtra", role="analyst", full_name="Kiểm Tra", password=PASSWORD, actor_password=PASSWORD
    )
    assert "may not disclose bundles to an auditor" in refused(actor=hq.ctx.login("kiemtra", PASSWORD))
    assert "only HQ discloses" in refused(ctx=pair.post.ctx, actor=pair.post.admin)
    assert "checksum" in refused(to=recipient[:-1] + ("q" if recipient[-1] != "q" else "p"))
    assert "not an age key" in refused(to="AGE-SECRET-KEY-1QQQQQQ")
    tampered = tmp_path / "tampered.outpost"
    with zipfile.ZipFile(bundle) as old, zipfile.ZipFile(tampered, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(
                info.filename,
                data.replace(b'"BP-VX"', b'"BP-VY"') if info.filename == "manifest.json" else data,
            )
    assert "signature does not match" in refused(path=tampered)
    elsewhere = resigned(pair, bundle, tmp_path / "elsewhere.outpost", recipient=recipient)  # not to HQ
    assert "cannot be decrypted with this register's key" in refused(path=elsewhere)
    assert list(out.iterdir()) == []  # no refusal leaves a file

    done = disclose_bundle(hq.ctx, hq.admin, PASSPHRASE, bundle, recipient, out)
    assert done.file.exists() and done.members == 1
    assert "never replaces" in refused()  # the same disclosure again: the copy is kept as it is
    with hq.ctx.sessions.reads() as session:
        event = session.execute(select(m.AuditEvent).where(m.AuditEvent.action == "disclose")).scalar_one()
        assert (event.actor, event.entity) == ("admin", "station")
        assert recipient in event.diff and bundle.name in event.diff
        assert audit.verify(session.connection()).problems == []


def _documented_steps() -> str:
    """The shell of §1 (``spki_pem``) and §7 (the checks), as the document prints them."""
    text = (ROOT / "docs" / "bundle-format.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.DOTALL)
    spki = next(b for b in blocks if "spki_pem() {" in b).split('spki_pem "$KEY"')[0]
    checks = next(b for b in blocks if "unzip -q" in b)
    return spki + checks


def test_the_documented_shell_steps_pass_and_catch_a_changed_payload(pair: Pair, tmp_path: Path) -> None:
    """§7's commands run as printed (only the bundle's name and HQ's key filled in) on a real bundle."""
    add_cases(pair, 2)
    [bundle] = export_parts(pair, "usb")
    work = tmp_path / "auditor"
    work.mkdir()
    _key, recipient = _auditor_key(work)
    told = _disclose(pair.hq, bundle, recipient, tmp_path / "disclosed")
    shutil.copy(bundle, work)
    shutil.copy(told["file"], work)
    script = re.sub(r"(?m)^B=.*$", f"B={bundle.name.removesuffix('.outpost')}", _documented_steps())
    script = re.sub(r"(?m)^HQ_KEY=.*$", f"HQ_KEY='{told['hq_signing_public_key']}'", script)

    def run(folder: Path) -> list[str]:
        done = subprocess.run(["bash", "-c", script], cwd=folder, capture_output=True, text=True, timeout=120)
        return done.stdout.splitlines()

    lines = run(work)
    assert lines[0] == told["hq_fingerprint"].replace(" ", "")
    assert lines[1] == "issuer key OK"
    assert lines[2] == lines[3] == "Signature Verified Successfully"
    assert "members OK" in lines and "hashes OK" in lines
    assert not [line for line in lines if "DIFFERS" in line]
    assert lines[-2] == lines[-1] and int(lines[-1]) > 2  # the records counted, and counts.records

    # A changed byte in a disclosed payload is named by step 5.
    again = tmp_path / "again"
    again.mkdir()
    shutil.copy(bundle, again)
    shutil.copy(work / "auditor.key", again)
    disclosed = Path(told["file"])
    with zipfile.ZipFile(disclosed) as old, zipfile.ZipFile(again / disclosed.name, "w") as new:
        for info in old.infolist():
            data = bytearray(old.read(info))
            if info.filename == "records.jsonl.gz.age":
                data[-3] ^= 0x01
            new.writestr(info.filename, bytes(data))
    assert "PAYLOAD DIFFERS: records.jsonl.gz.age" in run(again)
