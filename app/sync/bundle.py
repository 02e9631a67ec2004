"""The sync bundle container: one zip file (``.outpost``) holding a signed manifest, the sender's
certificate and age-encrypted members. Written atomically; read with every check made before a
single encrypted byte is opened. The format is specified in ``docs/bundle-format.md``.

This module knows files, hashes, signatures and encryption, not what the records mean."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.errors import ValidationError
from app.files import write_atomically
from app.i18n import _
from app.json_input import JsonRefused, Shape, parse_json, shape_problem
from app.sync import keys, signing

FORMAT = "outpost-bundle"
VERSION = 1
SUFFIX = ".outpost"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
CERTIFICATE = "certificate.json"
RECORDS = "records.jsonl.gz.age"  # gzip, then age: JSON shrinks ~5×, ciphertext would not
FILE_PREFIX = "files/"
KIND_CHANGES = "changes"  # a post's changes for HQ
KIND_RETURN = "return"  # HQ's return bundle for a post
FILE_MEMBER = re.compile(r"files/[0-9a-f]{64}\.age")

# Limits that keep a hostile file from exhausting memory or disk before it is refused.
MAX_BUNDLE = 2 * 1024**3
MAX_MEMBER = 512 * 1024**2
MAX_MANIFEST = 16 * 1024**2
MAX_MEMBERS = 200_000
MAX_RATIO = 200  # uncompressed / compressed, for a deflated member (JSON compresses ~10×)
MAX_RECORDS_TEXT = 2 * 1024**3  # decompressed records of one part
MAX_RECORD_LINE = 64 * 1024**2  # one record; a case with the longest texts is a few hundred KB
INFLATE_STEP = 256 * 1024  # records are decompressed this much at a time: ~90 000 short lines at most

# The fields a reader uses, with their JSON types (``app.json_input.shape_problem``): checked before
# any is looked at, so that a list where an object belongs is a refusal, not a crash.
MANIFEST_SHAPE: dict[str, Shape] = {
    "format": str,
    "version": int,
    "kind": str,
    "bundle_id": str,
    "set_id": str,
    "created_at": str,
    "part": dict,  # their numbers are checked where they are used, with their ranges
    "seq": dict,
    "counts": {"records": int, "files": int},
    "sender": {"station_id": str, "code": str},
    "recipient": {"station_id": str, "code": str, "encryption_fingerprint": str},
    "members": list,
}
# A post's certificate, or HQ's signed identity in a return bundle (``enrol``).
CERTIFICATE_SHAPE: dict[str, Shape] = {
    "format": str,
    "version": int,
    "id": str,
    "code": str,
    "signing_public_key": str,
    "signature": str,
    "station": {"id": str, "code": str, "name": str},
    "issuer": {"id": str, "code": str, "signing_public_key": str},
}


# A bundle's and a set's id, as Outpost writes them (``uuid4``); they key ``received_bundles``.
BUNDLE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def check_ids(path: Path, manifest: Mapping[str, Any]) -> None:
    """Refuse a manifest whose bundle id or set id is missing or not an id Outpost writes: a file signed
    with a sender's own key can leave them out, and an import stores both (found by the property tests,
    where a missing ``bundle_id`` crashed HQ's import with a ``KeyError``)."""
    for key in ("bundle_id", "set_id"):
        value = manifest.get(key)
        if not isinstance(value, str) or not BUNDLE_ID.fullmatch(value):
            raise BundleRefused(path, _("the manifest's {field} is missing or not an id").format(field=key))


