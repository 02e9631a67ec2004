"""The desktop side of ``outpost self-test``: Qt loads and can build a widget offscreen or on screen."""

from __future__ import annotations

import os
import sys

import PySide6
from PySide6.QtWidgets import QApplication, QLabel


def _no_display() -> bool:
    """On Linux without a display (a support session over SSH) Qt would abort the whole program."""
    return (
        sys.platform.startswith("linux")
        and not os.environ.get("QT_QPA_PLATFORM")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    )


def check_qt() -> str:
    offscreen = QApplication.instance() is None and _no_display()
    arguments = ["outpost", "-platform", "offscreen"] if offscreen else ["outpost"]
    application = QApplication.instance() or QApplication(arguments)
    label = QLabel("Outpost")
    label.setText("Đồn Biên phòng")
    if label.text() != "Đồn Biên phòng":
        raise RuntimeError("Qt lost Vietnamese text")
    del application
    return f"PySide6 {PySide6.__version__}" + (" (no display: checked offscreen)" if offscreen else "")
