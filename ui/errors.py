"""One way to show expected errors, and a crash handler that logs unexpected ones and says where."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

LOG_FILE = "outpost.log"

log = logging.getLogger("outpost")
_log_file: Path | None = None


def show_error(parent: QWidget | None, message: str, title: str = "Không thực hiện được") -> None:
    """An expected failure (``AppError``): the message says what to do; nothing was changed."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Close, parent)
    box.button(QMessageBox.StandardButton.Close).setText("Đóng")
    box.exec()


def install_crash_handler(log_dir: Path) -> Path:
    """Log unexpected exceptions to ``<log_dir>/outpost.log`` and tell the user where that is."""
    global _log_file
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE
    if _log_file != path:
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        _log_file = path
    sys.excepthook = report_unexpected
    return path


def report_unexpected(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    """``sys.excepthook``; also called for exceptions that escape a background job."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, tb)
        return
    log.error("unexpected error\n%s", "".join(traceback.format_exception(kind, value, tb)).rstrip())
    if QApplication.instance() is None:  # too early or too late for a dialog
        sys.__excepthook__(kind, value, tb)
        return
    where = f"Chi tiết đã được ghi vào tệp nhật ký:\n{_log_file}" if _log_file else ""
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "Lỗi không mong đợi",
        "Outpost gặp lỗi không mong đợi. Dữ liệu đã lưu trước đó không bị ảnh hưởng.\n\n"
        f"{kind.__name__}: {value}\n\n{where}\n\nHãy gửi tệp này cho bộ phận kỹ thuật.",
        QMessageBox.StandardButton.Close,
    )
    box.button(QMessageBox.StandardButton.Close).setText("Đóng")
    box.exec()
