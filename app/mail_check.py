"""Trying the mail settings before they are relied on: a test message through the SMTP server, and a
log-in to HQ's IMAP mailbox, each said plainly (what worked, or what the server answered).

Why: a chief finds a wrong port or password on the day of set-up, with the settings still on screen,
not at month's end when the report does not leave. The settings tried are the ones typed (not yet
saved); the password is used for the one connection and kept nowhere, as the command line does (it
asks for it, or reads OUTPOST_SMTP_PASSWORD / OUTPOST_IMAP_PASSWORD, each time)."""

from __future__ import annotations

import imaplib
import smtplib
import ssl
from email.message import EmailMessage

from app.errors import AppError
from app.i18n import _
from app.settings import Settings
from app.sync.inbox import check_imap_settings
from app.sync.inbox import connect as connect_imap
from app.sync.mail import check_mail_settings, network_words
from app.sync.mail import connect as connect_smtp


def send_test(settings: Settings, station_code: str, password: str | None) -> str:
    """Send a short test message to HQ's address; what happened, in a sentence (AppError if it failed)."""
    check_mail_settings(
        settings.smtp_host, settings.smtp_port, settings.smtp_security, settings.mail_from, settings.mail_to
    )
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = settings.mail_to
    message["Subject"] = f"Outpost {station_code}: thư thử / test message"
    message.set_content(
        f"Thư thử từ {station_code}: máy chủ thư đã được thiết lập đúng; không cần trả lời.\n\n"
        f"A test message from {station_code}: the mail server is set up correctly; no reply is needed.\n"
    )
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        with connect_smtp(settings) as client:
            if settings.smtp_username:
                client.login(settings.smtp_username, password or "")
            client.send_message(message)
    except smtplib.SMTPAuthenticationError:
        raise AppError(
            _("the mail server {server} refused the user name or password").format(server=where)
        ) from None
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        raise AppError(
            _("the mail server {server} could not be used ({detail})").format(
                server=where, detail=network_words(exc)
            )
        ) from None
    return _("A test message was sent to {address} through {server}.").format(
        address=settings.mail_to, server=where
    )


def check_mailbox(settings: Settings, password: str) -> str:
    """Log in to HQ's mailbox and open its INBOX; how many unread messages wait there, in a sentence."""
    s = settings
    check_imap_settings(s.imap_host, s.imap_port, s.imap_security, s.imap_username)
    where = f"{settings.imap_host}:{settings.imap_port}"
    try:
        with connect_imap(settings) as client:
            client.login(settings.imap_username, password)
            status, _detail = client.select("INBOX", readonly=True)
            if status != "OK":
                raise imaplib.IMAP4.error("INBOX")
            _status, found = client.search(None, "UNSEEN")
            unread = len(found[0].split()) if found and found[0] else 0
    except imaplib.IMAP4.error as exc:
        text = exc.args[0] if exc.args else exc
        detail = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        refused = _("the mailbox at {where} refused: {detail}")
        raise AppError(refused.format(where=where, detail=detail)) from None
    except (OSError, ssl.SSLError) as exc:
        raise AppError(
            _("the mailbox at {where} could not be reached ({detail})").format(
                where=where, detail=network_words(exc)
            )
        ) from None
    return _("Connected to the mailbox {user} at {where}: {count} unread message(s) in INBOX.").format(
        user=settings.imap_username, where=where, count=unread
    )
