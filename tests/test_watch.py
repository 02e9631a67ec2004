"""HQ's reviewed watch list: candidates from the province's cases, an analyst's confirm or dismiss with a
reason through the command line, only confirmed entries reaching a post, and a dismissed candidate
coming back only when new cases add to it.

HQ runs on SQLite and on PostgreSQL (``both_engines``)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from app import audit
from app.domain import PartyInput, VehicleInput
from app.watch import watch_index
from db import models as m
from tests.helpers.cases import ICT, sample_case
from tests.helpers.cli import outpost
from tests.helpers.registers import open_sqlite
from tests.helpers.sync import Pair, export_parts, hq_reply, import_at_hq, import_at_post

pytestmark = pytest.mark.both_engines

NAMESAKE = "name:tran van binh/1985"


def _cases(pair: Pair) -> None:
    """The same CCCD and motorbike in three cases; a namesake born in 1985 with three other numbers."""
    for day in (1, 2, 3):
        when = datetime(2026, 11, day, 8, 0, tzinfo=ICT)
        namesake = PartyInput("person", "carrier", "Trần Văn Bình", birth_date=date(1985, 3, day),
                              nationality="VN", id_number=f"07908500000{day}")
        case = sample_case(occurred_at=when)
        pair.post.ctx.cases.create(pair.post.officer, replace(case, parties=(*case.parties, namesake)))


def _watch(pair: Pair, *args: str) -> Any:
    done = outpost(pair.hq.data_dir, "--user", "admin", "watch", *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_an_analyst_confirms_and_dismisses_and_only_confirmed_entries_reach_the_post(pair: Pair) -> None:
    _cases(pair)
    assert import_at_hq(pair, export_parts(pair, "one")).new == 3
    # Nothing is sent before an analyst looks: the candidates wait at HQ.
    assert import_at_post(pair, [hq_reply(pair, "before")]).watch_entries == 0
    listed = {c["id"]: c for c in _watch(pair, "list")}
    assert set(listed) == {"person:089090001234", "vehicle:67H120413", NAMESAKE}
    person = listed["person:089090001234"]
    assert (person["state"], person["posts"], person["cases"]) == ("pending", ["BP-VX"], 3)
    assert len(person["case_numbers"]) == 3 and not person["weak"] and listed[NAMESAKE]["weak"]

    # A reason is required; a name is a lead, never an entry; an unknown number is not found.
    refused = outpost(pair.hq.data_dir, "--user", "admin", "watch", "confirm", "person:089090001234",
                      "--reason", "  ")
    assert refused.returncode == 2 and "reason: required" in refused.stderr
    refused = outpost(pair.hq.data_dir, "--user", "admin", "watch", "confirm", NAMESAKE, "--reason", "x")
    assert refused.returncode == 2 and "a lead, not an identity" in refused.stderr
    missing = outpost(pair.hq.data_dir, "--user", "admin", "watch", "dismiss", "person:1234567",
                      "--reason", "x")
    assert missing.returncode == 6, missing.stderr

    confirmed = _watch(pair, "confirm", "person:0890 9000 1234", "--reason", "Chuyên chở thuê, 3 lần")
    assert (confirmed["state"], confirmed["decided_by"]) == ("confirmed", "admin")
    assert confirmed["decided_by_name"] == pair.hq.admin.full_name  # as colleagues know them
    dismissed = _watch(pair, "dismiss", "vehicle:67h1-204.13", "--reason", "Xe ôm thuê, chủ xe không biết")
    assert dismissed["state"] == "dismissed"
    _watch(pair, "dismiss", NAMESAKE, "--reason", "Ba người khác nhau")
    text = outpost(pair.hq.data_dir, "--user", "admin", "watch", "list")
    assert "confirmed  person:089090001234" in text.stdout and "[weaker: name and birth year]" in text.stdout

    # The post receives the confirmed entry only, naming the posts and case numbers behind it.
    back = import_at_post(pair, [hq_reply(pair)])
    assert back.rejected == [] and back.watch_entries == 1
    held = watch_index(pair.post.ctx, pair.post.officer)
    notice = held.person("089090001234")
    assert notice is not None and notice.posts == ("BP-VX",)
    assert list(notice.case_numbers) == person["case_numbers"]
    assert notice.reason == "Chuyên chở thuê, 3 lần"
    assert held.vehicle("motorbike", "67H1-204.13") is None  # dismissed: it never reaches a post
    conn = open_sqlite(pair.post.data_dir / "register.sqlite")
    assert conn.execute("SELECT kind, key FROM watch_entries").fetchall() == [("person", "089090001234")]
    conn.close()

    # A dismissed candidate stays dismissed until a new case adds to it; then it waits for review again.
    assert {c["id"]: c["state"] for c in _watch(pair, "list")}["vehicle:67H120413"] == "dismissed"
    again = sample_case(occurred_at=datetime(2026, 11, 10, 8, 0, tzinfo=ICT), parties=(),
                        vehicles=(VehicleInput("motorbike", "67H1-204.13"),))
    pair.post.ctx.cases.create(pair.post.officer, again)
    import_at_hq(pair, export_parts(pair, "two"))
    vehicle = {c["id"]: c for c in _watch(pair, "list")}["vehicle:67H120413"]
    assert (vehicle["state"], vehicle["new_cases"], vehicle["cases"]) == ("pending", 1, 4)
    assert vehicle["reason"] == "Xe ôm thuê, chủ xe không biết"  # the earlier decision, to weigh
    assert import_at_post(pair, [hq_reply(pair, "later")]).watch_entries == 1  # still not sent

    # Every decision is in HQ's audit chain, which still verifies.
    with pair.hq.ctx.sessions.reads() as session:
        report = audit.verify(session.connection())
        events = session.execute(
            select(m.AuditEvent.actor, m.AuditEvent.diff).where(m.AuditEvent.entity == "watch_review")
        ).all()
    assert report.ok, report.problems
    assert len(events) == 3 and all(actor == "admin" for actor, _diff in events)
    assert any("Chuyên chở thuê" in diff for _actor, diff in events)
