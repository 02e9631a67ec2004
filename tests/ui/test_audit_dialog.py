"""Tools → Verify the audit trail… (issue 20 item 1): a job with progress and Cancel, the result said
plainly: intact with its counts, or the first broken link with what it means."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from app.audit_check import check, explain
from tests.helpers.cases import sample_case
from tests.helpers.registers import Post
from ui.audit_dialog import AuditDialog


def _run(post: Post, qtbot: QtBot) -> AuditDialog:
    dialog = AuditDialog(post.ctx, post.officer)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.ended, timeout=60_000):
        dialog.start()
    return dialog


def test_an_intact_trail_is_said_with_its_counts(post: Post, qtbot: QtBot, tmp_path: Path) -> None:
    post.ctx.cases.create(post.officer, sample_case())
    dialog = _run(post, qtbot)
    assert dialog.checked is not None and dialog.checked.ok
    assert str(dialog.checked.events) in dialog.verdict.text() and not dialog.details.isVisible()
    dialog.grab().save(str(tmp_path / "audit-ok.png"))


def test_a_row_edited_behind_the_apps_back_is_named_and_explained(
    post: Post, qtbot: QtBot, tmp_path: Path
) -> None:
    made = post.ctx.cases.create(post.officer, sample_case())
    with post.ctx.sessions.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cases SET summary = 'sửa lén' WHERE id = ?", (made.id,))
    dialog = _run(post, qtbot)
    assert dialog.checked is not None and not dialog.checked.ok
    first = dialog.checked.problems[0]
    assert made.number in first and first in dialog.verdict.text()
    assert explain(first) in dialog.verdict.text() and dialog.details.isVisible()
    dialog.grab().save(str(tmp_path / "audit-broken.png"))


def test_cancelling_stops_the_check(post: Post, qtbot: QtBot) -> None:
    dialog = AuditDialog(post.ctx, post.officer)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.ended, timeout=60_000) as ended:
        dialog.start()
        dialog.close_button.click()  # Cancel while it runs; a small register may finish first
    assert ended.args in (["cancelled"], ["finished"]) and dialog.again_button.isEnabled()
    assert dialog.isVisible()  # Cancel stopped the check, not the dialog


def test_the_cli_and_the_app_run_the_same_check(post: Post) -> None:
    assert check(post.ctx, post.admin).ok
