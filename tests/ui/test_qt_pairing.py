"""Guards the Python/PySide6 pairing: 20 000 void Qt calls must run without corrupting None.

PySide6 6.12 on Python 3.11 drops a reference to None on every call that returns void and aborts
the process ("deallocating None") after a few thousand of them; Python 3.12+ (immortal None) is
required, and ``make`` refuses anything older."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel, QLineEdit, QSpinBox
from pytestqt.qtbot import QtBot

CALLS = 20_000


def test_python_is_new_enough_for_pyside6() -> None:
    assert sys.version_info >= (3, 12)


def test_twenty_thousand_void_calls_leave_the_widgets_right(qtbot: QtBot) -> None:
    label, edit, spin = QLabel(), QLineEdit(), QSpinBox()
    for widget in (label, edit, spin):
        qtbot.addWidget(widget)
    spin.setMaximum(CALLS)
    none_refs = sys.getrefcount(None)
    for i in range(CALLS // 4):  # four void calls per round
        label.setText(str(i))
        edit.setEnabled(i % 2 == 0)
        spin.setValue(i)
        edit.setText(f"x{i}")
    last = CALLS // 4 - 1
    assert (label.text(), edit.text(), spin.value(), edit.isEnabled()) == (str(last), f"x{last}", last, False)
    assert sys.getrefcount(None) >= none_refs


def test_qt_strings_without_a_translation_keep_their_english_text(qtbot: QtBot) -> None:
    from PySide6.QtCore import QCoreApplication

    # Translated in the catalog:
    assert QCoreApplication.translate("QPlatformTheme", "&Yes") == "&Có"
    # Not in the catalog: Qt's own English, never an empty string (which would blank the text out).
    assert QCoreApplication.translate("QFileDialog", "%1 bytes", None, 5) == "%1 bytes"
    assert QCoreApplication.translate("QWidgetTextControl", "Select All") in ("Select All", "Chọn tất cả")
