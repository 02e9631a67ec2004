"""A station's private keys, kept encrypted under a passphrase in the data folder, and the short
fingerprints people compare by phone.

- Signing: an Ed25519 key.
- Encryption: an age X25519 identity (HQ's receives posts' bundles, a post's HQ's return bundles).

Both are sealed with ``keywrap`` (Argon2id from the passphrase, then ChaCha20-Poly1305), the
same as the tips' station key, so guessing the passphrase of a stolen laptop's key costs what
guessing a log-in password costs.

Operators never see these files; the commands that need a key ask for the passphrase."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import pyrage
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.errors import AuthError, RegisterError, ValidationError
from app.files import write_atomically
from app.i18n import _
from app.sync import keywrap

SIGNING_FILE = "signing.key"
ENCRYPTION_FILE = "encryption.key"
MIN_PASSPHRASE = 10


def keys_dir(data_dir: Path) -> Path:
    return data_dir / "keys"


def fingerprint(public_key: bytes | str) -> str:
    """Five groups of four letters and digits (100 bits of SHA-256), easy to read out by phone."""
    raw = public_key.encode() if isinstance(public_key, str) else public_key
    digest = base64.b32encode(hashlib.sha256(raw).digest()).decode()[:20]
    return " ".join(digest[i : i + 4] for i in range(0, 20, 4))


def normalised_fingerprint(text: str) -> str:
    """A fingerprint as typed while listening (any case, spaces anywhere) in its printed form."""
    cleaned = "".join(text.split()).upper()
    return " ".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def check_read_out(given: str, actual: str) -> None:
    """The fingerprint the other side read out by phone must be the key's: HQ certifies nothing else."""
    if normalised_fingerprint(given) != actual:
        raise ValidationError([
            _("the fingerprint given ({given}) is not the request's ({actual}): compare it again by phone "
              "with the post; nothing was changed").format(given=normalised_fingerprint(given), actual=actual)
        ])


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_from_raw(raw: bytes) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise ValidationError([_("not an Ed25519 public key (32 bytes expected)")]) from None


def _check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise ValidationError([_("the key passphrase needs at least {count} characters").format(
            count=MIN_PASSPHRASE)])


def _write_new(path: Path, data: bytes) -> None:
    """Write a key file that must not exist yet, readable by its owner only."""
    if path.exists():
        raise RegisterError(_("{path} exists already; an existing key is never replaced").format(path=path))
    write_atomically(path, data, private=True)


def has_signing_key(data_dir: Path) -> bool:
    return (keys_dir(data_dir) / SIGNING_FILE).exists()


def create_signing_key(data_dir: Path, passphrase: str) -> bytes:
    """A new Ed25519 key for this station; returns its raw public key."""
    _check_passphrase(passphrase)
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    _write_new(keys_dir(data_dir) / SIGNING_FILE, keywrap.wrap(seed, passphrase))
    return raw_public(key.public_key())


def load_signing_key(data_dir: Path, passphrase: str) -> Ed25519PrivateKey:
    path = keys_dir(data_dir) / SIGNING_FILE
    if not path.exists():
        raise RegisterError(
            _("this register has no signing key yet (it is made by 'outpost enroll request' "
              "at a post and 'outpost enroll accept' at HQ)")
        )
    return Ed25519PrivateKey.from_private_bytes(_unwrap(path, passphrase))


def has_encryption_key(data_dir: Path) -> bool:
    return (keys_dir(data_dir) / ENCRYPTION_FILE).exists()


def create_encryption_key(data_dir: Path, passphrase: str) -> str:
    """HQ's age identity for the bundles posts send it; returns the recipient (``age1…``)."""
    _check_passphrase(passphrase)
    identity = pyrage.x25519.Identity.generate()
    _write_new(keys_dir(data_dir) / ENCRYPTION_FILE, keywrap.wrap(str(identity).encode(), passphrase))
    return str(identity.to_public())


def load_encryption_identity(data_dir: Path, passphrase: str) -> pyrage.x25519.Identity:
    path = keys_dir(data_dir) / ENCRYPTION_FILE
    if not path.exists():
        raise RegisterError(_("this register has no encryption key yet (made on enrolment)"))
    return pyrage.x25519.Identity.from_str(_unwrap(path, passphrase).decode())


def _unwrap(path: Path, passphrase: str) -> bytes:
    blob = path.read_bytes()
    if not blob.startswith(keywrap.MAGIC):
        raise RegisterError(_("{path} is damaged or not a key file").format(path=path))
    try:
        return keywrap.unwrap(blob, passphrase)
    except AuthError:
        raise AuthError(_("wrong key passphrase; nothing was changed")) from None


# ----- re-keying: new keys wait in keys/pending/ until HQ certifies them (app/sync/rekey.py) ----------

PENDING = "pending"


def pending_dir(data_dir: Path) -> Path:
    return keys_dir(data_dir) / PENDING


def create_pending_keys(data_dir: Path, passphrase: str) -> tuple[bytes, str]:
    """A new signing key and age identity in ``keys/pending/`` (an earlier pending pair is replaced:
    HQ certifies only the pair of the request it accepted); returns the public key and recipient."""
    _check_passphrase(passphrase)
    folder = pending_dir(data_dir)
    for name in (SIGNING_FILE, ENCRYPTION_FILE):
        (folder / name).unlink(missing_ok=True)
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    identity = pyrage.x25519.Identity.generate()
    _write_new(folder / SIGNING_FILE, keywrap.wrap(seed, passphrase))
    _write_new(folder / ENCRYPTION_FILE, keywrap.wrap(str(identity).encode(), passphrase))
    return raw_public(key.public_key()), str(identity.to_public())


def load_pending_signing_key(data_dir: Path, passphrase: str) -> Ed25519PrivateKey:
    path = pending_dir(data_dir) / SIGNING_FILE
    if not path.exists():
        raise RegisterError(
            _("this computer has no re-key request waiting: run 'outpost enroll rekey-request'")
        )
    return Ed25519PrivateKey.from_private_bytes(_unwrap(path, passphrase))


def load_pending_recipient(data_dir: Path, passphrase: str) -> str:
    identity = _unwrap(pending_dir(data_dir) / ENCRYPTION_FILE, passphrase)
    return str(pyrage.x25519.Identity.from_str(identity.decode()).to_public())


def promote_pending(data_dir: Path, stamp: str) -> None:
    """The certified pending keys become the station's keys; the replaced ones are kept aside in
    ``keys/retired-<stamp>/`` (bundles HQ sent to them stay readable)."""
    folder, pending = keys_dir(data_dir), pending_dir(data_dir)
    retired = folder / f"retired-{stamp}"
    for name in (SIGNING_FILE, ENCRYPTION_FILE):
        if (folder / name).exists():
            retired.mkdir(mode=0o700, exist_ok=True)
            os.replace(folder / name, retired / name)
        os.replace(pending / name, folder / name)
    pending.rmdir()
