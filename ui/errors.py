"""One way to show expected errors, and a crash handler for unexpected ones."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger("outpost")


def show_error(parent: QWidget | None, message: str, title: str = "Không thực hiện được") -> None:
    QMessageBox.warning(parent, title, message)


def install_crash_handler(log_dir: Path) -> None:
    """Log unexpected exceptions to a file and tell the user where it is, instead of vanishing."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / "outpost.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected error\n%s", "".join(traceback.format_exception(kind, value, tb)))
        QMessageBox.critical(
            None, "Lỗi không mong đợi",
            f"Outpost gặp lỗi không mong đợi: {value}\n\nChi tiết đã được ghi vào {log_file}. "
            "Dữ liệu đã lưu không bị ảnh hưởng.",
        )

    sys.excepthook = hook
