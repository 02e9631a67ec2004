"""A province through the command line (issue 18's 'done when'): three posts and one HQ, HQ on
PostgreSQL and again on SQLite, fed the same posts' cases on the same days.

Each HQ is set up with ``outpost init hq`` and does everything else through ``outpost``: the bundles
imported (a dry run, for real, and replayed), ``case list`` with and without a search, the monthly and
annual reports, ``station list`` with one post overdue and one part missing, and ``reply``, whose return
bundle the post imports with ``outpost import``. The two HQs must answer alike, case for case.

The posts are set up through the services on a test clock (10/11/2026, moved on to 25/11); each command
runs with the computer's clock at the test clock's instant (``outpost(..., at=)``, libfaketime), so the
days HQ received each bundle, which decide who is late, never depend on today's date."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app.campaigns import add_campaign
from app.demo import generate_demo
from app.register import open_register
from tests.helpers.cases import ICT
from tests.helpers.cli import db_env, outpost
from tests.helpers.clock import Clock
from tests.helpers.registers import PASSWORD, Post, new_post, register_key
from tests.helpers.sync import PASSPHRASE, enrol_another_post, enrol_post, send_cases

INIT_HQ = ("init", "hq", "--code", "BCH-AG", "--name", "Bộ Chỉ huy", "--admin", "admin")
KEY = {"OUTPOST_KEY_PASSPHRASE": PASSPHRASE}
QUERIES = ("thuoc la", "duong")
START = datetime(2026, 11, 10, 9, 0, tzinfo=ICT)


def _json(done: Any) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _province(tmp: Path, db_url: str | None, whole: bool) -> dict[str, Any]:
    """The round on one HQ; returns what its commands answered, for comparing the two HQs. ``whole``:
    with the dry run, the replay and the reply (once is enough: the other HQ only answers)."""
    clock = Clock(START)
    hq_dir = tmp / "hq"
    made = outpost(hq_dir, *INIT_HQ, env=db_env(db_url), at=clock())
    assert made.returncode == 0, made.stderr
    # Enrolment is the post's and HQ's paperwork (its own tests cover its commands): services here.
    ctx = open_register(hq_dir, clock=clock, key=None if db_url else register_key(hq_dir))
    admin = ctx.login("admin", PASSWORD)
    hq = Post(ctx, admin, admin, admin, admin, hq_dir)
    vx = new_post(tmp / "vx", clock)
    generate_demo(vx.ctx, vx.admin, cases=40, seed=7)  # before enrolment: an enrolled post refuses demo
    enrol_post(vx, hq, tmp)
    tb = enrol_another_post(hq, tmp, "BP-TB", "Đồn Tịnh Biên", clock=clock)
    cd = enrol_another_post(hq, tmp, "BP-CD", "Đồn Châu Đốc", clock=clock)
    add_campaign(hq.ctx, hq.admin, "Cao điểm tháng 11", START.date(), START.date() + timedelta(days=20))
    hq.ctx.close()

    def at_hq(*args: str) -> Any:
        return outpost(hq_dir, *args, env=KEY, at=clock())

    # 10/11: BP-CD sends, then goes quiet (its November reports will be late).
    cd_parts = [str(p) for p in send_cases(cd, hq, tmp / "cd", 2)]
    if whole:
        dry = _json(at_hq("--json", "import", "--dry-run", *cd_parts))
        assert (dry["dry_run"], dry["new"]) == (True, 2)
        assert _json(at_hq("--json", "case", "list")) == []  # a dry run changes nothing
    assert _json(at_hq("--json", "import", *cd_parts))["new"] == 2
    # 25/11: BP-VX sends everything, BP-TB all but its second part.
    clock.advance(timedelta(days=15))
    vx_parts = [str(p) for p in send_cases(vx, hq, tmp / "vx-out", 2)]
    tb_parts = [str(p) for p in send_cases(tb, hq, tmp / "tb", 9, size=100_000)]
    assert len(tb_parts) >= 3
    assert _json(at_hq("--json", "import", *vx_parts))["new"] == 42
    assert _json(at_hq("--json", "import", tb_parts[0], *tb_parts[2:]))["new"] > 0
    if whole:
        assert _json(at_hq("--json", "import", *vx_parts))["new"] == 0  # a replay adds nothing

    # --db-url names the database too (here the one recorded at set-up; other commands find it there).
    named = ("--db-url", db_url) if db_url else ()
    listed = _json(at_hq(*named, "--json", "case", "list", "--limit", "1000"))
    found = {
        q: [row["number"] for row in _json(at_hq("--json", "case", "list", "--search", q, "--limit", "1000"))]
        for q in QUERIES
    }
    reports = {}
    for kind, period in (("monthly", "2026-11"), ("annual", "2026")):
        report = _json(at_hq("--json", "report", kind, "--period", period, "--province"))
        report.pop("generated_at", None)
        reports[kind] = report
    stations = _json(at_hq("--json", "station", "list", "--on", "2026-11-25"))

    for post in (vx, tb, cd):
        post.ctx.close()
    if whole:  # HQ replies to BP-VX; the post imports the return bundle with its own command.
        (tmp / "back").mkdir()
        reply = _json(at_hq("--json", "reply", "--station", "BP-VX", "--out", str(tmp / "back")))
        back = _json(outpost(vx.data_dir, "--json", "import", reply["file"], env=KEY, at=clock()))
        assert back["applied"] == [Path(reply["file"]).name], back
    return {
        "cases": sorted((row["number"], row["status"], row["occurred_at"]) for row in listed),
        "found": {q: sorted(numbers) for q, numbers in found.items()},
        "reports": reports,
        "stations": [  # a sending's set id is the post's own random one
            {key: row[key] for key in ("code", "overdue", "late", "certificate")}
            | {"missing_parts": [{k: v for k, v in s.items() if k != "set_id"} for s in row["missing_parts"]]}
            for row in stations
        ],
    }


def test_a_province_on_postgresql_answers_through_the_cli_as_on_sqlite(
    tmp_path: Path, postgres_url: str
) -> None:
    on_postgres = _province(tmp_path / "pg", postgres_url, whole=True)
    on_sqlite = _province(tmp_path / "sqlite", None, whole=False)

    # What the round must show, on PostgreSQL ...
    posts = [number.split("/")[0] for number, _status, _day in on_postgres["cases"]]
    assert posts.count("BP-CD") == 2 and posts.count("BP-VX") == 42 and 0 < posts.count("BP-TB") < 9
    sent = {number for number, _status, _day in on_postgres["cases"] if not number.startswith("BP-VX")}
    assert sent <= set(on_postgres["found"]["thuoc la"])  # the sent cases are all tobacco seizures
    stations = {row["code"]: row for row in on_postgres["stations"]}
    assert [stations[c]["overdue"] for c in ("BP-CD", "BP-TB", "BP-VX")] == [True, False, False]
    assert [s["missing"] for s in stations["BP-TB"]["missing_parts"]] == [[2]]
    assert stations["BP-VX"]["missing_parts"] == []
    november, year = on_postgres["reports"]["monthly"], on_postgres["reports"]["annual"]
    assert [row["code"] for row in year["by_post"]] == ["BP-CD", "BP-TB", "BP-VX"]
    assert year["total"]["cases"] == sum(row["cases"] for row in year["by_post"]) > len(sent)
    assert november["total"]["cases"] == sum(row["cases"] for row in november["by_post"])
    # ... and the same answers, case for case, from the HQ on SQLite.
    assert on_postgres == on_sqlite


