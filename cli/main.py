"""The ``outpost`` entry point: assembles the parser from the command modules, runs the chosen
command and turns an expected failure into its message and exit code.

Each command module (``admin``, ``cases``, ``sync``, ``reports``) declares its own commands beside
their handlers; this module only orders them and holds the options every command shares.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import gc
import os
import sys
import textwrap
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import cli.common
from app import __version__
from app.errors import AppError, Cancelled, RegisterError
from cli import activities, admin, cases, establishments, exports, handovers, reports, sync, tips, watch
from cli.common import ENVIRONMENT, OPENED, Handler, default_data_dir, uncollected

# What the exit status means, for scripts; the top-level help prints this table. The 2, 4–8 come from
# the AppError family (app/errors.py), 3 and 9 from the commands that report a refusal or a mismatch.
EXIT_CODES = {
    0: "success",
    1: "the system refused to read or write a file (a full or read-only disk, a pulled USB stick), "
    "or a self-test check failed",
    2: "invalid input or command line (each problem printed as 'path: reason'; nothing written)",
    3: "import rejected a bundle (nothing was applied; with --inbox, the other files were)",
    4: "not allowed for the user's role",
    5: "log-in refused (wrong password, locked account, no password given)",
    6: "not found",
    7: "register missing, damaged, from a newer version or busy (another program kept writing to it), "
    "or the command is not for this kind of register",
    8: "not allowed in the case's current status",
    9: "'audit verify' found tampering, 'verify-print' a print it cannot prove genuine (not signed by the "
    "station, altered, unsigned, from an earlier version, or content the register never held), or a "
    "tip-off was refused because the keys informants are sealed to were changed outside Outpost",
    70: "unexpected error (a bug): one line is printed and the details are written to the log file "
    "<data dir>/logs/outpost.log",
    130: "cancelled or interrupted",
}


def _table(heading: str, rows: dict[str, str], width: int) -> list[str]:
    """A heading and its rows, the text wrapped beside the key (the epilog is printed as written)."""
    lines = [heading]
    for key, text in rows.items():
        lines += textwrap.wrap(
            text, 78, initial_indent=f"  {key:<{width}} ", subsequent_indent=" " * (width + 3)
        )
    return lines


def _epilog() -> str:
    codes = {str(code): text for code, text in EXIT_CODES.items()}
    return "\n".join(
        [*_table("environment variables:", ENVIRONMENT, 24), "", *_table("exit codes:", codes, 4)]
    )


# The top-level options that take a value: ``_command_in`` steps over it to find the command's name.
VALUED = ("--data-dir", "--db-url", "--user")


def _command_in(argv: Sequence[str]) -> str | None:
    """The command's name in ``argv``, or None when argparse must see the whole table to answer (no
    command, ``--help``, ``--version``, an abbreviated or unknown option)."""
    words = iter(argv)
    for word in words:
        if word in VALUED:
            next(words, None)
        elif word == "--json" or word.split("=", 1)[0] in VALUED:
            continue
        elif word.startswith("-"):
            return None
        else:
            return word
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole command table, or with ``argv``, the table up to the module that declares its command:
    argparse makes some ninety parsers for the whole table, a few percent of a command's start-up
    (docs/performance.md). A name that is no command's still gets the whole table, and so its error."""
    # --json is accepted before and after the command; SUPPRESS keeps a later default from undoing it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print JSON instead of text"
    )
    parser = argparse.ArgumentParser(
        prog="outpost",
        description="Outpost: the border post's case register.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"outpost {__version__}")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="register folder (default: $OUTPOST_DATA_DIR or the user data folder)",
    )
    parser.add_argument(
        "--db-url",
        default=None,
        help="HQ's PostgreSQL database, e.g. postgresql://outpost@db.local/outpost (default: "
        "$OUTPOST_DB_URL, else the one 'init hq --db-url' recorded, else the SQLite file)",
    )
    parser.add_argument("--user", default=None, help="acting user (default: the only admin)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = _command_in(argv) if argv is not None else None
    for module in (admin, cases, sync, reports, watch, handovers, activities, tips, establishments, exports):
        module.register(sub, common)
        if wanted is not None and wanted in sub.choices:
            break
    return parser


def run() -> NoReturn:
    """The process's entry (the ``outpost`` command, ``python -m cli``, the frozen app): the command,
    then a quick exit. Every object left is frozen (``gc.freeze``) so that the interpreter's last
    collections do not walk them: SQLAlchemy's mappings and a command's objects are ~90 000 objects,
    and walking them cost every command ~0.1 s after it had answered, a fifth of a ``case list``
    (docs/performance.md, start-up). What is still open then is not finalised: ``main`` has closed the
    registers it was told of (``cli.common.closed_at_the_end``: every context a command opens must
    be), ``atexit`` handlers (the log's flush among them) still run, and the operating system closes
    the rest."""
    cli.common.ONE_COMMAND = True
    try:
        code = main()
    finally:
        gc.freeze()
    raise SystemExit(code)


def main(argv: Sequence[str] | None = None) -> int:
    with contextlib.suppress(OSError, ValueError):  # a stderr with no file behind it (a test's capture)
        faulthandler.enable()
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not hasattr(args, "json"):
        args.json = False
    args.data_dir = (args.data_dir or default_data_dir()).expanduser()
    args.db_url = args.db_url or os.environ.get("OUTPOST_DB_URL") or None  # no password in argv
    if args.db_url is not None and args.db_url.startswith("postgres://"):  # libpq's short form
        args.db_url = "postgresql://" + args.db_url.removeprefix("postgres://")
    func: Handler = getattr(args, "func", admin.cmd_gui)
    if args.db_url is not None or (args.data_dir / "database.url").exists():
        from app.context import Paths
        from app.register import chosen_database

        try:  # HQ on PostgreSQL: the folder's database, checked before any command opens or writes
            args.db_url = chosen_database(Paths(args.data_dir), args.db_url)
        except AppError as exc:
            print(f"outpost: error: {exc.message}", file=sys.stderr)
            return exc.exit_code
    if func is not admin.cmd_self_test:  # which reports it as one of its checks
        _warn_about_resources()
    try:
        with uncollected():  # SQLAlchemy, the models and the register: what every command but the help needs
            import app.register  # noqa: F401
        code = func(args)
        sys.stdout.flush()  # here, so that a closed pipe is caught below and not at exit
        return code
    except BrokenPipeError:
        return _quiet_pipe()
    except Cancelled:
        print("outpost: cancelled", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("\noutpost: interrupted", file=sys.stderr)
        return 130
    except AppError as exc:
        print(f"outpost: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        print(f"outpost: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: never a traceback on the user's screen
        from app.server_errors import told

        said = told(exc)  # the register busy, the database server gone: not a bug
        if said is not None:
            print(f"outpost: error: {said}", file=sys.stderr)
            return RegisterError.exit_code
        return _unexpected(args, exc)
    finally:
        _close_registers()


def _close_registers() -> None:
    """Close the registers the command opened, each connection properly (SQLite folds its write-ahead
    log back into the file) rather than whenever the interpreter gets to them."""
    while OPENED:
        with contextlib.suppress(Exception):  # the command has answered; a failed close changes nothing
            OPENED.pop().close()


def _warn_about_resources() -> None:
    """Name every resource file that differs from the build's manifest (the reward rules, say), one
    line each on stderr. A warning, not a refusal: the register and its cases stay reachable, and the
    chief learns which file to restore (docs/architecture.md §6)."""
    from app.resource_check import check_resources

    for line in check_resources().lines():
        print(f"outpost: warning: {line}", file=sys.stderr)


def _quiet_pipe() -> int:
    """The reader went away (``outpost case list | head -1``): that is its choice, not an error. As the
    Python documentation recommends, what is left to print goes to the null device, so that the flush
    at exit does not complain either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file behind stdout (a test's capture)
        pass
    return 0


def _unexpected(args: argparse.Namespace, exc: Exception) -> int:
    """One line for the user, the whole traceback in the log file shared with the desktop app."""
    from app.logs import log, open_log

    path = open_log(args.data_dir if args.data_dir.is_dir() else None)
    if path is not None:  # else logging's last resort would print the traceback on stderr after all
        command = " ".join(filter(None, (getattr(args, "command", None), getattr(args, "action", None))))
        details = "".join(traceback.format_exception(exc)).rstrip()
        log.error("unexpected error in 'outpost %s'\n%s", command, details)
    text = " ".join(str(exc).split())
    summary = type(exc).__name__ + (f": {text[:120]}…" if len(text) > 120 else f": {text}" if text else "")
    where = f"details in {path}" if path else "no log file could be written"
    print(f"outpost: unexpected error ({summary}); {where}", file=sys.stderr)
    return 70
