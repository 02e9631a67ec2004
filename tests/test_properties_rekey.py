"""Property-based tests of the re-key files and the key-slot file from outside (issue 17): a post's
re-key request at HQ, HQ's re-key reply at the post, and ``register.keys`` at log-in. Each is a real
one changed by hypothesis (bytes, a JSON value of the wrong type, a huge number, deep nesting, a key
named twice, a field removed), as tests/test_properties_inputs.py changes the enrolment files.

A changed re-key file is taken exactly as the original (only when what is signed is intact) or refused
with the app's own error naming the file, the register as it was and no reply written. A request signed
anew with the post's new key is what that key's holder can make: accepted or refused, never a crash.
A changed key-slot file opens the register as the original does (the log-in screen's hints changed,
nothing else) or is refused with the app's own error, naming ``register.keys`` unless it is a
log-in's refusal (a changed sealed key cannot be told from a wrong password: that is the point of
sealing it; a slot removed is a user without one); the register is never changed. How many
examples: ``tests/conftest.py``."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import example, given

from app.errors import AuthError
from app.keyslots import SLOTS_FILE
from app.sync import keys
from app.sync.rekey import accept_request, install_reply, make_request
from app.sync.signing import sign
from app.unlock import log_in
from tests.helpers.mutations import (
    Plan,
    Working,
    apply_file,
    apply_json,
    file_plans,
    fixed_clock,
    json_plans,
    pristine_copy,
    refusal,
    register_dump,
    taken_or_refused,
)
from tests.helpers.registers import PASSWORD, make_hq, new_post
from tests.helpers.sync import PASSPHRASE, enrol_post


@dataclass
class Rekeying:
    """A real re-key request and HQ's reply to it, each with the register that takes it and what
    taking the original gives."""

    request: Path
    reply: Path
    fingerprint: str  # of the request's new key, as read out by phone
    hq: Working  # before accepting the request
    post: Working  # after making the request (its new keys pending), before installing the reply
    hq_dump: list[str]
    post_dump: list[str]
    hq_expected: list[str]
    reply_expected: bytes
    post_expected: list[str]
    new_key: Ed25519PrivateKey  # the post's pending key, which signs the request
    folder: Path

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """How hypothesis shows this fixture beside a failing example: by name, not its megabytes."""
        printer.text("<Rekeying>")


@pytest.fixture(scope="module")
def rekeying(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rekeying]:
    """A post enrolled with HQ rotates its keys: its request, HQ before accepting it, HQ's reply, and the
    post before installing the reply."""
    tmp = tmp_path_factory.mktemp("rekey")
    hq = make_hq(tmp / "hq", clock=fixed_clock)
    post = new_post(tmp / "post", fixed_clock)
    enrol_post(post, hq, tmp)
    request = tmp / "rekey-request.json"
    asked = make_request(post.ctx, post.admin, PASSPHRASE, request, rotate=True)
    hq_pristine = pristine_copy(hq.ctx, hq.data_dir, tmp / "hq-pristine")
    post_pristine = pristine_copy(post.ctx, post.data_dir, tmp / "post-pristine")
    hq_work = Working(hq_pristine, tmp / "hq-work")
    post_work = Working(post_pristine, tmp / "post-work")
    hq_dump, post_dump = register_dump(hq_work.folder), register_dump(post_work.folder)
    reply = tmp / "rekey-reply.json"
    accept_request(hq_work.context, hq_work.admin, PASSPHRASE, request, reply, asked.station_fingerprint)
    hq_expected = register_dump(hq_work.folder)
    install_reply(post_work.context, post_work.admin, PASSPHRASE, reply)
    post_expected = register_dump(post_work.folder)
    hq_work.reset()
    post_work.reset()
    (tmp / "files").mkdir()
    yield Rekeying(
        request=request,
        reply=reply,
        fingerprint=asked.station_fingerprint,
        hq=hq_work,
        post=post_work,
        hq_dump=hq_dump,
        post_dump=post_dump,
        hq_expected=hq_expected,
        reply_expected=reply.read_bytes(),
        post_expected=post_expected,
        new_key=keys.load_pending_signing_key(post_pristine, PASSPHRASE),
        folder=tmp / "files",
    )
    hq_work.close()
    post_work.close()


def _accept(rekeying: Rekeying, data: bytes, intact: bool = True) -> None:
    path = rekeying.folder / rekeying.request.name
    path.write_bytes(data)
    out = rekeying.folder / "reply-out.json"
    out.unlink(missing_ok=True)
    hq = rekeying.hq
    accepted = taken_or_refused(
        hq,
        path,
        lambda: accept_request(hq.context, hq.admin, PASSPHRASE, path, out, rekeying.fingerprint),
        rekeying.hq_dump,
        rekeying.hq_expected if intact else None,
    )
    if accepted and intact:
        assert out.read_bytes() == rekeying.reply_expected
    if not accepted:
        assert not out.exists()


def _install(rekeying: Rekeying, data: bytes) -> None:
    path = rekeying.folder / rekeying.reply.name
    path.write_bytes(data)
    post = rekeying.post
    installed = taken_or_refused(
        post,
        path,
        lambda: install_reply(post.context, post.admin, PASSPHRASE, path),
        rekeying.post_dump,
        rekeying.post_expected,
    )
    if not installed:  # the pending keys wait for a sound reply
        assert (post.folder / "keys" / "pending").is_dir()


def _signed_anew(data: bytes, key: Ed25519PrivateKey) -> bytes:
    """``data`` signed again with ``key`` when it is still a JSON object."""
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the stack: sent as it is
        return data
    if not isinstance(document, dict):
        return data
    document.pop("signature", None)
    try:
        return json.dumps(sign(document, key), ensure_ascii=False).encode()
    except UnicodeEncodeError:  # a lone surrogate cannot be signed: sent as it is
        return data


@given(plan=file_plans())
@example(plan=("json", ("value", ("sequence", "last"), 10**40)))
def test_a_changed_rekey_request_is_refused_cleanly_at_hq(rekeying: Rekeying, plan: Plan) -> None:
    _accept(rekeying, apply_file(rekeying.request.read_bytes(), plan))


@given(plan=json_plans())
@example(plan=("delete", ("previous_signature",)))  # no longer a rotation: accepted as a replaced laptop
def test_a_rekey_request_signed_anew_is_refused_or_accepted(rekeying: Rekeying, plan: Plan) -> None:
    changed = apply_json(json.loads(rekeying.request.read_bytes()), plan)
    _accept(rekeying, _signed_anew(changed, rekeying.new_key), intact=False)


@given(plan=file_plans())
@example(plan=("json", ("value", ("versions",), {"not-a-case": 10**40})))
@example(plan=("json", ("delete", ("certificate",))))  # was a KeyError
def test_a_changed_rekey_reply_is_refused_cleanly_at_the_post(rekeying: Rekeying, plan: Plan) -> None:
    _install(rekeying, apply_file(rekeying.reply.read_bytes(), plan))


# ----- the key-slot file ---------------------------------------------------------------------------


@dataclass
class Slots:
    """A register whose ``register.keys`` is changed before each log-in, and what it holds."""

    pristine: Path
    folder: Path
    original: bytes
    dump: list[str]

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text("<Slots>")


@pytest.fixture(scope="module")
def slots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slots]:
    tmp = tmp_path_factory.mktemp("slots")
    post = new_post(tmp / "post", fixed_clock)
    pristine = pristine_copy(post.ctx, post.data_dir, tmp / "pristine")
    yield Slots(pristine, tmp / "work", (pristine / SLOTS_FILE).read_bytes(), register_dump(pristine))


def _log_in_with(slots: Slots, data: bytes) -> None:
    """Log in as the admin with ``register.keys`` replaced by ``data``: the register opens for the admin
    as it does with the original, or the app's own error refuses it; the register is unchanged."""
    shutil.rmtree(slots.folder, ignore_errors=True)
    shutil.copytree(slots.pristine, slots.folder)
    (slots.folder / SLOTS_FILE).write_bytes(data)
    result, error = refusal(lambda: log_in(slots.folder, "admin", PASSWORD, clock=fixed_clock))
    if error is None:
        ctx, actor = result
        ctx.close()
        assert (actor.username, actor.role) == ("admin", "admin")  # the register's role, not the file's
        return
    if not isinstance(error, AuthError):  # a log-in refusal (wrong password, no such user, locked out)
        assert SLOTS_FILE in error.message, error.message
    (slots.folder / SLOTS_FILE).write_bytes(slots.original)  # the dump reads the register's key from it
    assert register_dump(slots.folder) == slots.dump


@given(plan=file_plans())
@example(plan=("json", ("value", ("users", "admin", "role"), "officer")))
@example(plan=("json", ("delete", ("users", "admin"))))
# A sealed key whose header is not JSON, or asks Argon2 for no lanes, crashed the log-in.
@example(plan=("json", ("value", ("users", "admin", "wrapped"), "T1BLVzEABXtiYWR9" + "A" * 80)))
@example(plan=("json", ("value", ("users", "admin", "wrapped"),
                        "T1BLVzEAFnsidCI6MSwibSI6MTAyNCwicCI6MH0" + "A" * 80 + "=")))
def test_a_changed_key_slot_file_opens_as_before_or_is_refused_cleanly(slots: Slots, plan: Plan) -> None:
    _log_in_with(slots, apply_file(slots.original, plan))
