"""The keys informants are sealed to come only from signed material and are checked each time a tip
is sealed: a key changed with plain SQL makes the next tip-off refuse, and ``audit verify`` names it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app import tip_keys
from app.errors import AuthError
from app.sync import keys, keywrap
from app.sync.signing import b64, sign
from app.tip_keys import TipKeyChanged
from tests.helpers.cli import outpost
from tests.helpers.registers import PASSWORD, Post, register_sql
from tests.helpers.sync import PASSPHRASE, Pair

THIEF = str(pyrage.x25519.Identity.generate().to_public())
INFORMANT = "Lê Thị Tin, 0912 345 678"


def add_tip(post: Post, informant: str | None = INFORMANT) -> str:
    return post.ctx.tips.add(
        post.officer, received_at=datetime(2026, 11, 20, 14, 0, tzinfo=UTC), channel="phone",
        content="Xe tải chở đường qua mốc 264", informant=informant,
    ).id


def tip_count(post: Post) -> int:
    with register_sql(post.data_dir) as conn:
        return int(conn.execute("SELECT count(*) FROM tips").fetchone()[0])


def test_the_issues_tamper_of_the_stations_tip_key_refuses_the_next_tip(post: Post) -> None:
    tip_id = add_tip(post)  # all in order: sealed and readable by the chief
    assert post.ctx.tips.read_informant(post.chief, tip_id, PASSWORD) == INFORMANT
    with register_sql(post.data_dir) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'tip_recipient'", (THIEF,))

    with pytest.raises(TipKeyChanged) as refused:
        add_tip(post)

    assert "the station's tip key in the register is not the key admin holds" in refused.value.message
    assert "the tip-off was not saved" in refused.value.message
    assert tip_count(post) == 1
    add_tip(post, informant=None)  # nothing to seal, nothing to refuse


def test_a_tip_key_that_is_no_key_at_all_is_refused_not_a_crash(post: Post) -> None:
    with register_sql(post.data_dir) as conn:
        conn.execute("UPDATE meta SET value = 'age1garbage' WHERE key = 'tip_recipient'")
    with pytest.raises(TipKeyChanged, match="is not an age key"):
        add_tip(post)


def test_a_tip_key_holder_swapped_for_a_thiefs_key_is_named(post: Post) -> None:
    """A wrapped key the thief made (under a password of their choosing) names another recipient."""
    thief = pyrage.x25519.Identity.generate()
    with register_sql(post.data_dir) as conn:
        conn.execute(
            "UPDATE users SET tip_key_wrapped = ? WHERE username = 'chief'",
            (keywrap.wrap(str(thief).encode(), "thief-password-1"),),
        )
    with pytest.raises(TipKeyChanged, match="is not the key chief holds"):
        add_tip(post)


def test_the_name_in_a_wrapped_key_cannot_be_changed_without_breaking_it(post: Post) -> None:
    with register_sql(post.data_dir) as conn:
        blob = conn.execute("SELECT tip_key_wrapped FROM users WHERE username = 'chief'").fetchone()[0]
    own = keywrap.bound_recipient(blob)
    assert own is not None and own.startswith("age1")
    forged = blob.replace(own.encode(), THIEF.encode())
    assert keywrap.bound_recipient(forged) == THIEF
    with pytest.raises(AuthError):
        keywrap.unwrap(forged, PASSWORD)


def test_a_key_wrapped_before_keys_were_named_is_named_at_its_next_password_change(post: Post) -> None:
    """Registers made before: nothing to compare for such a holder, and a password change pins it."""
    secret = keywrap.unwrap(_wrapped(post, "admin"), PASSWORD)
    unnamed = _unnamed_wrap(secret, PASSWORD)
    assert keywrap.bound_recipient(unnamed) is None and keywrap.unwrap(unnamed, PASSWORD) == secret
    with register_sql(post.data_dir) as conn:
        conn.execute("UPDATE users SET tip_key_wrapped = ? WHERE tip_key_wrapped IS NOT NULL", (unnamed,))
    add_tip(post)
    post.ctx.users.change_password(post.admin, PASSWORD, "another-pass-2")
    assert keywrap.bound_recipient(_wrapped(post, "admin")) is not None
    with register_sql(post.data_dir) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'tip_recipient'", (THIEF,))
    with pytest.raises(TipKeyChanged, match="not the key admin holds"):
        add_tip(post)


def test_hqs_tip_key_comes_from_its_signed_reply_and_is_checked_at_every_tip(pair: Pair) -> None:
    post = pair.post
    with register_sql(post.data_dir) as conn:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        hq_key = meta["hq_tip_recipient"]
        assert json.loads(meta["hq_enrolment_reply"])["hq"]["tip_recipient"] == hq_key
        conn.execute("UPDATE meta SET value = ? WHERE key = 'hq_tip_recipient'", (THIEF,))
    with pytest.raises(TipKeyChanged, match="HQ's tip key in the register is not the one HQ signed"):
        add_tip(post)

    # Changing the kept reply as well breaks its signature.
    with register_sql(post.data_dir) as conn:
        reply = json.loads(meta["hq_enrolment_reply"])
        reply["hq"]["tip_recipient"] = THIEF
        conn.execute("UPDATE meta SET value = ? WHERE key = 'hq_enrolment_reply'", (json.dumps(reply),))
    with pytest.raises(TipKeyChanged, match="does not match its signature"):
        add_tip(post)

    # Re-signing it with a key of one's own needs HQ's key in the register replaced too.
    thief_key = Ed25519PrivateKey.generate()
    thief_public = keys.raw_public(thief_key.public_key())
    forged = sign({**reply, "hq": {**reply["hq"], "signing_public_key": b64(thief_public)}}, thief_key)
    with register_sql(post.data_dir) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'hq_enrolment_reply'", (json.dumps(forged),))
    with pytest.raises(TipKeyChanged, match="HQ's signing key in the register is not the one that signed"):
        add_tip(post)
    with register_sql(post.data_dir) as conn:
        conn.execute("UPDATE stations SET signing_public_key = ? WHERE kind = 'hq'", (thief_public,))
    with pytest.raises(TipKeyChanged, match="this post's certificate in the register is not the one"):
        add_tip(post)

    # Put back as HQ signed it, the tips are saved again.
    hq_public = keys.raw_public(keys.load_signing_key(pair.hq.data_dir, PASSPHRASE).public_key())
    with register_sql(post.data_dir) as conn:
        for key in ("hq_enrolment_reply", "hq_tip_recipient"):
            conn.execute("UPDATE meta SET value = ? WHERE key = ?", (meta[key], key))
        conn.execute("UPDATE stations SET signing_public_key = ? WHERE kind = 'hq'", (hq_public,))
    add_tip(post)


def test_an_hq_tip_key_without_its_signed_reply_is_refused(post: Post) -> None:
    """A key planted at a post that never installed HQ's reply (or installed it before keys were kept)."""
    with register_sql(post.data_dir) as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('hq_tip_recipient', ?)", (THIEF,))
    with pytest.raises(TipKeyChanged, match="install the reply again with 'outpost enroll install'"):
        add_tip(post)


