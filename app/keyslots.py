"""The register key, kept only wrapped: one slot per user under their password, one under the recovery key.

The register is encrypted with 32 random bytes (db/cipher.py) that are never stored in clear. The slot
file beside it (``register.keys``) holds that key sealed once per active user under the user's password
(Argon2id and ChaCha20-Poly1305, ``app.sync.keywrap``) and once under the recovery key shown at set-up,
so a forgotten password or a departed chief never loses the register (docs/security.md).

The file also holds what the log-in screen must know before the register is open: the station's code
and kind, each user's role (only to choose the default user; the register's own role decides what a
user may do) and the lock-out counters, since a wrong password can no longer be counted inside a
register it cannot open.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argon2.exceptions import Argon2Error
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from app.auth import locked_message, now_locked_message, unknown_user_message, wrong_password_message
from app.errors import AuthError, RegisterError
from app.files import write_atomically
from app.i18n import _
from app.json_input import JsonRefused, parse_json, shape_problem
from app.sync import keywrap
from app.zones import DEFAULT_ZONE

SLOTS_FILE = "register.keys"
FORMAT = "outpost-register-keys"
MAX_FILE = 1024 * 1024
RECOVERY_BYTES = 20  # 160 bits: 32 base32 letters and digits, typed in 8 groups of 4
MIGRATED_AAD = b"outpost-migrated-slot-1"

_SHAPE: dict[str, Any] = {
    "format": str, "version": int, "station": {"code": str, "kind": str, "zone": str}, "recovery": str,
    "users": dict,
}
_USER_SHAPE: dict[str, Any] = {
    "role": str, "wrapped": str, "failed": int, "locked_until": str,
    "migrated": {"params": str, "nonce": str},
}


@dataclass(frozen=True)
class StationLabel:
    """Which register this is, for the log-in screen (the register itself is still closed), and its
    time zone, in which a lock-out's end is told."""

    code: str
    kind: str
    zone: str = DEFAULT_ZONE


def new_key() -> bytes:
    return secrets.token_bytes(32)


def new_recovery_key() -> str:
    """A recovery key to print: 32 letters and digits in groups of 4 (base32, no 0/1/8/9 to misread)."""
    text = base64.b32encode(secrets.token_bytes(RECOVERY_BYTES)).decode()
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def normalise_recovery_key(text: str) -> str:
    """The recovery key as typed, forgiving case, spaces, dashes and digits read for look-alike letters."""
    cleaned = re.sub(r"[\s\-]", "", text.upper()).translate(str.maketrans("018", "OIB"))
    if len(cleaned) != 32 or not re.fullmatch(r"[A-Z2-7]{32}", cleaned):
        raise AuthError(_("a recovery key has 32 letters and digits (8 groups of 4); check what was typed"))
    return "-".join(cleaned[i : i + 4] for i in range(0, 32, 4))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise RegisterError(_("the key file {path} is damaged").format(path=SLOTS_FILE)) from None


