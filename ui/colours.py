"""Every colour the app paints, taken from the palette so that a dark Windows theme stays readable.

A fixed pale red behind text is fine on a white window and unreadable under white text on a dark
one. So the colours here are the palette's own, or a hue mixed into the palette's background (a tint
on a light theme, a shade on a dark one), and the text colours of warnings are chosen for the
background they sit on. Nothing else in ``ui/`` names a colour (tests/ui/test_desktop.py checks it).
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

# The hues, mixed into the background by ``tint``; their text counterparts for a light and a dark
# theme. Chosen so that the text reaches 4.5:1 against the palette's window (WCAG AA).
RED, AMBER = QColor(220, 50, 40), QColor(240, 190, 40)
PROBLEM_TEXT = {False: QColor("#b00020"), True: QColor("#ff8a80")}
WARNING_TEXT = {False: QColor("#7a5900"), True: QColor("#ffd54f")}


def _palette(widget: QWidget | None) -> QPalette:
    if widget is not None:
        return widget.palette()
    return QApplication.palette()


def is_dark(widget: QWidget | None = None) -> bool:
    """Whether the theme draws light text on a dark background."""
    palette = _palette(widget)
    return palette.color(QPalette.ColorRole.Window).lightnessF() < palette.color(
        QPalette.ColorRole.WindowText).lightnessF()


def tint(hue: QColor, widget: QWidget | None = None, role: QPalette.ColorRole = QPalette.ColorRole.Base,
         amount: float = 0.22) -> QColor:
    """``hue`` mixed into the palette's ``role`` colour: a pale wash on a light theme, a deep one on a
    dark theme, so the palette's text stays readable on it."""
    base = _palette(widget).color(role)
    weight = amount * (1.6 if is_dark(widget) else 1.0)
    return QColor.fromRgbF(*(b * (1 - weight) + h * weight for b, h in (
        (base.redF(), hue.redF()), (base.greenF(), hue.greenF()), (base.blueF(), hue.blueF()))))


def problem_text(widget: QWidget | None = None) -> QColor:
    return PROBLEM_TEXT[is_dark(widget)]


def warning_text(widget: QWidget | None = None) -> QColor:
    return WARNING_TEXT[is_dark(widget)]


def problem_background(widget: QWidget | None = None) -> QColor:
    """Behind a row or field that is wrong (or late)."""
    return tint(RED, widget)


def warning_background(widget: QWidget | None = None) -> QColor:
    """Behind a row or banner that wants attention."""
    return tint(AMBER, widget, amount=0.3)


def muted_text(widget: QWidget | None = None) -> QColor:
    """Secondary text (labels beside values, hints)."""
    return _palette(widget).color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)


def problem_style(widget: QWidget | None = None) -> str:
    return f"color: {problem_text(widget).name()}"


def warning_style(widget: QWidget | None = None) -> str:
    return f"color: {warning_text(widget).name()}"


def banner_style(widget: QWidget | None = None) -> str:
    """A highlighted banner: the warning wash behind the palette's own text, with a border."""
    palette = _palette(widget)
    return (f"background: {warning_background(widget).name()}; "
            f"color: {palette.color(QPalette.ColorRole.WindowText).name()}; "
            f"border: 1px solid {tint(AMBER, widget, QPalette.ColorRole.Window, 0.6).name()}; padding: 6px;")


def contrast(one: QColor, other: QColor) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    def luminance(colour: QColor) -> float:
        channels = []
        for c in (colour.redF(), colour.greenF(), colour.blueF()):
            channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)
