"""The header of an age v1 file (c2sp.org/age): read strictly, its X25519 stanzas opened and made,
its MAC computed; and the Bech32 age keys (``age1…``, ``AGE-SECRET-KEY-1…``) as raw bytes.

Written here on ``cryptography``'s primitives, not taken from ``pyrage``, because a disclosure
(``disclose``) must change an age file's header and nothing else: the same file key wrapped to an
auditor, the payload byte for byte as the post sent it, which no whole-file library offers. The
header comes from outside (a bundle), so every rule of the specification's grammar is checked and
anything else is a refusal, never an exception from deep inside."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.i18n import _

VERSION_LINE = b"age-encryption.org/v1\n"
MAC_MARK = b"---"
X25519_TYPE = "X25519"
X25519_INFO = b"age-encryption.org/v1/X25519"
FILE_KEY_SIZE = 16
ZERO_NONCE = bytes(12)
COLUMNS = 64  # a stanza body is base64 wrapped at 64 columns, its last line shorter
# An Outpost member has one stanza of about 100 bytes; these bounds only keep a hostile header small.
MAX_HEADER = 64 * 1024
MAX_STANZAS = 64

_BASE64 = re.compile(rb"[A-Za-z0-9+/]*")
_ARGUMENT = re.compile(rb"[\x21-\x7e]+")  # VCHAR
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


class AgeRefused(ValueError):
    """An age file or key that breaks the specification; the message says how (translated)."""


@dataclass(frozen=True)
class Stanza:
    arguments: tuple[str, ...]
    body: bytes


@dataclass(frozen=True)
class AgeFile:
    """An age v1 file split where the specification splits it."""

    stanzas: tuple[Stanza, ...]
    mac: bytes
    payload: bytes  # everything after the MAC line: the 16-byte nonce, then the STREAM chunks
    to_mark: bytes  # the header as read, up to and including ``---``: what the MAC covers


def unpadded_b64decode(text: bytes, what: str) -> bytes:
    """Base64 as age writes it: the standard alphabet, no ``=``, canonical (RFC 4648 §3.5)."""
    if not _BASE64.fullmatch(text) or len(text) % 4 == 1:
        raise AgeRefused(_("{what} is not unpadded base64").format(what=what))
    try:
        value = base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        raise AgeRefused(_("{what} is not unpadded base64").format(what=what)) from None
    if unpadded_b64encode(value) != text:  # unused bits set: another text for the same bytes
        raise AgeRefused(_("{what} is not unpadded base64").format(what=what))
    return value


def unpadded_b64encode(data: bytes) -> bytes:
    return base64.b64encode(data).rstrip(b"=")


def _line(data: bytes, start: int) -> tuple[bytes, int]:
    """The line that starts at ``start`` (without its LF) and where the next one starts."""
    end = data.find(b"\n", start, MAX_HEADER)
    if end < 0:
        raise AgeRefused(
            _("the age header is incomplete or longer than {size} bytes").format(size=MAX_HEADER)
        )
    return data[start:end], end + 1


def parse(data: bytes) -> AgeFile:
    """An age v1 file's header read by the specification's grammar (``header = v1-line 1*stanza end``),
    or ``AgeRefused``. The payload is not opened."""
    if not data.startswith(VERSION_LINE):
        raise AgeRefused(_("not an age v1 file"))
    position = len(VERSION_LINE)
    stanzas: list[Stanza] = []
    while True:
        line, following = _line(data, position)
        if line.startswith(b"-> "):
            if len(stanzas) == MAX_STANZAS:
                raise AgeRefused(_("the age header has more than {count} stanzas").format(count=MAX_STANZAS))
            arguments = line[3:].split(b" ")
            if not all(_ARGUMENT.fullmatch(argument) for argument in arguments):
                raise AgeRefused(_("an age stanza has an empty or invalid argument"))
            body_lines: list[bytes] = []
            while True:
                body_line, following = _line(data, following)
                if len(body_line) > COLUMNS or not _BASE64.fullmatch(body_line):
                    raise AgeRefused(_("an age stanza's body is not base64 wrapped at 64 columns"))
                body_lines.append(body_line)
                if len(body_line) < COLUMNS:  # the final line, which may be empty
                    break
            body = unpadded_b64decode(b"".join(body_lines), _("an age stanza's body"))
            stanzas.append(Stanza(tuple(a.decode("ascii") for a in arguments), body))
            position = following
        elif line.startswith(MAC_MARK):
            if not stanzas:
                raise AgeRefused(_("the age header has no recipient stanza"))
            if line[len(MAC_MARK) : len(MAC_MARK) + 1] != b" " or len(line) != len(MAC_MARK) + 1 + 43:
                raise AgeRefused(_("the age header's MAC line is malformed"))
            mac = unpadded_b64decode(line[len(MAC_MARK) + 1 :], _("the age header's MAC"))
            return AgeFile(tuple(stanzas), mac, data[following:], data[: position + len(MAC_MARK)])
        else:
            raise AgeRefused(_("the age header has a line that is neither a stanza nor its MAC"))


def encode_stanza(stanza: Stanza) -> bytes:
    body = unpadded_b64encode(stanza.body)
    lines = [body[i : i + COLUMNS] for i in range(0, len(body), COLUMNS)]
    if not lines or len(lines[-1]) == COLUMNS:
        lines.append(b"")  # the body always ends with a line shorter than 64 columns
    return (
        b"-> " + " ".join(stanza.arguments).encode("ascii") + b"\n" + b"".join(line + b"\n" for line in lines)
    )


def header_to_mark(stanzas: tuple[Stanza, ...]) -> bytes:
    """The header up to and including ``---``: what the MAC covers."""
    return VERSION_LINE + b"".join(encode_stanza(s) for s in stanzas) + MAC_MARK


def header_mac(file_key: bytes, to_mark: bytes) -> bytes:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"", info=b"header").derive(file_key)
    return hmac.new(key, to_mark, hashlib.sha256).digest()


def _wrap_key(shared: bytes, share: bytes, recipient: bytes) -> ChaCha20Poly1305:
    if not any(shared):  # a low-order share; the specification requires the abort
        raise AgeRefused(_("an age X25519 share or recipient is a low-order point"))
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=share + recipient, info=X25519_INFO).derive(shared)
    return ChaCha20Poly1305(key)


def _exchange(private: X25519PrivateKey, public: bytes) -> bytes:
    try:
        return private.exchange(X25519PublicKey.from_public_bytes(public))
    except ValueError:  # cryptography refuses an all-zero result itself
        raise AgeRefused(_("an age X25519 share or recipient is a low-order point")) from None


def unwrap_x25519(stanza: Stanza, identity: bytes) -> bytes | None:
    """The file key from an X25519 stanza addressed to ``identity`` (32 raw bytes); None when the
    stanza is of another type or for another key; ``AgeRefused`` when it is malformed."""
    if not stanza.arguments or stanza.arguments[0] != X25519_TYPE:
        return None
    if len(stanza.arguments) != 2:
        raise AgeRefused(_("an age X25519 stanza must have exactly two arguments"))
    share = unpadded_b64decode(stanza.arguments[1].encode("ascii"), _("an age X25519 ephemeral share"))
    if len(share) != 32 or len(stanza.body) != 32:
        raise AgeRefused(_("an age X25519 stanza has a share or a body of the wrong length"))
    private = X25519PrivateKey.from_private_bytes(identity)
    recipient = private.public_key().public_bytes_raw()
    try:
        return _wrap_key(_exchange(private, share), share, recipient).decrypt(ZERO_NONCE, stanza.body, None)
    except InvalidTag:
        return None


def wrap_x25519(file_key: bytes, recipient: bytes) -> Stanza:
    """A new X25519 stanza wrapping ``file_key`` to ``recipient`` (32 raw bytes), with a fresh
    ephemeral secret as the specification requires for each stanza."""
    ephemeral = X25519PrivateKey.from_private_bytes(os.urandom(32))
    share = ephemeral.public_key().public_bytes_raw()
    body = _wrap_key(_exchange(ephemeral, recipient), share, recipient).encrypt(ZERO_NONCE, file_key, None)
    return Stanza((X25519_TYPE, unpadded_b64encode(share).decode("ascii")), body)


def file_key(age: AgeFile, identity: bytes) -> bytes | None:
    """The file key of ``age`` if one of its X25519 stanzas opens with ``identity`` and the header's
    MAC then holds; None if no stanza is for this key; ``AgeRefused`` for a malformed stanza or a
    MAC that does not match (a header altered after it was written)."""
    for stanza in age.stanzas:
        key = unwrap_x25519(stanza, identity)
        if key is None:
            continue
        if len(key) != FILE_KEY_SIZE:
            raise AgeRefused(_("an age stanza wraps a file key of the wrong length"))
        # Over the bytes as read, never a re-encoding: another spelling of the same stanzas fails.
        if not hmac.compare_digest(header_mac(key, age.to_mark), age.mac):
            raise AgeRefused(_("the age header's MAC does not match"))
        return key
    return None


def rewrapped(age: AgeFile, key: bytes, recipient: bytes) -> bytes:
    """The same age file with a header holding one X25519 stanza for ``recipient`` (the same file key,
    a new MAC) and the payload unchanged."""
    to_mark = header_to_mark((wrap_x25519(key, recipient),))
    return to_mark + b" " + unpadded_b64encode(header_mac(key, to_mark)) + b"\n" + age.payload


def _polymod(values: list[int]) -> int:
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate(_BECH32_GENERATOR):
            if (top >> i) & 1:
                check ^= generator
    return check


def bech32_decode(text: str, hrp: str) -> bytes:
    """The bytes of a Bech32 string (BIP 173, no length limit, as age uses it) whose human-readable
    part is ``hrp``; ``AgeRefused`` for a bad checksum, mixed case or another prefix."""
    if text != text.lower() and text != text.upper():
        raise AgeRefused(_("an age key mixes upper and lower case"))
    lowered = text.lower()
    split = lowered.rfind("1")
    if lowered[:split] != hrp.lower() or len(lowered) - split - 1 < 6:
        raise AgeRefused(_("not an age key of the expected kind"))
    try:
        data = [_BECH32.index(c) for c in lowered[split + 1 :]]
    except ValueError:
        raise AgeRefused(_("an age key has a character Bech32 does not use")) from None
    expanded = [ord(c) >> 5 for c in lowered[:split]] + [0] + [ord(c) & 31 for c in lowered[:split]]
    if _polymod(expanded + data) != 1:
        raise AgeRefused(_("an age key's checksum does not match (a mistyped character?)"))
    accumulator, bits, out = 0, 0, bytearray()
    for value in data[:-6]:  # five bits at a time to bytes; the padding must be short and zero
        accumulator = (accumulator << 5) | value
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append((accumulator >> bits) & 0xFF)
    if bits >= 5 or accumulator & ((1 << bits) - 1):
        raise AgeRefused(_("an age key has invalid padding"))
    return bytes(out)


def recipient_bytes(recipient: str) -> bytes:
    """The 32 raw bytes of an X25519 recipient ``age1…``."""
    raw = bech32_decode(recipient.strip(), "age")
    if len(raw) != 32:
        raise AgeRefused(_("an age recipient holds 32 bytes"))
    return raw


def identity_bytes(identity: str) -> bytes:
    """The 32 raw bytes of an X25519 identity ``AGE-SECRET-KEY-1…``."""
    raw = bech32_decode(identity.strip(), "AGE-SECRET-KEY-")
    if len(raw) != 32:
        raise AgeRefused(_("an age identity holds 32 bytes"))
    return raw
