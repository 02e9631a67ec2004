"""Sending bundle parts to HQ by e-mail, one message per part; without a mail server or a
connection the parts go to the outbox folder with instructions for attaching them by hand."""

from __future__ import annotations

import shutil
import smtplib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import ValidationError
from app.i18n import _

if TYPE_CHECKING:
    from app.context import Context
    from app.settings import Settings

SECURITY = ("starttls", "ssl", "none")
TIMEOUT_S = 30
INSTRUCTIONS = "HUONG-DAN-GUI-THU.txt"


def network_words(exc: BaseException) -> str:
    """What went wrong reaching a mail server, in the user's language: "[Errno 111] Connection refused"
    was the system's English, in the middle of a Vietnamese sentence."""
    if isinstance(exc, ConnectionRefusedError):
        return _("nothing answers at that address and port")
    if isinstance(exc, TimeoutError):
        return _("no answer in time")
    if isinstance(exc, socket.gaierror):
        return _("the server's name is not known (check the address, or the network)")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _("its certificate could not be verified ({reason})").format(reason=exc.verify_message)
    if isinstance(exc, ssl.SSLError):
        return _("the secure connection failed ({reason})").format(reason=exc.reason or exc)
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = exc.args[0] if exc.args else exc
    return text.decode(errors="replace") if isinstance(text, bytes) else str(text)


@dataclass(frozen=True)
class Delivery:
    sent: tuple[Path, ...]  # parts handed to the mail server
    outbox: Path | None  # the folder holding the parts still to send by hand
    reason: str = ""  # why they were not sent


def server_problems(host: str, port: int, security: str) -> list[str]:
    """What is wrong with a mail server's address and security setting (SMTP or IMAP)."""
    problems = []
    if not host.strip():
        problems.append(_("the mail server's name is empty"))
    if not 0 < port < 65536:
        problems.append(_("port {port} is not a TCP port (1–65535)").format(port=port))
    if security not in SECURITY:
        problems.append(
            _("security {security} is not one of {choices}").format(
                security=repr(security), choices=", ".join(SECURITY)
            )
        )
    return problems


def check_mail_settings(host: str, port: int, security: str, mail_from: str, mail_to: str) -> None:
    problems = server_problems(host, port, security)
    for message, address in (
        (_("the sender address {address} is not an e-mail address"), mail_from),
        (_("HQ's address {address} is not an e-mail address"), mail_to),
    ):
        if "@" not in address or address.startswith("@") or address.endswith("@"):
            problems.append(message.format(address=repr(address)))
    if problems:
        raise ValidationError(problems)


def _message(ctx: Context, path: Path, index: int, count: int) -> EmailMessage:
    settings = ctx.settings
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = settings.mail_to
    message["Subject"] = f"Outpost {ctx.station_code}: {path.name} ({index}/{count})"
    message.set_content(
        f"Dữ liệu đồng bộ của {ctx.station_code}, phần {index}/{count}: tệp đính kèm {path.name}.\n"
        "Tệp đã được ký và mã hóa; nhập vào sổ của Bộ Chỉ huy bằng 'outpost import'.\n\n"
        f"Sync data from {ctx.station_code}, part {index} of {count}: the attached {path.name}.\n"
        "The file is signed and encrypted; import it at HQ with 'outpost import'.\n"
    )
    message.add_attachment(
        path.read_bytes(), maintype="application", subtype="octet-stream", filename=path.name
    )
    return message


def _connect(ctx: Context) -> smtplib.SMTP:
    return connect(ctx.settings)


def connect(settings: Settings) -> smtplib.SMTP:
    """A connection to the SMTP server ``settings`` name (also the set-up dialog's test)."""
    if settings.smtp_security == "ssl":
        return smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_S, context=ssl.create_default_context()
        )
    client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_S)
    if settings.smtp_security == "starttls":
        client.starttls(context=ssl.create_default_context())
    return client


def deliver(ctx: Context, files: Sequence[Path], password: str | None = None) -> Delivery:
    """E-mail each part to HQ; whatever could not be sent is put in the outbox with instructions."""
    settings = ctx.settings
    if not settings.smtp_host or not settings.mail_to:
        return Delivery(
            (), _to_outbox(ctx, list(files)), _("no mail server is set up ('outpost mail setup')")
        )
    sent: list[Path] = []
    try:
        with _connect(ctx) as client:
            if settings.smtp_username:
                client.login(settings.smtp_username, password or "")
            for index, path in enumerate(files, start=1):
                client.send_message(_message(ctx, path, index, len(files)))
                sent.append(path)
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        left = [path for path in files if path not in sent]
        reason = _("the mail server {server} could not be used ({detail})").format(
            server=f"{settings.smtp_host}:{settings.smtp_port}", detail=network_words(exc)
        )
        return Delivery(tuple(sent), _to_outbox(ctx, left), reason)
    _clear_outbox(ctx, keep=())  # everything waiting there is in what was just sent
    return Delivery(tuple(sent), None)


def _clear_outbox(ctx: Context, keep: Sequence[str]) -> None:
    """Take out of the outbox the parts of earlier exports: the newest export holds everything HQ has
    not acknowledged, so they would only be sent twice (and the instructions with them)."""
    outbox = ctx.paths.data_dir / "outbox"
    if not outbox.is_dir():
        return
    for old in outbox.glob("*.outpost"):
        if old.name not in keep:
            old.unlink(missing_ok=True)
    if not keep:
        (outbox / INSTRUCTIONS).unlink(missing_ok=True)


def _to_outbox(ctx: Context, files: list[Path]) -> Path:
    outbox = ctx.paths.data_dir / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    _clear_outbox(ctx, keep=[path.name for path in files])
    for path in files:
        target = outbox / path.name
        if path.resolve() != target.resolve():
            temporary = outbox / f".{path.name}.partial"
            shutil.copyfile(path, temporary)
            temporary.replace(target)
    to_vi = ctx.settings.mail_to or "hộp thư của Bộ Chỉ huy"
    to_en = ctx.settings.mail_to or "HQ's mailbox"
    waiting = sorted(p.name for p in outbox.glob("*.outpost"))
    (outbox / INSTRUCTIONS).write_text(
        "Các tệp dưới đây chưa được gửi. Khi có kết nối, hãy đính kèm từng tệp vào một thư gửi "
        f"{to_vi}, rồi xóa tệp đã gửi khỏi thư mục này.\n"
        f"These files are not sent yet. When there is a connection, attach each one to an e-mail to "
        f"{to_en}, then delete the sent ones from this folder.\n\n" + "\n".join(waiting) + "\n",
        encoding="utf-8",
    )
    return outbox
