"""How a command ends: the register it opened is closed properly, whatever the command's outcome, and
the quick exit (``cli.main.run`` freezes what is left for the interpreter's last collections) leaves
nothing behind. Start-up figures: docs/performance.md, start-up."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

import cli.common
from cli.main import main
from tests.helpers.cases import sample_case
from tests.helpers.cli import outpost
from tests.helpers.registers import PASSWORD, new_post

LEFT_BEHIND = ("register.sqlite-wal", "register.sqlite-shm")


def _closed_register(folder: Path) -> Path:
    post = new_post(folder)
    post.ctx.cases.create(post.officer, sample_case())
    post.ctx.close()
    assert not [name for name in LEFT_BEHIND if (folder / name).exists()]
    return folder


def test_a_command_closes_its_register_before_the_process_ends(tmp_path: Path) -> None:
    folder = _closed_register(tmp_path / "post")
    listed = outpost(folder, "--user", "officer", "--json", "case", "list")
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) > 1
    # SQLite folds its write-ahead log back and removes it when the last connection closes: a register
    # left to the operating system keeps both files beside it until the next opening.
    assert [name for name in LEFT_BEHIND if (folder / name).exists()] == []
    refused = outpost(folder, "--user", "officer", "case", "show", "BP-VX/2099/99999")
    assert refused.returncode == 6
    assert [name for name in LEFT_BEHIND if (folder / name).exists()] == []


def test_setting_up_a_register_closes_it_too(tmp_path: Path) -> None:
    post, demo = tmp_path / "post", tmp_path / "demo"
    made = outpost(post, "init", "post", "--code", "BP-EX", "--name", "Exit", "--admin", "admin")
    assert made.returncode == 0, made.stderr
    assert [name for name in LEFT_BEHIND if (post / name).exists()] == []
    generated = outpost(demo, "demo", "--cases", "3", "--seed", "1")
    assert generated.returncode == 0, generated.stderr
    assert (demo / "register.sqlite").exists()
    assert [name for name in LEFT_BEHIND if (demo / name).exists()] == []


def test_main_closes_what_it_opened_when_called_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _closed_register(tmp_path / "post")
    monkeypatch.setenv("OUTPOST_PASSWORD", PASSWORD)
    monkeypatch.setenv("OUTPOST_ARGON2_PROFILE", "test")
    assert main(["--data-dir", str(folder), "--user", "officer", "--json", "case", "list"]) == 0
    assert "BP-VX/" in capsys.readouterr().out
    assert cli.common.OPENED == []
    assert [name for name in LEFT_BEHIND if (folder / name).exists()] == []


def test_labels_follow_a_register_set_to_english_and_messages_stay_english(tmp_path: Path) -> None:
    from dataclasses import replace

    from app.settings import load_settings, save_settings

    folder = _closed_register(tmp_path / "post")
    vietnamese = outpost(folder, "--user", "officer", "case", "list")
    assert vietnamese.returncode == 0 and "Nháp" in vietnamese.stdout, vietnamese.stdout
    settings_file = folder / "settings.json"
    save_settings(settings_file, replace(load_settings(settings_file), language="en"))
    english = outpost(folder, "--user", "officer", "case", "list")
    assert english.returncode == 0 and "Draft" in english.stdout and "Nháp" not in english.stdout
    refused = outpost(folder, "--user", "officer", "case", "show", "BP-VX/2099/99999")
    assert refused.returncode == 6 and refused.stderr.isascii(), refused.stderr


def test_collection_is_paused_for_the_imports_and_resumes_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen = gc.get_freeze_count()
    assert gc.isenabled()
    with cli.common.uncollected():
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen  # a test's process goes on: nothing is frozen in it
    gc.disable()
    try:
        with cli.common.uncollected():
            pass
        assert not gc.isenabled()  # whoever had turned it off keeps it off
    finally:
        gc.enable()
    # In a process that ends with its command, what the imports made is frozen for the rest of it.
    monkeypatch.setattr(cli.common, "ONE_COMMAND", True)
    kept = [[] for _ in range(10)]  # lists: objects the collector tracks
    with cli.common.uncollected():
        pass
    try:
        assert gc.get_freeze_count() >= frozen + len(kept)
        assert gc.isenabled()
    finally:
        gc.unfreeze()
