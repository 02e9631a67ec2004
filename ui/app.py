"""Start the desktop app: first-run set-up (or open the register), log-in, then the main window."""

from __future__ import annotations

import faulthandler
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from app.context import Context, Paths
from app.domain import Actor
from app.i18n import DEFAULT_LANGUAGE, _
from app.settings import load_settings
from ui.auto_backup import AutoBackups
from ui.errors import install_crash_handler, show_error
from ui.first_run import DEMO_CASES, FirstRunDialog
from ui.i18n import apply_language
from ui.jobs import MainThreadCollector, Outcome, ProgressRunner
from ui.login import LoginDialog
from ui.main_window import MainWindow
from ui.recovery_key import RecoveryKeyDialog
from ui.single_instance import SingleInstance

FAULT_FILE = "faults.log"
DEMO_BATCH = 250  # small batches: the bar moves and Cancel takes effect within a fraction of a second

_fault_file: IO[str] | None = None


def run_gui(data_dir: Path) -> int:
    """The desktop app's main loop; returns the process exit code."""
    paths = Paths(data_dir)
    _enable_faulthandler(paths.logs)
    application = _application()
    collector = MainThreadCollector(application)
    collector.start()
    install_crash_handler(data_dir)
    # The language first: a start that finds the register already open says so in it.
    apply_language(load_settings(paths.settings).language if paths.settings.exists() else DEFAULT_LANGUAGE)
    instance = SingleInstance(data_dir, application)  # one Outpost per register (ui/single_instance.py)
    claim = instance.claim()
    if claim == "forwarded":
        return 0  # the one already running came forward
    if claim == "no_answer":
        say_already_open()
        return 1
    try:
        return _run_first(data_dir, application)
    finally:
        instance.close()  # the next start is first at once, without waiting for this lock to look stale


def say_already_open(parent: QWidget | None = None) -> None:
    """Another Outpost holds this register but did not come forward (hung, or busy for long)."""
    QMessageBox.warning(
        parent,
        _("Outpost is already open"),
        _("Outpost is already open on this register but does not answer. Wait for it to finish, or close "
          "it (Task Manager if needed), then start Outpost again."),
    )


def _run_first(data_dir: Path, application: QApplication) -> int:
    warn_about_resources()
    opened = open_or_set_up(data_dir)
    if opened is None:
        return 0
    ctx, actor = opened
    try:
        show_recovery_key(ctx)
        shell = Shell(ctx, actor)
        shell.show_main_window()
        backups = AutoBackups(ctx, application)
        backups.failed.connect(shell.say_backup_failed)
        backups.stick_said.connect(shell.say_backup_stick)
        backups.start()
        code = int(application.exec())
        backups.at_exit()
        return code
    finally:
        ctx.close()


def warn_about_resources(parent: QWidget | None = None) -> bool:
    """Before anything else, name every resource file that differs from the build's manifest (the
    reward rules, the report layout…). A warning the user must dismiss, not a refusal: the cases stay
    reachable while the file is put back (docs/architecture.md §6). Returns whether all was in order."""
    from app.resource_check import check_resources

    report = check_resources()
    if report.ok:
        return True
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(_("Program files changed"))
    box.setText(
        _("Some of Outpost's program files differ from the ones it was installed with. Rewards, reports "
          "and checks may be wrong until Outpost is reinstalled. Tell your administrator.")
    )
    box.setInformativeText("\n".join(report.lines()))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()
    return False


def open_or_set_up(data_dir: Path) -> tuple[Context, Actor] | None:
    """The register and its user: set up through the first-run dialog (its admin is logged in), or
    opened by logging in (the password opens the register: app/unlock.py). None if the user quit."""
    if not Paths(data_dir).register.exists():
        first_run = FirstRunDialog(data_dir)
        accepted = first_run.exec() == QDialog.DialogCode.Accepted
        if accepted and first_run.mode == "restored":
            return _log_in(data_dir)  # a backup was restored onto this computer: its users log in
        if not accepted or first_run.context is None:
            return None
        if first_run.admin is None:
            first_run.context.close()
            return None
        if first_run.mode == "demo":
            fill_demo(first_run.context, first_run.admin)
        return first_run.context, first_run.admin
    return _log_in(data_dir)


def _log_in(data_dir: Path) -> tuple[Context, Actor] | None:
    login = LoginDialog(data_dir)
    if login.exec() != QDialog.DialogCode.Accepted or login.context is None or login.actor is None:
        return None
    return login.context, login.actor


def show_recovery_key(ctx: Context, parent: QWidget | None = None) -> None:
    """The recovery key just made (set-up, or a plain register encrypted), shown this once."""
    if ctx.recovery_key:
        RecoveryKeyDialog(ctx.recovery_key, ctx.station_code, parent).exec()
        ctx.recovery_key = None


class Shell:
    """Keeps the main window; a change of language rebuilds it in the new language."""

    def __init__(self, ctx: Context, actor: Actor) -> None:
        self._ctx = ctx
        self._actor = actor
        self.window: MainWindow | None = None

    def show_main_window(self) -> MainWindow:
        window = MainWindow(self._ctx, self._actor)
        window.language_changed.connect(self._on_window_language_changed)
        window.show()
        self.window = window
        return window

    def say_backup_failed(self, message: str) -> None:
        if self.window is not None:
            self.window.statusBar().showMessage(_("The automatic backup failed: {why}").format(why=message))

    def say_backup_stick(self, message: str) -> None:
        """Whether the automatic backup also went to the USB stick (or why not), in the status bar."""
        if self.window is not None:
            self.window.statusBar().showMessage(message)

    def _on_window_language_changed(self, language: str) -> None:
        apply_language(language)
        old = self.window
        if old is None or any(editor.dirty for editor in old.editors.values()):
            return  # unsaved work stays where it is; windows opened from now on use the new language
        self.show_main_window()  # first, so that closing the old one is never "the last window closed"
        old.close()
        old.deleteLater()


def _enable_faulthandler(log_dir: Path) -> None:
    """Hard crashes (inside Qt, say) leave a Python traceback beside the log, even without a console.

    A file of its own, not ``outpost.log``: faulthandler holds its file open for good, and an open
    file cannot be renamed on Windows, so the rotating log could never rotate."""
    global _fault_file
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        _fault_file = (log_dir / FAULT_FILE).open("a", encoding="utf-8")
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

    def work(progress: Any, cancel: Any) -> Any:
        made = generate(
            ctx, actor, cases=cases, seed=1, progress=progress, cancel=cancel, batch_size=DEMO_BATCH
        )
        from app.demo_tips import demo_tips  # issue 19: a few tip-offs, as 'outpost demo' adds them

        demo_tips(ctx, actor, min(30, made // 100), seed=1)
        return made

    outcome = runner.run(work, total=cases)
    if outcome.state == "failed":
        show_error(parent, outcome.message, _("Could not generate the demo cases"))
    return outcome
