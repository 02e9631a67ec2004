"""Start the desktop app: first-run set-up (or open the register), log-in, then the main window."""

from __future__ import annotations

import faulthandler
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from PySide6.QtWidgets import QApplication, QDialog, QWidget

from app.context import Context, Paths
from app.domain import Actor
from app.errors import AppError
from app.i18n import _
from app.register import open_register
from ui.errors import LOG_FILE, install_crash_handler, show_error
from ui.first_run import DEMO_CASES, FirstRunDialog
from ui.jobs import Outcome, ProgressRunner
from ui.login import LoginDialog
from ui.main_window import MainWindow

DEMO_BATCH = 250  # small batches: the bar moves and Cancel takes effect within a fraction of a second

_fault_file: IO[str] | None = None


def run_gui(data_dir: Path) -> int:
    """The desktop app's main loop; returns the process exit code."""
    paths = Paths(data_dir)
    _enable_faulthandler(paths.logs)
    application = _application()
    install_crash_handler(paths.logs)
    ctx = _open_or_set_up(data_dir)
    if ctx is None:
        return 0
    try:
        login = LoginDialog(ctx)
        if login.exec() != QDialog.DialogCode.Accepted or login.actor is None:
            return 0
        window = MainWindow(ctx, login.actor)
        window.show()
        return int(application.exec())
    finally:
        ctx.close()


def _enable_faulthandler(log_dir: Path) -> None:
    """Hard crashes (inside Qt, say) leave a Python traceback in the log, even without a console."""
    global _fault_file
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        _fault_file = (log_dir / LOG_FILE).open("a", encoding="utf-8")
        faulthandler.enable(_fault_file)
    except OSError:
        if sys.stderr is not None:  # the windowed build has no stderr at all
            faulthandler.enable()


def _application() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    application = QApplication(sys.argv[:1])
    application.setApplicationName("Outpost")
    application.setOrganizationName("Outpost")
    return application


def _open_or_set_up(data_dir: Path) -> Context | None:
    """The register in ``data_dir``, set up through the first-run dialog if there is none yet."""
    if Paths(data_dir).register.exists():
        try:
            return open_register(data_dir)
        except AppError as exc:
            show_error(None, exc.message, _("Could not open the register"))
            return None
    first_run = FirstRunDialog(data_dir)
    if first_run.exec() != QDialog.DialogCode.Accepted or first_run.context is None:
        return None
    if first_run.mode == "demo" and first_run.admin is not None:
        fill_demo(first_run.context, first_run.admin)
    return first_run.context


def _demo_generator() -> Callable[..., Any] | None:
    try:
        from app.demo import generate_demo
    except ImportError:  # a build without the demo generator: the demo post simply starts empty
        return None
    return generate_demo


def fill_demo(ctx: Context, actor: Actor, cases: int = DEMO_CASES, parent: QWidget | None = None) -> Outcome:
    """Generate demo cases off the GUI thread behind a progress dialog with a working Cancel button."""
    generate = _demo_generator()
    if generate is None:
        return Outcome("finished", result=0)
    runner = ProgressRunner(_("Generating demo cases…"), parent)
    outcome = runner.run(
        lambda progress, cancel: generate(
            ctx, actor, cases=cases, seed=1, progress=progress, cancel=cancel, batch_size=DEMO_BATCH
        ),
        total=cases,
    )
    if outcome.state == "failed":
        show_error(parent, outcome.message, _("Could not generate the demo cases"))
    return outcome
