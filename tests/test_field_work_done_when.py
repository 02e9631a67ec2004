"""Issue 19's "Done when", as a user checks it: on a demo register through the command line (the same
steps through the screens are in ``tests/ui/test_field_work_done_when_gui.py``), and two posts with HQ.

Why a module of its own: each feature has its tests beside it (test_activities, test_tips,
test_handover_print, test_establishments…); these run the issue's acceptance steps end to end, one
after another on the same register, as the issue words them. Few child processes: the commands whose
answer depends on the day (the activities, the hand-over and its minutes) run under ``at=``; the
rest of the command line runs in this process."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.activity_json import parse_activities
from app.demo import generate_demo
from app.inspections import check_inspection
from app.resources import resource_path
from tests.helpers.cases import ICT, POLICE_AGENCY, criminal_transfer
from tests.helpers.cli import outpost
from tests.helpers.clock import NOW, Clock
from tests.helpers.pdf import flat, pdf_text
from tests.helpers.registers import PASSWORD, Post, new_post
from tests.helpers.sync import (
    PASSPHRASE,
    Pair,
    enrol_another_post,
    export_parts,
    import_at_hq,
    import_at_post,
)

FIRST_INSPECTION = datetime(2026, 11, 10, 9, 0, tzinfo=ICT)
SECOND_INSPECTION = FIRST_INSPECTION + timedelta(days=10)
# Not one of the demo's establishments (app/demo_activities.py): only this test inspects it.
SHOP = "Cửa hàng tạp hóa Năm Sương"
SHOP_TYPED = "cua hang tap hoa nam suong"  # as a second force types it: the same shop (folded)
AGENCY = POLICE_AGENCY
INFORMANT = "Lê Văn Kín, 0933 111 222"


def demo_post(folder: Path, clock: Clock, cases: int = 12) -> Post:
    """The post BP-VX with a small demo (cases, hand-overs, patrols and inspections over three years)."""
    post = new_post(folder, clock)
    generate_demo(post.ctx, post.admin, cases=cases, seed=19)
    return post


def criminal_case(post: Post) -> str:
    """A criminal transfer of this post: what a tip led to, and what is handed to the police."""
    return post.ctx.cases.create(post.officer, criminal_transfer()).number


def inspection(started: datetime, establishment: str, force: str) -> dict[str, Any]:
    return {
        "kind": "inspection",
        "started_at": started.isoformat(),
        "commune_code": "30325",
        "establishment": establishment,
        "lead_force": force,
        "participants": 3,
        "result": "Không phát hiện vi phạm.",
    }


FIELD_WORK = [
    {
        "kind": "patrol",
        "started_at": "2026-11-19T06:30:00+07:00",
        "ended_at": "2026-11-19T11:00:00+07:00",
        "commune_code": "30385",
        "border_marker": "VX-01",
        "route": "Đường tuần tra biên giới",
        "latitude": 10.93,
        "longitude": 105.16,
        "cooperating_forces": ["police"],
        "participants": 6,
        "participant_names": ["Trần Văn An", "Lê Minh Tâm"],
    },
    {
        "kind": "checkpoint",
        "started_at": "2026-11-21T20:00:00+07:00",
        "commune_code": "30325",
        "route": "Quốc lộ 91, đoạn cửa khẩu Vĩnh Xương",
        "place": "Ngã ba Vĩnh Xương",
        "participants": 4,
    },
    inspection(FIRST_INSPECTION, SHOP, "market_surveillance"),
    {
        "kind": "outreach",
        "started_at": "2026-11-22T08:00:00+07:00",
        "commune_code": "30376",
        "place": "Nhà văn hóa ấp Phú Hiệp",
        "participants": 85,
    },
]


def asks_for_a_reason() -> bool:
    """Whether the activity format holds the reason for inspecting again (issue 19 item 3, made on its
    own branch beside these tests): then an inspection within the window is saved only with a reason."""
    schema = json.loads(resource_path("schemas", "activity-v1.schema.json").read_text(encoding="utf-8"))
    return "overlap_reason" in schema["$defs"]["activity"]["properties"]


def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """A command run in this process (what does not depend on the day): its exit code and its output."""
    from cli.main import main

    monkeypatch.setenv("OUTPOST_PASSWORD", PASSWORD)
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_field_work_of_the_plan_through_the_command_line(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    post = demo_post(tmp_path / "post", clock)
    number = criminal_case(post)
    post.ctx.close()  # the commands open the register themselves
    register = str(post.data_dir)

    def run(*args: str, stdin: str | None = None) -> Any:
        done = outpost(post.data_dir, "--user", "officer", *args, stdin=stdin, at=NOW)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        return done

    # A patrol, a checkpoint, an inspection by Market Surveillance and an outreach session: no warning.
    first = run("--json", "activity", "add", "-", stdin=json.dumps(FIELD_WORK, ensure_ascii=False))
    added = json.loads(first.stdout)
    assert [a["kind"] for a in added] == ["patrol", "checkpoint", "inspection", "outreach"]
    assert "warning" not in first.stderr
    # Ten days later the Border Guard inspects the same shop (typed without accents): the command warns,
    # naming who inspected it first and when, and saves it (with the reason for inspecting again, where
    # the format has one: then it first refuses, naming the same).
    again = json.dumps(inspection(SECOND_INSPECTION, SHOP_TYPED, "border_guard"))
    if asks_for_a_reason():
        refused = outpost(post.data_dir, "--user", "officer", "activity", "add", "-", stdin=again, at=NOW)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
        warning = refused.stderr
        second = run("--json", "activity", "add", "-", "--reason", "Kiểm tra theo tin báo mới", stdin=again)
    else:
        second = run("--json", "activity", "add", "-", stdin=again)
        warning = second.stderr
    assert SHOP in warning, warning  # the shop as first registered
    assert "10/11/2026" in warning and "BP-VX" in warning and "officer" in warning, warning
    assert "Market Surveillance" in warning or "Quản lý thị trường" in warning, warning
    assert "20/11/2026" not in warning  # not itself
    assert json.loads(second.stdout)[0]["establishment"] == SHOP_TYPED

    # Two tips by the officer: one with its informant, one naming the case it led to.
    tips = [
        {"received_at": "2026-11-17T21:00:00+07:00", "channel": "điện thoại",
         "content": "Ghe chở đường cát qua mốc VX-01 ban đêm", "informant": INFORMANT},
        {"received_at": "2026-11-18T07:30:00+07:00", "channel": "trực tiếp",
         "content": "Xe tải chở thuốc lá về kho ở Vĩnh Xương", "case": number},
    ]
    tip_file = tmp_path / "tips.json"
    tip_file.write_text(json.dumps(tips, ensure_ascii=False), encoding="utf-8")
    code, said = _cli(monkeypatch, capsys, "--data-dir", register, "--user", "officer", "--json", "tip",
                      "add", str(tip_file))
    sealed, linked = json.loads(said)
    assert code == 0 and sealed["has_informant"] and INFORMANT not in said
    assert linked["case"] == number

    # The officer cannot read the informant; the chief can, and the reading is in the tip's history.
    code, said = _cli(monkeypatch, capsys, "--data-dir", register, "--user", "officer", "tip", "informant",
                      sealed["id"])
    assert code == 4 and "officer" in said and INFORMANT not in said and "Traceback" not in said, said
    code, said = _cli(monkeypatch, capsys, "--data-dir", register, "--user", "chief", "--json", "tip",
                      "informant", sealed["id"])
    assert code == 0 and json.loads(said)["informant"] == INFORMANT
    code, said = _cli(monkeypatch, capsys, "--data-dir", register, "--user", "officer", "--json", "tip",
                      "show", sealed["id"], "--history")
    history = json.loads(said)["history"]
    assert code == 0 and INFORMANT not in said
    readings = [(e["actor"], e["action"]) for e in history]
    assert readings == [("officer", "create"), ("chief", "read_informant")]
    code, said = _cli(monkeypatch, capsys, "--data-dir", register, "--user", "officer", "--json", "tip",
                      "show", linked["id"])
    assert code == 0 and json.loads(said)["case"] == number

    # The hand-over to the police, and its printed minutes read back.
    handover = {
        "receiving_agency": AGENCY,
        "handed_on": "2026-11-23",
        "documents": ["Biên bản vi phạm hành chính", "Bản ảnh hiện trường"],
        "receipt_no": "15/BN-CSĐT",
        "defendants": ["nguyen van an"],
    }
    run("handover", "add", number, "-", stdin=json.dumps(handover, ensure_ascii=False))
    pdf = tmp_path / "bbbg.pdf"
    run("handover", "print", number, "--pdf", str(pdf))
    text = flat(pdf_text(pdf.read_bytes(), tmp_path))
    for expected in ("BIÊN BẢN BÀN GIAO", AGENCY, number, "Nguyễn Văn An", "089090001234", "15/BN-CSĐT",
                     "Bản ảnh hiện trường"):
        assert expected in text, expected
    assert "Lê Văn Chứng" not in text and INFORMANT not in text


# ----- two posts and HQ -------------------------------------------------------------------------


def _add(post: Post, documents: list[dict[str, Any]]) -> list[Any]:
    ctx = post.ctx
    return ctx.activities.add_many(post.officer, parse_activities(documents, ctx.reference, now=ctx.clock()))


def test_an_inspection_at_one_post_warns_the_other_after_the_return_bundle(
    pair: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vx, hq = pair.post, pair.hq
    tb = enrol_another_post(hq, tmp_path, "BP-TB", "Đồn Tịnh Biên")
    # BP-VX patrols and inspects the shop; BP-TB, not told yet, sees nothing of it.
    patrol = {"kind": "patrol", "started_at": "2026-11-09T06:00:00+07:00", "commune_code": "30385",
              "border_marker": "VX-01", "participants": 5}
    _add(vx, [patrol, inspection(FIRST_INSPECTION, SHOP, "border_guard")])
    seen_before = check_inspection(tb.ctx, at=SECOND_INSPECTION, name=SHOP_TYPED, commune_code="30325")
    assert seen_before.message is None
    assert import_at_hq(pair, export_parts(pair, "vx")).activities == 2
    # BP-TB's return bundle carries the inspection: its editor and command line warn, naming BP-VX.
    back = import_at_post(Pair(tb, hq, tmp_path), [_reply_for(pair, "BP-TB")])
    assert back.rejected == []
    warned = check_inspection(tb.ctx, at=SECOND_INSPECTION, name=SHOP_TYPED, commune_code="30325").message
    assert warned is not None and "10/11/2026" in warned and "BP-VX" in warned and "officer" in warned, warned
    again = inspection(SECOND_INSPECTION, SHOP_TYPED, "market_surveillance")
    if asks_for_a_reason():
        again["overlap_reason"] = "Kiểm tra theo tin báo mới"
    [result] = _add(tb, [again])
    assert all("BP-VX" in notice for notice in result.notices)
    # BP-TB reports too: HQ's overlap report names both posts' inspections of the shop, and its coverage
    # report lists both posts.
    tb_parts = export_parts(Pair(tb, hq, tmp_path), "tb")
    assert import_at_hq(pair, tb_parts).activities == 1
    hq_dir = str(hq.data_dir)
    code, said = _cli(monkeypatch, capsys, "--data-dir", hq_dir, "--user", "admin", "--json",
                      "establishment", "overlaps", "--period", "2026-11-01..2026-11-30")
    assert code == 0, said
    [overlap] = [o for o in json.loads(said)["overlaps"] if o["establishment"] in (SHOP, SHOP_TYPED)]
    assert overlap["across_forces"]
    assert [i["post"] for i in overlap["inspections"]] == ["BP-VX", "BP-TB"]
    assert [i["at"][:10] for i in overlap["inspections"]] == ["2026-11-10", "2026-11-20"]
    code, said = _cli(monkeypatch, capsys, "--data-dir", hq_dir, "--user", "admin", "--json",
                      "coverage", "--period", "2026-11-01..2026-11-30")
    assert code == 0, said
    covered = {item["post"]: item for item in json.loads(said)}
    assert {"BP-VX", "BP-TB"} <= set(covered), covered
    assert covered["BP-VX"]["activities"] == 2 and covered["BP-TB"]["activities"] == 1
    assert "VX-01" not in [k["code"] for k in covered["BP-VX"]["markers_left"]]  # the patrol reached it
    assert "30325" not in [c["code"] for c in covered["BP-TB"]["communes_left"]]
    tb.ctx.close()


def _reply_for(pair: Pair, code: str) -> Path:
    from app.sync.replies import make_reply

    return make_reply(pair.hq.ctx, pair.hq.admin, PASSPHRASE, code, pair.tmp / f"back-{code}")
