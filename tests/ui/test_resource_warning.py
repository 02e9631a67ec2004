"""At start-up the desktop app names every resource file that differs from the build's manifest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.resources import resources_dir
from tests.helpers.dialogs import answer_next_dialog
from ui import app as gui


def test_changed_reward_rules_are_named_in_a_warning_before_the_register_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> None:
    copy = Path(shutil.copytree(resources_dir(), tmp_path / "resources"))
    rules_path = copy / "rules" / "rewards-2026.json"
    rules = json.loads(rules_path.read_text(encoding="utf-8"))
    rules["single_case"][0]["min_base_quantity"] = "1"
    rules_path.write_text(json.dumps(rules, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("OUTPOST_RESOURCES", str(copy))
    shown: list[str] = []

    def read_and_dismiss(dialog: QWidget) -> None:
        assert isinstance(dialog, QMessageBox)
        shown.append(dialog.informativeText())
        dialog.accept()

    titles = answer_next_dialog(read_and_dismiss)
    assert gui.warn_about_resources() is False
    assert titles == ["Tệp chương trình đã bị thay đổi"]
    assert shown == ["tệp tài nguyên đã bị thay đổi so với bản cài đặt: rules/rewards-2026.json"]


def test_nothing_is_shown_when_the_resources_are_in_order(qtbot: QtBot) -> None:
    unexpected = answer_next_dialog(lambda dialog: dialog.close())
    assert gui.warn_about_resources() is True
    qtbot.wait(30)
    assert unexpected == []
