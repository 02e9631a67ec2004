"""The demo path of the first run fills the register in the background with a progress dialog."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from tests.helpers.registers import Post
from ui.app import fill_demo


def test_demo_cases_are_generated_off_the_gui_thread(post: Post, qtbot: QtBot) -> None:
    fill_demo(post.ctx, post.admin, cases=300)  # returns when the job has finished
    assert post.ctx.cases.count(post.admin) == 300
