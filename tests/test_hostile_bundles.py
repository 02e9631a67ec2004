"""Hostile bundle files that crashed an import with a traceback (issue 16): damaged deflate data,
JSON values of the wrong type, huge integers, deep nesting, and files signed with a post's own key that
say what a post never writes. Each one is a clean refusal naming the file and the problem, and the
register is unchanged; a small file expanding to millions of record lines is refused early.

The tests with an HQ run with HQ on SQLite and on PostgreSQL (``both_engines``)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.sync import bundle, keys
from app.sync.bundle import CERTIFICATE, MANIFEST, RECORDS, Member, write_bundle
from app.sync.replies import make_reply
from tests.helpers.cli import ROOT
from tests.helpers.registers import PASSWORD
from tests.helpers.sync import (
    PASSPHRASE,
    Pair,
    add_cases,
    assert_refused,
    export_parts,
    import_at_hq,
    import_at_post,
    register_snapshot,
    resigned,
    rewritten,
)

pytestmark = pytest.mark.both_engines

HUGE = "9" * 5000  # Python's int() refuses more than 4 300 digits with a ValueError
DEEP = "[" * 100_000 + "]" * 100_000  # deeper than the stack: json.loads raises RecursionError


def _good(pair: Pair) -> Path:
    add_cases(pair, 1, photos=False)
    return export_parts(pair, "out")[0]


def _json_member(
    name: str, change: Callable[[dict[str, Any]], object]
) -> Callable[[str, bytes], tuple[str, bytes]]:
    """A ``rewritten`` change that alters the JSON member ``name`` (its signature no longer holds,
    but the file must be refused for its content before the signature is looked at)."""

    def alter(member: str, data: bytes) -> tuple[str, bytes]:
        if member != name:
            return member, data
        document = json.loads(data)
        change(document)
        return member, json.dumps(document).encode()

    return alter


def _raw_member(name: str, text: bytes) -> Callable[[str, bytes], tuple[str, bytes]]:
    return lambda member, data: (member, text if member == name else data)


def _damaged_deflate(source: Path, target: Path, name: str) -> Path:
    """``source`` with ``name`` stored deflated and its deflate data replaced by bytes no inflater
    accepts (block type 3 is reserved), so that reading it raises ``zlib.error``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info), zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(target) as archive:
        info = archive.getinfo(name)
    raw = bytearray(target.read_bytes())
    name_length = int.from_bytes(raw[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_length = int.from_bytes(raw[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_length + extra_length
    raw[start : start + info.compress_size] = b"\xff" * info.compress_size
    target.write_bytes(bytes(raw))
    return target


def test_a_member_with_damaged_deflate_data_is_refused(pair: Pair) -> None:
    good = _good(pair)
    for name in (MANIFEST, CERTIFICATE):
        damaged = _damaged_deflate(good, pair.tmp / f"deflate-{name}.outpost", name)
        assert_refused(pair, damaged, f"the member {name!r} is damaged and cannot be read")
    assert import_at_hq(pair, [good]).new == 1


def test_a_zip_version_python_cannot_read_is_refused_by_name(pair: Pair) -> None:
    """A changed byte in a member's "version needed to extract" (found by the property tests: 16.4)
    makes Python's zip reader raise NotImplementedError, at the post and at HQ: a refusal naming the
    file and the problem, not "unexpected"."""
    good = _good(pair)
    data = bytearray(good.read_bytes())
    central = data.index(b"PK\x01\x02")  # the first member's central directory entry
    data[central + 6 : central + 8] = (164).to_bytes(2, "little")  # version needed: 16.4
    changed = pair.tmp / "version.outpost"
    changed.write_bytes(bytes(data))
    assert_refused(pair, changed, "a zip feature Outpost never writes (zip file version 16.4)")
    summary = import_at_post(pair, [changed])
    assert summary.rejected and "zip file version 16.4" in summary.rejected[0]["reason"]
    assert "unexpected" not in summary.rejected[0]["reason"]
    assert import_at_hq(pair, [good]).new == 1


def test_json_fields_of_the_wrong_type_are_refused(pair: Pair) -> None:
    good = _good(pair)
    for number, (name, change, reason) in enumerate(
        [
            (CERTIFICATE, lambda c: c.update(issuer=["BCH-AG"]), "issuer is not a JSON object"),
            (CERTIFICATE, lambda c: c.update(issuer="BCH-AG"), "issuer is not a JSON object"),
            (CERTIFICATE, lambda c: c["issuer"].update(id=7), "issuer.id has the wrong type"),
            (CERTIFICATE, lambda c: c.update(station=1.5), "station is not a JSON object"),
            (CERTIFICATE, lambda c: c.update(signature={"a": 1}), "signature has the wrong type"),
            (MANIFEST, lambda m: m.update(recipient="BCH-AG"), "recipient is not a JSON object"),
            (MANIFEST, lambda m: m.update(counts=[1, 0]), "counts is not a JSON object"),
            (MANIFEST, lambda m: m.update(members={"a": 1}), "members has the wrong type"),
            (MANIFEST, lambda m: m.update(bundle_id=["x"]), "bundle_id has the wrong type"),
        ]
    ):
        path = rewritten(good, pair.tmp / f"type-{number}.outpost", _json_member(name, change))
        assert_refused(pair, path, f"{path.name}: {name}: {reason}")
    for number, text in enumerate([b"[1, 2]", b'"a certificate"', b"null"]):
        path = rewritten(good, pair.tmp / f"not-object-{number}.outpost", _raw_member(CERTIFICATE, text))
        assert_refused(pair, path, f"{CERTIFICATE} is not a JSON object")


def test_huge_integers_are_refused(pair: Pair) -> None:
    good = _good(pair)
    for name in (MANIFEST, CERTIFICATE):
        path = rewritten(
            good,
            pair.tmp / f"huge-{name}.outpost",
            _json_member(name, lambda d: d.update(extra=0)),
        )
        path = rewritten(
            path,
            pair.tmp / f"huge2-{name}.outpost",
            lambda m, d, n=name: (m, d.replace(b'"extra": 0', b'"extra": ' + HUGE.encode()) if m == n else d),
        )
        assert_refused(pair, path, "more than 40 digits")
    opened = bundle.open_bundle(good, bundle.certificate_key)
    record = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))[0]
    payload = json.dumps(record).replace('"version": ', f'"version": {HUGE}, "v": ', 1).encode() + b"\n"
    assert_refused(
        pair,
        resigned(pair, good, pair.tmp / "huge-record.outpost", records=[record], payload=payload),
        "record line 1 is not valid JSON",
    )


def test_deep_nesting_is_refused_at_hq(pair: Pair) -> None:
    good = _good(pair)
    for name in (MANIFEST, CERTIFICATE):
        text = b'{"format": ' + DEEP.encode() + b"}"
        path = rewritten(good, pair.tmp / f"deep-{name}.outpost", _raw_member(name, text))
        with zipfile.ZipFile(path) as archive:
            assert archive.getinfo(name).compress_type == zipfile.ZIP_STORED
        assert_refused(pair, path, f"{name}: nested more than 64 levels deep")
    opened = bundle.open_bundle(good, bundle.certificate_key)
    record = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))[0]
    payload = json.dumps({**record, "x": 0}).replace('"x": 0', f'"x": {DEEP}').encode() + b"\n"
    path = resigned(pair, good, pair.tmp / "deep-record.outpost", records=[record], payload=payload)
    assert_refused(pair, path, "record line 1 is not valid JSON: nested more than 64 levels deep")


