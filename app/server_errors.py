"""Failures of the database under a command that are no bug of Outpost's: the register busy (another
program kept its write lock longer than a writer waits) and, at HQ on PostgreSQL, the server gone
(stopped, restarted, the network cut). The command line says them with exit 7 and the desktop in a
plain warning, instead of "unexpected error" and a log file to send.

What was being written was rolled back (by SQLite, or by the server): nothing is half-saved."""

from __future__ import annotations

from app.i18n import _

# What psycopg says when the server goes away under a command.
_LOST = (
    "server closed the connection",
    "terminating connection",
    "connection is lost",
    "consuming input failed",
    "connection timeout expired",
    "connection refused",
    "the connection is closed",
)


def _database_error(exc: BaseException, *names: str) -> bool:
    return type(exc).__module__.startswith("sqlalchemy") and type(exc).__name__ in names


def busy(exc: BaseException) -> bool:
    """Whether ``exc`` says another program held the register's write lock for longer than a writer
    waits (``db.engine.BUSY_TIMEOUT_MS``): SQLite's "database is locked", PostgreSQL's lock timeout."""
    if not _database_error(exc, "OperationalError"):
        return False
    text = str(getattr(exc, "orig", exc))
    return "database is locked" in text or "lock timeout" in text


def connection_lost(exc: BaseException) -> bool:
    if not _database_error(exc, "OperationalError", "InterfaceError"):
        return False
    text = str(getattr(exc, "orig", exc)).lower()
    return any(words in text for words in _LOST)


def busy_message() -> str:
    return _(
        "the register is busy: another program is writing to it (an import, a backup, the desktop app "
        "saving) and did not finish within 10 seconds; what this command was writing was not saved: try "
        "it again once the other has finished"
    )


def lost_message(exc: BaseException) -> str:
    detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    return _(
        "the connection to the database was lost ({detail}): what this command had not yet saved was not "
        "saved. Run it again once the database server is back (an import skips what it has already)"
    ).format(detail=detail)


def told(exc: BaseException) -> str | None:
    """What to tell a person of ``exc`` when it is one of these failures, else None (a bug)."""
    if busy(exc):
        return busy_message()
    if connection_lost(exc):
        return lost_message(exc)
    return None
