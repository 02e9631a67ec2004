"""Desktop conventions (issue 20 item 4): one instance per register, the layout remembered, colours from
the palette, the period picker, columns that fit, deadline reminders, accessible names on symbol
buttons, and the diagnostics zip without personal data."""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractButton, QWidget
from pytestqt.qtbot import QtBot

from app.logs import open_log
from tests.helpers.cases import sample_case
from tests.helpers.registers import Post
from ui import colours
from ui.column_widths import content_width
from ui.dashboard import DashboardWidget
from ui.diagnostics import save_diagnostics
from ui.main_window import CASES_TAB, REPORTS_TAB, MainWindow
from ui.reports import ReportsPage
from ui.single_instance import SingleInstance

ROOT = Path(__file__).resolve().parents[2]


def test_a_second_start_on_the_same_register_brings_the_first_forward(qtbot: QtBot, tmp_path: Path) -> None:
    first = SingleInstance(tmp_path / "register")
    assert first.claim() == "first"
    second = SingleInstance(tmp_path / "register")
    with qtbot.waitSignal(first.activation_requested, timeout=5000):
        assert second.claim() == "forwarded"  # the second start quits
    other = SingleInstance(tmp_path / "another register")
    assert other.claim() == "first"  # another register opens beside it
    other.close()
    first.close()
    again = SingleInstance(tmp_path / "register")
    assert again.claim() == "first"  # once the first has gone, a start runs
    again.close()


def _window(qtbot: QtBot, post: Post) -> MainWindow:
    window = MainWindow(post.ctx, post.chief)
    qtbot.addWidget(window)
    window.show()
    return window


def test_the_reports_page_is_built_when_first_shown(qtbot: QtBot, post: Post) -> None:
    """Fast start: the window opens without the reports page; the Reports tab builds it, once."""
    window = _window(qtbot, post)
    assert window._reports is None
    window.tabs.setCurrentIndex(REPORTS_TAB)
    page = window._reports
    assert isinstance(page, ReportsPage) and page.isVisible() and page.kind.count() > 0
    window.tabs.setCurrentIndex(CASES_TAB)
    window.tabs.setCurrentIndex(REPORTS_TAB)
    assert window.reports is page
    window.dashboard.wait()


def test_the_window_size_splitter_and_columns_are_remembered(qtbot: QtBot, post: Post) -> None:
    window = _window(qtbot, post)
    window.resize(1010, 700)
    window.splitter.setSizes([700, 300])
    window.table.horizontalHeader().resizeSection(3, 333)
    sizes = window.splitter.sizes()
    window.close()
    assert (post.data_dir / "window.ini").is_file()  # beside the register: a portable install carries it

    again = _window(qtbot, post)
    # The offscreen screen is 800 pixels wide, narrower than the window can be: Qt fits the width to the
    # screen, so the height is what shows the size came back.
    assert again.height() == 700
    assert again.splitter.sizes() == sizes
    assert again.table.horizontalHeader().sectionSize(3) == 333


def test_no_colour_is_named_outside_the_palette_module() -> None:
    named = re.compile(r"#[0-9a-fA-F]{3,8}\b|QColor\(\"|Qt\.GlobalColor")
    found = [f"{path.relative_to(ROOT)}:{number}" for path in sorted((ROOT / "ui").rglob("*.py"))
             if path.name != "colours.py"
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if named.search(line.split("  # ")[0]) and not line.lstrip().startswith("#")]
    assert found == []


def _themed(qtbot: QtBot, window: str, text: str) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    palette = widget.palette()
    for role, colour in ((QPalette.ColorRole.Window, window), (QPalette.ColorRole.Base, window),
                         (QPalette.ColorRole.WindowText, text), (QPalette.ColorRole.Text, text)):
        palette.setColor(role, QColor(colour))
    widget.setPalette(palette)
    return widget


def test_warnings_stay_readable_on_a_dark_and_a_light_theme(qtbot: QtBot) -> None:
    for window, text in (("#1e1e1e", "#f0f0f0"), ("#ffffff", "#000000")):
        widget = _themed(qtbot, window, text)
        assert colours.is_dark(widget) == (window == "#1e1e1e")
        ground = QColor(window)
        assert colours.contrast(colours.problem_text(widget), ground) >= 4.5
        assert colours.contrast(colours.warning_text(widget), ground) >= 4.5
        for behind in (colours.problem_background(widget), colours.warning_background(widget)):
            assert colours.contrast(QColor(text), behind) >= 4.5, (window, behind.name())


def test_the_period_is_picked_stepped_or_typed_with_the_weekly_rule_shown(qtbot: QtBot, post: Post) -> None:
    page = ReportsPage(post.ctx, post.chief)
    qtbot.addWidget(page)
    picker = page.picker
    # The register's day, Wednesday 25/11/2026, opens the window to Tuesday 1/12, due Wednesday 2/12.
    assert page.period.text() == "2026-W49"
    assert "thứ Tư đến thứ Ba" in picker.rule.text() and "02/12/2026" in picker.rule.text()
    picker.day.setDate(QDate(2026, 11, 12))  # a Thursday: its window is Wednesday 11 to Tuesday 17
    assert page.period.text() == "2026-W47"
    assert "11/11/2026" in picker.rule.text() and "17/11/2026" in picker.rule.text()
    picker.previous_button.click()
    assert page.period.text() == "2026-W46"
    page.kind.set_code("monthly")
    assert page.period.text() == "2026-12" and not picker.rule.isVisibleTo(page)
    picker.next_button.click()
    assert page.period.text() == "2027-01"
    page.period.setText("2026-13")
    assert "2026-13" in picker.meaning.text() and picker.period() is None  # said, not made
    page.period.setText("last")
    assert picker.meaning.text().startswith("Tháng 11/2026")
    page.kind.set_code("campaign")
    assert not picker.day.isEnabled() and not picker.previous_button.isEnabled()


