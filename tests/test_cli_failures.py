"""What a user sees when the command line meets a bug or a reader that goes away: one line, never a
traceback; the details in the log file the desktop app shares (``app/logs.py``)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cases import CaseService
from app.demo import generate_demo
from app.domain import CaseFilter
from cli.main import main
from tests.helpers.cases import sample_case
from tests.helpers.cli import outpost
from tests.helpers.registers import PASSWORD, Post
from tests.helpers.sync import Pair

ROOT = Path(__file__).resolve().parent.parent


def test_an_unexpected_error_prints_one_line_logs_the_traceback_and_exits_70(
    post: Post, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the list broke\nacross two lines")

    monkeypatch.setenv("OUTPOST_PASSWORD", PASSWORD)
    monkeypatch.setenv("OUTPOST_ARGON2_PROFILE", "test")
    monkeypatch.setattr(CaseService, "list", broken)

    code = main(["--data-dir", str(post.data_dir), "--user", "officer", "case", "list"])

    captured = capsys.readouterr()
    log_file = post.data_dir / "logs" / "outpost.log"
    assert code == 70
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"outpost: unexpected error (RuntimeError: the list broke across two lines); details in {log_file}"
    ]
    logged = log_file.read_text(encoding="utf-8")
    assert "unexpected error in 'outpost case list'" in logged
    assert "Traceback (most recent call last)" in logged
    assert 'raise RuntimeError("the list broke' in logged


def test_exit_code_70_is_in_the_help_and_the_readme() -> None:
    done = subprocess.run([sys.executable, "-m", "cli", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert "  70 " in done.stdout.split("exit codes:")[1]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "70 unexpected error" in readme
    assert "logs/outpost.log" in readme


def test_the_log_goes_to_the_user_log_folder_when_the_register_folder_cannot_take_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.logs import log, open_log

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    data_dir = tmp_path / "register"
    data_dir.mkdir()
    (data_dir / "logs").write_text("a file where the folder should be", encoding="utf-8")

    path = open_log(data_dir)
    log.error("written somewhere")

    assert path is not None and path.is_relative_to(tmp_path / "state")
    assert "written somewhere" in path.read_text(encoding="utf-8")


def test_a_reader_that_closes_the_pipe_early_gets_no_traceback(post: Post) -> None:
    generate_demo(post.ctx, post.admin, cases=1500)  # far more text than a pipe holds
    post.ctx.close()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OUTPOST_")}
    environment.update(
        OUTPOST_DATA_DIR=str(post.data_dir), OUTPOST_ARGON2_PROFILE="test", OUTPOST_PASSWORD=PASSWORD
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "cli", "--user", "officer", "case", "list", "--limit", "2000"],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    first = child.stdout.readline()
    child.stdout.close()  # as `head -1` does once it has its line
    errors = child.stderr.read()
    child.stderr.close()
    code = child.wait(timeout=120)

    assert first.strip()
    assert errors.decode() == ""
    assert code == 0


def _commands() -> list[list[str]]:
    """Every command, with a stand-in for each value it requires (the first choice, or ``x``)."""
    from cli.main import build_parser

    found: list[list[str]] = []

    def walk(parser: argparse.ArgumentParser, words: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    walk(child, [*words, name])
                return
        argv = list(words)
        for action in parser._actions:
            value = str(next(iter(action.choices))) if action.choices else "x"
            if not action.option_strings:
                argv.append(value)
            elif action.required:
                argv += [action.option_strings[0], value]
        found.append(argv)

    walk(build_parser(), [])
    return [argv for argv in found if argv[0] not in {"gui", "self-test", "init"}]


def test_every_command_that_reads_or_writes_the_register_needs_a_log_in(
    post: Post, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OUTPOST_PASSWORD", "not the password")
    monkeypatch.setenv("OUTPOST_ARGON2_PROFILE", "test")
    monkeypatch.chdir(post.data_dir.parent)  # where a command would write a relative "x"
    commands = _commands()
    assert ["campaign", "list"] in commands and len(commands) > 30

    printed = {}
    for argv in commands:
        code = main(["--data-dir", str(post.data_dir), "--user", "officer", *argv])
        captured = capsys.readouterr()
        printed[" ".join(argv)] = (code, captured.out)
    assert {command: result for command, result in printed.items() if result[0] == 0 or result[1]} == {}
    assert printed["campaign list"][0] == 5


def _run(post: Post, *argv: str) -> subprocess.CompletedProcess[bytes]:
    """``outpost`` in a child process, its output kept as bytes (a PDF or a workbook may be on it)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OUTPOST_")}
    environment.update(
        OUTPOST_DATA_DIR=str(post.data_dir), OUTPOST_ARGON2_PROFILE="test", OUTPOST_PASSWORD=PASSWORD
    )
    return subprocess.run(
        [sys.executable, "-m", "cli", "--user", "chief", *argv],
        cwd=ROOT, env=environment, capture_output=True, timeout=120,
    )


