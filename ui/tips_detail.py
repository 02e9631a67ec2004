"""One tip-off: what it says, where it stands, the case it led to, and its history (every change and
every reading of its informant, from the audit trail); the actions a user's role allows beside it.

"Show informant" is offered to chiefs and admins only (the service checks it again); the identity is
shown in a message box that is closed with it, never kept, written or logged."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.auth import can
from app.context import Context
from app.domain import Actor
from app.errors import AppError
from app.i18n import N_, _
from app.tips import STATUSES, TipView, status_label
from ui.errors import show_error
from ui.tips_status import TipStatusDialog

# How each history event reads; an informant's reading names who read it and when, never what.
ACTION_TEXT = {
    "create": N_("recorded"),
    "assign": N_("assigned"),
    "status": N_("status changed"),
    "link": N_("linked to a case"),
    "read_informant": N_("read the informant"),
    "import": N_("received from the post"),
}


class TipDetail(QWidget):
    """``changed`` carries the tip after an action saved it."""

    changed = Signal(object)  # TipView

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self.tip: TipView | None = None
        self._build_ui()
        self._connect_signals()
        self._load()

    def _build_ui(self) -> None:
        self.received = QLabel()
        self.status = QLabel()
        self.assigned = QLabel()
        self.case = QLabel()
        self.informant = QLabel()
        self.content = QLabel()
        self.content.setWordWrap(True)
        self.result = QLabel()
        self.result.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Received at"), self.received)
        form.addRow(_("Status"), self.status)
        form.addRow(_("Assigned to"), self.assigned)
        form.addRow(_("Case it led to"), self.case)
        form.addRow(_("Informant"), self.informant)
        form.addRow(_("What the tip says"), self.content)
        form.addRow(_("Result"), self.result)
        self.history = QListWidget()
        self.assign_button = QPushButton(_("&Assign…"))
        self.status_button = QPushButton(_("&Move on…"))
        self.link_button = QPushButton(_("&Link to a case…"))
        self.informant_button = QPushButton(_("Show &informant…"))
        self.assign_button.setVisible(can(self._actor, "tip.assign"))
        self.status_button.setVisible(can(self._actor, "tip.update"))
        self.link_button.setVisible(can(self._actor, "tip.update"))
        self.informant_button.setVisible(can(self._actor, "tip.read_informant"))
        buttons = QHBoxLayout()
        for button in (self.assign_button, self.status_button, self.link_button, self.informant_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(QLabel(_("History")))
        layout.addWidget(self.history, 1)

    def _connect_signals(self) -> None:
        self.assign_button.clicked.connect(self._on_assign_button_clicked)
        self.status_button.clicked.connect(self._on_status_button_clicked)
        self.link_button.clicked.connect(self._on_link_button_clicked)
        self.informant_button.clicked.connect(self._on_informant_button_clicked)

    def _load(self) -> None:
        self.show_tip(None)

    def show_tip(self, tip: TipView | None) -> None:
        self.tip = tip
        for button in (self.assign_button, self.status_button, self.link_button, self.informant_button):
            button.setEnabled(tip is not None)
        self.history.clear()
        if tip is None:
            for label in (self.received, self.status, self.assigned, self.case, self.informant, self.content,
                          self.result):
                label.clear()
            return
        self.received.setText(f"{self._ctx.local(tip.received_at):%d/%m/%Y %H:%M}  ({tip.channel})")
        self.status.setText(status_label(tip.status))
        self.assigned.setText(tip.assigned_to or _("nobody yet"))
        self.case.setText(tip.case_number or "—")
        self.informant.setText(_("sealed") if tip.has_informant else _("none recorded"))
        self.content.setText(tip.content)
        self.result.setText(tip.result or "—")
        # Only the station that recorded a tip changes it (owner wins in sync): HQ reads the posts' tips.
        own = tip.origin_code == self._actor.station_code
        for button in (self.assign_button, self.link_button):
            button.setEnabled(own)
        self.status_button.setEnabled(own and tip.status != STATUSES[-1])
        self.informant_button.setEnabled(tip.has_informant)
        try:
            events = self._ctx.tips.history(self._actor, tip.id)
        except AppError as exc:
            show_error(self, exc.message)
            return
        for event in events:
            what = _(ACTION_TEXT.get(event.action, event.action))
            detail = ""
            if event.action == "status" and "status" in event.diff:
                detail = f": {status_label(event.diff['status'][1])}"
            elif event.action == "assign":
                detail = f": {event.diff['assigned_to'][1] or '—'}"
            self.history.addItem(f"{self._ctx.local(event.at):%d/%m/%Y %H:%M}  {event.actor}  {what}{detail}")

    def _saved(self, tip: TipView) -> None:
        self.show_tip(tip)
        self.changed.emit(tip)

    def _on_assign_button_clicked(self) -> None:
        if self.tip is None:
            return
        try:
            names = self._ctx.tips.officers(self._actor)
        except AppError as exc:
            show_error(self, exc.message)
            return
        current = names.index(self.tip.assigned_to) if self.tip.assigned_to in names else 0
        name, ok = QInputDialog.getItem(self, _("Assign the tip-off"), _("Officer who checks it:"), names,
                                        current, False)
        if ok and name:
            self._run(lambda: self._ctx.tips.assign(self._actor, self._tip_id(), name))

    def _on_status_button_clicked(self) -> None:
        if self.tip is None:
            return
        dialog = TipStatusDialog(self.tip, self)
        if dialog.exec():
            status, result = dialog.status(), dialog.result_text()
            self._run(lambda: self._ctx.tips.set_status(self._actor, self._tip_id(), status, result))

    def _on_link_button_clicked(self) -> None:
        if self.tip is None:
            return
        number, ok = QInputDialog.getText(self, _("Link to a case"), _("Number of the case it led to:"),
                                          QLineEdit.EchoMode.Normal, self.tip.case_number or "")
        if ok and number.strip():
            self._run(lambda: self._ctx.tips.link(self._actor, self._tip_id(), number.strip()))

    def _on_informant_button_clicked(self) -> None:
        if self.tip is None:
            return
        password, ok = QInputDialog.getText(
            self, _("Show informant"),
            _("Your password opens the informant; the reading is recorded in the tip's history:"),
            QLineEdit.EchoMode.Password,
        )
        if not ok:
            return
        try:
            informant = self._ctx.tips.read_informant(self._actor, self._tip_id(), password)
        except AppError as exc:
            show_error(self, exc.message)
            return
        self.show_tip(self._ctx.tips.get(self._actor, self._tip_id()))  # the reading is in its history
        box = QMessageBox(QMessageBox.Icon.Information, _("Informant"), informant or "", parent=self)
        box.exec()

    def _tip_id(self) -> str:
        assert self.tip is not None
        return self.tip.id

    def _run(self, action: Callable[[], TipView]) -> None:
        try:
            tip = action()
        except AppError as exc:
            show_error(self, exc.message, _("The tip-off was not changed"))
            return
        self._saved(tip)
