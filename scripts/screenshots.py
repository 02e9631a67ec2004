"""Take the README's screenshots on a real (virtual) screen: ``xvfb-run -a python scripts/screenshots.py``
(``... screenshots.py admin``: only the administration dialogs, on a small register of their own)."""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("OUTPOST_ARGON2_PROFILE", "test")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QModelIndex  # noqa: E402
from PySide6.QtGui import QColor, QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from app.context import Context  # noqa: E402
from app.demo import generate_demo  # noqa: E402
from app.domain import Actor, CaseFilter  # noqa: E402
from app.register import init_register  # noqa: E402
from ui.editor import CaseEditor  # noqa: E402
from ui.first_run import FirstRunDialog  # noqa: E402
from ui.i18n import apply_language  # noqa: E402
from ui.main_window import CASES_TAB, DASHBOARD_TAB, QUEUE_TAB, MainWindow  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def settle(app: QApplication, rounds: int = 30) -> None:
    for _ in range(rounds):
        app.processEvents()


def save(app: QApplication, widget: QWidget, name: str) -> None:
    settle(app)
    widget.grab().save(str(OUT / name))
    print("saved", OUT / name)


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


def main() -> None:
    app = QApplication(sys.argv[:1])
    apply_language("vi")
    work = Path(tempfile.mkdtemp())
    data = work / "demo"
    dialog = FirstRunDialog(data)
    dialog.show()
    save(app, dialog, "first-run.png")
    dialog.post_button.click()
    save(app, dialog, "first-run-post.png")
    dialog.close()

    ctx = init_register(data, kind="post", code="BP-VX", name="Đồn Biên phòng Cửa khẩu quốc tế Vĩnh Xương",
                        admin_username="admin", admin_full_name="Trần Văn Quản",
                        admin_password="screenshot-pass", commune_code="30325")
    actor = ctx.login("admin", "screenshot-pass")
    generate_demo(ctx, actor, cases=3000, seed=1)
    window = MainWindow(ctx, actor)
    window.resize(1360, 800)
    window.show()
    window.tabs.setCurrentIndex(DASHBOARD_TAB)
    window.dashboard.refresh()
    window.dashboard.wait()
    save(app, window, "dashboard.png")

    window.tabs.setCurrentIndex(CASES_TAB)
    window.table.selectRow(2)
    window.model.wait_for_count()
    save(app, window, "main-window.png")
    window.filter_bar.set_filter(CaseFilter(query="thuoc la hero", start=date(2026, 1, 1)))
    window.filter_bar.search.setText("thuoc la hero")
    window.table.selectRow(0)
    window.model.wait_for_count()
    save(app, window, "main-window-search.png")
    window.filter_bar.clear()
    window.tabs.setCurrentIndex(QUEUE_TAB)
    window.queue_table.selectRow(0)
    save(app, window, "approval-queue.png")

    case_id = window.model.case_at(0).id
    attachment = ctx.attachments.store_file(photo(work), caption="Tang vật tại hiện trường")
    editor = CaseEditor(ctx, actor, case_id, window)
    editor.attachments.model.add([attachment])
    editor.resize(1100, 720)
    editor.show()
    pages = ((editor.overview, "editor-overview.png"), (editor.goods, "editor-goods.png"),
             (editor.parties, "editor-people.png"), (editor.attachments, "editor-photos.png"))
    for page, name in pages:
        editor.tabs.setCurrentIndex(editor.tabs.indexOf(page))
        save(app, editor, name)
    editor.hide()  # not closed: closing would ask about the photo added for the picture

    window.lookup_action.trigger()
    lookup = window.lookup_dialog
    assert lookup is not None
    person: Any = ctx.cases.get(actor, case_id).document.get("parties") or [{"full_name": "Nguyễn"}]
    lookup.query.setText(str(person[0]["full_name"]).split()[0])
    lookup.run()
    lookup.table.setCurrentIndex(lookup.model.index(0, 0, QModelIndex()))
    save(app, lookup, "lookup.png")
    establishments_window(app, ctx, actor, window)
    users(app, ctx, actor, "screenshot-pass")
    administration(app, ctx, actor, work)
    ctx.close()


