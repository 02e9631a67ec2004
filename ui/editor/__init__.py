"""The case editor (``CaseEditor``) and its pages."""

from ui.editor.dialog import CaseEditor

__all__ = ["CaseEditor"]