class BundleRefused(ValidationError):
    """A bundle that fails a check; the message names the file and the reason in one line."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__([f"{path.name}: {reason}"])


def unexpected(path: Path, error: Exception) -> BundleRefused:
    """The refusal of a file whose reading failed in a way no check foresaw (a bug, or a kind of hostile
    file not met yet): logged with its traceback, so that it can be fixed, and refused like any other,
    so that it never stops an import, nor the inbox, with a traceback."""
    logging.getLogger(__name__).error("reading %s failed", path, exc_info=error)
    return BundleRefused(
        path, _("could not be read (unexpected {error}); it is refused").format(error=type(error).__name__)
    )


class AlreadyImported(BundleRefused):
    """A bundle imported before (a replay, or the same file again): skipped, it changes nothing and
    does not hold back the other files of the import."""


@dataclass(frozen=True)
class Member:
    name: str
    data: bytes  # plain bytes; encrypted when the bundle is written


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_bundle(
    path: Path,
    manifest: Mapping[str, Any],
    members: list[Member],
    certificate: Mapping[str, Any],
    signing_key: Ed25519PrivateKey,
    recipient: str,
) -> dict[str, Any]:
    """Encrypt the members to ``recipient``, sign the manifest (``manifest`` plus the member list)
    and write the zip atomically (``app.files``), so a pulled USB stick never leaves a file under the
    final name that looks complete. Returns the manifest written."""
    age_recipient = pyrage.x25519.Recipient.from_str(recipient)
    sealed = [
        (
            member.name,
            pyrage.encrypt(
                gzip.compress(member.data, 6, mtime=0) if member.name == RECORDS else member.data,
                [age_recipient],
            ),
        )
        for member in members
    ]
    full = {
        "format": FORMAT,
        "version": VERSION,
        **manifest,
        "members": [{"name": name, "sha256": _sha256(data), "size": len(data)} for name, data in sealed],
    }
    manifest_bytes = json.dumps(full, ensure_ascii=False, sort_keys=True, indent=1).encode()
    signature = signing.b64(signing_key.sign(manifest_bytes)).encode()
    certificate_bytes = json.dumps(certificate, ensure_ascii=False, sort_keys=True).encode()
    buffer = io.BytesIO()  # the sealed members are in memory already; the zip adds little
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(MANIFEST, manifest_bytes, zipfile.ZIP_DEFLATED)
        archive.writestr(SIGNATURE, signature, zipfile.ZIP_STORED)
        archive.writestr(CERTIFICATE, certificate_bytes, zipfile.ZIP_DEFLATED)
        for name, data in sealed:  # encrypted bytes do not compress
            archive.writestr(name, data, zipfile.ZIP_STORED)
    write_atomically(path, buffer.getvalue())
    return full


@dataclass(frozen=True)
class OpenedBundle:
    """A bundle whose structure, signature and member hashes are verified; members still encrypted."""

    path: Path
    manifest: dict[str, Any]
    certificate: dict[str, Any]
    sealed: dict[str, bytes]

    def decrypt(self, identity: pyrage.x25519.Identity, name: str) -> bytes:
        try:
            return bytes(pyrage.decrypt(self.sealed[name], [identity]))
        except pyrage.DecryptError:
            raise BundleRefused(
                self.path,
                _(
                    "{name} cannot be decrypted with this register's key "
                    "(the bundle was addressed to another HQ)"
                ).format(name=name),
            ) from None


def _check_member_info(path: Path, info: zipfile.ZipInfo, seen: set[str]) -> None:
    name = info.filename
    if name in seen:
        raise BundleRefused(path, _("the member {name} appears twice").format(name=repr(name)))
    seen.add(name)
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or "\\" in name:
        raise BundleRefused(
            path, _("the member {name} has an absolute or Windows path").format(name=repr(name))
        )
    if ".." in name.split("/"):
        raise BundleRefused(
            path, _("the member {name} points outside the bundle ('..')").format(name=repr(name))
        )
    if stat.S_ISLNK(info.external_attr >> 16):
        raise BundleRefused(path, _("the member {name} is a symbolic link").format(name=repr(name)))
    if name not in (MANIFEST, SIGNATURE, CERTIFICATE, RECORDS) and not FILE_MEMBER.fullmatch(name):
        raise BundleRefused(
            path, _("the member {name} is not part of the bundle format").format(name=repr(name))
        )
    if info.file_size > (MAX_MANIFEST if name in (MANIFEST, CERTIFICATE, SIGNATURE) else MAX_MEMBER):
        raise BundleRefused(
            path,
            _("the member {name} declares {size} bytes, more than allowed").format(
                name=repr(name), size=f"{info.file_size:,}"
            ),
        )
    if info.flag_bits & 0x1:  # zip's own encryption: never written by Outpost, unreadable without a password
        raise BundleRefused(
            path, _("the member {name} is encrypted with a zip password").format(name=repr(name))
        )
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise BundleRefused(
            path, _("the member {name} uses an unsupported compression").format(name=repr(name))
        )
    if info.compress_type == zipfile.ZIP_DEFLATED and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise BundleRefused(
            path,
            _("the member {name} expands more than {ratio}× (a zip bomb?)").format(
                name=repr(name), ratio=MAX_RATIO
            ),
        )


def _read_member(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The member's bytes, never more than it declared (a lying size header stops the read). A member
    that cannot be read (damaged deflate data, a bad CRC, a truncated file) is a refusal naming it."""
    try:
        with archive.open(info) as stream:
            data = stream.read(info.file_size + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise BundleRefused(
            path,
            _("the member {name} is damaged and cannot be read ({error})").format(
                name=repr(info.filename), error=exc
            ),
        ) from None
    if len(data) != info.file_size:
        raise BundleRefused(
            path, _("the member {name} is not the size it declares").format(name=repr(info.filename))
        )
    return data


def open_bundle(
    path: Path,
    trusted_issuer: Callable[[dict[str, Any]], Ed25519PublicKey],
) -> OpenedBundle:
    """Verify a bundle before any record is read: a sane zip, the manifest's format and version,
    the sender's certificate (checked by ``trusted_issuer``, which returns the sender's key or
    refuses), the manifest's signature, and every member against the manifest's list and hashes."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ValidationError([_("{path} does not exist").format(path=path)]) from None
    if path.is_dir():
        raise BundleRefused(path, _("is a folder, not a bundle file (choose the .outpost files in it)"))
    if size > MAX_BUNDLE:
        raise BundleRefused(path, _("{size} bytes is more than a bundle may hold").format(size=f"{size:,}"))
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise BundleRefused(path, _("not a bundle or truncated (not a readable zip file)")) from None
    except NotImplementedError as exc:  # a zip feature Python's reader lacks (a damaged version field)
        unknown = _("not a bundle Outpost wrote: it uses a zip feature Outpost never writes ({error})")
        raise BundleRefused(path, unknown.format(error=exc)) from None
    except OSError as exc:
        raise BundleRefused(
            path, _("could not be read ({error})").format(error=exc.strerror or exc)
        ) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise BundleRefused(
                path, _("{count} members is more than a bundle may hold").format(count=f"{len(infos):,}")
            )
        seen: set[str] = set()
        for info in infos:
            _check_member_info(path, info, seen)
        for required in (MANIFEST, SIGNATURE, CERTIFICATE):
            if required not in seen:
                raise BundleRefused(path, _("the member {name} is missing").format(name=required))
        by_name = {info.filename: info for info in infos}
        manifest_bytes = _read_member(path, archive, by_name[MANIFEST])
        try:
            signature = signing.unb64(
                _read_member(path, archive, by_name[SIGNATURE]).decode("ascii"), _("the signature")
            )
        except (UnicodeDecodeError, ValidationError):
            raise BundleRefused(path, _("the signature is not readable")) from None
        certificate = _read_json_member(path, CERTIFICATE, _read_member(path, archive, by_name[CERTIFICATE]))
        manifest = _read_json_member(path, MANIFEST, manifest_bytes)
        if manifest.get("format") != FORMAT:
            raise BundleRefused(path, _("not an Outpost bundle (no bundle manifest)"))
        if manifest.get("version") != VERSION:
            raise BundleRefused(
                path,
                _(
                    "bundle format version {found}; this Outpost reads version {version} "
                    "(install the newer Outpost)"
                ).format(found=repr(manifest.get("version")), version=VERSION),
            )
        for document, name, shape in (
            (manifest, MANIFEST, MANIFEST_SHAPE),
            (certificate, CERTIFICATE, CERTIFICATE_SHAPE),
        ):
            problem = shape_problem(document, shape)
            if problem:
                raise BundleRefused(path, f"{name}: {problem}")
        sender_key = trusted_issuer(certificate)
        try:
            sender_key.verify(signature, manifest_bytes)
        except Exception:  # cryptography's InvalidSignature
            raise BundleRefused(
                path, _("the manifest's signature does not match the sender's certificate")
            ) from None
        listed = manifest.get("members")
        if not isinstance(listed, list) or not all(isinstance(item, dict) for item in listed):
            raise BundleRefused(path, _("the manifest lists no members"))
        expected = {str(item.get("name")): item for item in listed}
        present = seen - {MANIFEST, SIGNATURE, CERTIFICATE}
        if present - expected.keys():
            raise BundleRefused(
                path,
                _("the member {name} is not in the manifest").format(
                    name=repr(sorted(present - expected.keys())[0])
                ),
            )
        if expected.keys() - present:
            raise BundleRefused(
                path,
                _("the member {name} is missing").format(name=repr(sorted(expected.keys() - present)[0])),
            )
        sealed: dict[str, bytes] = {}
        for name, item in expected.items():
            data = _read_member(path, archive, by_name[name])
            if len(data) != item.get("size") or _sha256(data) != item.get("sha256"):
                raise BundleRefused(
                    path,
                    _("the member {name} does not match its hash in the manifest").format(name=repr(name)),
                )
            sealed[name] = data
    return OpenedBundle(path, manifest, certificate, sealed)


def _read_json_member(path: Path, name: str, data: bytes) -> dict[str, Any]:
    """A JSON member (manifest or certificate) through the bounded reader: an object, or a refusal."""
    try:
        value = parse_json(data, MAX_MANIFEST)
    except JsonRefused as exc:
        raise BundleRefused(path, f"{name}: {exc}") from None
    if not isinstance(value, dict):
        raise BundleRefused(path, _("{name} is not a JSON object").format(name=name))
    return value


def read_lines(
    opened: OpenedBundle,
    identity: pyrage.x25519.Identity,
    expected: int | None = None,
    types: frozenset[str] | None = None,
) -> list[dict[str, Any]]:
    """The decrypted records, one JSON object per line (``read_record_lines``)."""
    return read_record_lines(opened, identity, expected, types)[0]


def read_record_lines(
    opened: OpenedBundle,
    identity: pyrage.x25519.Identity,
    expected: int | None = None,
    types: frozenset[str] | None = None,
) -> tuple[list[dict[str, Any]], list[bytes]]:
    """``read_lines``, and the line each record was read from (to hand it to another process as it came,
    which costs less than handing over the record).

    The records are decompressed a step at a time and each line is read as it comes, so a small file
    that expands to millions of lines is refused early with little memory: at the first line beyond
    ``expected`` (the manifest's count), at the first line that is not a JSON object through the
    bounded reader, or whose ``type`` is not one of ``types``. Fewer lines than ``expected`` is refused
    at the end."""
    if RECORDS not in opened.sealed:
        if expected:
            raise BundleRefused(opened.path, _("the number of records differs from the manifest's count"))
        return [], []
    records: list[dict[str, Any]] = []
    texts: list[bytes] = []
    for number, line in enumerate(_record_lines(opened, opened.decrypt(identity, RECORDS)), start=1):
        if not line.strip():
            raise BundleRefused(opened.path, _("record line {number} is empty").format(number=number))
        if expected is not None and number > expected:
            raise BundleRefused(
                opened.path,
                _("the records hold more than the {count} lines the manifest declares").format(
                    count=expected
                ),
            )
        try:
            record = parse_json(line, MAX_RECORD_LINE, unique_keys=False)
        except JsonRefused as exc:
            raise BundleRefused(
                opened.path,
                _("record line {number} is not valid JSON: {reason}").format(number=number, reason=exc),
            ) from None
        if not isinstance(record, dict):
            raise BundleRefused(
                opened.path, _("record line {number} is not a JSON object").format(number=number)
            )
        kind = record.get("type")
        if types is not None and (not isinstance(kind, str) or kind not in types):
            raise BundleRefused(
                opened.path,
                _("record {number}: unknown record type {kind}").format(number=number, kind=repr(kind)[:40]),
            )
        records.append(record)
        texts.append(line)
    if expected is not None and len(records) != expected:
        raise BundleRefused(opened.path, _("the number of records differs from the manifest's count"))
    return records, texts


def _record_lines(opened: OpenedBundle, data: bytes) -> Iterator[bytes]:
    """The lines of the gzip text ``data`` (each with its newline), decompressed ``INFLATE_STEP`` at a
    time; no more than ``MAX_RECORDS_TEXT`` in all and ``MAX_RECORD_LINE`` per line (a bomb inside the
    payload), and the gzip stream must be complete."""
    inflater = zlib.decompressobj(wbits=31)
    pending: list[bytes] = []  # the start of a line not ended yet
    pending_size = 0
    total = 0
    while True:
        try:
            chunk = inflater.decompress(data, INFLATE_STEP)
        except zlib.error:
            raise BundleRefused(
                opened.path, _("{name} is not valid gzip data").format(name=RECORDS)
            ) from None
        data = inflater.unconsumed_tail
        total += len(chunk)
        if total > MAX_RECORDS_TEXT:
            raise BundleRefused(
                opened.path, _("{name} is incomplete or expands beyond the limit").format(name=RECORDS)
            )
        pieces = chunk.split(b"\n")
        if len(pieces) > 1:  # the line begun in earlier steps ends in this one
            pending.append(pieces[0])
            yield b"".join(pending) + b"\n"
            pending, pending_size = [], 0
            for line in pieces[1:-1]:
                yield line + b"\n"
        if pieces[-1]:  # kept in pieces, not joined at every step: a long line is copied once
            pending.append(pieces[-1])
            pending_size += len(pieces[-1])
        if pending_size > MAX_RECORD_LINE:
            raise BundleRefused(
                opened.path,
                _("a record line is longer than {size} MB").format(size=MAX_RECORD_LINE // 1024**2),
            )
        if inflater.eof or (not chunk and not data):
            break
    if not inflater.eof:
        raise BundleRefused(
            opened.path, _("{name} is incomplete or expands beyond the limit").format(name=RECORDS)
        )
    if pending:
        yield b"".join(pending)


def certificate_key(certificate: dict[str, Any]) -> Ed25519PublicKey:
    return keys.public_from_raw(
        signing.unb64(certificate.get("signing_public_key", ""), _("the certificate's key"))
    )