class KeySlots:
    """The slot file of one register. Each change is written whole (atomically, owner-only)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        return self.path.is_file()

    # -- set-up ---------------------------------------------------------------------------------

    def create(self, key: bytes, station: StationLabel, username: str, role: str, password: str) -> str:
        """A new slot file for ``key`` with the first user's slot; returns the recovery key to show once."""
        recovery = new_recovery_key()
        self._write({
            "format": FORMAT, "version": 1,
            "station": {"code": station.code, "kind": station.kind, "zone": station.zone},
            "recovery": _b64(keywrap.wrap(key, recovery)),
            "users": {username: self._user_entry(key, role, password)},
        })
        return recovery

    def new_recovery(self, key: bytes) -> str:
        """Replace the recovery slot (the old recovery key stops working); returns the new key."""
        doc = self._read()
        recovery = new_recovery_key()
        doc["recovery"] = _b64(keywrap.wrap(key, recovery))
        self._write(doc)
        return recovery

    # -- unlocking ------------------------------------------------------------------------------

    def station(self) -> StationLabel:
        doc = self._read()
        station = doc["station"]
        return StationLabel(station["code"], station["kind"], station.get("zone") or DEFAULT_ZONE)

    def roles(self) -> dict[str, str]:
        """Each user with a slot and the role the slot file remembers (a hint: see the module doc)."""
        return {name: str(entry.get("role", "")) for name, entry in self._read()["users"].items()}

    def unlock(
        self, username: str, password: str, *, now: datetime, threshold: int, lockout: timedelta
    ) -> bytes:
        """The register key from ``username``'s slot; wrong passwords count towards the lock-out."""
        doc = self._read()
        entry = doc["users"].get(username)
        if entry is None:
            raise AuthError(unknown_user_message(username))
        locked = _instant(entry.get("locked_until"))
        if locked is not None and locked > now:
            raise AuthError(locked_message(username, threshold, locked, _zone(doc)))
        try:
            key = self._open_entry(entry, password)
        except AuthError:
            failed = int(entry.get("failed") or 0) + 1
            if failed >= threshold:
                entry["failed"], entry["locked_until"] = 0, (now + lockout).isoformat()
                self._write(doc)
                raise AuthError(now_locked_message(username, lockout)) from None
            entry["failed"] = failed
            self._write(doc)
            raise AuthError(wrong_password_message(username, threshold - failed)) from None
        if entry.get("migrated") is not None:
            # A slot made when a plain register was encrypted: now that the password is known, it is
            # replaced by an ordinary one with a salt of its own (see ``add_migrated``).
            doc["users"][username] = self._user_entry(key, str(entry.get("role", "")), password)
        elif not entry.get("failed") and entry.get("locked_until") is None:
            return key
        else:
            entry["failed"], entry["locked_until"] = 0, None
        self._write(doc)
        return key

    def peek(self, username: str, password: str) -> bytes:
        """The register key from ``username``'s slot, without counting a wrong password or writing
        anything: for the slots saved with a backup, which are not the register's own."""
        entry = self._read()["users"].get(username)
        if entry is None:
            raise AuthError(unknown_user_message(username))
        return self._open_entry(entry, password)

    def unlock_recovery(self, recovery_key: str) -> bytes:
        doc = self._read()
        try:
            return keywrap.unwrap(_unb64(doc["recovery"]), normalise_recovery_key(recovery_key))
        except AuthError:
            raise AuthError(_("this recovery key does not open the register")) from None

    # -- users ----------------------------------------------------------------------------------

    def set_password(self, username: str, key: bytes, role: str, password: str) -> None:
        """Add ``username``'s slot, or wrap the key again for a new password (no other slot changes)."""
        doc = self._read()
        doc["users"][username] = self._user_entry(key, role, password)
        self._write(doc)

    def add_migrated(self, username: str, key: bytes, role: str, password_hash: str) -> None:
        """A slot for a user of a plain register being encrypted, whose password is not known now.

        Its wrapping key is the user's stored Argon2id hash itself, which only that password (or the
        plain register it came from) gives again; the first log-in replaces it by an ordinary slot."""
        params, raw = _split_hash(password_hash)
        nonce = os.urandom(12)
        sealed = ChaCha20Poly1305(raw).encrypt(nonce, key, MIGRATED_AAD)
        doc = self._read()
        doc["users"][username] = {
            "role": role, "wrapped": _b64(sealed), "failed": 0, "locked_until": None,
            "migrated": {"params": params, "nonce": _b64(nonce)},
        }
        self._write(doc)

    def remove(self, username: str) -> None:
        doc = self._read()
        if doc["users"].pop(username, None) is not None:
            self._write(doc)

    def locked_until(self, username: str) -> datetime | None:
        entry = self._read()["users"].get(username)
        return None if entry is None else _instant(entry.get("locked_until"))

    def clear_lock(self, username: str) -> None:
        doc = self._read()
        entry = doc["users"].get(username)
        if entry is not None and (entry.get("failed") or entry.get("locked_until")):
            entry["failed"], entry["locked_until"] = 0, None
            self._write(doc)

    def copy_to(self, target: Path) -> None:
        """The slots (without lock-out counters) beside a backup, so the backup opens on its own."""
        doc = self._read()
        for entry in doc["users"].values():
            entry["failed"], entry["locked_until"] = 0, None
        write_atomically(target, json.dumps(doc, indent=1).encode(), private=True)

    # -- the file -------------------------------------------------------------------------------

    @staticmethod
    def _user_entry(key: bytes, role: str, password: str) -> dict[str, Any]:
        return {"role": role, "wrapped": _b64(keywrap.wrap(key, password)), "failed": 0, "locked_until": None}

    @staticmethod
    def _open_entry(entry: dict[str, Any], password: str) -> bytes:
        migrated = entry.get("migrated")
        if migrated is None:
            try:
                return keywrap.unwrap(_unb64(entry["wrapped"]), password)
            except keywrap.DamagedKey:  # not a wrong password: the file was changed
                raise RegisterError(_("the key file {path} is damaged").format(path=SLOTS_FILE)) from None
        raw = _hash_again(migrated["params"], password)
        try:
            sealed = _unb64(entry["wrapped"])
            return ChaCha20Poly1305(raw).decrypt(_unb64(migrated["nonce"]), sealed, MIGRATED_AAD)
        except (InvalidTag, ValueError):
            raise AuthError(_("wrong password (it does not open this account's key)")) from None

    def _read(self) -> dict[str, Any]:
        damaged = _("the key file {path} is damaged ({why}); put back the copy saved with the newest backup")
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            raise RegisterError(
                _("the key file {path} is missing: the register cannot be opened without it; put it back "
                  "from the backup it was saved with").format(path=self.path)
            ) from None
        try:
            doc = parse_json(data, MAX_FILE)
        except JsonRefused as exc:
            raise RegisterError(damaged.format(path=self.path, why=exc)) from None
        problem = shape_problem(doc, _SHAPE)
        if problem is None and isinstance(doc, dict):
            if doc.get("format") != FORMAT or not isinstance(doc.get("users"), dict):
                problem = _("not an Outpost key file")
            else:
                for name, entry in doc["users"].items():
                    problem = shape_problem(entry, _USER_SHAPE, name)
                    if problem is None and not isinstance(entry.get("wrapped"), str):
                        problem = _("{field} is missing").format(field=name)
                    if problem:
                        break
        if problem is not None or not isinstance(doc, dict):
            raise RegisterError(damaged.format(path=self.path, why=problem))
        return doc

    def _write(self, doc: dict[str, Any]) -> None:
        write_atomically(self.path, json.dumps(doc, indent=1).encode(), private=True)


