"""Property-based tests of the other files from outside (issue 16): a post's enrolment request at HQ,
HQ's enrolment reply at the post, and a case file given to ``case add``. Each is a real one, changed
by hypothesis (bytes, a JSON value of the wrong type, a huge number, deep nesting, a key named twice,
a field removed), and is either taken exactly as the original (only when what is signed is intact) or
refused with the app's own error naming the file, the register as it was.

A request changed and signed anew with the post's own key, and a reply signed anew with HQ's, are what
a key in the wrong hands can make: they may be accepted, never crash. How many examples:
``tests/conftest.py``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import example, given
from hypothesis import strategies as st

from app.errors import AppError
from app.interchange import parse_cases
from app.json_input import load_json_text
from app.sync import keys
from app.sync.enrol import accept_request, install_reply, make_request
from app.sync.replies import set_reference_items
from app.sync.signing import sign
from app.unlock import log_in
from tests.helpers.cases import EXAMPLE_CASE, sample_case
from tests.helpers.cli import outpost
from tests.helpers.mutations import (
    Plan,
    Working,
    apply_file,
    apply_json,
    file_plans,
    fixed_clock,
    json_plans,
    pristine_copy,
    register_dump,
    taken_or_refused,
)
from tests.helpers.registers import PASSWORD, Post, make_hq, new_post
from tests.helpers.sync import PASSPHRASE, Pair, enrol_second_post


@dataclass
class Enrolment:
    """A real request and reply, each with the register that takes it and what taking the original
    gives."""

    request: Path
    reply: Path
    hq: Working  # before accepting the request (it has its keys: it enrolled another post first)
    post: Working  # before installing the reply
    hq_dump: list[str]
    post_dump: list[str]
    hq_expected: list[str]  # after accepting the original request
    reply_expected: bytes  # the reply HQ writes for it
    post_expected: list[str]  # after installing the original reply
    post_key: Ed25519PrivateKey
    hq_key: Ed25519PrivateKey
    folder: Path

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """How hypothesis shows this fixture beside a failing example: by name, not its megabytes."""
        printer.text("<Enrolment>")


@pytest.fixture(scope="module")
def enrolment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Enrolment]:
    """A post's request and HQ's reply to it, HQ kept as it was before accepting it and the post as it
    was before installing the reply. HQ enrols another post first, so that it has its keys already
    (accepting the first request makes them, at random)."""
    tmp = tmp_path_factory.mktemp("enrolment")
    hq = make_hq(tmp / "hq", clock=fixed_clock)
    post = new_post(tmp / "post", fixed_clock)
    enrol_second_post(Pair(post, hq, tmp), tmp).ctx.close()
    request = tmp / "request.json"
    make_request(post.ctx, post.admin, PASSPHRASE, request)
    hq_pristine = pristine_copy(hq.ctx, hq.data_dir, tmp / "hq-pristine")
    reply = tmp / "reply.json"
    hq_ctx, hq_admin = log_in(hq.data_dir, "admin", PASSWORD, clock=fixed_clock)
    accept_request(hq_ctx, hq_admin, PASSPHRASE, request, reply)
    hq_ctx.close()
    post_pristine = pristine_copy(post.ctx, post.data_dir, tmp / "post-pristine")

    hq_work = Working(hq_pristine, tmp / "hq-work")
    post_work = Working(post_pristine, tmp / "post-work")
    hq_dump, post_dump = register_dump(hq_work.folder), register_dump(post_work.folder)
    accept_request(hq_work.context, hq_work.admin, PASSPHRASE, request, tmp / "reply-again.json")
    hq_expected = register_dump(hq_work.folder)
    install_reply(post_work.context, post_work.admin, PASSPHRASE, reply)
    post_expected = register_dump(post_work.folder)
    hq_work.reset()
    post_work.reset()
    (tmp / "files").mkdir()
    yield Enrolment(
        request=request,
        reply=reply,
        hq=hq_work,
        post=post_work,
        hq_dump=hq_dump,
        post_dump=post_dump,
        hq_expected=hq_expected,
        reply_expected=(tmp / "reply-again.json").read_bytes(),
        post_expected=post_expected,
        post_key=keys.load_signing_key(post.data_dir, PASSPHRASE),
        hq_key=keys.load_signing_key(hq.data_dir, PASSPHRASE),
        folder=tmp / "files",
    )
    hq_work.close()
    post_work.close()


def _accept(enrolment: Enrolment, data: bytes, intact: bool = True) -> None:
    path = enrolment.folder / enrolment.request.name
    path.write_bytes(data)
    out = enrolment.folder / "reply-out.json"
    out.unlink(missing_ok=True)
    hq = enrolment.hq
    accepted = taken_or_refused(
        hq,
        path,
        lambda: accept_request(hq.context, hq.admin, PASSPHRASE, path, out),
        enrolment.hq_dump,
        enrolment.hq_expected if intact else None,
    )
    if accepted and intact:
        assert out.read_bytes() == enrolment.reply_expected
    if not accepted:
        assert not out.exists()


def _install(enrolment: Enrolment, data: bytes, intact: bool = True) -> None:
    path = enrolment.folder / enrolment.reply.name
    path.write_bytes(data)
    post = enrolment.post
    taken_or_refused(
        post,
        path,
        lambda: install_reply(post.context, post.admin, PASSPHRASE, path),
        enrolment.post_dump,
        enrolment.post_expected if intact else None,
    )


def _signed_anew(data: bytes, key: Ed25519PrivateKey) -> bytes:
    """``data`` signed again with ``key`` when it is still a JSON object (a certificate inside too)."""
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the stack: sent as it is
        return data
    if not isinstance(document, dict):
        return data
    try:
        if isinstance(document.get("certificate"), dict):
            document["certificate"] = sign(document["certificate"], key)
        return json.dumps(sign(document, key), ensure_ascii=False).encode()
    except UnicodeEncodeError:  # a lone surrogate cannot be signed: sent as it is
        return data


@given(plan=file_plans())
# A refusal by the signature check did not name the file (test_a_bad_signature_names_…).
@example(plan=("json", ("value", ("created_at",), "2026-11-25T02:31:00Z")))
def test_a_changed_request_is_refused_cleanly_at_hq(enrolment: Enrolment, plan: Plan) -> None:
    _accept(enrolment, apply_file(enrolment.request.read_bytes(), plan))


@given(plan=json_plans())
def test_a_request_signed_anew_is_refused_or_accepted(enrolment: Enrolment, plan: Plan) -> None:
    changed = apply_json(json.loads(enrolment.request.read_bytes()), plan)
    _accept(enrolment, _signed_anew(changed, enrolment.post_key), intact=False)


@given(plan=file_plans())
def test_a_changed_reply_is_refused_cleanly_at_the_post(enrolment: Enrolment, plan: Plan) -> None:
    _install(enrolment, apply_file(enrolment.reply.read_bytes(), plan))


@given(plan=json_plans())
# A null station in the certificate was an AttributeError (test_a_reply_whose_certificate_names_…).
@example(plan=("value", ("certificate", "station"), None))
def test_a_reply_signed_anew_is_refused_or_installed(enrolment: Enrolment, plan: Plan) -> None:
    changed = apply_json(json.loads(enrolment.reply.read_bytes()), plan)
    _install(enrolment, _signed_anew(changed, enrolment.hq_key), intact=False)


# The reference entries HQ sends every post (``outpost reference set``), as docs/bundle-format.md §4 has them.
REFERENCE = {
    "kind": "detection_methods",
    "items": [
        {"code": "drone", "vi": "Thiết bị bay không người lái", "en": "Drone"},
        {"code": "k9", "vi": "Chó nghiệp vụ", "en": "Sniffer dog"},
    ],
}


@given(plan=file_plans())
def test_a_changed_reference_file_is_stored_or_refused_cleanly_at_hq(
    enrolment: Enrolment, plan: Plan
) -> None:
    path = enrolment.folder / "reference.json"
    path.write_bytes(apply_file(json.dumps(REFERENCE, ensure_ascii=False).encode(), plan))
    hq = enrolment.hq
    taken_or_refused(
        hq, path, lambda: set_reference_items(hq.context, hq.admin, path), enrolment.hq_dump, None
    )


# ----- case files --------------------------------------------------------------------------------


@dataclass
class CaseFiles:
    post: Post
    documents: list[dict[str, Any]]  # two real cases as the register prints them
    folder: Path

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """How hypothesis shows this fixture beside a failing example: by name, not its megabytes."""
        printer.text("<CaseFiles>")


@pytest.fixture(scope="module")
def case_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaseFiles]:
    tmp = tmp_path_factory.mktemp("case-files")
    post = new_post(tmp / "post", fixed_clock)
    [example] = parse_cases(EXAMPLE_CASE, post.ctx.reference, now=fixed_clock())
    documents = [post.ctx.cases.create(post.officer, case).document for case in (sample_case(), example)]
    folder = tmp / "files"
    folder.mkdir()
    yield CaseFiles(post, documents, folder)
    post.ctx.close()


def _add(files: CaseFiles, data: bytes) -> None:
    """``case add`` on ``data``, as the command does it: cases written, or the app's own error with the
    register as it was."""
    path = files.folder / "cases.json"
    path.write_bytes(data)
    ctx = files.post.ctx
    before = register_dump(files.post.data_dir)
    try:
        items = parse_cases(load_json_text(data.decode(), str(path)), ctx.reference, now=ctx.clock())
        ctx.cases.create_many(files.post.officer, items)
    except UnicodeDecodeError:
        pass  # the command refuses text that is not UTF-8 before reading it (``cli.cases``)
    except AppError:
        assert register_dump(files.post.data_dir) == before


@given(one=st.booleans(), plan=file_plans())
@example(one=False, plan=("json", ("raw", (0, "place"), '"\\ud800"')))
def test_a_changed_case_file_is_added_or_refused_cleanly(
    case_files: CaseFiles, one: bool, plan: Plan
) -> None:
    documents = case_files.documents[0] if one else case_files.documents
    _add(case_files, apply_file(json.dumps(documents, ensure_ascii=False).encode(), plan))


def test_the_command_line_refuses_changed_files_without_a_traceback(
    enrolment: Enrolment, case_files: CaseFiles
) -> None:
    """A few of the changes through the command: exit code 2, the file named, no traceback."""
    request = json.loads(enrolment.request.read_bytes())
    path = enrolment.folder / "cli-request.json"
    path.write_bytes(apply_json(request, ("raw", ("station",), "[" * 5000 + "]" * 5000)))
    env = {"OUTPOST_KEY_PASSPHRASE": PASSPHRASE}
    result = outpost(enrolment.hq.folder, "enroll", "accept", str(path), "--out", "x.json", env=env)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and path.name in result.stderr
    unchanged = [line for line in enrolment.hq_dump if not line.startswith("users: ")]
    assert register_dump(enrolment.hq.folder, ("users",)) == unchanged  # but the log-in's time
    enrolment.hq.reset()  # the log-in wrote its time: the next tests start from the pristine register
    cases = case_files.folder / "cli-cases.json"
    for raw in ("9" * 5000, '"\\ud800"'):
        cases.write_bytes(apply_json(case_files.documents, ("raw", (0, "place"), raw)))
        result = outpost(case_files.post.data_dir, "case", "add", str(cases), password=PASSWORD)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr


# ----- what the properties found, kept as examples -------------------------------------------------


def test_a_bad_signature_names_the_request_and_the_reply(enrolment: Enrolment) -> None:
    """The signature and key checks know no file: their refusals did not say which one was refused."""
    hq, post = enrolment.hq, enrolment.post
    for path, take in (
        (
            enrolment.request,
            lambda p: accept_request(hq.context, hq.admin, PASSPHRASE, p, p.with_suffix(".out")),
        ),
        (enrolment.reply, lambda p: install_reply(post.context, post.admin, PASSPHRASE, p)),
    ):
        document = json.loads(path.read_bytes())
        document["created_at"] = "2026-11-25T02:31:00Z"  # no longer what was signed
        changed = enrolment.folder / path.name
        changed.write_text(json.dumps(document))
        with pytest.raises(AppError, match=f"^{path.name}: the .*signature does not match its contents"):
            take(changed)
    assert register_dump(hq.folder) == enrolment.hq_dump
    assert register_dump(post.folder) == enrolment.post_dump


def test_a_reply_whose_certificate_names_no_station_is_refused(enrolment: Enrolment) -> None:
    """A reply signed by HQ's key whose certificate's ``station`` is null crashed the install with an
    ``AttributeError``."""
    changed = apply_json(
        json.loads(enrolment.reply.read_bytes()), ("value", ("certificate", "station"), None)
    )
    path = enrolment.folder / enrolment.reply.name
    path.write_bytes(_signed_anew(changed, enrolment.hq_key))
    post = enrolment.post
    with pytest.raises(AppError, match="is the certificate of another station"):
        install_reply(post.context, post.admin, PASSPHRASE, path)
    assert register_dump(post.folder) == enrolment.post_dump
