"""What every command shares: the data folder, passwords, logging in and printing results.

Kept apart from the command modules so that each of them reads as its handlers and their options
only; nothing here knows a particular command.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from app.errors import AuthError, NotFound, ValidationError

# The environment variables the command line reads, with what each holds; the top-level help lists them.
ENVIRONMENT = {
    "OUTPOST_DATA_DIR": "the register folder (instead of the user data folder)",
    "OUTPOST_DB_URL": "HQ's PostgreSQL database URL, with its password (instead of --db-url; once "
    "'init hq' has recorded the database, only to give the password)",
    "OUTPOST_PASSWORD": "the acting user's password (instead of a prompt)",
    "OUTPOST_NEW_PASSWORD": "the new password of 'user add', 'user password' and 'user reset-password'",
    "OUTPOST_RECOVERY_KEY": "the recovery key of 'user reset-password --recovery-key' (instead of a prompt)",
    "OUTPOST_KEY_PASSPHRASE": "the passphrase of this station's signing and encryption keys",
    "OUTPOST_SMTP_PASSWORD": "the mail server password of 'export --email'",
    "OUTPOST_IMAP_PASSWORD": "the mailbox password of 'mail fetch'",
    "OUTPOST_ARGON2_PROFILE": "'test' makes password hashing cheap (tests only, never a real register)",
    "OUTPOST_RESOURCES": "another resources folder (a copy to try; checked against its manifest too)",
}

Handler = Callable[[argparse.Namespace], int]

# Set by ``cli.main.run``: this process ends when its command does (not a test calling ``main``).
ONE_COMMAND = False

# The registers the command opened to log in, closed by ``cli.main.main`` when the command is done.
OPENED: list[Any] = []


def default_data_dir() -> Path:
    """The environment's folder, a portable install's, or the user's (app/data_folder.py)."""
    from app.data_folder import default_data_dir as chosen

    return chosen()


def out(args: argparse.Namespace, value: Any, text: str | None = None) -> None:
    """The result as text, or as JSON with ``--json`` (and always when there is no text form)."""
    if getattr(args, "json", False) or text is None:
        print(json.dumps(value, ensure_ascii=False, indent=2, default=str))
    else:
        print(text)


def warn(message: str) -> None:
    print(f"outpost: warning: {message}", file=sys.stderr)


