"""HQ's inbox: the folder where bundles wait to be imported, filled by hand (a USB stick copied
over), by a shared folder, or from HQ's mailbox over IMAP (``fetch_mail``). The app watches it and
offers to import what waits there; after an import that refused nothing, the files applied or
skipped are moved to ``imported/`` beside it, and files an import refused can be moved to
``refused/`` with their reasons, so the folder holds only what still needs attention."""

from __future__ import annotations

import email
import email.policy
import imaplib
import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import AppError, ValidationError
from app.files import write_atomically
from app.i18n import _
from app.sync.mail import TIMEOUT_S, network_words, server_problems

if TYPE_CHECKING:
    from app.context import Context
    from app.settings import Settings

SUFFIX = ".outpost"
IMPORTED = "imported"
REFUSED = "refused"
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


def _free(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name`` with -1, -2, … before its suffix when that is taken."""
    target, number = folder / name, 1
    while target.exists():
        target = folder / f"{Path(name).stem}-{number}{SUFFIX}"
        number += 1
    return target


def _move(ctx: Context, names: Sequence[str], into: str) -> list[tuple[str, Path]]:
    folder = inbox_folder(ctx)
    done = folder / into
    moved: list[tuple[str, Path]] = []
    for name in dict.fromkeys(names):
        source = folder / name
        if source.parent != folder or not source.is_file():
            continue
        done.mkdir(exist_ok=True)
        target = _free(done, name)  # never onto an existing file
        source.rename(target)
        moved.append((name, target))
    return moved


def file_away(ctx: Context, names: Sequence[str]) -> list[Path]:
    """Move the inbox files with these names (applied or skipped by an import) to ``imported/``;
    returns where they went. Files of those names elsewhere are left alone."""
    return [target for _name, target in _move(ctx, names, IMPORTED)]


def refuse(ctx: Context, refusals: Sequence[dict[str, str]]) -> list[Path]:
    """Move the inbox files an import refused to ``refused/``, each with its reasons beside it in a
    ``.txt`` file, so that they no longer hold back the others (the next import takes the rest)."""
    reasons: dict[str, list[str]] = {}
    for item in refusals:
        reasons.setdefault(item["file"], []).append(item["reason"])
    moved = _move(ctx, list(reasons), REFUSED)
    for name, target in moved:
        target.with_suffix(".txt").write_text("\n".join(reasons[name]) + "\n", encoding="utf-8")
    return [target for _name, target in moved]


# ----- IMAP ------------------------------------------------------------------------------------


def check_imap_settings(host: str, port: int, security: str, username: str) -> None:
    problems = server_problems(host, port, security)
    if not username.strip():
        problems.append(_("the mailbox user name is empty"))
    if problems:
        raise ValidationError(problems)


@dataclass(frozen=True)
class Fetched:
    saved: tuple[Path, ...]  # bundle files saved into the inbox
    messages: int  # messages they came in (now marked as read)
    ignored: tuple[str, ...] = ()  # attachments not taken, with the reason


def _connect(ctx: Context) -> imaplib.IMAP4:
    return connect(ctx.settings)


def connect(settings: Settings) -> imaplib.IMAP4:
    """A connection to the IMAP server ``settings`` name (also the set-up dialog's check)."""
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


def clean_name(name: str) -> str:
    """A mail's attachment name made a plain file name in the inbox: no folders, only letters,
    digits, dots, dashes and underscores (a download's "x (1).outpost" becomes "x-1.outpost")."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base[: -len(SUFFIX)] if base.lower().endswith(SUFFIX) else base
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._")[:150] or "bundle"
    return stem + SUFFIX


def _bundles(message: EmailMessage, ignored: list[str], number: str) -> list[tuple[str, bytes]] | None:
    """The bundle attachments of a message; None when one of them cannot be read (the message is
    then left unread, for people to look at)."""
    found = []
    try:
        for part in message.iter_attachments():
            name = str(part.get_filename() or "")
            if not name.lower().endswith(SUFFIX):
                continue
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes) or not payload:
                ignored.append(
                    _("message {number}: the attachment {name} is empty or not a file").format(
                        number=number, name=repr(name)
                    )
                )
                return None
            found.append((clean_name(name), payload))
    except Exception as exc:  # a malformed message: Python's mail parser fails in many ways
        ignored.append(_unreadable(number, exc))
        return None
    return found


def _new_name(folder: Path, name: str, data: bytes) -> Path | None:
    """Where to save ``name``: None when the inbox (or its imported/ folder) holds it already."""
    for known in (folder / name, folder / IMPORTED / name):
        if known.is_file() and known.read_bytes() == data:
            return None
    return _free(folder, name)


def fetch_mail(ctx: Context, password: str) -> Fetched:
    """Save the ``.outpost`` attachments of the unread messages in HQ's mailbox into the inbox, then
    mark those messages read. Messages without a bundle are left unread for people. A message is
    marked only after its files are safely on disk, so a failure never loses one."""
    settings = ctx.settings
    if not settings.imap_host:
        raise AppError(_("no mailbox is set up for HQ ('outpost mail setup-imap')"))
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
                raise imaplib.IMAP4.error(
                    _("INBOX cannot be opened ({detail})").format(detail=_text(Exception(*detail)))
                )
            _status, found = client.search(None, "UNSEEN")
            for number in found[0].split():
                _status, data = client.fetch(number, "(RFC822.SIZE BODY.PEEK[])")
                raw = next((item[1] for item in data if isinstance(item, tuple)), b"")
                if len(raw) > MAX_MESSAGE:
                    ignored.append(
                        _("message {number}: larger than {size} MiB").format(
                            number=number.decode(), size=MAX_MESSAGE // 2**20
                        )
                    )
                    continue
                label = number.decode()
                try:
                    message = email.message_from_bytes(raw, policy=email.policy.default)
                except Exception as exc:  # any parser failure: left for people
                    ignored.append(_unreadable(label, exc))
                    continue
                assert isinstance(message, EmailMessage)
                bundles = _bundles(message, ignored, label)
                if not bundles:
                    continue
                for name, content in bundles:
                    target = _new_name(folder, name, content)
                    if target is not None:
                        try:
                            write_atomically(target, content)
                        except OSError as exc:  # a full disk: the message stays unread for next time
                            raise AppError(
                                _(
                                    "could not save {name} in {folder}: {error}; "
                                    "{count} file(s) were saved before that"
                                ).format(
                                    name=target.name,
                                    folder=folder,
                                    error=exc.strerror or exc,
                                    count=len(saved),
                                )
                            ) from None
                        saved.append(target)
                client.store(number, "+FLAGS", "\\Seen")
                messages += 1
    except imaplib.IMAP4.error as exc:
        raise AppError(
            _("the mailbox at {where} refused: {detail}").format(where=where, detail=_text(exc))
        ) from None
    except (OSError, ssl.SSLError) as exc:
        raise AppError(
            _(
                "the mailbox at {where} could not be reached ({detail}); "
                "{count} file(s) were saved before that"
            ).format(where=where, detail=network_words(exc), count=len(saved))
        ) from None
    return Fetched(tuple(saved), messages, tuple(ignored))


def _unreadable(number: str, exc: Exception) -> str:
    return _("message {number}: cannot be read ({error}); left unread").format(
        number=number, error=type(exc).__name__
    )


def _text(exc: BaseException) -> str:
    text = exc.args[0] if exc.args else exc
    return text.decode(errors="replace") if isinstance(text, bytes) else str(text)
