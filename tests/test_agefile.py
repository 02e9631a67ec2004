"""The age v1 header reader (``app.sync.agefile``) against the specification (c2sp.org/age) and
against hostile headers: what the reference ``age`` writes opens and re-wraps, anything outside the
grammar is a clean ``AgeRefused``, never another exception."""

from __future__ import annotations

import base64
import random
import subprocess
from pathlib import Path

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from app.sync import agefile
from app.sync.agefile import AgeRefused


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


@pytest.fixture(scope="module")
def sample() -> tuple[pyrage.x25519.Identity, bytes, bytes]:
    identity = pyrage.x25519.Identity.generate()
    plain = random.Random(7).randbytes(150_000)  # three payload chunks
    return identity, plain, pyrage.encrypt(plain, [identity.to_public()])


def _header(*lines: str, mac: str | None = None) -> bytes:
    return (
        "age-encryption.org/v1\n" + "".join(f"{line}\n" for line in lines) + f"--- {mac or _b64(bytes(32))}\n"
    ).encode() + b"payload"


def test_a_header_rewrapped_to_another_key_opens_with_the_reference_age(
    sample: tuple[pyrage.x25519.Identity, bytes, bytes], tmp_path: Path
) -> None:
    identity, plain, sealed = sample
    age = agefile.parse(sealed)
    key = agefile.file_key(age, agefile.identity_bytes(str(identity)))
    assert key is not None and len(key) == 16
    other = pyrage.x25519.Identity.generate()
    assert agefile.file_key(age, agefile.identity_bytes(str(other))) is None  # not addressed to it
    copy = agefile.rewrapped(age, key, agefile.recipient_bytes(str(other.to_public())))
    assert agefile.parse(copy).payload == age.payload and copy != sealed
    (tmp_path / "key").write_text(f"{other}\n")
    (tmp_path / "copy.age").write_bytes(copy)
    opened = subprocess.run(
        ["age", "-d", "-i", str(tmp_path / "key"), str(tmp_path / "copy.age")],
        capture_output=True,
        check=True,
    )
    assert opened.stdout == plain
    with pytest.raises(pyrage.DecryptError):  # the original key no longer opens the copy
        pyrage.decrypt(copy, [identity])


def test_age_keys_decode_as_bech32_with_their_checksum() -> None:
    identity = pyrage.x25519.Identity.generate()
    raw = agefile.identity_bytes(str(identity))
    public = X25519PrivateKey.from_private_bytes(raw).public_key().public_bytes_raw()
    recipient = str(identity.to_public())
    assert agefile.recipient_bytes(recipient) == public
    assert agefile.recipient_bytes(recipient.upper()) == public  # one case throughout is allowed
    letter = next(i for i, c in enumerate(recipient) if i > 4 and c.isalpha())
    for bad, reason in (
        (recipient[:-1] + ("q" if recipient[-1] != "q" else "p"), "checksum"),
        (
            recipient[:letter] + recipient[letter].upper() + recipient[letter + 1 :],
            "mixes upper and lower case",
        ),
        ("age1" + recipient[4:-7] + "b" + recipient[-6:], "character"),
        (str(identity), "expected kind"),  # a secret key where a recipient belongs
        ("age1qqqqqq", "checksum"),
        ("", "expected kind"),
    ):
        with pytest.raises(AgeRefused, match=reason):
            agefile.recipient_bytes(bad)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (b"age-encryption.org/v2\n-> X25519 AAAA\n\n--- x\n", "not an age v1 file"),
        (_header(), "no recipient stanza"),
        (_header("-> ", ""), "argument"),
        (_header("-> X25519  two", ""), "argument"),
        (_header("-> X25519 a\r", ""), "argument"),
        (_header("-> X25519 a", "A" * 65), "64 columns"),
        (_header("-> X25519 a", "A" * 64), "64 columns"),  # no short final line: '---' is read as body
        (_header("-> X25519 a", "QUE="), "64 columns"),  # padding is not in the alphabet
        (_header("-> X25519 a", "QUF"), "not unpadded base64"),  # unused bits set ("QUE" is canonical)
        (_header("-> X25519 a", "A"), "not unpadded base64"),
        (_header("-> X25519 a", ""), None),  # grammatical; refused only when opened below
        (_header("junk"), "neither a stanza"),
        (_header("-> X25519 a", "", mac="short"), "MAC line"),
        (_header("-> X25519 a", "", mac=_b64(bytes(32)) + "A"), "MAC line"),
        (b"age-encryption.org/v1\n-> X25519 a\n" + b"A" * 64 * 1100, "incomplete or longer"),
        (b"age-encryption.org/v1\n-> X25519 a\n\n--- ", "incomplete or longer"),
        (b"age-encryption.org/v1\n" + b"-> a\n\n" * 65 + b"--- x\n", "more than 64 stanzas"),
    ],
)
def test_headers_outside_the_grammar_are_refused(header: bytes, reason: str | None) -> None:
    if reason is None:
        agefile.parse(header)
        return
    with pytest.raises(AgeRefused, match=reason):
        agefile.parse(header)


