"""The app-wide "what changed" signal: commands report, each screen decides whether to refresh."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.domain import Changed


class Events(QObject):
    """Created once per window tree and handed down through constructors (no global)."""

    changed = Signal(object)  # a Changed

    def case_changed(self, case_id: str, action: str) -> None:
        self.changed.emit(Changed("case", (case_id,), action))