def test_hqs_tip_key_deleted_with_its_reply_is_refused(pair: Pair) -> None:
    """Informants sealed to the post alone would never be readable at HQ."""
    with register_sql(pair.post.data_dir) as conn:
        conn.execute("DELETE FROM meta WHERE key IN ('hq_tip_recipient', 'hq_enrolment_reply')")
    with pytest.raises(TipKeyChanged, match="HQ's tip key is missing from the register of this enrolled"):
        add_tip(pair.post)


def test_hq_writes_no_reply_carrying_a_changed_tip_key(pair: Pair) -> None:
    from app.sync.enrol import accept_request

    with register_sql(pair.hq.data_dir) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'tip_recipient'", (THIEF,))
    with pytest.raises(TipKeyChanged, match="no reply was written"):
        accept_request(pair.hq.ctx, pair.hq.admin, PASSPHRASE, pair.tmp / "request.json",
                       pair.tmp / "again.json")
    assert not (pair.tmp / "again.json").exists()


def test_the_tamper_through_the_command_line(post: Post) -> None:
    added = outpost(post.data_dir, "--user", "officer", "tip", "add", "--channel", "phone",
                    "--content", "Ghe chở thuốc lá", "--informant-stdin", stdin=INFORMANT)
    assert added.returncode == 0, added.stderr
    assert "informant sealed" in added.stdout and INFORMANT not in added.stdout + added.stderr
    assert outpost(post.data_dir, "audit", "verify").returncode == 0
    with register_sql(post.data_dir) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'tip_recipient'", (THIEF,))

    refused = outpost(post.data_dir, "--user", "officer", "tip", "add", "--channel", "phone",
                      "--content", "Ghe chở thuốc lá", "--informant-stdin", stdin=INFORMANT)
    assert refused.returncode == 9
    assert "the station's tip key in the register is not the key admin holds" in refused.stderr
    assert refused.stdout == "" and tip_count(post) == 1

    verified = outpost(post.data_dir, "audit", "verify")
    assert verified.returncode == 9
    assert "the station's tip key in the register is not the key admin holds" in verified.stderr


def _wrapped(post: Post, username: str) -> bytes:
    with register_sql(post.data_dir) as conn:
        blob: bytes = conn.execute(
            "SELECT tip_key_wrapped FROM users WHERE username = ?", (username,)
        ).fetchone()[0]
    return blob


def _unnamed_wrap(secret: bytes, password: str) -> bytes:
    """A tip key wrapped as before this change: the header holds only the Argon2 parameters."""
    import os
    import struct

    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    params = dict(keywrap.TEST_PARAMS)
    header = json.dumps(params, separators=(",", ":")).encode()
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = ChaCha20Poly1305(keywrap._derive(password, salt, params)).encrypt(
        nonce, secret, keywrap.MAGIC + header
    )
    return keywrap.MAGIC + struct.pack(">H", len(header)) + header + salt + nonce + sealed


def test_problems_are_empty_for_a_sound_register(pair: Pair) -> None:
    with pair.post.ctx.sessions.reads() as session:
        assert tip_keys.problems(session) == []
    with pair.hq.ctx.sessions.reads() as session:
        assert tip_keys.problems(session) == []
