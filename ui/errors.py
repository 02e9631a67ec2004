"""One way to show expected errors, and a crash handler that logs unexpected ones and says where."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.i18n import _
from app.logs import log, open_log
from app.server_errors import told

_log_file: Path | None = None


def show_error(parent: QWidget | None, message: str, title: str | None = None) -> None:
    """An expected failure (``AppError``): the message says what to do; nothing was changed."""
    # Core messages start in lower case, as log lines do; one that starts with a file's name keeps it.
    first = message.split(maxsplit=1)[0].rstrip(":") if message.strip() else ""
    named = any(mark in first for mark in "./\\_-") or any(c.isdigit() for c in first)
    sentence = message if named else message[:1].upper() + message[1:]
    box = QMessageBox(
        QMessageBox.Icon.Warning, title or _("Could not do that"), sentence, QMessageBox.StandardButton.Close,
        parent,
    )
    box.exec()


def install_crash_handler(data_dir: Path) -> Path | None:
    """Log unexpected exceptions to the log file the command line also writes (``app/logs.py``) and
    tell the user where that is."""
    global _log_file
    _log_file = open_log(data_dir)
    sys.excepthook = report_unexpected
    return _log_file


def report_unexpected(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    """``sys.excepthook``; also called for exceptions that escape a background job."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, tb)
        return
    log.error("unexpected error\n%s", "".join(traceback.format_exception(kind, value, tb)).rstrip())
    if QApplication.instance() is None:  # too early or too late for a dialog
        sys.__excepthook__(kind, value, tb)
        return
    said = told(value)  # the register busy, HQ's database server gone: no bug, nothing to send
    if said is not None:
        show_error(None, said + ".", _("The register cannot be reached"))
        return
    where = _("The details were written to the log file:\n{path}").format(path=_log_file) if _log_file else ""
    text = _(
        "Outpost met an unexpected error. Data saved before is not affected.\n\n{error}\n\n{where}\n\n"
        "Please send this file to the technical staff."
    ).format(error=f"{kind.__name__}: {value}", where=where)
    box = QMessageBox(
        QMessageBox.Icon.Critical, _("Unexpected error"), text, QMessageBox.StandardButton.Close
    )
    box.exec()
