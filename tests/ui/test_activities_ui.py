"""Field work on screen (issue 19): the list with its filters, the editor from the keyboard, the same
refusals by path as the command line, and a stored activity read-only where it is not its post's."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.activity_json import parse_activities
from tests.helpers.cases import ICT
from tests.helpers.dialogs import answer_next_dialog
from tests.helpers.registers import Post
from ui.activities_editor import ActivityEditor
from ui.activities_list import ActivitiesWindow
from ui.main_window import MainWindow


def _seed(post: Post) -> None:
    ctx = post.ctx
    documents = [
        {
            "kind": "patrol",
            "started_at": "2026-11-20T06:30:00+07:00",
            "commune_code": "30325",
            "border_marker": "Mốc 245",
            "participants": 6,
        },
        {
            "kind": "outreach",
            "started_at": "2026-11-12T08:00:00+07:00",
            "commune_code": "30337",
            "place": "Nhà văn hóa ấp Phú Hiệp",
            "participants": 120,
        },
    ]
    ctx.activities.add_many(post.officer, parse_activities(documents, ctx.reference, now=ctx.clock()))


def test_the_list_filters_and_the_editor_saves_from_the_keyboard(
    qtbot: QtBot, qtmodeltester: ModelTester, post: Post
) -> None:
    _seed(post)
    window = ActivitiesWindow(post.ctx, post.officer)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):  # its shortcuts answer only while it is the active window
        window.show()
    qtmodeltester.check(window.model)
    assert window.model.rowCount() == 2
    window.kind.set_code("outreach")
    assert [window.model.index(r, 4).data() for r in range(window.model.rowCount())] == [
        "Nhà văn hóa ấp Phú Hiệp"
    ]
    window.kind.set_code(None)
    window.first_day.set_value(date(2026, 11, 15))
    assert window.model.rowCount() == 1 and window.model.index(0, 4).data() == "Mốc 245"

    problems: list[str] = []

    def fill(editor: QWidget) -> None:
        assert isinstance(editor, ActivityEditor)
        editor.kind.set_code("inspection")
        editor.started.set_value(datetime(2026, 11, 22, 9, 0, tzinfo=ICT))
        editor.commune.set_code("30325")
        editor.latitude.setText("10,7")  # a comma typed as the decimal mark
        editor.save_button.click()  # refused: an inspection names its establishment, both coordinates
        problems.append(editor.errors.text())
        editor.longitude.setText("105.1")
        qtbot.keyClicks(editor.establishment, "Tap hoa Bay Hung")  # QtTest types ASCII only
        editor.save_button.click()

    titles = answer_next_dialog(fill)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert titles == ["New field activity"] or titles == ["Hoạt động mới"]
    assert "establishment:" in problems[0] and "longitude:" in problems[0], problems
    assert window.model.rowCount() == 2  # the new one, on the 22nd, is in the filtered list
    stored = post.ctx.activities.get(post.officer, window.model.key(0) or "")
    assert (stored.data.establishment, stored.data.latitude, stored.data.longitude) == (
        "Tap hoa Bay Hung",
        10.7,
        105.1,
    )


def test_the_main_window_opens_field_work_from_the_view_menu(qtbot: QtBot, post: Post) -> None:
    _seed(post)
    main = MainWindow(post.ctx, post.officer)
    qtbot.addWidget(main)
    seen: list[int] = []

    def look(window: QWidget) -> None:
        assert isinstance(window, ActivitiesWindow)
        seen.append(window.model.rowCount())
        window.grab().save("/tmp/act_list.png")
        window.reject()

    answer_next_dialog(look)
    main.field_work_action.trigger()
    assert seen == [2]


def test_the_case_editor_shows_the_online_fields_only_for_an_online_case(qtbot: QtBot, post: Post) -> None:
    from ui.editor import CaseEditor
    from ui.editor.pages import OverviewPage

    editor = CaseEditor(post.ctx, post.officer)
    qtbot.addWidget(editor)
    page = editor.findChild(OverviewPage)
    assert page is not None
    page.location_kind.set_code("inland")
    assert not page.online_url.isVisibleTo(page)
    page.location_kind.set_code("online")
    assert page.online_url.isVisibleTo(page)
    page.online_platform.setText("Zalo")
    page.online_url.setText("zalo.me/nhom buon")
    _values, errors = page.collect(post.ctx.clock())
    assert "online_url" in errors
    page.online_url.setText("https://zalo.me/g/abc123")
    values, errors = page.collect(post.ctx.clock())
    assert "online_url" not in errors and values["online_platform"] == "Zalo"
    page.location_kind.set_code("river")  # no longer online: what was typed is not kept
    values, _errors = page.collect(post.ctx.clock())
    assert values["online_platform"] is None and values["online_url"] is None


def test_only_who_may_record_field_work_is_offered_new_activity(qtbot: QtBot, post: Post) -> None:
    """The button box shows every button it is given: the analyst's stays hidden all the same."""
    for actor, offered in ((post.officer, True), (post.analyst, False)):
        window = ActivitiesWindow(post.ctx, actor)
        qtbot.addWidget(window)
        window.show()
        assert window.new_button.isVisible() is offered
