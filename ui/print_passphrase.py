"""The key passphrase a print is signed with, asked for once a session (``ui.print_key``): shared by
the case editor's forms and the hand-over minutes."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QWidget

from app.context import Context
from app.errors import RegisterError
from app.print_codes import SIGNED_ONLY, no_key_message
from app.sync import keys
from ui.print_key import KeyMemory, PrintKeyDialog


def print_passphrase(ctx: Context, memory: KeyMemory, status: str, parent: QWidget) -> str | None:
    """The passphrase to sign a print of a case in ``status`` with; ``""`` to print unsigned, None when
    cancelled. A station without keys prints a draft unsigned and refuses an approved case, saying how
    to make them."""
    if not keys.has_signing_key(ctx.paths.data_dir):
        if status in SIGNED_ONLY:
            raise RegisterError(no_key_message(ctx.kind))
        return ""
    if memory.passphrase:
        return memory.passphrase
    dialog = PrintKeyDialog(status, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return "" if dialog.unsigned else dialog.passphrase.text()