def password(prompt: str, env: str = "OUTPOST_PASSWORD", confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin or not sys.stdin.isatty():
        raise AuthError(f"no password: set {env} or run the command in a terminal to be asked")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat the password: ") != first:
        raise AuthError("the two passwords differ; nothing was changed")
    return first


def acting_user(args: argparse.Namespace) -> str:
    """``--user``, or the only admin; read before the register opens (app/unlock.py)."""
    username: str | None = args.user
    if not username:
        if args.db_url is not None:
            from app.register import open_register

            ctx = open_register(args.data_dir, db_url=args.db_url)
            try:
                username = ctx.only_admin()
            finally:
                ctx.close()
        else:
            from app.unlock import default_username

            username = default_username(args.data_dir)
    if not username:
        raise AuthError("several admins exist: say who is acting with --user NAME")
    return username


def read_source(name: str) -> tuple[str, str]:
    """A JSON file a command reads (``-``: standard input): its name as messages say it, and its text.
    A missing file is "not found" (exit 6), a folder or a file that is not UTF-8 text invalid input
    (exit 2), each naming the file."""
    if name == "-":
        return "<stdin>", sys.stdin.read()
    path = Path(name)
    if path.is_dir():  # asked first: Windows refuses to open a folder as "permission denied"
        raise ValidationError([f"{path}: a folder, not a file"])
    try:
        return str(path), path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise ValidationError([f"{path}: not UTF-8 text (byte {exc.start})"]) from None


def _labels_as_set(ctx: Any) -> None:
    """A register set to English shows its reference labels (statuses, groups, commodities) in English
    on the command line as in the app; the messages are English whatever the setting. A Vietnamese
    register keeps the labels in Vietnamese, the official terms."""
    if ctx.settings.language == "en":
        from app.i18n import set_language

        set_language("en")


def closed_at_the_end(ctx: Any) -> Any:
    """``ctx`` (an open register), closed by ``cli.main.main`` when the command is done."""
    OPENED.append(ctx)
    return ctx


def uncollected() -> AbstractContextManager[None]:
    """No cycle collection while a command's modules are imported (``cli.main.main``, the desktop's
    start). SQLAlchemy and the models make ~80 000 objects and no garbage; the collections their
    growth sets off, and then the walks of them by every later collection, cost a command ~35 ms of
    its start (docs/performance.md, start-up). In a process that ends with its command
    (``cli.main.run``), what the imports made is frozen: it stays to the end anyway."""
    from app.collector import paused

    return paused(freeze=ONE_COMMAND)


def logged_in(args: argparse.Namespace) -> tuple[Any, Any, str]:
    """The register opened by the acting user's password, that user, and the password (which some
    commands need again to unwrap a key of their own)."""
    from app.register import open_register
    from app.unlock import log_in

    if args.db_url is None and not (args.data_dir / "register.sqlite").exists():
        open_register(args.data_dir)  # says there is no register here and how to make one
    username = acting_user(args)
    secret = password(f"Password for {username}: ")
    if args.db_url is not None:
        ctx = open_register(args.data_dir, db_url=args.db_url)
        try:
            actor = ctx.login(username, secret)
        except BaseException:
            ctx.close()
            raise
    else:
        ctx, actor = log_in(args.data_dir, username, secret)
        if ctx.recovery_key:
            show_recovery_key(ctx.recovery_key, "The register has been encrypted.")
    _labels_as_set(ctx)
    return closed_at_the_end(ctx), actor, secret


def session(args: argparse.Namespace) -> tuple[Any, Any]:
    """The open register and the logged-in acting user: what most commands start with."""
    ctx, actor, _secret = logged_in(args)
    return ctx, actor


def show_recovery_key(recovery_key: str, headline: str) -> None:
    """The recovery key, shown this once: on standard error, so that ``--json`` output stays JSON."""
    print(
        f"\n{headline}\n"
        f"RECOVERY KEY (shown only now):  {recovery_key}\n"
        "Print it or write it down and keep it in the safe. It opens the register if every password is\n"
        "forgotten ('outpost user reset-password NAME --recovery-key'); nothing else can.\n",
        file=sys.stderr,
    )


def key_passphrase(ctx: Any) -> str:
    """The passphrase of this station's keys; the first time it is asked for, it sets them up."""
    from app.sync import keys

    new = not keys.has_signing_key(ctx.paths.data_dir)
    prompt = "New passphrase for this station's keys: " if new else "Passphrase of this station's keys: "
    return password(prompt, env="OUTPOST_KEY_PASSPHRASE", confirm=new)


def size(text: str) -> int:
    """A size like 20M, 500K or 1048576 (bytes)."""
    units = {"K": 1024, "M": 1024**2, "G": 1024**3}
    text = text.strip().upper().removesuffix("B")
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 20M, 500K or 1048576") from None


def existing_folder(folder: Path) -> None:
    """Bundles are written only into a folder that exists: a mistyped or unmounted USB path must not
    put them on the laptop's own disk."""
    from app.errors import NotFound

    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise NotFound(f"{folder} {what} (is the USB stick plugged in? create the folder first)")


STDOUT = "-"  # as an output file: standard output, so that a PDF or workbook can be piped on


def output_file(target: str) -> Path | None:
    """Where a ``--pdf``/``--xlsx`` file goes, checked before any work: None for standard output, else
    the path, whose folder must exist as for ``export`` (no folders made on a mistyped path)."""
    if target == STDOUT:
        return None
    path = Path(target)
    existing_folder(path.parent)
    return path


def write_output(path: Path | None, data: bytes) -> None:
    """The bytes to ``path`` whole or not at all, or to standard output when ``path`` is None."""
    if path is None:
        sys.stdout.flush()  # any text already printed goes first
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    from app.printing import save

    save(path, data)


def group(sub: Any, name: str, help: str, description: str) -> Any:
    """A command with actions under it (``user add``, ``case list``): the sub-parsers of its actions."""
    parser = sub.add_parser(name, help=help, description=description)
    return parser.add_subparsers(dest="action", metavar="ACTION", required=True)
