"""Take the README's screenshots on a real (virtual) screen: ``xvfb-run -a python scripts/screenshots.py``."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OUTPOST_ARGON2_PROFILE", "test")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from app.demo import generate_demo  # noqa: E402
from app.register import init_register  # noqa: E402
from ui.first_run import FirstRunDialog  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def settle(app: QApplication) -> None:
    for _ in range(20):
        app.processEvents()


def main() -> None:
    app = QApplication(sys.argv[:1])
    data = Path(tempfile.mkdtemp()) / "demo"
    dialog = FirstRunDialog(data)
    dialog.show()
    settle(app)
    dialog.grab().save(str(OUT / "first-run.png"))
    dialog.post_button.click()
    settle(app)
    dialog.grab().save(str(OUT / "first-run-post.png"))
    dialog.close()
    ctx = init_register(data, kind="post", code="BP-VX", name="Đồn Biên phòng Cửa khẩu quốc tế Vĩnh Xương",
                        admin_username="admin", admin_full_name="Trần Văn Quản",
                        admin_password="screenshot-pass", commune_code="30325")
    actor = ctx.login("admin", "screenshot-pass")
    generate_demo(ctx, actor, cases=2000, seed=1)
    window = MainWindow(ctx, actor)
    window.resize(1280, 720)
    window.show()
    settle(app)
    window.grab().save(str(OUT / "main-window.png"))
    window.search.setText("thuoc la hero")
    window.model.set_query("thuoc la hero")
    settle(app)
    window.grab().save(str(OUT / "main-window-search.png"))
    ctx.close()


if __name__ == "__main__":
    main()
