"""Printing a form from the editor asks for the station key's passphrase once a session: the QR code is
signed; a wrong passphrase is not kept; a draft may print unsigned; without keys, an approved case is
refused saying how to make them."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.print_codes import verify_print
from tests.helpers.cases import sample_case
from tests.helpers.dialogs import answer_next_dialog
from tests.helpers.pdf import flat, pdf_text
from tests.helpers.registers import Post
from tests.helpers.sync import PASSPHRASE, give_keys
from ui.editor import CaseEditor
from ui.print_key import KeyMemory, PrintKeyDialog


def _case(post: Post, approve: bool) -> str:
    made = post.ctx.cases.create(post.officer, sample_case())
    if approve:
        post.ctx.cases.submit(post.officer, made.id)
        post.ctx.cases.approve(post.chief, made.id)
    return made.id


def _editor(post: Post, qtbot: QtBot, case_id: str, memory: KeyMemory) -> CaseEditor:
    editor = CaseEditor(post.ctx, post.chief, case_id, memory=memory)
    qtbot.addWidget(editor)
    return editor


def _qr_text(post: Post, editor: CaseEditor, qtbot: QtBot) -> str:
    """The text of the QR code of what the preview shows, as verify-print reads it."""
    dialog = editor.print_form("MBB01")
    assert dialog is not None
    qtbot.addWidget(dialog)
    text = flat(pdf_text(dialog.preview.data, post.data_dir))
    start = text.index("OUTPOST-PRINT:2:")
    body, signature = text[start:].split(" ")[:2]
    dialog.close()
    return body + signature


@pytest.fixture
def approved_editor(post: Post, qtbot: QtBot, tmp_path: Path) -> tuple[CaseEditor, KeyMemory]:
    """The editor of an approved case at a post with keys, and the session's key memory."""
    give_keys(post, tmp_path)
    memory = KeyMemory()
    return _editor(post, qtbot, _case(post, approve=True), memory), memory


def test_the_passphrase_is_asked_once_and_signs_the_print(
    post: Post, qtbot: QtBot, approved_editor: tuple[CaseEditor, KeyMemory]
) -> None:
    editor, memory = approved_editor
    asked: list[PrintKeyDialog] = []

    def answer(key: QWidget) -> None:
        assert isinstance(key, PrintKeyDialog)
        asked.append(key)
        assert (
            not key.sign_button.isEnabled() and not key.unsigned_button.isVisible()
        )  # approved: signed only
        key.passphrase.setText(PASSPHRASE)
        key.sign_button.click()

    answer_next_dialog(answer)
    first = _qr_text(post, editor, qtbot)
    assert len(asked) == 1 and memory.passphrase == PASSPHRASE
    check = verify_print(post.ctx, post.chief, first)
    assert (check.signature, check.status, check.case_status) == ("valid", "current", "approved")
    assert verify_print(post.ctx, post.chief, _qr_text(post, editor, qtbot)).genuine  # not asked again
    assert len(asked) == 1


def test_a_wrong_passphrase_is_not_kept(approved_editor: tuple[CaseEditor, KeyMemory]) -> None:
    editor, memory = approved_editor
    seen: list[str] = []

    def wrong(key: QWidget) -> None:
        key.passphrase.setText("not-the-passphrase")  # type: ignore[attr-defined]
        key.sign_button.click()  # type: ignore[attr-defined]
        answer_next_dialog(lambda box: (seen.append(box.text()), box.close()))

    answer_next_dialog(wrong)
    assert editor.print_form("MBB01") is None
    assert seen == ["Sai cụm mật khẩu của khóa; không có gì thay đổi"] and memory.passphrase is None
    answer_next_dialog(lambda key: key.reject())  # asked again; cancelled: nothing printed
    assert editor.print_form("MBB01") is None


def test_a_draft_may_print_unsigned(post: Post, qtbot: QtBot, tmp_path: Path) -> None:
    give_keys(post, tmp_path)
    memory = KeyMemory()
    editor = _editor(post, qtbot, _case(post, approve=False), memory)
    answer_next_dialog(lambda key: key.unsigned_button.click())
    text = _qr_text(post, editor, qtbot)
    assert text.endswith(":unsigned") and memory.passphrase is None
    assert verify_print(post.ctx, post.chief, text).signature == "unsigned"


def test_without_keys_an_approved_case_is_refused_saying_how_to_make_them(post: Post, qtbot: QtBot) -> None:
    editor = _editor(post, qtbot, _case(post, approve=True), KeyMemory())
    seen: list[str] = []
    answer_next_dialog(
        lambda box: (seen.append(box.text()), box.button(QMessageBox.StandardButton.Close).click())
    )
    assert editor.print_form("MBB01") is None
    assert seen and "outpost enroll request" in seen[0]
    draft = _editor(post, qtbot, _case(post, approve=False), KeyMemory())
    assert _qr_text(post, draft, qtbot).endswith(":unsigned")  # a draft prints unsigned, not asked