def establishments_window(app: QApplication, ctx: Context, actor: Actor, parent: QWidget) -> None:
    """View → Establishments on the demo's shops, the most inspected one selected with its history."""
    from PySide6.QtCore import Qt

    from ui.establishments_list import COUNT, EstablishmentsWindow

    window = EstablishmentsWindow(ctx, actor, parent)
    window.resize(1100, 640)
    window.show()
    window.table.sortByColumn(COUNT, Qt.SortOrder.DescendingOrder)
    window.table.selectRow(0)
    save(app, window, "establishments.png")
    window.hide()


def administration(app: QApplication, ctx: Context, admin: Actor, work: Path) -> None:
    """The administration dialogs of issue 20: settings with a backup stick, mail set-up, the audit
    check (run to its end), the reference lists."""
    from PySide6.QtCore import QEventLoop

    from app.stick import Volume
    from ui.audit_dialog import AuditDialog
    from ui.mail_dialog import MailDialog
    from ui.reference_dialog import ReferenceDialog
    from ui.settings_dialog import SettingsDialog

    stick = work / "media" / "OUTPOST"
    (stick / "sao-luu").mkdir(parents=True, exist_ok=True)
    settings = SettingsDialog(ctx)
    settings.set_stick_folder(stick / "sao-luu", [Volume(stick, "OUTPOST")])
    settings.show()
    save(app, settings, "settings.png")
    settings.close()
    mail = MailDialog(ctx, admin)
    mail.smtp_host.setText("mail.bienphong.example")
    mail.smtp_username.setText("bp-vx")
    mail.mail_from.setText("bp-vx@bienphong.example")
    mail.mail_to.setText("bch-ag@bienphong.example")
    mail.show()
    save(app, mail, "mail-setup.png")
    mail.close()
    audit = AuditDialog(ctx, admin)
    audit.show()
    loop = QEventLoop()
    audit.ended.connect(loop.quit)
    audit.start()
    loop.exec()
    save(app, audit, "audit-verify.png")
    audit.close()
    reference = ReferenceDialog(ctx, admin)
    reference.kind.setCurrentIndex(reference.kind.findData("commodities"))
    reference.show()
    save(app, reference, "reference-data.png")
    reference.close()


def admin_only() -> None:
    app = QApplication(sys.argv[:1])
    apply_language("vi")
    work = Path(tempfile.mkdtemp())
    ctx = init_register(work / "demo", kind="post", code="BP-VX",
                        name="Đồn Biên phòng Cửa khẩu quốc tế Vĩnh Xương", admin_username="admin",
                        admin_full_name="Trần Văn Quản",
                        admin_password="screenshot-pass", commune_code="30325")
    actor = ctx.login("admin", "screenshot-pass")
    generate_demo(ctx, actor, cases=200, seed=1)
    administration(app, ctx, actor, work)
    ctx.close()


def users(app: QApplication, ctx: Context, admin: Actor, password: str) -> None:
    """File → Users…: an officer being added, then the list with them in it."""
    from ui.user_add_dialog import AddUserDialog
    from ui.users_dialog import UsersDialog

    ctx.users.add(admin, "truong", role="chief", full_name="Nguyễn Văn Trưởng", password="chief-password-1",
                  rank="Thiếu tá", position="Đồn trưởng", actor_password=password)
    listing = UsersDialog(ctx, admin)
    listing.show()
    add = AddUserDialog(ctx, admin, listing)
    add.username.setText("an.le")
    add.full_name.setText("Lê Văn An")
    add.rank.setText("Thượng úy")
    for field in (add.password, add.password_again):
        field.setText("officer-password-1")
    add.own_password.setText(password)
    add.show()
    save(app, add, "user-add.png")
    add.buttons.accepted.emit()
    assert add.added is not None, add.message.text()
    listing.show_added(add.added)
    save(app, listing, "users.png")
    listing.close()


if __name__ == "__main__":
    admin_only() if sys.argv[1:] == ["admin"] else main()
