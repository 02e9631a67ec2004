"""HQ accepts a post's enrolment or re-key request from a file: the requesting station and its key's
fingerprint are shown large, the fingerprint the post reads out by phone is typed in, and only when
the two match is the reply written to the chosen folder (``app.sync.key_requests.accept``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.context import Context
from app.domain import Actor
from app.errors import AppError
from app.i18n import _
from app.sync import key_requests
from app.sync.key_requests import ENROL, REKEY, KeyRequest
from app.sync.rekey import Rekey
from ui.station_keys_dialog import fingerprint_label, passphrase_fields, run_step
from ui.sync_dialogs import Destination


class AcceptRequestDialog(QDialog):
    """HQ: read a post's request, compare its fingerprint by phone, write the reply for the post."""

    def __init__(self, ctx: Context, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._actor = actor
        self.request: KeyRequest | None = None
        self.written: Path | None = None
        self._shown: Path | None = None
        self._build_ui()
        self._connect_signals()
        self._update_buttons()

    def _build_ui(self) -> None:
        self.setWindowTitle(_("Accept a station's request"))
        self.resize(680, 600)  # the drive list gives up its spare height first
        self.path = QLineEdit()
        self.path.setPlaceholderText(_("the post's request file (.json), from the USB stick"))
        self.choose_button = QPushButton(_("C&hoose…"))
        self.about = QLabel(_("Choose the request file the post sent."))
        self.about.setWordWrap(True)
        self.fingerprint = fingerprint_label()
        self.fingerprint.setVisible(False)
        self.read_out = QLineEdit()
        self.read_out.setPlaceholderText("XXXX XXXX XXXX XXXX XXXX")
        self.destination = Destination(_("Write the reply for the post to:"))
        self.state = key_requests.key_state(self._ctx)
        self.passphrase, self.passphrase_again = passphrase_fields(self.state)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.accept_button = self.buttons.addButton(
            _("&Accept and write the reply"), QDialogButtonBox.ButtonRole.ActionRole
        )

        row = QHBoxLayout()
        request_label = QLabel(_("&Request:"))
        request_label.setBuddy(self.path)
        row.addWidget(request_label)
        row.addWidget(self.path, 1)
        row.addWidget(self.choose_button)
        form = QFormLayout()
        form.addRow(_("&Fingerprint the post reads out by phone:"), self.read_out)
        form.addRow(_("Key &passphrase:"), self.passphrase)
        if not self.state.has_key:  # HQ's first acceptance makes HQ's keys: the passphrase is set here
            form.addRow(_("Repeat the &new passphrase:"), self.passphrase_again)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.about)
        layout.addWidget(self.fingerprint)
        layout.addLayout(form)
        layout.addWidget(self.destination, 1)
        layout.addWidget(self.result_label)
        layout.addWidget(self.buttons)
        # Enter, pressed after typing the fingerprint read out by phone, accepts: it used to open the file
        # chooser (a dialog gives Enter to its first button unless told otherwise). Set once every button
        # is the dialog's, so that the dialog knows its default.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
        self.accept_button.setDefault(True)

    def _connect_signals(self) -> None:
        self.buttons.rejected.connect(self.reject)
        self.choose_button.clicked.connect(self._on_choose_button_clicked)
        self.path.editingFinished.connect(self._on_path_editing_finished)
        self.read_out.textChanged.connect(self._update_buttons)
        self.passphrase.textChanged.connect(self._update_buttons)
        self.destination.changed.connect(self._update_buttons)
        self.accept_button.clicked.connect(self.accept_request)

    def _update_buttons(self, *_args: object) -> None:
        self.accept_button.setEnabled(
            self.request is not None and bool(self.read_out.text().strip()) and bool(self.passphrase.text())
            and self.destination.target() is not None
        )

    def _on_choose_button_clicked(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("The post's request"), "", _("Requests (*.json);;All files (*)")
        )
        if path:
            self.open_request(Path(path))

    def _on_path_editing_finished(self) -> None:
        text = self.path.text().strip()
        if text and (self.request is None or Path(text) != self._shown):
            self.open_request(Path(text))

    def open_request(self, path: Path) -> None:
        """Read and check the request (its signature; nothing is written) and show whose it is."""
        self.path.setText(str(path))
        self._shown = path
        self.request = None
        self.fingerprint.setVisible(False)
        self.result_label.setText("")
        try:
            request = key_requests.read_request(path)
        except AppError as exc:
            self.about.setText(_("Refused: {problem}").format(problem=exc.message))
            self._update_buttons()
            return
        self.request = request
        what = {
            ENROL: _("An enrolment request from station {code} — {name}."),
            REKEY: _("A re-key request from station {code} — {name}: a new laptop replaces the post's "
                     "(its old key is refused from the moment you accept)."),
        }.get(request.what, _("A key rotation request from station {code} — {name}, signed by its "
                              "current key too (the old key is refused from the moment you accept)."))
        self.about.setText(
            what.format(code=request.station_code, name=request.station_name) + "\n"
            + _("Phone the post. Ask its chief to read out the fingerprint shown on their screen, type it "
                "below, and check it is this one:")
        )
        self.fingerprint.setText(request.fingerprint)
        self.fingerprint.setVisible(True)
        self._update_buttons()

    def accept_request(self) -> None:
        folder = self.destination.target()
        if self.request is None or folder is None:
            return
        if not self.state.has_key and self.passphrase.text() != self.passphrase_again.text():
            self.result_label.setText(_("The two passphrases differ; nothing was written."))
            return
        ctx, actor, passphrase = self._ctx, self._actor, self.passphrase.text()
        path, read_out = self._shown or Path(self.path.text()), self.read_out.text()
        outcome = run_step(
            self, _("Certifying the station's key and writing the reply…"),
            lambda: key_requests.accept(ctx, actor, passphrase, path, folder, read_out),
        )
        if outcome.state != "finished":
            self.result_label.setText(_("Refused: {problem}").format(problem=outcome.message))
            return
        written: key_requests.Written = outcome.result
        self.written = written.path
        done = written.done
        if isinstance(done, Rekey):
            text = _("Certified the new key of {code}; its old key is refused from now on. HQ has its "
                     "changes up to {seq}. Wrote {file}: take it to the post.").format(
                code=done.station_code, seq=done.received_up_to, file=written.path
            )
        else:
            text = _("Enrolled station {code}. Wrote {file}: take it to the post.").format(
                code=done.station_code, file=written.path
            )
        self.result_label.setText(text)
        self.state = key_requests.key_state(self._ctx)
        self.accept_button.setEnabled(False)
