"""Campaign periods in the app: declared and corrected at HQ, listed read-only at a post, and offered
at once by the case list's filter and the Reports screen.

The tests with an HQ run with HQ on SQLite and on PostgreSQL (``both_engines``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.campaigns import list_campaigns
from app.sync.replies import make_reply
from app.sync.returns import import_returns
from tests.helpers.dialogs import answer_next_dialog
from tests.helpers.registers import Post
from tests.helpers.sync import PASSPHRASE
from ui.campaigns_dialog import CampaignsDialog
from ui.main_window import MainWindow

pytestmark = pytest.mark.both_engines


def _fill(dialog: CampaignsDialog, name: str, first: date, last: date) -> None:
    dialog.name.setText(name)
    dialog.starts_on.setDate(QDate(first.year, first.month, first.day))
    dialog.ends_on.setDate(QDate(last.year, last.month, last.day))


def test_hq_declares_and_corrects_a_campaign(qtbot: QtBot, hq: Post) -> None:
    dialog = CampaignsDialog(hq.ctx, hq.admin)
    qtbot.addWidget(dialog)
    assert dialog.editable and dialog.editor.isVisibleTo(dialog) and dialog.table.rowCount() == 0
    # A wrong entry is explained under the fields and nothing is saved.
    _fill(dialog, "Cao điểm Tết", date(2026, 3, 15), date(2026, 1, 15))
    dialog.add_button.click()
    assert dialog.problem.isVisibleTo(dialog)
    assert dialog.problem.text() == "Đợt cao điểm kết thúc trước khi bắt đầu"
    assert list_campaigns(hq.ctx) == []
    _fill(dialog, "  Cao điểm  Tết Bính Ngọ ", date(2026, 1, 15), date(2026, 3, 15))
    dialog.add_button.click()
    assert not dialog.problem.isVisibleTo(dialog)
    (saved,) = list_campaigns(hq.ctx)
    assert (saved.name, saved.starts_on, saved.ends_on) == (
        "Cao điểm Tết Bính Ngọ",
        date(2026, 1, 15),
        date(2026, 3, 15),
    )
    assert dialog.changed == [saved.id]
    assert [dialog.table.item(0, c).text() for c in range(3)] == [
        "Cao điểm Tết Bính Ngọ",
        "15/01/2026",
        "15/03/2026",
    ]
    # The new one is selected: extending it changes it, it does not add another.
    assert dialog.selected() == saved and dialog.save_button.isEnabled()
    dialog.ends_on.setDate(QDate(2026, 3, 31))
    dialog.save_button.click()
    (changed,) = list_campaigns(hq.ctx)
    assert changed.id == saved.id and changed.ends_on == date(2026, 3, 31)
    # The same name twice is refused.
    _fill(dialog, "Cao điểm Tết Bính Ngọ", date(2026, 5, 1), date(2026, 5, 31))
    dialog.add_button.click()
    assert dialog.problem.text() == "Đã có đợt cao điểm tên 'Cao điểm Tết Bính Ngọ'"
    _fill(dialog, "cao điểm tết BÍNH NGỌ", date(2026, 5, 1), date(2026, 5, 31))  # only the case differs
    dialog.add_button.click()
    assert dialog.problem.text() == "Đã có đợt cao điểm tên 'cao điểm tết BÍNH NGỌ'"
    assert len(list_campaigns(hq.ctx)) == 1


def test_the_menu_opens_it_and_the_choice_lists_follow(qtbot: QtBot, hq: Post) -> None:
    window = MainWindow(hq.ctx, hq.admin)
    qtbot.addWidget(window)
    assert window.campaigns_action.isVisible()
    assert window.reports.campaign.count() == 1  # "(all cases)" only

    def declare(widget: QWidget) -> None:
        assert isinstance(widget, CampaignsDialog)
        _fill(widget, "Đợt 389 tháng 6", date(2026, 6, 1), date(2026, 6, 30))
        widget.add_button.click()
        widget.reject()

    seen = answer_next_dialog(declare)
    window.campaigns_action.trigger()
    assert seen == ["Các đợt cao điểm"]
    label = "Đợt 389 tháng 6 (01/06/2026–30/06/2026)"
    assert [window.reports.campaign.itemText(i) for i in range(window.reports.campaign.count())][1:] == [
        label
    ]
    assert window.filter_bar.campaign.findText(label) > 0 and not window.filter_bar.campaign.isHidden()


def test_a_post_lists_what_hq_sent_and_cannot_change_it(
    qtbot: QtBot, post: Post, hq: Post, tmp_path: Path
) -> None:
    dialog = CampaignsDialog(hq.ctx, hq.admin)
    qtbot.addWidget(dialog)
    _fill(dialog, "Cao điểm cuối năm", date(2026, 11, 15), date(2027, 1, 14))
    dialog.add_button.click()
    reply = make_reply(hq.ctx, hq.admin, PASSPHRASE, post.ctx.station_code, tmp_path / "back")
    assert import_returns(post.ctx, post.admin, PASSPHRASE, [reply]).campaigns == 1
    at_post = CampaignsDialog(post.ctx, post.chief)
    qtbot.addWidget(at_post)
    assert not at_post.editable and not at_post.editor.isVisibleTo(at_post)
    assert at_post.table.item(0, 0).text() == "Cao điểm cuối năm"
    assert at_post.note.text() == "Các đợt cao điểm do Bộ Chỉ huy công bố và đến cùng gói trả về."


def test_a_long_campaign_name_does_not_widen_the_window(qtbot: QtBot, hq: Post) -> None:
    """Real campaign names run to a hundred characters and more; the window must still fit a laptop."""
    dialog = CampaignsDialog(hq.ctx, hq.admin)
    qtbot.addWidget(dialog)
    name = (
        "Cao điểm đấu tranh phòng, chống buôn lậu, gian lận thương mại và hàng giả trước, trong và sau Tết "
        * 2
    )
    _fill(dialog, name, date(2026, 1, 15), date(2026, 3, 15))
    dialog.add_button.click()
    assert len(list_campaigns(hq.ctx)[0].name) > 190
    window = MainWindow(hq.ctx, hq.admin)
    qtbot.addWidget(window)
    assert window.filter_bar.campaign.count() == 2
    assert window.minimumSizeHint().width() <= 1366