def test_case_numbers_and_times_are_never_cut_off(qtbot: QtBot, post: Post) -> None:
    made = post.ctx.cases.create(post.officer, sample_case())
    window = _window(qtbot, post)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    for column in (0, 1):
        text = window.model.index(0, column).data()
        needed = window.table.fontMetrics().horizontalAdvance(text)
        assert window.table.horizontalHeader().sectionSize(column) > needed, (column, text)
    assert window.model.index(0, 0).data() == made.number
    # A narrow window (the offscreen screen is 800 pixels wide): the place, which stretches into what
    # the others leave, still shows its heading whole (it was cut to "Địa điể" at 1024 pixels).
    window.resize(1024, 700)
    window.show()
    place = window.table.horizontalHeader().sectionSize(2)
    assert place >= content_width(window.table, "", "Địa điểm"), place


def test_the_home_page_reminds_of_every_deadline(qtbot: QtBot, post: Post) -> None:
    widget = DashboardWidget(post.ctx, post.chief)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.deadlines.refreshed, timeout=10_000):  # read on a reader thread
        widget.refresh()
    text = widget.deadlines.text()
    assert "15/12/2026" in text and "20/12/2026" in text  # the year-end summary and the month's report
    assert "20 ngày" in text
    assert widget.deadlines.isVisibleTo(widget)
    post.ctx.clock = lambda: _on(date(2026, 12, 19))  # the days left follow the register's clock
    with qtbot.waitSignal(widget.deadlines.refreshed, timeout=10_000):
        widget.deadlines.refresh()
    assert "<b>" in widget.deadlines.text() and "1 ngày" in widget.deadlines.text()
    widget.wait()


def test_deadlines_the_settings_break_are_said_on_the_home_page(qtbot: QtBot, post: Post) -> None:
    """A deadlines setting the schema refuses (a 40th day) is said in the banner; the rest of the home
    page still loads."""
    post.ctx.settings = replace(post.ctx.settings, deadlines={"monthly": {"due_day": 40}})
    widget = DashboardWidget(post.ctx, post.chief)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.deadlines.refreshed, timeout=10_000), qtbot.waitSignal(widget.refreshed):
        widget.refresh()
    assert "monthly/due_day" in widget.deadlines.text() and widget.deadlines.isVisibleTo(widget)
    assert widget.deadlines.reminders == [] and widget.dashboard is not None


def _on(day: date):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)


def test_every_button_without_words_has_an_accessible_name(qtbot: QtBot, post: Post) -> None:
    window = _window(qtbot, post)
    window.tabs.setCurrentIndex(REPORTS_TAB)  # its period picker's arrows: the page is built when shown
    unnamed = [button.text() for button in window.findChildren(QAbstractButton)
               if button.text() and not re.search(r"\w", button.text()) and not button.accessibleName()]
    symbols = [b for b in window.findChildren(QAbstractButton) if b.text() in ("◀", "▶", "+", "-")]
    assert unnamed == [] and len(symbols) >= 4


def test_diagnostics_hold_the_log_versions_and_self_test_but_no_personal_data(
    qtbot: QtBot, post: Post, tmp_path: Path
) -> None:
    made = post.ctx.cases.create(post.officer, sample_case())
    person = post.ctx.cases.get(post.officer, made.id).document["parties"][0]["full_name"]
    open_log(post.data_dir)
    log = logging.getLogger("outpost")
    try:
        raise ValueError(f"could not save the case of {person} at /home/officer/Tài liệu")
    except ValueError:
        log.exception("saving %s failed for %s", made.number, person)
    log.warning("importing case for nguyen van dung cccd 089090001234 failed")  # a name folded for search
    for handler in log.handlers:
        handler.flush()
    assert person in (post.data_dir / "logs" / "outpost.log").read_text(encoding="utf-8")

    saved = save_diagnostics(post.ctx, tmp_path / "diagnostics")
    assert saved == tmp_path / "diagnostics.zip"
    with zipfile.ZipFile(saved) as archive:
        names = set(archive.namelist())
        everything = b"".join(archive.read(name) for name in names).decode("utf-8")
    assert {"versions.json", "self-test.txt", "register.json", "logs/outpost.log"} <= names
    assert "exit code 0" in everything and "ok   register" in everything
    assert '"pyside6"' in everything and '"SQLAlchemy"' in everything
    assert "ValueError: could not save the case of …" in everything  # the log's gist stays
    names = [person, *(part for part in person.split() if len(part) > 3)]
    assert "importing case for … cccd … failed" in everything
    for word in [*names, made.number, "officer", "Tài liệu", "nguyen", "dung", "089090001234"]:
        assert word not in everything, word