def test_pdf_and_xlsx_go_only_into_an_existing_folder_or_to_standard_output(
    post: Post, tmp_path: Path
) -> None:
    number = post.ctx.cases.create(post.officer, sample_case()).number
    post.ctx.close()
    missing = tmp_path / "not-plugged-in" / "deeper"
    for argv in (
        ("form", "MBB01", number, "--pdf", str(missing / "form.pdf")),
        ("report", "monthly", "--period", "2026-11", "--pdf", str(missing / "report.pdf")),
        ("report", "monthly", "--period", "2026-11", "--xlsx", str(missing / "report.xlsx")),
    ):
        refused = _run(post, *argv)
        assert refused.returncode == 6, refused.stderr
        assert b"does not exist" in refused.stderr and refused.stdout == b""
    assert not (tmp_path / "not-plugged-in").exists()

    form = _run(post, "form", "MBB01", number, "--pdf", "-")
    assert form.returncode == 0, form.stderr
    assert form.stdout.startswith(b"%PDF") and form.stdout.rstrip().endswith(b"%%EOF")
    workbook = _run(post, "report", "monthly", "--period", "2026-11", "--xlsx", "-")
    assert workbook.returncode == 0, workbook.stderr
    assert workbook.stdout.startswith(b"PK")
    book = tmp_path / "r.xlsx"
    report = _run(post, "report", "monthly", "--period", "2026-11", "--pdf", "-", "--xlsx", str(book))
    assert report.returncode == 0 and report.stdout.startswith(b"%PDF") and book.exists()
    both = _run(post, "report", "monthly", "--period", "2026-11", "--pdf", "-", "--xlsx", "-")
    assert both.returncode == 2 and both.stdout == b""


def test_demo_refuses_a_post_enrolled_with_hq(pair: Pair) -> None:
    refused = outpost(pair.post.data_dir, "--user", "chief", "demo", "--cases", "5")
    assert refused.returncode == 7
    assert "enrolled with HQ" in refused.stderr and refused.stdout == ""
    assert "Traceback" not in refused.stderr
    assert pair.post.ctx.cases.count(pair.post.officer, CaseFilter()) == 0


def test_user_list_shows_a_locked_account_as_locked(
    post: Post, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OUTPOST_ARGON2_PROFILE", "test")
    monkeypatch.setenv("OUTPOST_PASSWORD", "not the password")
    base = ["--data-dir", str(post.data_dir)]
    for _attempt in range(post.ctx.settings.lockout_threshold):
        assert main([*base, "--user", "officer", "case", "list"]) == 5
    monkeypatch.setenv("OUTPOST_PASSWORD", PASSWORD)
    capsys.readouterr()

    assert main([*base, "--user", "admin", "user", "list"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert main([*base, "--user", "admin", "--json", "user", "list"]) == 0
    listed = {row["username"]: row for row in json.loads(capsys.readouterr().out)}

    assert " locked until " in lines["officer"] and " active " in lines["chief"]
    assert listed["officer"]["locked"] is True and listed["chief"]["locked"] is False
    assert main([*base, "--user", "admin", "user", "unlock", "officer"]) == 0
    capsys.readouterr()
    assert main([*base, "--user", "admin", "user", "list"]) == 0
    assert "locked" not in capsys.readouterr().out


def test_a_refusal_names_the_missing_right_in_words(post: Post, tmp_path: Path) -> None:
    post.ctx.close()
    request = str(tmp_path / "r.json")
    refused = outpost(
        post.data_dir, "--user", "officer", "enroll", "request", "--out", request,
        env={"OUTPOST_KEY_PASSPHRASE": "a passphrase for the keys"},
    )
    assert refused.returncode == 4
    assert "officer (officer) may not enrol a station; this needs the role admin" in refused.stderr
    assert "station.enrol" not in refused.stderr


def test_an_unexpected_error_without_a_register_folder_logs_to_the_user_log_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import cli.admin

    def broken(args: argparse.Namespace) -> int:
        raise KeyError("no such thing")

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(cli.admin, "cmd_gui", broken)
    mistyped = tmp_path / "no" / "such" / "register"

    assert main(["--data-dir", str(mistyped)]) == 70

    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("outpost: unexpected error (KeyError: 'no such thing'); details in ")
    logged = Path(line.split("details in ", 1)[1])
    assert logged.is_relative_to(tmp_path / "state") and "KeyError" in logged.read_text(encoding="utf-8")
    assert not (tmp_path / "no").exists()


def test_a_json_file_missing_a_folder_or_not_text_is_refused_naming_it(post: Post, tmp_path: Path) -> None:
    """Every command that reads a JSON file (case add, activity add, tip add, handover add, establishment
    add) reads it the same way: a missing file is 'not found' (6), a folder or a file that is not UTF-8
    invalid input (2), each named; never the exit 1 kept for a disk that refuses."""
    missing, folder, binary = tmp_path / "missing.json", tmp_path / "folder.json", tmp_path / "photo.json"
    folder.mkdir()
    binary.write_bytes(b"\xff\xd8\xff\xe0 not text")
    commands = (["case", "add"], ["activity", "add"], ["tip", "add"], ["handover", "add", "BP-VX/2026/00001"],
                ["establishment", "add"])
    for command in commands:
        for path, code, said in ((missing, 6, "no such file"), (folder, 2, "a folder, not a file"),
                                 (binary, 2, "not UTF-8 text (byte 0)")):
            done = outpost(post.data_dir, "--user", "officer", *command, str(path))
            expected = (code, f"outpost: error: {path}: {said}")
            assert (done.returncode, done.stderr.strip()) == expected, command