@pytest.mark.parametrize(
    ("stanza", "reason"),
    [
        (("X25519",), "exactly two arguments"),
        (("X25519", _b64(bytes(32)), "extra"), "exactly two arguments"),
        (("X25519", _b64(bytes(31))), "wrong length"),
        (("X25519", _b64(bytes(32))[:-1] + "B"), "not unpadded base64"),  # an unused bit set
        (("X25519", _b64(bytes(32))), "low-order"),  # the all-zero share gives an all-zero secret
    ],
)
def test_malformed_x25519_stanzas_are_refused(stanza: tuple[str, ...], reason: str) -> None:
    age = agefile.AgeFile((agefile.Stanza(stanza, bytes(32)),), bytes(32), b"", b"")
    with pytest.raises(AgeRefused, match=reason):
        agefile.file_key(age, bytes(range(32)))


def test_other_stanza_types_are_passed_over_and_a_changed_mac_is_refused(
    sample: tuple[pyrage.x25519.Identity, bytes, bytes],
) -> None:
    identity, _plain, sealed = sample
    raw = agefile.identity_bytes(str(identity))
    age = agefile.parse(sealed)
    other = agefile.Stanza(("example.org/other", "x"), b"anything")
    assert agefile.file_key(agefile.AgeFile((other,), age.mac, b"", b""), raw) is None
    added = (other, *age.stanzas)  # a stanza added after the MAC was made
    with pytest.raises(AgeRefused, match="MAC does not match"):
        agefile.file_key(agefile.AgeFile(added, age.mac, b"", agefile.header_to_mark(added)), raw)


def test_damaged_headers_give_only_clean_refusals(
    sample: tuple[pyrage.x25519.Identity, bytes, bytes],
) -> None:
    """Byte flips, insertions and truncations anywhere in a real header: each is read and opened, and
    the outcome is the file key, no key, or an ``AgeRefused``; never another exception."""
    identity, _plain, sealed = sample
    raw = agefile.identity_bytes(str(identity))
    header_end = len(sealed) - len(agefile.parse(sealed).payload)
    rng = random.Random(16)
    for _ in range(2000):
        data = bytearray(sealed[: header_end + 40])
        where = rng.randrange(header_end)
        match rng.randrange(4):
            case 0:
                data[where] ^= 1 << rng.randrange(8)
            case 1:
                data[where] = rng.choice(b"\n -=>+/A\r\x00\xff")
            case 2:
                data.insert(where, rng.choice(b"\n A="))
            case _:
                del data[where:]
        try:
            age = agefile.parse(bytes(data))
            key = agefile.file_key(age, raw)
        except AgeRefused:
            continue
        # A key comes out only of the header exactly as written: any changed byte fails the MAC.
        assert key is None or bytes(data[:header_end]) == sealed[:header_end]
