"""Guards the Python/PySide6 pairing: 20 000 void Qt calls must run without corrupting None.

PySide6 6.12 on Python 3.11 decrements None's refcount on every void call and aborts after a few
thousand of them ("deallocating None"); Python 3.12+ (immortal None) is required."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel, QLineEdit, QSpinBox
from pytestqt.qtbot import QtBot

CALLS = 20_000


def test_python_is_new_enough() -> None:
    assert sys.version_info >= (3, 12)


def test_twenty_thousand_void_calls(qtbot: QtBot) -> None:
    label, edit, spin = QLabel(), QLineEdit(), QSpinBox()
    for widget in (label, edit, spin):
        qtbot.addWidget(widget)
    spin.setMaximum(CALLS)
    for i in range(CALLS // 4):
        label.setText(str(i))
        edit.setEnabled(i % 2 == 0)
        spin.setValue(i)
        edit.setText(f"x{i}")
    last = CALLS // 4 - 1
    assert (label.text(), edit.text(), spin.value(), edit.isEnabled()) == (str(last), f"x{last}", last, False)
    assert None is None and sys.getrefcount(None) > 0