def test_hostile_return_bundles_are_refused_at_the_post(pair: Pair) -> None:
    add_cases(pair, 1, photos=False)
    import_at_hq(pair, export_parts(pair, "one"))
    reply = make_reply(pair.hq.ctx, pair.hq.admin, PASSPHRASE, "BP-VX", pair.tmp / "back")
    with zipfile.ZipFile(reply) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        certificate = json.loads(archive.read(CERTIFICATE))
    manifest.pop("members")
    hq_key = keys.load_signing_key(pair.hq.data_dir, PASSPHRASE)
    post_recipient = str(keys.load_encryption_identity(pair.post.data_dir, PASSPHRASE).to_public())
    before = register_snapshot(pair.post.data_dir)
    files: list[tuple[Path, str]] = [
        (
            rewritten(reply, pair.tmp / "r-deep.outpost", _raw_member(MANIFEST, DEEP.encode())),
            "nested more than",
        ),
        (
            rewritten(reply, pair.tmp / "r-deflate.outpost", _raw_member(MANIFEST, b"{}")),
            "not an Outpost bundle",
        ),
        (_damaged_deflate(reply, pair.tmp / "r-zlib.outpost", CERTIFICATE), "is damaged and cannot be read"),
        (
            rewritten(
                reply, pair.tmp / "r-type.outpost", _json_member(CERTIFICATE, lambda c: c.update(id=[1]))
            ),
            "id has the wrong type",
        ),
    ]
    for number, (text, reason) in enumerate(
        [
            (b'{"type": "watch", "x": ' + DEEP.encode() + b"}\n", "nested more than 64 levels deep"),
            (b'{"type": "receipt", "acknowledged_seq": ' + HUGE.encode() + b"}\n", "more than 40 digits"),
            (b"[]\n", "not a JSON object"),
            (b'{"type": ["receipt"]}\n', "unknown record type"),
            (  # a boolean is not a sequence number (found by mutating every field of real records)
                json.dumps(
                    {"type": "receipt", "station_id": pair.post.ctx.station_id, "acknowledged_seq": True}
                ).encode()
                + b"\n",
                "without a valid sequence",
            ),
        ]
    ):
        path = pair.tmp / f"r-record-{number}.outpost"
        changed = {**manifest, "bundle_id": f"f0000000-0000-4000-8000-0000000000{number:02d}"}
        changed["counts"] = {"records": 1, "files": 0}
        write_bundle(path, changed, [Member(RECORDS, text)], certificate, hq_key, post_recipient)
        files.append((path, reason))
    for path, reason in files:
        summary = import_at_post(pair, [path])
        assert len(summary.rejected) == 1 and summary.rejected[0]["file"] == path.name, summary.rejected
        assert reason in summary.rejected[0]["reason"], (path.name, summary.rejected[0]["reason"])
        assert register_snapshot(pair.post.data_dir) == before
    assert import_at_post(pair, [reply]).rejected == []


