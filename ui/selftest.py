"""The desktop side of ``outpost self-test``: Qt loads and can build a widget offscreen or on screen."""

from __future__ import annotations

import os
import sys

import PySide6
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage, QImageReader
from PySide6.QtWidgets import QApplication, QLabel

# Photos are shown from memory by Qt's image plugins (ui/editor/attachments.py): a build without the
# plugin of a format shows no thumbnail and no photo.
PHOTO_FORMATS = ("jpg", "png")


def _photo_round_trip(fmt: str) -> bool:
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(0x2E7D32)  # any pixel value: the image is only written and read back
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, fmt.upper()):  # type: ignore[call-overload]  # the stubs say bytes; Qt takes str
        return False
    buffer.close()
    reading = QBuffer(data)
    reading.open(QIODevice.OpenModeFlag.ReadOnly)
    read = QImageReader(reading, fmt.encode()).read()
    return not read.isNull() and read.width() == 8


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
    unreadable = [fmt for fmt in PHOTO_FORMATS if not _photo_round_trip(fmt)]
    if unreadable:
        raise RuntimeError(f"Qt cannot read photos in {', '.join(unreadable)} (an image plugin is missing)")
    del application
    return (f"PySide6 {PySide6.__version__}, photos {' and '.join(PHOTO_FORMATS)}"
            + (" (no display: checked offscreen)" if offscreen else ""))
