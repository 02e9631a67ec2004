"""This install's reporting deadlines (issue 20 item 1): changed in the settings at HQ, saved as only
what differs from the shipped file, and used by the list of posts."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from pytestqt.qtbot import QtBot

from app import deadlines
from app.settings import load_settings
from app.sync.status import posts
from tests.helpers.registers import Post
from ui.settings_dialog import SettingsDialog


def test_hq_changes_the_monthly_deadline_and_the_list_of_posts_follows(
    hq: Post, qtbot: QtBot, tmp_path: Path
) -> None:
    dialog = SettingsDialog(hq.ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.deadlines_box.isVisible() and dialog.monthly_day.value() == 20
    assert dialog.auto_lock.value() == 10
    dialog.auto_lock.setValue(5)
    dialog.monthly_day.setValue(25)
    dialog.weekly_when.setCurrentIndex(dialog.weekly_when.findData("never"))
    dialog.grab().save(str(tmp_path / "settings-hq.png"))
    dialog.buttons.accepted.emit()
    saved = load_settings(hq.ctx.paths.settings)
    assert saved.auto_lock_minutes == 5
    assert saved.deadlines == {"weekly": {"when": "never"}, "monthly": {"due_day": 25}}
    rules = deadlines.load_rules(overrides=saved.deadlines)
    assert (rules.monthly_due_day, rules.annual_due_day) == (25, 15)
    due = [d.due for post in posts(hq.ctx, hq.admin, date(2027, 3, 28)) for d in post.overdue]
    assert date(2027, 3, 25) in due and all(d.day != 20 for d in due)
    again = SettingsDialog(hq.ctx)
    qtbot.addWidget(again)
    again.deadlines_reset.click()
    again.buttons.accepted.emit()
    assert load_settings(hq.ctx.paths.settings).deadlines == {}


def test_settings_edited_by_hand_into_nonsense_are_refused_plainly(post: Post) -> None:
    bad = {"monthly": {"due_day": 31}}
    try:
        deadlines.load_rules(overrides=bad)
    except Exception as exc:  # noqa: BLE001 - the message is what is checked
        assert "monthly/due_day" in str(exc) and "31" in str(exc)
    else:
        raise AssertionError("a due day of 31 was accepted")
    assert json.dumps(deadlines.overrides_for(deadlines.shipped_rules())) == "{}"


def test_a_post_sees_no_deadlines_in_its_settings(post: Post, qtbot: QtBot) -> None:
    dialog = SettingsDialog(post.ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.deadlines_box.isVisible()


def test_an_analyst_sees_the_deadlines_but_cannot_change_them(hq: Post, qtbot: QtBot) -> None:
    from tests.helpers.registers import PASSWORD

    hq.ctx.users.add(hq.admin, "phan.tich", role="analyst", full_name="Lê Phân Tích",
                     password="analyst-pass-1", actor_password=PASSWORD)
    analyst = hq.ctx.login("phan.tich", "analyst-pass-1")
    dialog = SettingsDialog(hq.ctx, None, analyst)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.deadlines_box.isVisible() and not dialog.deadlines_box.isEnabled()
    assert not dialog.stick_button.isEnabled() and dialog.auto_lock.isEnabled()
