"""The Reports screen at HQ makes the province report (a row per post) from a check box a post never
shows; the report it previews is the one the core builds."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.helpers.clock import Clock
from tests.helpers.pdf import flat, pdf_text
from tests.helpers.province import POSTS, province
from tests.helpers.registers import Post
from ui.reports import ReportsPage


def test_hq_makes_the_province_report_from_the_reports_screen(
    tmp_path: Path, clock: Clock, qtbot: QtBot
) -> None:
    hq, posts = province(tmp_path, clock, cases=20, posts=POSTS[:2])
    try:
        page = ReportsPage(hq.ctx, hq.admin)
        qtbot.addWidget(page)
        page.show()
        assert page.province.isVisible() and not page.province.isChecked()
        page.station.set_code("BP-VX")
        page.province.setChecked(True)  # every post: the choice of one stands aside
        assert page.station.code() is None and not page.station.isEnabled()
        page.kind.set_code("annual")
        page.period.setText("2026")
        assert page.make_report()
        assert page.report is not None and page.report.province
        assert [row.code for row in page.report.sections["station"]] == sorted(code for code, _ in POSTS[:2])
        assert page.preview.suggested_name.startswith("bao-cao-annual-toan-tinh-")
        assert page.preview.save_to(tmp_path / "tinh")
        text = flat(pdf_text((tmp_path / "tinh.pdf").read_bytes(), tmp_path))
        assert "II. KẾT QUẢ THEO ĐỒN" in text and "Toàn tỉnh (2 đồn)" in text
        page.grab().save(str(tmp_path / "screen.png"))
        page.province.setChecked(False)
        assert page.station.isEnabled()
    finally:
        for one in (hq, *posts):
            one.ctx.close()


def test_a_post_has_no_province_report(post: Post, qtbot: QtBot) -> None:
    page = ReportsPage(post.ctx, post.chief)
    qtbot.addWidget(page)
    page.show()
    assert not page.province.isVisible() and not page.scope().province
