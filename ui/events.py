"""The app-wide "what changed" signal: each command's service says what it changed (``Changes``), the
window re-emits it, and each screen decides whether to refresh."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class Events(QObject):
    """Created once per window tree and handed down through constructors (no global)."""

    changed = Signal(object)  # an app.domain.Changes, never empty