def test_what_a_post_never_writes_is_refused_even_when_signed_with_its_key(pair: Pair) -> None:
    good = _good(pair)
    opened = bundle.open_bundle(good, bundle.certificate_key)
    record = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))[0]
    foreign = {**record, "document": {**record["document"], "number": "BP-TB/2023/00001"}}
    for name, records, reason in (
        ("foreign", [foreign], "the number does not begin with the sender's code BP-VX"),
        ("companion", [{**record, "companion": False}], "its companion flag is not valid"),
        ("empty", [], "the part holds no records"),
    ):
        assert_refused(pair, resigned(pair, good, pair.tmp / f"{name}.outpost", records=records), reason)
    assert import_at_hq(pair, [good]).new == 1


def test_a_small_bundle_expanding_to_millions_of_lines_is_refused_early(pair: Pair) -> None:
    """8 million ``{}`` lines (24 MB) gzip to about 25 KB: refused at the first line beyond the declared
    count, or at the first line that is not a record, without reading the rest."""
    good = _good(pair)
    opened = bundle.open_bundle(good, bundle.certificate_key)
    record = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))[0]
    lines = b"{}\n" * 8_000_000
    first = json.dumps(record).encode() + b"\n"
    made: list[tuple[Path, str]] = []
    for name, payload, declared, reason in (
        ("lying", first + lines, 1, "more than the 1 lines the manifest declares"),
        ("honest", lines, 8_000_000, "record 1: unknown record type None"),
    ):

        def declare(manifest: dict[str, Any], declared: int = declared) -> None:
            manifest["counts"]["records"] = declared

        path = resigned(pair, good, pair.tmp / f"{name}.outpost", declare, records=[record], payload=payload)
        peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        assert_refused(pair, path, reason)
        elapsed = time.perf_counter() - started
        made.append((path, reason))
        peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            f"\n{name}: {path.stat().st_size / 1024:.1f} KB file refused in {elapsed:.2f} s; "
            f"test process peak RSS {peak_before / 1024:.0f} MB before, {peak_after / 1024:.0f} MB after"
        )
    # The same refusal by the command line in a process of its own, which reports its own peak memory
    # (VmHWM: ru_maxrss of a child would include the test process it was forked from).
    pair.hq.ctx.close()
    report = (
        "import atexit, runpy, sys\n"
        "def peak():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM'):\n"
        "            sys.stderr.write('PEAK ' + line.split()[1] + '\\n')\n"
        "atexit.register(peak)\n"
        "sys.argv = ['outpost', 'import', sys.argv[1]]\n"
        "runpy.run_module('cli', run_name='__main__')\n"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OUTPOST_")}
    environment.update(
        OUTPOST_DATA_DIR=str(pair.hq.data_dir),
        OUTPOST_ARGON2_PROFILE="test",
        OUTPOST_PASSWORD=PASSWORD,
        OUTPOST_KEY_PASSPHRASE=PASSPHRASE,
    )
    for path, reason in made:
        started = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-c", report, str(path)],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
        assert run.returncode == 3 and reason in run.stderr and "Traceback" not in run.stderr, run.stderr
        peak = int(run.stderr.split("PEAK ")[1].split()[0]) / 1024
        print(f"outpost import of {path.name} in a process of its own: {elapsed:.2f} s, peak {peak:.0f} MB")


def test_hostile_enrolment_files_are_refused(pair: Pair) -> None:
    """A request at HQ and a reply at a post go through the same bounded reader."""
    from app.errors import ValidationError
    from app.sync.enrol import accept_request, install_reply, make_request

    request, reply = pair.tmp / "request.json", pair.tmp / "reply.json"  # written by ``enrol_post``
    documents = {"request": json.loads(request.read_text()), "reply": json.loads(reply.read_text())}
    hostile = {
        "deep": lambda d: '{"format": ' + DEEP + "}",
        "huge": lambda d: json.dumps({**d, "version": 0}).replace('"version": 0', '"version": ' + HUGE),
        "station-list": lambda d: json.dumps({**d, "station": ["BP-VX"]}),
        "certificate-text": lambda d: json.dumps({**d, "certificate": "x"}),
        "issuer-list": lambda d: json.dumps(
            {**d, "certificate": {**d.get("certificate", {}), "issuer": [1]}}
        ),
        "hq-number": lambda d: json.dumps({**d, "hq": 5}),
    }
    before = (register_snapshot(pair.hq.data_dir), register_snapshot(pair.post.data_dir))
    for kind, document in documents.items():
        for name, make in hostile.items():
            path = pair.tmp / f"{kind}-{name}.json"
            path.write_text(make(document), encoding="utf-8")
            try:
                if kind == "request":
                    accept_request(pair.hq.ctx, pair.hq.admin, PASSPHRASE, path, pair.tmp / "out.json")
                else:
                    install_reply(pair.post.ctx, pair.post.admin, PASSPHRASE, path)
            except ValidationError as exc:
                assert path.name in exc.message, exc.message
            else:
                raise AssertionError(f"{path.name} was accepted")
    assert (register_snapshot(pair.hq.data_dir), register_snapshot(pair.post.data_dir)) == before
    assert not (pair.tmp / "out.json").exists()
    make_request(pair.post.ctx, pair.post.admin, PASSPHRASE, pair.tmp / "again.json")  # still works


def test_import_inbox_moves_a_crashing_file_aside_and_imports_the_good_one(pair: Pair) -> None:
    """Issue 16's "done when": ``import --inbox`` with a file that crashed the import plus a good
    bundle imports the good one and moves the bad one to ``refused/`` with its reason."""
    from app.sync.inbox import inbox_folder
    from tests.helpers.cli import outpost

    good = _good(pair)
    folder = inbox_folder(pair.hq.ctx)
    folder.mkdir(parents=True)
    (folder / good.name).write_bytes(good.read_bytes())
    _damaged_deflate(good, folder / "a-zlib.outpost", MANIFEST)  # sorted first: it used to crash the run
    deep = rewritten(good, folder / "b-deep.outpost", _raw_member(CERTIFICATE, DEEP.encode()))
    before = register_snapshot(pair.hq.data_dir)
    pair.hq.ctx.close()
    run = outpost(pair.hq.data_dir, "import", "--inbox", env={"OUTPOST_KEY_PASSPHRASE": PASSPHRASE})
    assert run.returncode == 3 and "Traceback" not in run.stderr, run.stderr
    assert json.loads(run.stdout)["new"] == 1
    assert "moved 2 refused file(s)" in run.stderr and "the other files were imported" in run.stderr
    assert sorted(p.name for p in (folder / "refused").iterdir()) == [
        "a-zlib.outpost",
        "a-zlib.txt",
        "b-deep.outpost",
        "b-deep.txt",
    ]
    assert "is damaged and cannot be read" in (folder / "refused" / "a-zlib.txt").read_text(encoding="utf-8")
    assert "nested more than 64 levels deep" in (folder / "refused" / "b-deep.txt").read_text(
        encoding="utf-8"
    )
    assert (folder / "imported" / good.name).is_file() and not deep.exists()
    assert register_snapshot(pair.hq.data_dir) != before
    again = outpost(pair.hq.data_dir, "import", "--inbox", env={"OUTPOST_KEY_PASSPHRASE": PASSPHRASE})
    assert again.returncode == 0, again.stderr


def test_a_failure_no_check_foresaw_refuses_only_its_file(pair: Pair, monkeypatch: Any) -> None:
    """Should a file still break the reader in a way not met yet, it is refused (and logged) like any
    other: the inbox moves it aside and imports the good bundle beside it."""
    from app.sync import verify
    from app.sync.inbox import inbox_folder
    from app.sync.receive import receive

    good = _good(pair)
    folder = inbox_folder(pair.hq.ctx)
    folder.mkdir(parents=True)
    (folder / good.name).write_bytes(good.read_bytes())
    (folder / "a-strange.outpost").write_bytes(good.read_bytes())
    real_open = verify.open_bundle

    def breaking(path: Path, issuer: Any) -> Any:
        if path.name == "a-strange.outpost":
            raise KeyError("a reader bug")
        return real_open(path, issuer)

    monkeypatch.setattr(verify, "open_bundle", breaking)
    paths = sorted(folder.glob("*.outpost"))
    received = receive(pair.hq.ctx, pair.hq.admin, PASSPHRASE, paths, move_refused=True)
    assert received.summary.new == 1 and received.summary.applied == [good.name]
    assert [r["file"] for r in received.summary.rejected] == ["a-strange.outpost"]
    assert "could not be read (unexpected KeyError)" in received.summary.rejected[0]["reason"]
    assert [p.name for p in received.refused] == ["a-strange.outpost"]
    assert received.filed == (good.name,)


def test_a_record_line_longer_than_the_limit_is_refused(pair: Pair, monkeypatch: Any) -> None:
    good = _good(pair)
    opened = bundle.open_bundle(good, bundle.certificate_key)
    record = bundle.read_lines(opened, keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE))[0]
    monkeypatch.setattr(bundle, "MAX_RECORD_LINE", 4096)  # 64 MB in use; the same code either way
    monkeypatch.setattr(bundle, "INFLATE_STEP", 1000)
    payload = json.dumps({**record, "x": "a" * 10_000}).encode()  # one line, no newline at all
    path = resigned(pair, good, pair.tmp / "long.outpost", records=[record], payload=payload)
    assert_refused(pair, path, "a record line is longer than")


def test_a_mistyped_file_name_is_not_found_before_anything_is_read(pair: Pair) -> None:
    """``outpost import`` with a name that is no file (a typo, a folder): exit 6 ("not found") naming
    it, before the log-in and before any other file is read; not "a rejected bundle" (exit 3)."""
    from tests.helpers.cli import outpost

    good = _good(pair)
    before = register_snapshot(pair.hq.data_dir)
    pair.hq.ctx.close()
    typo = pair.tmp / "BP-VX-to-BCH-AG.outpsot"
    run = outpost(
        pair.hq.data_dir,
        "import",
        str(good),
        str(typo),
        str(pair.tmp),
        password=None,
        env={"OUTPOST_KEY_PASSPHRASE": PASSPHRASE},
    )  # no password: a log-in would be refused with exit 5
    assert run.returncode == 6 and "Traceback" not in run.stderr, run.stderr
    assert f"{typo}: no such file" in run.stderr and f"{pair.tmp}: a folder, not a bundle file" in run.stderr
    assert str(good) not in run.stderr and run.stdout == ""
    assert register_snapshot(pair.hq.data_dir) == before
