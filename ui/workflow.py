"""The workflow commands on the selected case: submit, approve, return, close, void, history, and
the hand-over of a criminal case to the police.

Actions are enabled as the services would allow them (the services still decide: a refusal is
shown as it comes back). Every success is reported on the app-wide ``Events.changed`` signal.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from app.auth import can
from app.context import Context
from app.domain import Actor, CaseResult
from app.errors import AppError
from app.i18n import _
from ui.errors import show_error
from ui.events import Events
from ui.history import HistoryDialog
from ui.print_key import KeyMemory
from ui.reason_dialog import ReasonDialog


class CaseActions(QObject):
    """Owns the QActions; the window puts them in its menus and toolbar."""

    open_requested = Signal(object)  # a case id, or None for a new case

    def __init__(
        self, ctx: Context, actor: Actor, events: Events, window: QWidget, keys: KeyMemory | None = None
    ) -> None:
        super().__init__(window)
        self._keys = keys or KeyMemory()  # the session's print key passphrase, shared with the editor
        self._ctx = ctx
        self._actor = actor
        self._events = events
        self._window = window
        self._case: CaseResult | None = None
        self._build_actions()
        self._connect_signals()
        self.set_case(None)

    def _action(self, text: str, shortcut: str | None = None, tip: str = "") -> QAction:
        action = QAction(text, self._window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        self._window.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.new_action = self._action(_("&New case"), "Ctrl+N", _("Log a new case"))
        self.open_action = self._action(_("&Open case"), "Ctrl+O", _("Open the selected case"))
        self.submit_action = self._action(_("&Submit for approval"), "Ctrl+Shift+S")
        self.approve_action = self._action(_("&Approve"), "Ctrl+Shift+A")
        self.return_action = self._action(_("&Return for correction…"), "Ctrl+Shift+R")
        self.close_action = self._action(_("&Close case"))
        self.void_action = self._action(_("&Void case…"))
        self.history_action = self._action(_("&History"), "Ctrl+H")
        self.handover_action = self._action(
            _("Hand-over to the &police…"),
            "Ctrl+Shift+H",
            _("Record, follow up and print a criminal case's hand-over"),
        )
        self.new_action.setEnabled(can(self._actor, "case.create"))

    def _connect_signals(self) -> None:
        self.new_action.triggered.connect(self._on_new_action_triggered)
        self.open_action.triggered.connect(self._on_open_action_triggered)
        self.submit_action.triggered.connect(self._on_submit_action_triggered)
        self.approve_action.triggered.connect(self._on_approve_action_triggered)
        self.return_action.triggered.connect(self._on_return_action_triggered)
        self.close_action.triggered.connect(self._on_close_action_triggered)
        self.void_action.triggered.connect(self._on_void_action_triggered)
        self.history_action.triggered.connect(self._on_history_action_triggered)
        self.handover_action.triggered.connect(self._on_handover_action_triggered)

    @property
    def case(self) -> CaseResult | None:
        return self._case

    def set_case(self, case: CaseResult | None) -> None:
        self._case = case
        status = case.status if case else ""
        own = case is not None and case.document.get("station") == self._actor.station_code
        allowed = {
            self.submit_action: own and status == "draft" and can(self._actor, "case.submit"),
            self.approve_action: own and status == "submitted" and can(self._actor, "case.approve"),
            self.return_action: own and status == "submitted" and can(self._actor, "case.return"),
            self.close_action: own and status == "approved" and can(self._actor, "case.close"),
            self.void_action: own and status not in ("", "voided") and can(self._actor, "case.void"),
            self.open_action: case is not None,
            self.history_action: case is not None,
            # A criminal transfer only (app/handovers.py); another post's, or HQ's copy, opens read-only.
            self.handover_action: case is not None
            and status != "voided"
            and _outcome(case) == "criminal_transfer",
        }
        for action, enabled in allowed.items():
            action.setEnabled(enabled)

    # ----- slots ---------------------------------------------------------------------------------

    def _on_new_action_triggered(self) -> None:
        self.open_requested.emit(None)

    def _on_open_action_triggered(self) -> None:
        if self._case:
            self.open_requested.emit(self._case.id)

    def _on_submit_action_triggered(self) -> None:
        self._run("submit", lambda case_id: self._ctx.cases.submit(self._actor, case_id))

    def _on_approve_action_triggered(self) -> None:
        if self._case and self._confirm(_("Approve case {number}?").format(number=self._case.number)):
            self._run("approve", lambda case_id: self._ctx.cases.approve(self._actor, case_id))

    def _on_close_action_triggered(self) -> None:
        if self._case and self._confirm(
            _("Close case {number}? A closed case is finished; it can still be voided.").format(
                number=self._case.number
            )
        ):
            self._run("close", lambda case_id: self._ctx.cases.close(self._actor, case_id))

    def _on_return_action_triggered(self) -> None:
        if not self._case:
            return
        dialog = ReasonDialog(
            _("Return case {number}").format(number=self._case.number),
            _("Say what must be corrected. The case goes back to its author as a draft."),
            _("Return"), self._window,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            remark = dialog.text()
            self._run("return", lambda case_id: self._ctx.cases.return_to_draft(self._actor, case_id, remark))

    def _on_void_action_triggered(self) -> None:
        if not self._case:
            return
        dialog = ReasonDialog(
            _("Void case {number}").format(number=self._case.number),
            _("A voided case stays in the register and its history but is no longer counted. "
              "Give the reason."),
            _("Void"), self._window,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            reason = dialog.text()
            self._run("void", lambda case_id: self._ctx.cases.void(self._actor, case_id, reason))

    def _on_history_action_triggered(self) -> None:
        if self._case:
            try:
                HistoryDialog(self._ctx, self._actor, self._case.id, self._window).exec()
            except AppError as exc:
                show_error(self._window, exc.message)

    def _on_handover_action_triggered(self) -> None:
        if self._case:
            # The hand-over form's printer (ReportLab): loaded when the dialog is first opened, not
            # before the main window's first page (docs/performance.md, start-up).
            from ui.handover_dialog import HandoverDialog

            dialog = HandoverDialog(self._ctx, self._actor, self._case, self._keys, self._window)
            dialog.changed.connect(self._events.changed.emit)
            dialog.exec()

    # ----- helpers -------------------------------------------------------------------------------

    def _confirm(self, question: str) -> bool:
        answer = QMessageBox.question(
            self._window, "Outpost", question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _run(self, action: str, command: Callable[[str], CaseResult]) -> None:
        if self._case is None:
            return
        try:
            result = command(self._case.id)
        except AppError as exc:
            show_error(self._window, exc.message)
            return
        self.set_case(result)
        self._events.changed.emit(result.changes)


def _outcome(case: CaseResult) -> object:
    handling = case.document.get("handling")
    return handling.get("outcome") if isinstance(handling, dict) else None
