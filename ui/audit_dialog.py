"""Tools → Verify the audit trail…: the whole check (``app.audit_check``) as a background job with its
progress and Cancel, and the result said plainly: intact with its counts, or the first broken link with
what it means, the full list below it.

The check reads every audit event and every record, which takes minutes on a large register, so it runs
off the GUI thread (ui/jobs.py) and the window stays usable; cancelling changes nothing."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.audit_check import AuditCheck, check, explain
from app.context import Context
from app.domain import Actor
from app.formatting import format_int
from app.i18n import _, ngettext
from app.progress import CancelToken, Progress
from ui.jobs import Job


class AuditDialog(QDialog):
    """``start()`` runs the check; ``ended`` says how it ended (finished, failed, cancelled)."""

    ended = Signal(str)

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self._job: Job | None = None
        self.checked: AuditCheck | None = None
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Verify the audit trail"))
        self.setMinimumWidth(560)
        intro = QLabel(
            _("Every change Outpost saves is sealed into a chain. The check recomputes the chain and "
              "compares every record with its last sealed state, so that a change made with another program "
              "is found. It changes nothing.")
        )
        intro.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setMinimumHeight(self.fontMetrics().lineSpacing() * 2)
        font = self.verdict.font()
        font.setBold(True)
        self.verdict.setFont(font)
        self.verdict.setAccessibleName(_("Result of the check"))
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setVisible(False)
        self.details.setMinimumHeight(120)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.again_button = QPushButton(_("Check again"))
        self.buttons.addButton(self.again_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.progress)
        layout.addWidget(self.verdict)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.close_button.clicked.connect(self._on_close_button_clicked)
        self.again_button.clicked.connect(self.start)

    def start(self) -> None:
        if self._job is not None:
            return
        ctx, actor = self._ctx, self._actor

        def work(progress: Progress, cancel: CancelToken) -> AuditCheck:
            return check(ctx, actor, progress=progress, cancel=cancel)

        self._job = Job(work)
        signals = self._job.signals
        signals.progressed.connect(self._on_job_progressed)
        signals.finished.connect(self._on_job_finished)
        signals.failed.connect(self._on_job_failed)
        signals.cancelled.connect(self._on_job_cancelled)
        signals.crashed.connect(self._on_job_crashed)
        self.checked = None
        self._running(True)
        self.verdict.setText(_("Checking the audit trail… Cancel stops the check; nothing is changed."))
        self._job.start()

    def _running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.progress.setRange(0, 0)
        self.again_button.setEnabled(not running)
        self.close_button.setEnabled(True)
        self.close_button.setText(_("Cancel") if running else _("Close"))
        if running:
            self.details.setVisible(False)

    def _on_job_progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, total))

    def _on_job_finished(self, result: object) -> None:
        assert isinstance(result, AuditCheck)
        self._job = None
        self.checked = result
        self._running(False)
        counts = _("{events} audit events, {records} records checked.").format(
            events=format_int(result.events), records=format_int(result.entities)
        )
        if result.ok:
            self.verdict.setText(_("OK: the audit trail is intact. {counts}").format(counts=counts))
            self.ended.emit("finished")
            return
        first = result.problems[0]
        self.verdict.setText(
            ngettext(
                "NOT INTACT: {count} problem found. The first: {problem}\n{meaning}\n{counts}",
                "NOT INTACT: {count} problems found. The first: {problem}\n{meaning}\n{counts}",
                len(result.problems),
            ).format(count=len(result.problems), problem=first, meaning=explain(first), counts=counts)
            + "\n"
            + _("Do not change anything; tell HQ and keep the backups made before today.")
        )
        self.details.setPlainText("\n".join(result.problems))
        self.details.setVisible(True)
        self.adjustSize()  # the verdict's lines and the list appear: the dialog grows to show them whole
        self.ended.emit("finished")

    def _on_job_failed(self, message: str) -> None:
        self._job = None
        self._running(False)
        self.verdict.setText(_("The check could not run: {why}").format(why=message))
        self.ended.emit("failed")

    def _on_job_cancelled(self) -> None:
        self._job = None
        self._running(False)
        self.verdict.setText(_("Cancelled: the check was stopped before the end; nothing was changed."))
        self.ended.emit("cancelled")

    def _on_job_crashed(self, error: BaseException) -> None:
        from ui.errors import report_unexpected

        self._job = None
        self._running(False)
        report_unexpected(type(error), error, error.__traceback__)

    def _on_close_button_clicked(self) -> None:
        if self._job is not None:
            self._job.token.cancel()  # stops at the next batch of events; the dialog says so then
            self.close_button.setEnabled(False)
            self.verdict.setText(_("Cancelling…"))
        else:
            self.reject()

    def reject(self) -> None:
        if self._job is None:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._job is not None:
            event.ignore()
            return
        super().closeEvent(event)
