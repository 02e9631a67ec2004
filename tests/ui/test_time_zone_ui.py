"""The desktop tells times in the register's time zone, never the computer's: the editor's new case, a
case's history, and the zone chosen in the first-run set-up.

A register in Asia/Tokyo (UTC+9) on a computer set to New York, its clock at 16:30 UTC on 14/11/2026:
01:30 on the 15th in Tokyo, 23:30 on the 14th in Vietnam, 11:30 on the 14th in New York."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from app.register import open_register
from tests.helpers.cases import sample_case
from tests.helpers.clock import Clock
from tests.helpers.registers import PASSWORD, Post, new_post
from ui.editor import CaseEditor
from ui.first_run import FirstRunDialog
from ui.history import HistoryDialog

MOMENT = datetime(2026, 11, 14, 16, 30, tzinfo=UTC)


@pytest.fixture
def tokyo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Post]:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    made = new_post(tmp_path / "post", Clock(MOMENT), time_zone="Asia/Tokyo")
    yield made
    made.ctx.close()
    monkeypatch.undo()
    time.tzset()


def test_a_new_case_starts_at_the_registers_time_and_its_history_is_told_in_it(
    tokyo: Post, qtbot: QtBot
) -> None:
    editor = CaseEditor(tokyo.ctx, tokyo.officer)
    qtbot.addWidget(editor)
    occurred = editor.overview.occurred_at
    assert occurred.text().startswith("15/11/2026 01:3")
    value = occurred.value()
    assert value is not None and value.utcoffset() == timedelta(hours=9)
    # A detection time typed into the empty field is a Tokyo time too.
    editor.overview.detected_at.setDateTime(occurred.dateTime())
    detected = editor.overview.detected_at.value()
    assert detected is not None and detected.utcoffset() == timedelta(hours=9)

    created = tokyo.ctx.cases.create(tokyo.officer, sample_case(occurred_at=MOMENT - timedelta(hours=1)))
    history = HistoryDialog(tokyo.ctx, tokyo.officer, created.id)
    qtbot.addWidget(history)
    assert str(history.model.index(0, 0).data()).startswith("15/11/2026 01:3")


def test_the_first_run_set_up_takes_a_zone_and_refuses_one_with_daylight_saving_time(
    tmp_path: Path, qtbot: QtBot
) -> None:
    dialog = FirstRunDialog(tmp_path / "hq")
    qtbot.addWidget(dialog)
    dialog.hq_button.click()
    assert dialog.field_visible("time_zone") and dialog.time_zone.text() == "Asia/Ho_Chi_Minh"
    dialog.code.setText("BCH-AG")
    dialog.name.setText("Bộ Chỉ huy BĐBP An Giang")
    dialog.password.setText(PASSWORD)
    dialog.password_again.setText(PASSWORD)
    dialog.time_zone.setText("Europe/Paris")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert "múi giờ 'Europe/Paris' thay đổi độ lệch" in dialog.error_text("time_zone")
    assert dialog.context is None and not (tmp_path / "hq" / "register.sqlite").exists()
    dialog.time_zone.setText("Asia/Tokyo")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.context is not None and dialog.context.zone.key == "Asia/Tokyo"
    key = dialog.context.key
    dialog.context.close()
    reopened = open_register(tmp_path / "hq", key=key)
    try:
        assert reopened.zone.key == "Asia/Tokyo"
    finally:
        reopened.close()
