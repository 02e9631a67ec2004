"""The case editor (``CaseEditor``) and its pages.

``CaseEditor`` is imported from ``ui.editor.dialog`` when first asked for (PEP 562), not when the package
is: the filter bar and the reports page use ``ui.editor.fields``, and importing the dialog with them
would load the form printer and ReportLab before the main window's first page (docs/performance.md,
start-up)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ui.editor.dialog import CaseEditor

__all__ = ["CaseEditor"]


def __getattr__(name: str) -> Any:
    if name == "CaseEditor":
        from ui.editor.dialog import CaseEditor

        return CaseEditor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
