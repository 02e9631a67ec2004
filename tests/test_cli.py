"""The command line end to end, through a real subprocess, as the README tells a user to run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.unlock import log_in
from tests.helpers.cases import EXAMPLE_CASE
from tests.helpers.cli import db_env, outpost
from tests.helpers.registers import PASSWORD, open_sqlite, rows

ROOT = Path(__file__).resolve().parent.parent


def snapshot(data_dir: Path) -> list[tuple[object, ...]]:
    conn = open_sqlite(data_dir / "register.sqlite")
    try:
        return [
            row
            for table in ("cases", "goods_lines", "parties", "vehicles", "audit_events", "change_log")
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY rowid")
        ]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("cli") / "post"
    done = outpost(
        data_dir,
        "init",
        "post",
        "--code",
        "BP-VX",
        "--name",
        "Đồn Biên phòng Vĩnh Xương",
        "--commune",
        "30325",
        "--admin",
        "admin",
        "--admin-name",
        "Trần Văn Quản",
    )
    assert done.returncode == 0, done.stderr
    for user, role in (("chief", "chief"), ("officer", "officer")):
        added = outpost(
            data_dir,
            "user",
            "add",
            user,
            "--role",
            role,
            "--full-name",
            f"Lê {user}",
            env={"OUTPOST_NEW_PASSWORD": PASSWORD},
        )
        assert added.returncode == 0, added.stderr
    return data_dir


def test_version_and_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cli", "--version"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.startswith("outpost ")


def _commands(parser: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every command and action under ``parser``, depth first, with its words (``user add``)."""
    import argparse

    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found.append(((*path, name), child))
                found += _commands(child, (*path, name))
    return found


def test_every_command_explains_itself_in_its_help() -> None:
    from cli.main import build_parser

    commands = _commands(build_parser())
    assert len(commands) > 40
    assert [" ".join(words) for words, parser in commands if not parser.description] == []


