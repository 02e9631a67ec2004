"""The content-addressed attachment store under the data dir, encrypted with the register.

A case names its photos and files by the SHA-256 of their content. On an encrypted register
(docs/security.md) each stored file is sealed with ChaCha20-Poly1305 under a key derived (HKDF) from
the register key, in chunks of 1 MiB (the STREAM construction: a random prefix, the chunk's number
and a last-chunk flag in each nonce, so chunks cannot be reordered, dropped or the file cut short),
and its name is an HMAC of the content hash, so the folder does not tell which known photo is in it.
Reading a file back checks its content against the hash the case names. A plain register (PostgreSQL,
or one not yet encrypted) keeps files in clear under their hash, as before.
"""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.domain import AttachmentInput
from app.errors import AppError
from app.files import write_atomically

CHUNK = 1 << 20
MAX_SIZE = 200 * 1024 * 1024
MAGIC = b"OPAT1"
PREFIX = 7  # random nonce bytes per file; 4 for the chunk number, 1 for the last-chunk flag
TAG = 16
SEALED = ".sealed"


def _derive(register_key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(register_key)


class AttachmentStore:
    """The attachments of one register: ``key`` is the register key, None for a plain register."""

    def __init__(self, folder: Path, key: bytes | None) -> None:
        self.folder = folder
        self._seal = ChaCha20Poly1305(_derive(key, b"outpost attachments v1")) if key else None
        self._names = _derive(key, b"outpost attachment names v1") if key else None

    @property
    def encrypted(self) -> bool:
        return self._seal is not None

    def path(self, sha256: str) -> Path:
        """Where the file with content ``sha256`` is kept (it may not be there)."""
        if self._names is None:
            return self.folder / sha256[:2] / sha256
        name = hmac.new(self._names, sha256.encode(), "sha256").hexdigest()
        return self.folder / name[:2] / f"{name}{SEALED}"

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def store_file(self, source: Path, caption: str | None = None) -> AttachmentInput:
        """Copy a file into the store (atomically, once per content) and describe it for a case."""
        if not source.is_file():
            raise AppError(f"{source}: no such file")
        size = source.stat().st_size
        if size > MAX_SIZE:
            raise AppError(f"{source.name}: {size // (1024 * 1024)} MB is larger than the 200 MB limit")
        self.folder.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        handle, tmp_name = tempfile.mkstemp(dir=self.folder, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out, source.open("rb") as src:
                for chunk in self._sealed(_chunks(src, digest)):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            target = self.path(sha)
            if target.exists():
                os.unlink(tmp_name)
            else:
                target.parent.mkdir(exist_ok=True)
                os.replace(tmp_name, target)
        except OSError as exc:
            Path(tmp_name).unlink(missing_ok=True)
            raise AppError(f"could not store {source.name}: {exc.strerror or exc}") from None
        mime = mimetypes.guess_type(source.name)[0] or "application/octet-stream"
        return AttachmentInput(sha256=sha, filename=source.name, mime=mime, size=size, caption=caption)

    def store_bytes(self, sha256: str, content: bytes) -> None:
        """Keep received content under its hash (once; the caller has checked the hash)."""
        target = self.path(sha256)
        if not target.exists():
            pieces = [content[i : i + CHUNK] for i in range(0, len(content), CHUNK)] or [b""]
            write_atomically(target, b"".join(self._sealed(iter(pieces))))

    def read_bytes(self, sha256: str) -> bytes:
        """The file's content, checked against its hash."""
        source = self.path(sha256)
        try:
            with source.open("rb") as handle:
                content = b"".join(self._opened(handle, sha256))
        except FileNotFoundError:
            raise AppError(f"file {sha256[:12]}… is missing from the attachment store") from None
        if hashlib.sha256(content).hexdigest() != sha256:
            raise AppError(f"file {sha256[:12]}… in the attachment store is damaged")
        return content

    def export_file(self, sha256: str, destination: Path) -> Path:
        """A copy in clear under ``destination`` (to open in a viewer, or to hand over)."""
        source = self.path(sha256)
        if not source.is_file():
            raise AppError(f"file {sha256[:12]}… is missing from the attachment store")
        if self._seal is None:
            shutil.copyfile(source, destination)
            return destination
        digest = hashlib.sha256()
        with source.open("rb") as handle, destination.open("wb") as out:
            for chunk in self._opened(handle, sha256):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha256:
            destination.unlink(missing_ok=True)
            raise AppError(f"file {sha256[:12]}… in the attachment store is damaged")
        return destination

    def check(self, sha256: str) -> str | None:
        """Why the stored file for ``sha256`` cannot be trusted (``"missing"`` or ``"damaged"``), or
        None: read to the end through its authentication and hashed, and nothing written in clear."""
        try:
            with self.path(sha256).open("rb") as handle:
                digest = hashlib.sha256()
                for chunk in self._opened(handle, sha256):
                    digest.update(chunk)
        except FileNotFoundError:
            return "missing"
        except AppError:
            return "damaged"
        return None if digest.hexdigest() == sha256 else "damaged"

    def stored_files(self) -> list[Path]:
        """Every file kept here, sealed or in clear (not the half-written ``.incoming-`` ones)."""
        return sorted(p for p in self.folder.glob("??/*") if p.is_file() and not p.name.startswith("."))

    def plain_files(self) -> list[Path]:
        """The files kept in clear in this folder (named by their hash, without the sealed suffix)."""
        found = self.folder.glob("??/*")
        return sorted(p for p in found if len(p.name) == 64 and p.parent.name == p.name[:2])

    def seal_plain_files(self) -> int:
        """A sealed copy of every file kept in clear (for a register being encrypted); the clear files
        stay until ``drop_plain_files``, so that a failed encryption leaves the register as it was."""
        sealed = 0
        for source in self.plain_files():
            if not self.has(source.name):
                # As it is, unchecked: a damaged file stays damaged (and is reported when read), but
                # never blocks the encryption of everything else.
                self.store_bytes(source.name, source.read_bytes())
                sealed += 1
        return sealed

    def drop_sealed_files(self) -> None:
        """Sealed files left by an encryption that did not finish (under a key that was thrown away)."""
        for sealed in self.folder.glob(f"??/*{SEALED}"):
            sealed.unlink()

    def drop_plain_files(self) -> None:
        for source in self.plain_files():
            source.unlink()

    # -- sealing --------------------------------------------------------------------------------

    def _sealed(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        if self._seal is None:
            yield from chunks
            return
        prefix = os.urandom(PREFIX)
        yield MAGIC + prefix
        number, current = 0, next(chunks, b"")
        for following in chunks:
            yield self._seal.encrypt(_nonce(prefix, number, last=False), current, None)
            number, current = number + 1, following
        yield self._seal.encrypt(_nonce(prefix, number, last=True), current, None)

    def _opened(self, handle: BinaryIO, sha256: str) -> Iterator[bytes]:
        if self._seal is None:
            while chunk := handle.read(CHUNK):
                yield chunk
            return
        header = handle.read(len(MAGIC) + PREFIX)
        if not header.startswith(MAGIC):
            raise AppError(f"file {sha256[:12]}… in the attachment store is damaged")
        prefix, number = header[len(MAGIC) :], 0
        current = handle.read(CHUNK + TAG)
        while True:
            following = handle.read(CHUNK + TAG)
            try:
                yield self._seal.decrypt(_nonce(prefix, number, last=not following), current, None)
            except InvalidTag:
                raise AppError(f"file {sha256[:12]}… in the attachment store is damaged") from None
            if not following:
                return
            number, current = number + 1, following


def _nonce(prefix: bytes, number: int, *, last: bool) -> bytes:
    return prefix + number.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def _chunks(source: BinaryIO, digest: hashlib._Hash) -> Iterator[bytes]:
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        yield chunk