def _zone(doc: dict[str, Any]) -> tzinfo:
    try:
        return ZoneInfo(str(doc["station"].get("zone") or DEFAULT_ZONE))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def _instant(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _split_hash(encoded: str) -> tuple[str, bytes]:
    """``$argon2id$v=19$m=…,t=…,p=…$salt$hash`` → (everything but the hash, the raw hash)."""
    params, _sep, digest = encoded.rpartition("$")
    if not params.startswith("$argon2id$"):
        raise RegisterError(_("a user's stored password hash is not Argon2id; set a new password for them"))
    raw = base64.b64decode(digest + "=" * (-len(digest) % 4))
    if len(raw) != 32:
        raise RegisterError(_("a user's stored password hash has an unexpected length"))
    return params, raw


def _hash_again(params: str, password: str) -> bytes:
    """The raw Argon2id hash of ``password`` with the version, costs and salt of a stored hash."""
    try:
        _empty, _kind, version, costs, salt = params.split("$")
        numbers = dict(part.split("=") for part in costs.split(","))
        if not 1 <= int(numbers["m"]) <= 1024 * 1024 or not 1 <= int(numbers["t"]) <= 16:
            raise ValueError("costs out of range")  # a changed file must not make Argon2 take gigabytes
        return hash_secret_raw(
            password.encode(), base64.b64decode(salt + "=" * (-len(salt) % 4)),
            time_cost=int(numbers["t"]), memory_cost=int(numbers["m"]), parallelism=int(numbers["p"]),
            hash_len=32, type=Type.ID, version=int(version.removeprefix("v=")),
        )
    except (ValueError, KeyError, Argon2Error):
        raise RegisterError(_("the key file {path} is damaged").format(path=SLOTS_FILE)) from None