def test_top_level_help_lists_the_environment_and_every_exit_code() -> None:
    import re

    from app import errors

    done = subprocess.run([sys.executable, "-m", "cli", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    read = {  # every OUTPOST_ variable the code reads, wherever it is read
        name
        for package in ("app", "db", "ui", "cli")
        for path in (ROOT / package).rglob("*.py")
        for name in re.findall(r"\b(OUTPOST_[A-Z0-9_]+)\b", path.read_text(encoding="utf-8"))
    }
    assert "OUTPOST_PASSWORD" in read
    assert [name for name in sorted(read) if name not in done.stdout] == []
    codes = {
        cls.exit_code for cls in vars(errors).values() if isinstance(cls, type) and hasattr(cls, "exit_code")
    }
    codes |= {0, 3, 9, 130}  # success, a refused import, a failed audit or print check, a cancel
    listed = {int(code) for code in re.findall(r"^  (\d+) ", done.stdout.split("exit codes:")[1], re.M)}
    assert codes <= listed


def test_case_add_warns_of_dates_and_thresholds_and_refuses_hidden_and_future_input(
    register: Path, tmp_path: Path
) -> None:
    source = tmp_path / "warned.json"
    early = {**EXAMPLE_CASE["handling"], "decision_date": "2026-11-19"}  # the offence: 20/11/2026
    source.write_text(json.dumps({**EXAMPLE_CASE, "handling": early}, ensure_ascii=False), encoding="utf-8")
    added = outpost(register, "--user", "officer", "case", "add", str(source))
    assert added.returncode == 0, added.stderr
    number = json.loads(added.stdout)[0]["number"]
    early_warning = "the decision (19/11/2026) is dated before the offence (20/11/2026)"
    assert f"{number}: handling.decision_date: {early_warning}" in added.stderr
    assert f"{number}: handling.outcome: an administrative fine for 1500 bao of " in added.stderr
    refused = {
        **EXAMPLE_CASE,
        "occurred_at": "2999-01-01T00:00:00+07:00",
        "place": "Mốc\u202e 264",
        "summary": "\u200b\u2060",
    }
    source.write_text(json.dumps(refused, ensure_ascii=False), encoding="utf-8")
    before = outpost(register, "case", "list", "--json").stdout
    done = outpost(register, "--user", "officer", "case", "add", str(source))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    for problem in (
        "occurred_at: '2999-01-01T00:00:00+07:00' is in the future",
        "place: 'Mốc<U+202E> 264' contains a hidden direction-changing character (U+202E)",
        "summary: holds only invisible characters",
    ):
        assert problem in done.stderr, done.stderr
    assert outpost(register, "case", "list", "--json").stdout == before


def test_case_add_list_show_approve_verify(register: Path, tmp_path: Path) -> None:
    source = tmp_path / "case.json"
    source.write_text(json.dumps(EXAMPLE_CASE, ensure_ascii=False), encoding="utf-8")
    added = outpost(register, "--user", "officer", "case", "add", str(source), "--submit")
    assert added.returncode == 0, added.stderr
    created = json.loads(added.stdout)
    number = created[0]["number"]
    assert created[0]["status"] == "submitted"
    assert created[0]["goods"][0]["base_quantity"] == "1500"

    listed = outpost(register, "case", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert number in [row["number"] for row in json.loads(listed.stdout)]
    assert "showing the newest" not in listed.stderr
    assert outpost(register, "--user", "officer", "case", "add", str(source)).returncode == 0
    total = len(json.loads(outpost(register, "case", "list", "--json").stdout))
    limited = outpost(register, "case", "list", "--limit", "1", "--json")
    assert len(json.loads(limited.stdout)) == 1 and total >= 2
    assert f"showing the newest 1 of {total} cases; --limit N shows more" in limited.stderr

    refused = outpost(register, "--user", "officer", "case", "approve", number)
    assert refused.returncode != 0 and "may not approve" in refused.stderr

    approved = outpost(register, "--user", "chief", "case", "approve", number, "--json")
    assert approved.returncode == 0, approved.stderr
    assert json.loads(approved.stdout)["status"] == "approved"

    shown = json.loads(outpost(register, "case", "show", number, "--history").stdout)
    assert [h["action"] for h in shown["history"]] == ["create", "submit", "approve"]
    assert shown["vehicles"][0]["plate"] == "67H1-204.13"

    found = outpost(register, "case", "list", "--search", "thuoc la hero", "--json")
    assert number in [row["number"] for row in json.loads(found.stdout)]

    def listed_with(*options: str) -> list[tuple[str, str]]:
        done = outpost(register, "case", "list", "--limit", "1000", "--json", *options)
        assert done.returncode == 0, done.stderr
        return [(row["number"], row["status"]) for row in json.loads(done.stdout)]

    # The filters of 'case export', and every --status given, not only the last.
    both = listed_with("--status", "approved", "--status", "draft")
    assert (number, "approved") in both and {status for _n, status in both} == {"approved", "draft"}
    assert {status for _n, status in listed_with("--status", "draft")} == {"draft"}
    group = EXAMPLE_CASE["violation_group"]
    assert (number, "approved") in listed_with("--group", group, "--station", "BP-VX", "--from", "2000-01-01")
    assert listed_with("--from", "2000-01-01", "--to", "2000-01-02") == []
    unknown = outpost(register, "case", "list", "--station", "BP-XX")
    assert unknown.returncode == 6 and "no station BP-XX" in unknown.stderr

    verified = outpost(register, "audit", "verify")
    assert verified.returncode == 0 and "intact" in verified.stdout


def test_editing_a_case_with_sqlite_makes_verify_fail_and_name_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "reg"
    assert (
        outpost(
            data_dir, "init", "post", "--code", "BP-PH", "--name", "Đồn Phú Hữu", "--admin", "admin"
        ).returncode
        == 0
    )
    source = tmp_path / "case.json"
    source.write_text(json.dumps(EXAMPLE_CASE), encoding="utf-8")
    number = json.loads(outpost(data_dir, "case", "add", str(source)).stdout)[0]["number"]
    conn = open_sqlite(data_dir)
    conn.execute("UPDATE goods_lines SET quantity = '15' WHERE commodity = 'cigarettes'")
    conn.commit()
    conn.close()
    verified = outpost(data_dir, "audit", "verify")
    assert verified.returncode == 9
    assert number in verified.stderr and "edited behind the app's back" in verified.stderr


BAD_FILES = {
    "syntax": ('{"occurred_at": ', "line 1 column"),
    "unit": (
        json.dumps({**EXAMPLE_CASE, "goods": [{**EXAMPLE_CASE["goods"][0], "unit": "crate"}]}),
        "goods[0].unit: 'crate' is not a unit of cigarettes",
    ),
    "empty list": ("[]", ""),
    "second of two bad": (
        json.dumps([EXAMPLE_CASE, {**EXAMPLE_CASE, "lead_force": "navy"}]),
        "[1].lead_force",
    ),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_json_is_rejected_and_writes_nothing(register: Path, tmp_path: Path, name: str) -> None:
    text, message = BAD_FILES[name]
    before = snapshot(register)
    done = outpost(register, "case", "add", "-", stdin=text)
    assert done.returncode != 0
    assert message in done.stderr
    assert done.stdout == ""
    assert snapshot(register) == before


def test_wrong_password_and_lockout_change_no_case(register: Path) -> None:
    before = snapshot(register)
    wrong = outpost(register, "case", "list", password="not-the-password")
    assert wrong.returncode == 5 and "wrong password" in wrong.stderr
    assert snapshot(register) == before  # only the failure counter of the user moved


def test_no_password_without_terminal_is_a_clear_error(register: Path) -> None:
    done = outpost(register, "case", "list", password=None)
    assert done.returncode != 0 and "OUTPOST_PASSWORD" in done.stderr


def test_missing_register_is_explained(tmp_path: Path) -> None:
    done = outpost(tmp_path / "nothing", "case", "list")
    assert done.returncode != 0 and "outpost init post" in done.stderr


def test_init_twice_is_refused(register: Path) -> None:
    again = outpost(register, "init", "post", "--code", "BP-XX", "--name", "X", "--admin", "admin")
    assert again.returncode != 0 and "already exists" in again.stderr


def test_newer_schema_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    data_dir = tmp_path / "newer"
    assert (
        outpost(
            data_dir, "init", "post", "--code", "BP-TB", "--name", "Tịnh Biên", "--admin", "admin"
        ).returncode
        == 0
    )
    conn = open_sqlite(data_dir / "register.sqlite")
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    before = (data_dir / "register.sqlite").read_bytes()
    done = outpost(data_dir, "case", "list")
    assert done.returncode != 0 and "newer version of Outpost" in done.stderr
    assert (data_dir / "register.sqlite").read_bytes() == before


def test_backup_and_restore(register: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backup.sqlite"
    done = outpost(register, "--user", "chief", "backup", "--out", str(backup))
    assert done.returncode == 0, done.stderr
    count = len(json.loads(outpost(register, "case", "list", "--json").stdout))
    source = tmp_path / "extra.json"
    source.write_text(json.dumps(EXAMPLE_CASE), encoding="utf-8")
    assert outpost(register, "case", "add", str(source)).returncode == 0
    assert len(json.loads(outpost(register, "case", "list", "--json").stdout)) == count + 1
    refused = outpost(register, "--user", "officer", "restore", str(backup))
    assert refused.returncode == 4
    restored = outpost(register, "--user", "chief", "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert len(json.loads(outpost(register, "case", "list", "--json").stdout)) == count
    assert outpost(register, "audit", "verify").returncode == 0
    not_backup = tmp_path / "junk.sqlite"
    not_backup.write_text("hello")
    junk = outpost(register, "--user", "chief", "restore", str(not_backup))
    assert junk.returncode != 0 and "not an Outpost backup" in junk.stderr


def test_self_test_passes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cli", "self-test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAIL" not in done.stdout
    assert "ok   printing: form MBB01" in done.stdout and "with charts" in done.stdout
    assert "photos jpg and png" in done.stdout
    assert "ok   files: a case file read and one refused" in done.stdout


def test_self_test_passes_on_a_laptop_whose_clock_is_years_behind(tmp_path: Path) -> None:
    """A flat CMOS battery sets the clock back: the self-test's own case must not be 'in the future'."""
    done = outpost(tmp_path / "none", "self-test", at=datetime(2024, 5, 1, 3, 0, tzinfo=UTC),
                   env={"QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok   register:" in done.stdout and "ok   printing:" in done.stdout


def test_self_test_fails_when_a_module_reportlab_loads_by_name_is_missing() -> None:
    """What a frozen build lacked (make package-check runs its self-test): ReportLab imports each kind
    of barcode by a name in a string, so the analysis missed them and no form printed."""
    probe = (
        "import sys\n"
        "sys.modules['reportlab.graphics.barcode.code128'] = None  # as if the build had left it out\n"
        "from cli.main import run\n"
        "run()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "self-test"], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL printing: ModuleNotFoundError" in done.stdout
    assert "reportlab.graphics.barcode.code128" in done.stdout


def test_self_test_without_a_display_checks_qt_offscreen() -> None:
    """Over SSH (no display, no platform chosen) Qt used to abort the whole self-test."""
    quiet = {
        k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")
    }
    done = subprocess.run(
        [sys.executable, "-m", "cli", "self-test"], cwd=ROOT, capture_output=True, text=True, env=quiet
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(no display: checked offscreen)" in done.stdout and "FAIL" not in done.stdout


@pytest.mark.both_engines
def test_campaigns_are_declared_listed_and_changed_at_hq(
    register: Path, tmp_path: Path, hq_db_url: str | None
) -> None:
    hq = tmp_path / "hq"
    made = outpost(hq, "init", "hq", "--code", "BCH-AG", "--name", "Bộ Chỉ huy", "--admin", "admin",
                   env=db_env(hq_db_url))
    assert made.returncode == 0, made.stderr
    added = outpost(
        hq,
        "--json",
        "campaign",
        "add",
        "Cao điểm Tết Bính Ngọ 2026",
        "--from",
        "2026-01-15",
        "--to",
        "15/03/2026",
    )
    assert added.returncode == 0, added.stderr
    campaign = json.loads(added.stdout)
    assert (campaign["starts_on"], campaign["ends_on"]) == ("2026-01-15", "2026-03-15")

    def held() -> list[Any]:
        ctx, _admin = log_in(hq, "admin", PASSWORD)
        try:
            return [*rows(ctx, "SELECT * FROM campaigns"), *rows(ctx, "SELECT * FROM audit_events")]
        finally:
            ctx.close()

    before = held()
    for args, message in [
        (("--from", "2026-02-30", "--to", "2026-03-01"), "--from '2026-02-30': not a real date"),
        (("--from", "2026-03-02", "--to", "2026-03-01"), "ends before it starts"),
    ]:
        refused = outpost(hq, "campaign", "add", "Đợt khác", *args)
        assert refused.returncode == 2 and message in refused.stderr
    assert (
        outpost(
            hq, "campaign", "add", "Cao điểm Tết Bính Ngọ 2026", "--from", "2026-01-15", "--to", "2026-03-15"
        ).returncode
        == 2
    )
    assert held() == before
    changed = outpost(hq, "campaign", "change", campaign["id"][:8], "--to", "2026-03-31")
    assert changed.returncode == 0 and "15/01/2026–31/03/2026" in changed.stdout
    listed = outpost(hq, "campaign", "list")
    assert listed.stdout.split()[:2] == [campaign["id"][:8], "15/01/2026–31/03/2026"]
    # A campaign report takes the campaign as listed (the start of its id) or by its name.
    for given in (campaign["id"][:8], "Cao điểm Tết Bính Ngọ 2026"):
        report = outpost(hq, "--json", "report", "campaign", "--campaign", given)
        assert report.returncode == 0, report.stderr
        assert json.loads(report.stdout)["period"]["end"] == "2026-03-31"
    unknown = outpost(hq, "report", "campaign", "--campaign", "khong-co")
    assert unknown.returncode == 2 and "no campaign 'khong-co'" in unknown.stderr
    at_post = outpost(register, "campaign", "add", "Đợt riêng", "--from", "2026-01-01", "--to", "2026-01-31")
    assert at_post.returncode != 0 and "declared at HQ" in at_post.stderr
    assert outpost(hq, "audit", "verify").returncode == 0


def test_a_case_moves_to_another_register_by_its_own_json(tmp_path: Path) -> None:
    """What ``case show --json`` prints goes back through ``case add`` as it is, one case or a list of
    them, and the other register holds the same case under its own number, as a new draft."""
    from datetime import UTC, datetime

    from app.case_json import Part, fields_of
    from app.demo import generate_demo
    from app.register import init_register

    source, target = tmp_path / "source", tmp_path / "target"
    for folder in (source, target):  # with a clock in the past, so that the demo's cases are past too
        ctx = init_register(folder, kind="post", code=folder.name[:6].upper(), name=folder.name,
                            admin_username="admin", admin_password=PASSWORD, commune_code="30385",
                            clock=lambda: datetime(2021, 6, 15, 3, 0, tzinfo=UTC))
        if folder is source:
            generate_demo(ctx, ctx.login("admin", PASSWORD), cases=4, seed=3)
        ctx.close()
    listed = json.loads(outpost(source, "case", "list", "--json").stdout)
    files, shown = [], []
    for i, row in enumerate(listed):
        done = outpost(source, "case", "show", row["number"], "--json")
        assert done.returncode == 0, done.stderr
        files.append(tmp_path / f"case-{i}.json")
        files[-1].write_text(done.stdout, encoding="utf-8")  # the output as printed
        shown.append(json.loads(done.stdout))
    (tmp_path / "rest.json").write_text(json.dumps(shown[1:], ensure_ascii=False), encoding="utf-8")
    added = []
    for path in (files[0], tmp_path / "rest.json"):
        done = outpost(target, "case", "add", str(path))
        assert done.returncode == 0, done.stderr
        added += json.loads(done.stdout)
    stored = fields_of(Part.STORED)
    assert len(added) == len(shown) == 4
    for before, after in zip(shown, added, strict=True):
        assert {k: v for k, v in after.items() if k not in stored} == {
            k: v for k, v in before.items() if k not in stored
        }
        assert after["number"].startswith("TARGET/") and after["status"] == "draft"


def test_report_text_groups_thousands(register: Path) -> None:
    import re

    year = outpost(register, "report", "annual", "--period", "2026")
    assert year.returncode == 0, year.stderr
    collected = re.search(r": [\d,]+ cases?, ([\d,]+) VND collected, \d+ reward candidates?$", year.stdout)
    assert collected is not None, year.stdout
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", collected.group(1)), collected.group(1)
    assert " 1 reward candidates" not in year.stdout and " 1 cases" not in year.stdout


@pytest.mark.parametrize("command", ["case", "tip", "handover", "activity", "establishment"])
def test_a_file_that_is_not_utf8_text_is_invalid_input(register: Path, tmp_path: Path, command: str) -> None:
    """Exit 2 (invalid input, nothing written), as for any other bad file, naming the file."""
    source = tmp_path / f"{command}.json"
    source.write_bytes(b"\xff\xfe\x00binary")
    before = snapshot(register)
    case = ["BP-VX/2026/00001"] if command == "handover" else []  # a hand-over names its case first
    done = outpost(register, command, "add", *case, str(source))
    assert done.returncode == 2, done.stderr
    assert f"{source}: not UTF-8 text (byte 0)" in done.stderr
    assert snapshot(register) == before
