"""Auto-lock: after the idle time set in Settings the windows are hidden until the password is given."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.context import Context
from app.domain import Actor
from app.errors import AuthError
from app.i18n import _
from ui.colours import problem_style

ACTIVITY = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleWatcher(QObject):
    """Emits ``idled`` after ``minutes`` without a key press or mouse use anywhere in the app."""

    idled = Signal()

    def __init__(self, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.set_minutes(minutes)
        application = QApplication.instance()
        if application is not None:
            application.installEventFilter(self)

    def set_minutes(self, minutes: int) -> None:
        """0 turns auto-lock off."""
        self._timer.stop()
        self._minutes = max(0, minutes)
        if self._minutes:
            self._timer.setInterval(self._minutes * 60_000)
            self._timer.start()

    def set_interval_ms(self, milliseconds: int) -> None:
        """For tests: the same watcher with a short delay."""
        self._minutes = 1
        self._timer.setInterval(milliseconds)
        self._timer.start()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def pause(self) -> None:
        self._timer.stop()

    def resume(self) -> None:
        if self._minutes:
            self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY and self._timer.isActive():
            self._timer.start()  # restart the countdown
        return False

    def _on_timer_timeout(self) -> None:
        self.idled.emit()


class LockDialog(QDialog):
    """Asks the logged-in user's password again; wrong attempts count towards the lock-out."""

    def __init__(
        self, ctx: Context, actor: Actor, parent: QWidget | None = None, *, idle: bool = True
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self._idle = idle  # locked for want of use, or by the user (File → Lock, Ctrl+L)
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Outpost — Locked"))
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setMinimumWidth(420)
        said = (
            _("Outpost was locked after a period without use. {name} ({username}), enter your password "
              "to continue.")
            if self._idle
            else _("Outpost is locked. {name} ({username}), enter your password to continue.")
        )
        self.explanation = QLabel(said.format(name=self._actor.full_name, username=self._actor.username))
        self.explanation.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(problem_style(self))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Unlock"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Quit Outpost"))
        form = QFormLayout()
        form.addRow(_("Password"), self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explanation)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.password.setFocus()

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def _on_buttons_accepted(self) -> None:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self._ctx.login(self._actor.username, self.password.text())
        except AuthError as exc:
            self.message.setText(exc.message)
            self.password.clear()
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.accept()


def lock_windows(ctx: Context, actor: Actor, *, idle: bool = True) -> bool:
    """Hide every window, ask for the password, show them again. False when the user chose to quit."""
    hidden = [w for w in QApplication.topLevelWidgets() if w.isVisible() and not isinstance(w, LockDialog)]
    for widget in hidden:
        widget.hide()
    dialog = LockDialog(ctx, actor, idle=idle)
    unlocked = dialog.exec() == QDialog.DialogCode.Accepted
    if unlocked:
        for widget in hidden:
            widget.show()
    return unlocked
