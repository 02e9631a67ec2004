"""Secrets kept under a user's password: Argon2id key derivation and ChaCha20-Poly1305 sealing."""

from __future__ import annotations

import json
import os
import struct

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from app.errors import AuthError

MAGIC = b"OPKW1"
DEFAULT_PARAMS = {"t": 3, "m": 65536, "p": 4}
TEST_PARAMS = {"t": 1, "m": 1024, "p": 1}


def _params() -> dict[str, int]:
    return TEST_PARAMS if os.environ.get("OUTPOST_ARGON2_PROFILE") == "test" else DEFAULT_PARAMS


def _derive(password: str, salt: bytes, params: dict[str, int]) -> bytes:
    return hash_secret_raw(
        password.encode(), salt, time_cost=params["t"], memory_cost=params["m"],
        parallelism=params["p"], hash_len=32, type=Type.ID,
    )


def wrap(secret: bytes, password: str) -> bytes:
    params = _params()
    header = json.dumps(params, separators=(",", ":")).encode()
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = ChaCha20Poly1305(_derive(password, salt, params)).encrypt(nonce, secret, MAGIC + header)
    return MAGIC + struct.pack(">H", len(header)) + header + salt + nonce + sealed


def unwrap(blob: bytes, password: str) -> bytes:
    if not blob.startswith(MAGIC):
        raise AuthError("the stored key is damaged or of an unknown kind")
    (length,) = struct.unpack(">H", blob[len(MAGIC) : len(MAGIC) + 2])
    start = len(MAGIC) + 2
    header = blob[start : start + length]
    salt = blob[start + length : start + length + 16]
    nonce = blob[start + length + 16 : start + length + 28]
    sealed = blob[start + length + 28 :]
    params = json.loads(header)
    try:
        return ChaCha20Poly1305(_derive(password, salt, params)).decrypt(nonce, sealed, MAGIC + header)
    except InvalidTag:
        raise AuthError("the password does not open this key") from None
