"""Who is late: three posts at one HQ, one overdue, one with a part withheld, one up to date, through
``outpost station list`` (text and JSON), and who may list and revoke.

HQ runs on SQLite and on PostgreSQL (``both_engines``). The registers' clock starts on 10/11/2026 and
moves to 25/11 (a Wednesday): November's statistical month ended on the 14th and its report was due on
the 20th; the CLI judges the deadlines on the day given with ``--on``."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.audit import history
from app.dashboard import build_dashboard
from app.errors import PermissionDenied, ValidationError
from app.sync.enrol import revoke
from app.sync.status import posts
from db import models as m
from tests.helpers.cases import ICT, sample_case
from tests.helpers.cli import outpost
from tests.helpers.clock import Clock
from tests.helpers.registers import PASSWORD
from tests.helpers.sync import Pair, late_province

pytestmark = pytest.mark.both_engines

ON = "2026-11-25"


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 10, 9, 0, tzinfo=ICT)


def test_station_list_flags_the_late_post_and_the_missing_part(pair: Pair, clock: Clock) -> None:
    parts = [p.name for p in late_province(pair.post, pair.hq, pair.tmp, clock.advance)]
    listed = outpost(pair.hq.data_dir, "--json", "station", "list", "--on", ON)
    assert listed.returncode == 0, listed.stderr
    rows = {row["code"]: row for row in json.loads(listed.stdout)}
    assert list(rows) == ["BP-CD", "BP-TB", "BP-VX"]
    assert [row["overdue"] for row in rows.values()] == [True, False, False]
    assert rows["BP-CD"]["late"] == [
        {"report": "weekly", "due": "2026-11-18", "covers_to": "2026-11-17"},
        {"report": "monthly", "due": "2026-11-20", "covers_to": "2026-11-14"},
    ]
    assert rows["BP-CD"]["last_received"].startswith("2026-11-10T")
    first, last = (int(n) for n in parts[1].split("-")[2:4])  # the withheld part's changes
    assert rows["BP-TB"]["missing"] == [[first, last]]
    assert rows["BP-TB"]["acknowledged_seq"] == first - 1
    assert [s["missing"] for s in rows["BP-TB"]["missing_parts"]] == [[2]]
    assert rows["BP-VX"]["missing"] == [] and rows["BP-VX"]["missing_parts"] == []
    assert {row["certificate"] for row in rows.values()} == {"active"}

    text = outpost(pair.hq.data_dir, "station", "list", "--on", ON).stdout.splitlines()
    assert "OVERDUE: weekly report due 18/11/2026; monthly report due 20/11/2026" in text[0]
    sending = rows["BP-TB"]["missing_parts"][0]
    parts_said = f"missing part(s) 2 of {sending['parts']} (sending {sending['set_id'][:8]})"
    assert f"missing {first}–{last}, {parts_said}" in text[1], text[1]
    assert "OVERDUE" not in text[1] + text[2] and "missing" not in text[2]
    # On 11/11 nothing is owed yet: the weekly report for 4–10/11 is due that day, and the deadlines
    # before it came before the posts were enrolled.
    earlier = outpost(pair.hq.data_dir, "--json", "station", "list", "--on", "2026-11-11")
    on_the_day = json.loads(earlier.stdout)
    assert [row["overdue"] for row in on_the_day] == [False, False, False]
    bad = outpost(pair.hq.data_dir, "station", "list", "--on", "25/11")
    assert bad.returncode == 2 and "not a date like 2026-11-25" in bad.stderr
    # HQ's dashboard counts the posts' drafts apart from its own (it has none).
    own = pair.hq.ctx.cases.create(pair.hq.admin, sample_case())
    pair.hq.ctx.cases.submit(pair.hq.admin, own.id)
    board = build_dashboard(pair.hq.ctx, pair.hq.admin, date(2026, 11, 25))
    held = pair.hq.ctx.cases.count(pair.hq.admin)
    assert (board.drafts, board.awaiting, board.posts_drafts, board.posts_awaiting) == (0, 1, held - 1, 0)


def test_an_analyst_lists_the_posts_but_only_a_chief_or_admin_revokes_and_with_a_reason(
    pair: Pair, clock: Clock
) -> None:
    hq = pair.hq
    hq.ctx.users.add(
        hq.admin, "analyst", role="analyst", full_name="Lê Phân Tích", password=PASSWORD,
        actor_password=PASSWORD,
    )
    analyst = hq.ctx.login("analyst", PASSWORD)
    assert [p.code for p in posts(hq.ctx, analyst, date(2026, 11, 25))] == ["BP-VX"]
    with pytest.raises(PermissionDenied, match="revoke a station"):
        revoke(hq.ctx, analyst, "BP-VX", "laptop stolen")
    listed = outpost(hq.data_dir, "--json", "--user", "analyst", "station", "list", "--on", ON)
    assert listed.returncode == 0, listed.stderr
    refused = outpost(hq.data_dir, "--user", "analyst", "station", "revoke", "BP-VX", "--reason", "x")
    assert refused.returncode != 0 and "may not revoke a station" in refused.stderr
    no_reason = outpost(hq.data_dir, "station", "revoke", "BP-VX")
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    with pytest.raises(ValidationError, match="reason is required"):
        revoke(hq.ctx, hq.admin, "BP-VX", "   ")
    done = outpost(hq.data_dir, "station", "revoke", "BP-VX", "--reason", "Máy tính bị mất cắp")
    assert done.returncode == 0, done.stderr
    [row] = json.loads(outpost(hq.data_dir, "--json", "station", "list", "--on", ON).stdout)
    assert (row["certificate"], row["overdue"]) == ("revoked", False)  # a revoked post owes nothing
    assert (row["revoked_by"], row["revocation_reason"]) == ("admin", "Máy tính bị mất cắp")
    text = outpost(hq.data_dir, "station", "list", "--on", ON).stdout
    assert " by admin (Máy tính bị mất cắp), received up to " in text
    with hq.ctx.sessions.reads() as session:
        station = session.scalars(select(m.Station).where(m.Station.code == "BP-VX")).one()
        last = history(session, station.id)[-1]
    assert (last.actor, last.diff["fields"]) == ("admin", ["revoked_at", "version"])
    assert last.diff["reason"] == "Máy tính bị mất cắp"  # who, when and why, in the audit trail
