"""What a command loads before it answers (issue 20 item 7: a command that needs no Qt starts in under
0.5 s, the app shows its first page in under 1 s; docs/performance.md, start-up).

Start-up is mostly imports, and a heavy import creeps back in through one module-level line. Timing
it here would be flaky on a busy machine, so this checks what the times depend on instead: which
libraries each command has in ``sys.modules`` when it is done. One interpreter imports ``cli.main``
(argparse and the command table, nothing heavy) and forks a child per command, so the test costs
one interpreter's start and the commands' own work."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers.cases import sample_case
from tests.helpers.cli import ROOT
from tests.helpers.registers import PASSWORD, Post

# Each child runs one command in-process and reports what it imported; the desktop child imports the
# main window's modules only (the first page's own work is measured by tests/benchmarks/).
PROBE = r"""
import contextlib, io, json, os, sys
from cli.main import main

def desktop():
    import ui.app, ui.main_window  # noqa: F401
    return 0

def run(argv):
    if argv == ["<desktop>"]:
        return desktop()
    try:
        with contextlib.redirect_stdout(io.StringIO()) as out:
            code = main(argv)
    except SystemExit as exc:  # --help
        code, out = exc.code, None
    if code == 0 and argv[-2:] == ["case", "list"]:
        assert json.loads(out.getvalue()), "the case list is empty"
    return code

results = {}
for line in sys.stdin.read().splitlines():
    argv = json.loads(line)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read)
        try:
            code = run(argv)
        except BaseException as exc:
            code = repr(exc)
        with os.fdopen(write, "w") as pipe:
            json.dump({"code": code, "modules": sorted(sys.modules)}, pipe)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        results[" ".join(argv)] = json.load(pipe)
    os.waitpid(child, 0)
print(json.dumps(results))
"""

# Never needed before a command that asks for none of them answers: Qt (the desktop), ReportLab and
# Pillow (PDFs), openpyxl (workbooks), Alembic (only when a migration runs) and the JSON Schema
# validator (only when a file is read).
HEAVY = ("PySide6", "shiboken6", "reportlab", "PIL", "openpyxl", "alembic", "jsonschema")


def _loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return sorted({name for name in names for module in modules if module.split(".")[0] == name})


def _imports(data_dir: Path, *commands: list[str]) -> dict[str, dict[str, object]]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OUTPOST_")}
    environment.update({
        "OUTPOST_DATA_DIR": str(data_dir), "OUTPOST_ARGON2_PROFILE": "test", "OUTPOST_PASSWORD": PASSWORD,
        "QT_QPA_PLATFORM": "offscreen",
    })
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
        input="\n".join(json.dumps(command) for command in commands),
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, dict[str, object]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_commands_that_need_no_qt_load_only_what_they_use(post: Post) -> None:
    post.ctx.cases.create(post.officer, sample_case())
    month = post.ctx.today().strftime("%Y-%m")
    found = _imports(
        post.data_dir,
        ["--help"],
        ["--json", "case", "list"],
        ["--json", "report", "monthly", "--period", month],
        ["<desktop>"],
    )
    assert {command: result["code"] for command, result in found.items()} == dict.fromkeys(found, 0)

    def modules(command: str) -> list[str]:
        listed = found[command]["modules"]
        assert isinstance(listed, list)
        return listed

    # The help is argparse's alone: not even the database layer.
    assert _loaded(modules("--help"), ("sqlalchemy", "sqlcipher3", *HEAVY)) == []
    # Listing cases opens the register and reads: no PDF, workbook, schema or migration code, and none of
    # the services it does not call (Context makes them when first used).
    assert _loaded(modules("--json case list"), HEAVY) == []
    assert not {"app.tips", "app.activities", "app.printing"} & set(modules("--json case list"))
    # A post's register is SQLite: PostgreSQL's dialect (~20 ms with its drivers' modules) stays out.
    assert "sqlalchemy.dialects.postgresql" not in modules("--json case list")
    # A report's figures as JSON: ReportLab and openpyxl only come with --pdf and --xlsx.
    assert _loaded(modules(f"--json report monthly --period {month}"), HEAVY) == []
    # The desktop's main window: Qt of course, but the case editor, the form and report printers
    # (ReportLab), openpyxl and Alembic wait until they are used.
    desktop = modules("<desktop>")
    assert "PySide6" in desktop
    assert _loaded(desktop, ("reportlab", "PIL", "openpyxl", "alembic", "jsonschema")) == []
    assert not {"ui.editor.dialog", "app.forms", "app.printing", "app.report_pdf"} & set(desktop)
    assert not {"ui.reports", "app.reports"} & set(desktop)  # the reports page: when first shown


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    table = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(table.choices)


def test_a_command_builds_the_table_only_up_to_its_own_module() -> None:
    from cli.main import build_parser

    everything = _commands(build_parser())
    assert "case" in everything and len(everything) > 20
    for name in everything:  # whichever module declares it, its parser is there
        assert name in _commands(build_parser(["--user", "backup", "--json", name]))
    assert _commands(build_parser(["--json", "case", "list"])) < everything
    # An option's value named like a command, the = form, and an abbreviated option all still find it.
    for argv in (
        ["--user", "backup", "--data-dir=/tmp/x", "case", "list"],
        ["--data", "/tmp/x", "--json", "case", "list"],
    ):
        args = build_parser(argv).parse_args(argv)
        assert (args.command, args.action, str(args.data_dir)) == ("case", "list", "/tmp/x")
