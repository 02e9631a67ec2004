"""Start the desktop app: first-run set-up, log-in, then the main window."""

from __future__ import annotations

import faulthandler
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QProgressDialog

from app.context import Context, Paths
from app.domain import Actor
from app.errors import AppError
from app.register import open_register
from ui.errors import install_crash_handler, show_error
from ui.first_run import FirstRunDialog
from ui.jobs import Job
from ui.login import LoginDialog
from ui.main_window import MainWindow

DEMO_CASES = 2000


def _application() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    application = QApplication(sys.argv[:1])
    application.setApplicationName("Outpost")
    application.setOrganizationName("Outpost")
    return application


def fill_demo(ctx: Context, actor: Actor, cases: int = DEMO_CASES) -> None:
    """Generate demo cases in the background with a progress dialog that can be cancelled."""
    from app.demo import generate_demo

    dialog = QProgressDialog("Đang tạo dữ liệu mẫu…", "Hủy", 0, cases)
    dialog.setWindowTitle("Outpost")
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setMinimumDuration(500)
    job = Job(lambda progress, cancel: generate_demo(ctx, actor, cases=cases, seed=1,
                                                      progress=progress, cancel=cancel))
    job.signals.progressed.connect(lambda done, total: dialog.setValue(done))
    job.signals.failed.connect(lambda message: show_error(None, message))
    for signal in (job.signals.finished, job.signals.failed, job.signals.cancelled):
        signal.connect(dialog.reset)
    dialog.canceled.connect(job.token.cancel)
    job.start()
    dialog.exec()


def run_gui(data_dir: Path) -> int:
    faulthandler.enable()
    application = _application()
    paths = Paths(data_dir)
    install_crash_handler(paths.logs)
    demo = False
    if not paths.register.exists():
        first_run = FirstRunDialog(data_dir)
        if first_run.exec() != FirstRunDialog.DialogCode.Accepted or first_run.context is None:
            return 0
        ctx = first_run.context
        demo = first_run.mode == "demo"
    else:
        try:
            ctx = open_register(data_dir)
        except AppError as exc:
            show_error(None, exc.message, "Không mở được sổ vụ việc")
            return 1
    login = LoginDialog(ctx)
    if login.exec() != LoginDialog.DialogCode.Accepted or login.actor is None:
        return 0
    if demo:
        fill_demo(ctx, login.actor)
    window = MainWindow(ctx, login.actor)
    window.show()
    code = application.exec()
    ctx.close()
    return int(code)
