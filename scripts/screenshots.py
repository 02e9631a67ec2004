"""Take the README's screenshots: ``xvfb-run -a .venv/bin/python scripts/screenshots.py`` (or with
``QT_QPA_PLATFORM=offscreen``; ``--cases N`` for a smaller demo register, ``--out DIR`` elsewhere).

Why a script that drives the app rather than pictures taken by hand: every picture is taken on real
registers in a temporary folder, through the same dialogs a new user goes through, in order — the post
set up on the first-run screen, enrolled with an HQ over a USB stick (a folder stands for it), an
officer added, a backup copied to the stick and restored, mail set up and a test sent to a real SMTP
server on loopback — so the README shows what the app does today, and tests/test_screenshots.py runs
it on a small register so it cannot rot. The pictures are reduced to 256 colours (Pillow, which
ReportLab brings) to keep the repository small."""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("OUTPOST_ARGON2_PROFILE", "test")  # key slots made in a moment, not seconds
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop, QModelIndex, QTimer  # noqa: E402
from PySide6.QtGui import QColor, QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QWidget  # noqa: E402

from app.context import Context, utc_now  # noqa: E402
from app.demo import generate_demo  # noqa: E402
from app.domain import Actor, CaseFilter  # noqa: E402
from app.register import init_register  # noqa: E402
from app.stick import Volume  # noqa: E402
from app.sync import key_requests  # noqa: E402
from app.unlock import log_in  # noqa: E402
from ui.i18n import apply_language  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
STATION_CODE = "BP-VX"
STATION_NAME = "Đồn Biên phòng Cửa khẩu quốc tế Vĩnh Xương"
ADMIN, ADMIN_NAME, PASSWORD = "quan.tv", "Trần Văn Quản", "screenshot-pass"
KEY_PASSPHRASE = "khoa-cua-don-vx"  # the post's and HQ's key passphrases (docs/security.md)
STICK_LABEL = "OUTPOST"
HEADERS = ["BỘ CHỈ HUY BỘ ĐỘI BIÊN PHÒNG TỈNH AN GIANG", "ĐỒN BIÊN PHÒNG CỬA KHẨU QUỐC TẾ VĨNH XƯƠNG"]


@dataclass
class Camera:
    """Where the pictures go, and the ones taken so far."""

    app: QApplication
    out: Path
    taken: list[Path] = field(default_factory=list)

    def settle(self, rounds: int = 30) -> None:
        for _ in range(rounds):
            self.app.processEvents()

    def shoot(self, widget: QWidget, name: str) -> Path:
        self.settle()
        path = self.out / name
        save_small(widget.grab().toImage(), path)
        self.taken.append(path)
        print("saved", path)
        return path


def pillow(image: QImage, grey: bool = False) -> Any:
    """A Pillow copy of ``image`` (in colour, or in grey)."""
    from PIL import Image

    image = image.convertToFormat(QImage.Format.Format_Grayscale8 if grey else QImage.Format.Format_RGB888)
    raw = bytes(image.constBits())[: image.sizeInBytes()]
    mode = "L" if grey else "RGB"
    return Image.frombuffer(mode, (image.width(), image.height()), raw, "raw", mode, image.bytesPerLine(), 1)


def save_small(image: QImage, path: Path) -> None:
    """A 256-colour PNG: a screen has few colours, and the README's pictures stay a fraction of the size."""
    from PIL import Image

    pillow(image).quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(path, optimize=True)


