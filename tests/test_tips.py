"""Tip-offs followed through (issue 19 item 5): recorded by an officer whose informant only a chief,
an admin or HQ can read, each reading in the tip's history; assigned, moved on with results, linked to
the case they led to; the file format's problems named by path with nothing written."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from app.errors import NotFound, PermissionDenied, ValidationError
from app.json_input import load_json_text
from app.tip_input import parse_tips
from tests.helpers.cases import ICT, sample_case
from tests.helpers.cli import outpost
from tests.helpers.registers import PASSWORD, Post, rows

INFORMANT = "Trần Văn Báo, ấp Vĩnh Lợi, 0987 654 321"


def _tip(post: Post, **extra: object) -> str:
    return post.ctx.tips.add(
        post.officer, received_at=datetime(2026, 11, 20, 21, 0, tzinfo=ICT), channel="phone",
        content="Ghe chở thuốc lá qua kênh Vĩnh Tế lúc 23 giờ", informant=INFORMANT, **extra,  # type: ignore[arg-type]
    ).id


def test_an_officers_tip_is_read_by_the_chief_only_and_the_reading_is_in_its_history(post: Post) -> None:
    tip_id = _tip(post)
    tips = post.ctx.tips
    with pytest.raises(PermissionDenied):
        tips.read_informant(post.officer, tip_id, PASSWORD)
    assert [e.action for e in tips.history(post.officer, tip_id)] == ["create"]
    assert tips.read_informant(post.chief, tip_id, PASSWORD) == INFORMANT
    history = tips.history(post.officer, tip_id)
    assert [(e.actor, e.action) for e in history] == [("officer", "create"), ("chief", "read_informant")]
    # Never in the audit trail, never in what the list and the views hold.
    assert all("Trần Văn" not in d for (d,) in rows(post.ctx, "SELECT diff FROM audit_events"))
    assert INFORMANT not in repr(tips.find(post.officer)) + repr(tips.get(post.chief, tip_id))
    from app import audit

    with post.ctx.sessions.reads() as session:
        assert audit.verify(session.connection()).ok


def test_a_tip_is_assigned_moved_on_with_its_result_and_linked_to_its_case(post: Post) -> None:
    tips = post.ctx.tips
    case = post.ctx.cases.create(post.officer, sample_case())
    tip_id = _tip(post)
    with pytest.raises(PermissionDenied):  # an officer works only on what the chief gave them
        tips.set_status(post.officer, tip_id, "checking")
    with pytest.raises(PermissionDenied):
        tips.assign(post.officer, tip_id, "officer")
    assert tips.assign(post.chief, tip_id, "officer").assigned_to == "officer"
    assert tips.set_status(post.officer, tip_id, "checking").status == "checking"
    with pytest.raises(ValidationError, match="say what came of the tip"):
        tips.set_status(post.officer, tip_id, "acted_on")
    done = tips.set_status(post.officer, tip_id, "acted_on", "Bắt giữ 2.000 bao thuốc lá")
    assert (done.status, done.result) == ("acted_on", "Bắt giữ 2.000 bao thuốc lá")
    with pytest.raises(ValidationError, match="cannot become"):
        tips.set_status(post.officer, tip_id, "checking")
    with pytest.raises(NotFound):
        tips.link(post.officer, tip_id, "BP-VX/2026/99999")
    linked = tips.link(post.officer, tip_id[:8], case.number)
    assert (linked.case_id, linked.case_number, linked.version) == (case.id, case.number, 5)
    assert [t.id for t in tips.find(post.chief, status="acted_on", assigned_to="officer")] == [tip_id]
    assert tips.find(post.chief, status="new") == []
    assert [e.action for e in tips.history(post.chief, tip_id)] == [
        "create", "assign", "status", "status", "link"
    ]
    # Each change is a new version in the change log, so the next export to HQ carries it.
    assert rows(post.ctx, "SELECT max(version) FROM change_log WHERE entity = 'tip'") == [(5,)]


def test_a_tip_file_reports_every_problem_by_path_and_writes_nothing(post: Post) -> None:
    text = json.dumps([
        {"received_at": "2026-11-20T21:00:00", "content": "", "colour": "red"},
        {"received_at": "2026-11-20T21:00:00+07:00", "content": "Tin", "channel": "x" * 41},
        {"received_at": "2026-11-20T21:00:00+07:00", "content": "Tin", "case": "BP-VX/2026/99999",
         "informant": INFORMANT},
    ])
    with pytest.raises(ValidationError) as raised:
        parse_tips(load_json_text(text, "tips.json"))
    problems = raised.value.problems
    assert any(p.startswith("[0].colour: unknown field") for p in problems), problems
    assert any(p.startswith("[0].received_at: expected a date and time") for p in problems), problems
    assert any(p.startswith("[0].content: must not be empty") for p in problems), problems
    assert any(p.startswith("[1].channel: longer than 40") for p in problems), problems
    # The form is sound; the register says the case is not there, and nothing is written.
    good = parse_tips(load_json_text(json.dumps(json.loads(text)[2:] * 2), "tips.json"))
    with pytest.raises(ValidationError) as raised:
        post.ctx.tips.add_many(post.officer, good)
    assert raised.value.problems[0].startswith("[0].case: no case BP-VX/2026/99999")
    assert INFORMANT not in " ".join(raised.value.problems)
    assert rows(post.ctx, "SELECT count(*) FROM tips") == [(0,)]


def test_through_the_command_line(post: Post) -> None:
    """The done-when: an officer records a tip (from standard input) the officer cannot read and the
    chief can, the reading in its history; the tip assigned, acted on and linked to its case."""
    case = post.ctx.cases.create(post.officer, sample_case())
    document = {"received_at": "2026-11-20T21:00:00+07:00", "channel": "phone",
                "content": "Ghe chở thuốc lá", "informant": INFORMANT}
    added = outpost(post.data_dir, "--user", "officer", "--json", "tip", "add", "-",
                    stdin=json.dumps(document))
    assert added.returncode == 0, added.stderr
    tip_id = json.loads(added.stdout)[0]["id"]
    assert INFORMANT not in added.stdout + added.stderr
    refused = outpost(post.data_dir, "--user", "officer", "tip", "informant", tip_id[:8])
    assert refused.returncode == 4 and INFORMANT not in refused.stdout + refused.stderr
    read = outpost(post.data_dir, "--user", "chief", "tip", "informant", tip_id[:8])
    assert read.returncode == 0 and read.stdout.strip() == INFORMANT, read.stderr
    # Assigning and moving on are the service's (tested above); each command is one child process.
    post.ctx.tips.assign(post.chief, tip_id, "officer")
    post.ctx.tips.set_status(post.officer, tip_id, "acted_on", "Bắt giữ")
    done = outpost(post.data_dir, "--user", "officer", "tip", "link", tip_id[:8], case.number)
    assert done.returncode == 0, done.stderr
    shown = outpost(post.data_dir, "--user", "officer", "--json", "tip", "show", tip_id[:8], "--history")
    value = json.loads(shown.stdout)
    assert (value["status"], value["case"], value["assigned_to"]) == ("acted_on", case.number, "officer")
    assert [(e["actor"], e["action"]) for e in value["history"]] == [
        ("officer", "create"), ("chief", "read_informant"), ("chief", "assign"), ("officer", "status"),
        ("officer", "link"),
    ]
    assert INFORMANT not in shown.stdout


def test_the_demo_makes_tips_at_every_stage(post: Post) -> None:
    from app.demo import generate_demo
    from app.demo_tips import demo_tips

    generate_demo(post.ctx, post.admin, cases=60, seed=3)
    assert demo_tips(post.ctx, post.chief, 25, seed=3) == 25
    tips = post.ctx.tips.find(post.chief)
    assert len(tips) == 25 and {t.status for t in tips} == {"new", "checking", "acted_on", "closed"}
    assert any(t.case_number for t in tips) and any(t.has_informant for t in tips)
    assert all(t.result for t in tips if t.status == "acted_on")
    from app import audit

    with post.ctx.sessions.reads() as session:
        assert audit.verify(session.connection()).ok


def test_the_list_command_filters_in_process(
    post: Post, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``tip list --mine --status``, run in this process (one child process per feature is enough)."""
    from cli.main import main

    tip_id = _tip(post)
    post.ctx.tips.assign(post.chief, tip_id, "officer")
    monkeypatch.setenv("OUTPOST_PASSWORD", PASSWORD)
    code = main(["--data-dir", str(post.data_dir), "--user", "officer", "tip", "list", "--mine",
                 "--status", "new"])
    printed = capsys.readouterr().out
    assert code == 0 and tip_id[:8] in printed and "Ghe chở thuốc lá" in printed
    assert INFORMANT not in printed
