"""Help → Save diagnostics…: the zip for the technical staff (app/diagnostics.py), written off the GUI
thread (the self-test takes a few seconds) after asking where."""

from __future__ import annotations

from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.context import Context
from app.diagnostics import write_diagnostics
from app.errors import AppError
from app.i18n import _
from ui.errors import show_error
from ui.jobs import ProgressRunner


def default_name(ctx: Context) -> str:
    return f"outpost-diagnostics-{ctx.station_code}-{ctx.local(ctx.clock()):%Y%m%d-%H%M}.zip"


def save_diagnostics(ctx: Context, target: Path, parent: QWidget | None = None) -> Path | None:
    """Write the zip to ``target``; its path, or None if it failed or was cancelled (already said)."""
    qt = {"qt": qVersion(), "pyside6": pyside_version}

    def work(progress, cancel):  # type: ignore[no-untyped-def]
        try:
            return write_diagnostics(ctx, target, extra_versions=qt)
        except OSError as exc:
            raise AppError(_("{path}: {reason}").format(path=target, reason=exc.strerror or exc)) from exc

    outcome = ProgressRunner(_("Saving the diagnostics…"), parent).run(work)
    if outcome.state == "failed":
        show_error(parent, outcome.message, _("Could not save the diagnostics"))
        return None
    if outcome.state != "finished":
        return None
    saved: Path = outcome.result
    return saved


def save_diagnostics_dialog(ctx: Context, parent: QWidget | None = None) -> Path | None:
    name, _filter = QFileDialog.getSaveFileName(
        parent, _("Save diagnostics"), str(Path.home() / default_name(ctx)), _("Zip files (*.zip)")
    )
    if not name:
        return None
    saved = save_diagnostics(ctx, Path(name), parent)
    if saved is not None:
        QMessageBox.information(
            parent, _("Save diagnostics"),
            _("Saved {path}. It holds the log, the versions and the self-test's result, without names, "
              "numbers or anything else of the cases: send it to your technical staff.").format(path=saved),
        )
    return saved