def wait_for_ink(cam: Camera, view: QWidget, seconds: float = 20.0) -> None:
    """Wait until a PDF view shows its page: QPdfView renders pages on a thread of its own, and a page
    not yet drawn is white (text, rules and the QR code are dark)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        cam.settle(5)
        if pillow(view.grab().toImage(), grey=True).getextrema()[0] < 80:
            return
        time.sleep(0.05)
    raise TimeoutError("the PDF preview drew nothing")


def when_shown(kind: type[QWidget], handle: Callable[[Any], None], tries: int = 3000) -> Callable[[], None]:
    """Answer the next modal dialog of ``kind`` as a user would (the app's own ``exec()`` waits for it);
    returns what stops waiting, so that no answer is left for a dialog opened later."""
    waiting = [True]

    def poll(left: int = tries) -> None:
        if not waiting[0]:
            return
        widget = QApplication.activeModalWidget()
        if isinstance(widget, kind) and widget.isVisible():
            waiting[0] = False
            handle(widget)
        elif left > 0:
            QTimer.singleShot(10, lambda: poll(left - 1))

    QTimer.singleShot(0, poll)
    return lambda: waiting.__setitem__(0, False)


def wait_for(signal: Any, start: Callable[[], object]) -> None:
    """Run ``start`` and wait until ``signal`` fires (a background job's end)."""
    loop = QEventLoop()
    signal.connect(loop.quit)
    start()
    loop.exec()


@contextmanager
def sticks(root: Path) -> Iterator[None]:
    """The USB stick the backups go to is a folder; Qt's list of drives is made to show it."""
    from ui import stick

    real = stick.mounted_volumes
    stick.mounted_volumes = lambda: [*real(), Volume(root, STICK_LABEL)]
    try:
        yield
    finally:
        stick.mounted_volumes = real


def photo(folder: Path) -> Path:
    """A stand-in photo of seized goods: brown cartons on a grey floor."""
    image = QImage(640, 480, QImage.Format.Format_RGB32)
    image.fill(QColor("#8a8f94"))
    painter = QPainter(image)
    for i, (x, y) in enumerate(((60, 200), (220, 180), (380, 210), (140, 320), (300, 330))):
        painter.fillRect(x, y, 150, 110, QColor("#a0703c" if i % 2 else "#b7844a"))
    painter.end()
    path = folder / "tang-vat.jpg"
    image.save(str(path))
    return path


# ----- the walkthrough: a new user, step by step (README "A new post, step by step") ------------------


def set_up_post(cam: Camera, data: Path) -> None:
    """1. The first-run screen, "Set up this post", the form filled in; the recovery key shown once."""
    from ui.first_run import FirstRunDialog
    from ui.recovery_key import RecoveryKeyDialog

    dialog = FirstRunDialog(data)
    dialog.show()
    cam.shoot(dialog, "first-run.png")
    dialog.post_button.click()
    for line, text in ((dialog.code, STATION_CODE), (dialog.name, STATION_NAME),
                       (dialog.header_1, HEADERS[0]), (dialog.header_2, HEADERS[1]),
                       (dialog.admin_name, ADMIN_NAME), (dialog.password, PASSWORD),
                       (dialog.password_again, PASSWORD)):
        line.setText(text)
    dialog.admin_username.setText(ADMIN)
    dialog.commune.setCurrentIndex(dialog.commune.findData("30325"))
    cam.shoot(dialog, "first-run-post.png")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    ctx = dialog.context
    assert ctx is not None and ctx.recovery_key is not None, dialog.message.text()
    key = RecoveryKeyDialog(ctx.recovery_key, ctx.station_code)
    key.show()
    key.confirmed.setChecked(True)
    cam.shoot(key, "recovery-key.png")
    key.close()
    ctx.close()


def enrol(cam: Camera, post: Context, admin: Actor, hq: Context, hq_admin: Actor, usb: Path) -> None:
    """2. File → Station keys…: the request written to the stick, its fingerprint large; HQ accepts it
    after comparing the fingerprint read out by phone; the post installs HQ's reply."""
    from ui.accept_request_dialog import AcceptRequestDialog
    from ui.station_keys_dialog import StationKeysDialog

    asked = StationKeysDialog(post, admin)
    asked.show()
    asked.destination.add_folder(usb)
    asked.passphrase.setText(KEY_PASSPHRASE)
    asked.passphrase_again.setText(KEY_PASSPHRASE)
    asked.write_button.click()
    assert asked.written is not None, asked.request_result.text()
    cam.shoot(asked, "enrol-request.png")

    accepted = AcceptRequestDialog(hq, hq_admin)
    accepted.show()
    accepted.open_request(asked.written)
    accepted.read_out.setText(asked.fingerprint.text())
    accepted.passphrase.setText(KEY_PASSPHRASE)
    accepted.passphrase_again.setText(KEY_PASSPHRASE)
    accepted.destination.add_folder(usb)
    accepted.accept_button.click()
    assert accepted.written is not None, accepted.result_label.text()
    cam.shoot(accepted, "enrol-accept.png")
    accepted.close()

    asked.reply_path.setText(str(accepted.written))
    asked.passphrase.setText(KEY_PASSPHRASE)
    asked.install_button.click()
    assert asked.installed is not None, asked.install_result.text()
    cam.shoot(asked, "enrol-installed.png")
    asked.close()


def add_officer(cam: Camera, ctx: Context, admin: Actor) -> None:
    """3. File → Users…: an officer added with a role and a first password, then the list."""
    from ui.user_add_dialog import AddUserDialog
    from ui.users_dialog import UsersDialog

    ctx.users.add(admin, "truong", role="chief", full_name="Nguyễn Văn Trưởng", password="chief-password-1",
                  rank="Thiếu tá", position="Đồn trưởng", actor_password=PASSWORD)
    listing = UsersDialog(ctx, admin)
    listing.show()
    add = AddUserDialog(ctx, admin, listing)
    add.username.setText("an.le")
    add.full_name.setText("Lê Văn An")
    add.rank.setText("Thượng úy")
    for line in (add.password, add.password_again):
        line.setText("officer-password-1")
    add.own_password.setText(PASSWORD)
    add.show()
    cam.shoot(add, "user-add.png")
    add.buttons.accepted.emit()
    assert add.added is not None, add.message.text()
    listing.show_added(add.added)
    cam.shoot(listing, "users.png")
    listing.close()


def back_up_and_restore(cam: Camera, ctx: Context, admin: Actor, stick: Path) -> None:
    """4. File → Settings…: the USB stick chosen for backups; the backup made on closing copied to it;
    File → Restore a backup… lists it, checks it and restores it."""
    from ui.auto_backup import AutoBackups
    from ui.main_window import MainWindow
    from ui.restore_dialog import RestoreDialog
    from ui.settings_dialog import SettingsDialog

    folder = stick / "sao-luu"
    folder.mkdir(parents=True, exist_ok=True)
    settings = SettingsDialog(ctx)
    settings.show()
    assert settings.set_stick_folder(folder, [Volume(stick, STICK_LABEL)])
    cam.shoot(settings, "settings.png")
    settings.buttons.accepted.emit()
    assert ctx.settings.backup_stick_label == STICK_LABEL
    outcome = AutoBackups(ctx).at_exit()  # what closing Outpost does
    assert outcome is not None and outcome.state == "finished", outcome

    window = MainWindow(ctx, admin)
    window.resize(1100, 700)
    window.show()

    ended: list[str] = []

    def choose(dialog: RestoreDialog) -> None:
        rows = [dialog.backups.item(i) for i in range(dialog.backups.count())]
        dialog.backups.setCurrentItem(next(r for r in rows if str(folder) in r.data(0x0100)))
        cam.shoot(dialog, "restore-list.png")
        dialog.restore_ended.connect(ended.append)
        # A refused backup would leave the dialog open and the script waiting: it is closed, and said.
        dialog.restore_ended.connect(lambda state: None if state == "restored" else dialog.reject())
        dialog.ok_button.click()

    def restored(box: QMessageBox) -> None:
        cam.shoot(box, "restore-done.png")
        box.accept()

    stops = [when_shown(RestoreDialog, choose), when_shown(QMessageBox, restored)]
    window.restore_action.trigger()  # the window then closes, as the app does after a restore
    for stop in stops:
        stop()
    assert ended == ["restored"], ended


def set_up_mail(cam: Camera, ctx: Context, admin: Actor) -> None:
    """5. Tools → Mail set-up…: the post's SMTP server, and "Send a test" answered by a real SMTP server
    on loopback (aiosmtpd, as the mail tests use)."""
    from aiosmtpd.controller import Controller

    from ui.mail_dialog import MailDialog

    class Inbox:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            return "250 OK"

    with socket.socket() as probe:  # a free port on loopback (aiosmtpd needs one named)
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = Controller(Inbox(), hostname="127.0.0.1", port=port)
    server.start()
    try:
        mail = MailDialog(ctx, admin)
        mail.show()
        mail.smtp_host.setText("127.0.0.1")
        mail.smtp_security.setCurrentIndex(mail.smtp_security.findData("none"))
        mail.smtp_port.setValue(server.port)
        mail.mail_from.setText("bp-vx@bienphong.example")
        mail.mail_to.setText("bch-ag@bienphong.example")
        mail.test_button.click()
        assert mail.test_passed, mail.answer.text()
        cam.shoot(mail, "mail-test.png")
        mail.buttons.accepted.emit()
    finally:
        server.stop()


def walkthrough(cam: Camera, work: Path, clock: Callable[[], datetime]) -> None:
    """A new post from nothing to sending mail, all in the app."""
    data, usb = work / "post", work / STICK_LABEL
    usb.mkdir()
    set_up_post(cam, data)
    post, admin = log_in(data, ADMIN, PASSWORD, clock=clock)
    hq = init_register(work / "hq", kind="hq", code="BCH-AG", name="Bộ Chỉ huy BĐBP tỉnh An Giang",
                       admin_username="admin", admin_full_name="Lê Văn Tỉnh", admin_password=PASSWORD,
                       clock=clock)
    enrol(cam, post, admin, hq, hq.login("admin", PASSWORD), usb)
    hq.close()
    add_officer(cam, post, admin)
    with sticks(usb):
        back_up_and_restore(cam, post, admin, usb)
    post.close()
    post, admin = log_in(data, ADMIN, PASSWORD, clock=clock)  # started again after the restore
    set_up_mail(cam, post, admin)
    post.close()


# ----- the tour: the screens of daily work, on a register of demo cases of its own ---------------------
# (a post enrolled with HQ refuses demo cases: they would travel to HQ as real ones)


def tour(cam: Camera, ctx: Context, actor: Actor, work: Path) -> None:
    """The home page with its charts, the case list and its search, a case, the person look-up, a
    monthly report and a printed form; the audit check and the reference lists."""
    from ui.editor import CaseEditor
    from ui.main_window import CASES_TAB, DASHBOARD_TAB, REPORTS_TAB, MainWindow
    from ui.print_key import KeyMemory

    window = MainWindow(ctx, actor)
    window.resize(1360, 800)
    window.show()
    window.tabs.setCurrentIndex(DASHBOARD_TAB)
    window.dashboard.refresh()
    window.dashboard.wait()
    cam.shoot(window, "dashboard.png")

    window.tabs.setCurrentIndex(CASES_TAB)
    window.table.selectRow(2)
    window.model.wait_for_count()
    cam.shoot(window, "main-window.png")
    window.filter_bar.set_filter(CaseFilter(query="thuoc la hero", start=date(ctx.today().year, 1, 1)))
    window.filter_bar.search.setText("thuoc la hero")
    window.table.selectRow(0)
    window.model.wait_for_count()
    cam.shoot(window, "main-window-search.png")
    window.filter_bar.clear()
    window.model.wait_for_count()

    case_id = window.model.case_at(0).id
    attachment = ctx.attachments.store_file(photo(work), caption="Tang vật tại hiện trường")
    editor = CaseEditor(ctx, actor, case_id, window)
    editor.attachments.model.add([attachment])
    editor.resize(1100, 720)
    editor.show()
    editor.tabs.setCurrentIndex(editor.tabs.indexOf(editor.goods))
    cam.shoot(editor, "editor-goods.png")
    editor.hide()  # not closed: closing would ask about the photo added for the picture

    window.lookup_action.trigger()
    lookup = window.lookup_dialog
    assert lookup is not None
    person: Any = ctx.cases.get(actor, case_id).document.get("parties") or [{"full_name": "Nguyễn"}]
    lookup.query.setText(str(person[0]["full_name"]).split()[0])
    lookup.run()
    lookup.table.setCurrentIndex(lookup.model.index(0, 0, QModelIndex()))
    cam.shoot(lookup, "lookup.png")
    lookup.close()
    establishments_window(cam, ctx, actor, window)

    window.tabs.setCurrentIndex(REPORTS_TAB)
    reports = window.reports
    reports.kind.set_code("monthly")
    reports.picker.previous_button.click()  # last month: a whole one
    assert reports.make_report(), reports.status.text()
    wait_for_ink(cam, reports.preview.view.viewport())
    cam.shoot(window, "reports.png")

    approved = ctx.cases.list(actor, CaseFilter(statuses=("approved",)), limit=1)[0]
    keys = KeyMemory()
    keys.passphrase = KEY_PASSPHRASE  # as typed once a session (ui/print_key.py)
    printer = CaseEditor(ctx, actor, approved.id, window, keys)
    preview = printer.print_form("MBB01")
    assert preview is not None
    preview.resize(900, 1000)
    wait_for_ink(cam, preview.preview.view.viewport())
    cam.shoot(preview, "print-preview.png")
    preview.close()
    administration(cam, ctx, actor)
    window.close()


def establishments_window(cam: Camera, ctx: Context, actor: Actor, parent: QWidget) -> None:
    """View → Establishments on the demo's shops, the most inspected one selected with its history."""
    from PySide6.QtCore import Qt

    from ui.establishments_list import COUNT, EstablishmentsWindow

    window = EstablishmentsWindow(ctx, actor, parent)
    window.resize(1100, 640)
    window.show()
    window.table.sortByColumn(COUNT, Qt.SortOrder.DescendingOrder)
    window.table.selectRow(0)
    cam.shoot(window, "establishments.png")
    window.close()


def administration(cam: Camera, ctx: Context, admin: Actor) -> None:
    """Tools → Verify the audit trail (run to its end) and Tools → Reference data."""
    from ui.audit_dialog import AuditDialog
    from ui.reference_dialog import ReferenceDialog

    audit = AuditDialog(ctx, admin)
    audit.show()
    wait_for(audit.ended, audit.start)
    cam.shoot(audit, "audit-verify.png")
    audit.close()
    reference = ReferenceDialog(ctx, admin)
    reference.kind.setCurrentIndex(reference.kind.findData("commodities"))
    reference.show()
    cam.shoot(reference, "reference-data.png")
    reference.close()


def take(out: Path, cases: int, clock: Callable[[], datetime] = utc_now) -> list[Path]:
    """Every picture, into ``out``; the registers live in a temporary folder removed afterwards."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_language("vi")
    out.mkdir(parents=True, exist_ok=True)
    cam = Camera(app, out)
    with tempfile.TemporaryDirectory(prefix="outpost-") as folder:
        work = Path(folder)
        walkthrough(cam, work, clock)
        ctx = init_register(work / "demo", kind="post", code=STATION_CODE, name=STATION_NAME,
                            admin_username=ADMIN, admin_full_name=ADMIN_NAME, admin_password=PASSWORD,
                            commune_code="30325", header_lines=HEADERS, clock=clock)
        try:
            admin = ctx.login(ADMIN, PASSWORD)
            generate_demo(ctx, admin, cases=cases, seed=1)
            # The station's keys (made by an enrolment request never sent), so that an approved case
            # prints as it would at a post: signed, with its QR code.
            (work / "request").mkdir()
            key_requests.write_request(ctx, admin, KEY_PASSPHRASE, work / "request", key_requests.ENROL)
            tour(cam, ctx, admin, work)
        finally:
            ctx.close()
    return cam.taken


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where the pictures go (docs/screenshots)")
    parser.add_argument("--cases", type=int, default=3000, help="demo cases for the daily-work pictures")
    args = parser.parse_args(argv)
    take(args.out, args.cases)


if __name__ == "__main__":
    main()
