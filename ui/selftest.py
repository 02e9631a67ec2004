"""The desktop side of ``outpost self-test``: Qt loads and can build a widget offscreen or on screen."""

from __future__ import annotations

import PySide6
from PySide6.QtWidgets import QApplication, QLabel


def check_qt() -> str:
    application = QApplication.instance() or QApplication([])
    label = QLabel("Outpost")
    label.setText("Đồn Biên phòng")
    if label.text() != "Đồn Biên phòng":
        raise RuntimeError("Qt lost Vietnamese text")
    del application
    return f"PySide6 {PySide6.__version__}"
