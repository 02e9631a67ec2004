"""Secrets kept under a user's password: Argon2id key derivation and ChaCha20-Poly1305 sealing.

A wrapped age identity (the station's tip key, its encryption key) also names its public recipient in
the header, which is authenticated with the sealed secret: anyone can read which key a blob holds
without the password, and nobody can change that name without breaking the blob for its password.
``app.tip_keys`` compares the recipient tips are sealed to with it every time a tip is saved."""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Mapping
from typing import Any

import pyrage
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from app.errors import AuthError
from app.i18n import _

MAGIC = b"OPKW1"
AGE_SECRET = b"AGE-SECRET-KEY-1"
DEFAULT_PARAMS = {"t": 3, "m": 65536, "p": 4}
TEST_PARAMS = {"t": 1, "m": 1024, "p": 1}


def _params() -> dict[str, int]:
    return TEST_PARAMS if os.environ.get("OUTPOST_ARGON2_PROFILE") == "test" else DEFAULT_PARAMS


def _derive(password: str, salt: bytes, params: Mapping[str, Any]) -> bytes:
    return hash_secret_raw(
        password.encode(), salt, time_cost=int(params["t"]), memory_cost=int(params["m"]),
        parallelism=int(params["p"]), hash_len=32, type=Type.ID,
    )


def _age_recipient(secret: bytes) -> str | None:
    if not secret.startswith(AGE_SECRET):
        return None
    return str(pyrage.x25519.Identity.from_str(secret.decode()).to_public())


def wrap(secret: bytes, password: str) -> bytes:
    params: dict[str, int | str] = dict(_params())
    recipient = _age_recipient(secret)
    if recipient is not None:
        params["recipient"] = recipient
    header = json.dumps(params, separators=(",", ":")).encode()
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = ChaCha20Poly1305(_derive(password, salt, params)).encrypt(nonce, secret, MAGIC + header)
    return MAGIC + struct.pack(">H", len(header)) + header + salt + nonce + sealed


class DamagedKey(AuthError):
    """A sealed key that is not one this module made: no password can open it (a changed file)."""

    def __init__(self) -> None:
        super().__init__("the stored key is damaged or of an unknown kind")


def _header(blob: bytes) -> tuple[bytes, int]:
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 2:
        raise DamagedKey()
    (length,) = struct.unpack(">H", blob[len(MAGIC) : len(MAGIC) + 2])
    return blob[len(MAGIC) + 2 : len(MAGIC) + 2 + length], len(MAGIC) + 2


def _checked_params(header: bytes) -> dict[str, Any]:
    """The header's Argon2 parameters, refused unless they are what ``wrap`` could have written: a
    changed header must not crash Argon2 (no lanes) nor make it take gigabytes (found by
    tests/test_properties_rekey.py)."""
    try:
        params = json.loads(header)
    except (ValueError, RecursionError):
        raise DamagedKey() from None
    if not isinstance(params, dict) or not all(type(params.get(k)) is int for k in ("t", "m", "p")):
        raise DamagedKey()
    t, m, p = params["t"], params["m"], params["p"]
    if not (1 <= t <= 16 and 1 <= p <= 64 and 8 * p <= m <= 1024 * 1024):
        raise DamagedKey()
    return params


def bound_recipient(blob: bytes) -> str | None:
    """The age recipient a wrapped identity names (no password needed), or None: a blob made before
    the name was kept, or not an age identity. Trust it only as far as the blob opens with its password."""
    try:
        header, _start = _header(blob)
        value = json.loads(header).get("recipient")
    except (AuthError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def unwrap(blob: bytes, password: str) -> bytes:
    header, start = _header(blob)
    length = len(header)
    if len(blob) < start + length + 28 + 16:  # salt, nonce and at least the tag
        raise DamagedKey()
    salt = blob[start + length : start + length + 16]
    nonce = blob[start + length + 16 : start + length + 28]
    sealed = blob[start + length + 28 :]
    params = _checked_params(header)
    try:
        secret = ChaCha20Poly1305(_derive(password, salt, params)).decrypt(nonce, sealed, MAGIC + header)
    except InvalidTag:
        raise AuthError(_("the password does not open this key")) from None
    named = params.get("recipient")
    if named is not None and named != _age_recipient(secret):  # made with the password, but not by Outpost
        raise AuthError(_("the stored key is not the key its label names"))
    return secret
