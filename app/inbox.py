"""HQ's inbox: the folder where bundles wait to be imported, filled by hand (a USB stick copied
over), by a shared folder, or from HQ's mailbox over IMAP (``fetch_mail``). The app watches it and
offers to import what waits there; after an import that refused nothing, the files applied or
skipped are moved to ``imported/`` beside it, so the folder holds only what still needs attention."""

from __future__ import annotations

import email
import email.policy
import imaplib
import re
import shutil
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from app.context import Context
from app.errors import AppError, ValidationError
from app.files import write_atomically
from app.mail import SECURITY, TIMEOUT_S

SUFFIX = ".outpost"
IMPORTED = "imported"
# What a bundle file may be called once saved (a mail's file name is the sender's to choose).
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,150}\.outpost")
MAX_MESSAGE = 64 * 1024 * 1024  # one part per message, 20 MB by default


def inbox_folder(ctx: Context) -> Path:
    """The configured inbox folder, or ``inbox/`` in the register's folder."""
    configured = ctx.settings.inbox_folder.strip()
    return Path(configured).expanduser() if configured else ctx.paths.data_dir / "inbox"


def waiting(ctx: Context) -> list[Path]:
    """The bundle files waiting in the inbox, by name."""
    folder = inbox_folder(ctx)
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.iterdir() if path.suffix == SUFFIX and path.is_file())


def file_away(ctx: Context, names: Sequence[str]) -> list[Path]:
    """Move the inbox files with these names (applied or skipped by an import) to ``imported/``;
    returns where they went. Files of that name elsewhere are left alone."""
    folder = inbox_folder(ctx)
    done = folder / IMPORTED
    moved: list[Path] = []
    for name in names:
        source = folder / name
        if source.parent != folder or not source.is_file():
            continue
        done.mkdir(exist_ok=True)
        target = done / name
        if target.exists():  # the same name imported before: keep both
            target = done / f"{source.stem}-{len(list(done.glob(source.stem + '*')))}{SUFFIX}"
        shutil.move(source, target)
        moved.append(target)
    return moved


# ----- IMAP ------------------------------------------------------------------------------------


def check_imap_settings(host: str, port: int, security: str, username: str) -> None:
    problems = []
    if not host.strip():
        problems.append("the mail server's name is empty")
    if not 0 < port < 65536:
        problems.append(f"port {port} is not a TCP port (1–65535)")
    if security not in SECURITY:
        problems.append(f"security {security!r} is not one of {', '.join(SECURITY)}")
    if not username.strip():
        problems.append("the mailbox user name is empty")
    if problems:
        raise ValidationError(problems)


@dataclass(frozen=True)
class Fetched:
    saved: tuple[Path, ...]  # bundle files saved into the inbox
    messages: int  # messages they came in (now marked as read)
    ignored: tuple[str, ...] = ()  # attachments not taken, with the reason


def _connect(ctx: Context) -> imaplib.IMAP4:
    settings = ctx.settings
    if settings.imap_security == "ssl":
        return imaplib.IMAP4_SSL(
            settings.imap_host,
            settings.imap_port,
            ssl_context=ssl.create_default_context(),
            timeout=TIMEOUT_S,
        )
    client = imaplib.IMAP4(settings.imap_host, settings.imap_port, timeout=TIMEOUT_S)
    if settings.imap_security == "starttls":
        client.starttls(ssl_context=ssl.create_default_context())
    return client


def _bundles(message: EmailMessage) -> list[tuple[str, bytes]]:
    found = []
    for part in message.iter_attachments():
        name = part.get_filename() or ""
        if name.lower().endswith(SUFFIX):
            payload = part.get_payload(decode=True)
            found.append((name, payload if isinstance(payload, bytes) else b""))
    return found


def _free_name(folder: Path, name: str, data: bytes) -> Path | None:
    """Where to save ``name``: None when the inbox (or its imported/ folder) holds it already."""
    for known in (folder / name, folder / IMPORTED / name):
        if known.is_file() and known.read_bytes() == data:
            return None
    target, number = folder / name, 1
    while target.exists():
        target = folder / f"{Path(name).stem}-{number}{SUFFIX}"
        number += 1
    return target


def fetch_mail(ctx: Context, password: str) -> Fetched:
    """Save the ``.outpost`` attachments of the unread messages in HQ's mailbox into the inbox, then
    mark those messages read. Messages without a bundle are left unread for people. A message is
    marked only after its files are safely on disk, so a failure never loses one."""
    settings = ctx.settings
    if not settings.imap_host:
        raise AppError("no mailbox is set up for HQ ('outpost mail setup-imap')")
    folder = inbox_folder(ctx)
    folder.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    ignored: list[str] = []
    messages = 0
    where = f"{settings.imap_host}:{settings.imap_port}"
    try:
        with _connect(ctx) as client:
            client.login(settings.imap_username, password)
            status, detail = client.select("INBOX")
            if status != "OK":
                raise imaplib.IMAP4.error(f"INBOX cannot be opened ({_text(Exception(*detail))})")
            _status, found = client.search(None, "UNSEEN")
            for number in found[0].split():
                _status, data = client.fetch(number, "(RFC822.SIZE BODY.PEEK[])")
                raw = next((item[1] for item in data if isinstance(item, tuple)), b"")
                if len(raw) > MAX_MESSAGE:
                    ignored.append(f"message {number.decode()}: larger than {MAX_MESSAGE // 2**20} MiB")
                    continue
                message = email.message_from_bytes(raw, policy=email.policy.default)
                assert isinstance(message, EmailMessage)
                bundles = _bundles(message)
                if not bundles:
                    continue
                for name, content in bundles:
                    safe = Path(name.replace("\\", "/")).name
                    if not _SAFE_NAME.fullmatch(safe):
                        ignored.append(f"{name!r}: not a bundle file name")
                        continue
                    target = _free_name(folder, safe, content)
                    if target is not None:
                        try:
                            write_atomically(target, content)
                        except OSError as exc:  # a full disk: the message stays unread for next time
                            raise AppError(
                                f"could not save {target.name} in {folder}: {exc.strerror or exc}; "
                                f"{len(saved)} file(s) were saved before that"
                            ) from None
                        saved.append(target)
                client.store(number, "+FLAGS", "\\Seen")
                messages += 1
    except imaplib.IMAP4.error as exc:
        raise AppError(f"the mailbox at {where} refused: {_text(exc)}") from None
    except (OSError, ssl.SSLError) as exc:
        raise AppError(
            f"the mailbox at {where} could not be reached ({_text(exc)}); "
            f"{len(saved)} file(s) were saved before that"
        ) from None
    return Fetched(tuple(saved), messages, tuple(ignored))


def _text(exc: BaseException) -> str:
    text = exc.args[0] if exc.args else exc
    return text.decode(errors="replace") if isinstance(text, bytes) else str(text)
