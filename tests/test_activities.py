"""Activities at a post (issue 19 item 1): the JSON format with every problem by path, the service's
version and audit chain, links to cases, and the change log sync cuts bundles from."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from app import audit
from app.activities import ActivityFilter
from app.activity_json import parse_activities
from app.errors import PermissionDenied, ValidationError, WorkflowError
from app.inspections import DuplicateInspection
from tests.helpers.cases import ICT, sample_case
from tests.helpers.registers import Post, rows


def patrol(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "kind": "patrol",
        "started_at": "2026-11-20T06:30:00+07:00",
        "ended_at": "2026-11-20T11:00:00+07:00",
        "commune_code": "30325",
        "border_marker": "Mốc 245",
        "route": "Đường tuần tra biên giới mốc 245 - 247",
        "lead_force": "border_guard",
        "cooperating_forces": ["police"],
        "participants": 6,
        "participant_names": ["Trần Văn An", "Lê Minh Tâm"],
        "result": "Không phát hiện vi phạm",
    }
    document.update(changes)
    return {k: v for k, v in document.items() if v is not None}


def test_every_problem_of_every_activity_is_named_by_its_path(post: Post) -> None:
    document = [
        patrol(kind="raid", participants=-1),
        patrol(started_at="2026-11-20 06:30", commune_code="99999", cooperating_forces=["border_guard"]),
        patrol(kind="inspection", latitude=105.1, longitude=10.7, surprise=1),
        patrol(ended_at="2026-11-19T06:30:00+07:00", kind="outreach", establishment="Cơ sở A"),
    ]
    with pytest.raises(ValidationError) as caught:
        parse_activities(document, post.ctx.reference, now=post.ctx.clock())
    text = "\n".join(caught.value.problems)
    for expected in (
        "[0].kind:",
        "[0].participants:",
        "[1].started_at:",
        "[1].commune_code:",
        "[1].cooperating_forces[0]:",
        "[2].surprise: unknown field",
    ):
        assert expected in text, (expected, text)
    # Meaning is checked once the form is right: the others.
    for expected in ("[3].ended_at: ends before it starts", "[3].establishment:"):
        assert expected in text, (expected, text)
    assert rows(post.ctx, "SELECT count(*) FROM activities") == [(0,)]


def test_a_saved_activity_is_versioned_audited_logged_and_linked_to_its_case(post: Post) -> None:
    ctx = post.ctx
    case = ctx.cases.create(post.officer, sample_case(occurred_at=datetime(2026, 11, 20, 9, 0, tzinfo=ICT)))
    (data,) = parse_activities(patrol(cases=[case.number]), ctx.reference, now=ctx.clock())
    saved = ctx.activities.add(post.officer, data)
    assert saved.changes.activities and saved.view.version == 1
    assert saved.view.data.cases == (case.number,) and saved.view.data.cooperating_forces == ("police",)
    assert rows(ctx, "SELECT entity, version FROM change_log WHERE entity = 'activity'") == [("activity", 1)]

    edited = ctx.activities.update(
        post.officer,
        saved.view.id,
        parse_activities(patrol(result="Bắt 1 vụ"), ctx.reference, now=ctx.clock())[0],
        expected_version=1,
    )
    assert edited.view.version == 2 and edited.view.data.cases == () and edited.view.updated_by == "officer"
    with pytest.raises(WorkflowError):  # an editor holding version 1 cannot overwrite version 2
        ctx.activities.update(post.officer, saved.view.id, data, expected_version=1)
    history = ctx.activities.history(post.officer, saved.view.id)
    assert [(h.action, h.version) for h in history] == [("create", 1), ("update", 2)]
    assert history[1].diff["result"] == ["Không phát hiện vi phạm", "Bắt 1 vụ"]
    assert history[1].diff["cases"] == [[case.id], []]
    with ctx.sessions.engine.connect() as conn:
        assert audit.verify(conn, register_key=ctx.key).problems == []
    # What the list command prints reads back as the same activity.
    document = ctx.activities.get(post.officer, saved.view.id).document()
    assert document["version"] == 2 and document["station"] == "BP-VX"
    (again,) = parse_activities(document, ctx.reference, now=ctx.clock())
    assert again == edited.view.data


def test_unknown_case_numbers_refuse_the_whole_file_and_analysts_cannot_record(post: Post) -> None:
    ctx = post.ctx
    items = parse_activities([patrol(), patrol(cases=["BP-VX-2026-99999"])], ctx.reference, now=ctx.clock())
    with pytest.raises(ValidationError) as caught:
        ctx.activities.add_many(post.officer, items)
    assert caught.value.problems == ["[1].cases[0]: no case BP-VX-2026-99999 at this post"]
    assert rows(ctx, "SELECT count(*) FROM activities") == [(0,)]
    with pytest.raises(PermissionDenied):
        ctx.activities.add(post.analyst, items[0])


def test_the_list_filters_by_kind_period_and_commune(post: Post) -> None:
    ctx = post.ctx
    documents = [
        patrol(),
        patrol(kind="checkpoint", started_at="2026-11-21T23:30:00+07:00", ended_at=None),
        patrol(kind="inspection", establishment="Tạp hóa Bảy Hùng", commune_code="30337"),
        patrol(kind="outreach", started_at="2026-11-10T08:00:00+07:00", ended_at=None, participants=120),
    ]
    ctx.activities.add_many(post.officer, parse_activities(documents, ctx.reference, now=ctx.clock()))
    found = ctx.activities.find(post.officer, ActivityFilter(kind="inspection"))
    assert [a.data.establishment for a in found] == ["Tạp hóa Bảy Hùng"]
    from datetime import date

    # 23:30 on the 21st in An Giang is the 21st, though it is the 21st 16:30 UTC.
    on_21 = ctx.activities.find(
        post.officer, ActivityFilter(first_day=date(2026, 11, 21), last_day=date(2026, 11, 21))
    )
    assert [a.data.kind for a in on_21] == ["checkpoint"]
    assert len(ctx.activities.find(post.officer, ActivityFilter(commune_code="30325"))) == 3


def test_the_command_line_adds_from_stdin_refuses_by_path_and_lists_by_filter(post: Post) -> None:
    from tests.helpers.cli import outpost

    post.ctx.close()  # the child process opens the register itself
    register = post.data_dir
    bad = json.dumps([patrol(), patrol(kind="checkpoint", participants="six")])
    refused = outpost(register, "--user", "officer", "activity", "add", "-", stdin=bad)
    assert refused.returncode == 2 and "[1].participants: expected a whole number" in refused.stderr
    good = json.dumps(
        [patrol(), patrol(kind="inspection", establishment="Kho hàng Tư Lợi", commune_code="30337")]
    )
    added = outpost(register, "--user", "officer", "activity", "add", "-", stdin=good)
    assert added.returncode == 0, added.stderr
    assert [a["version"] for a in json.loads(added.stdout)] == [1, 1]
    listed = outpost(register, "activity", "list", "--kind", "inspection", "--from", "2026-11-20", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [a["establishment"] for a in json.loads(listed.stdout)] == ["Kho hàng Tư Lợi"]
    text = outpost(register, "activity", "list", "--commune", "30325").stdout
    # The marker is said once: the route "Đường tuần tra biên giới mốc 245 - 247" already names it.
    assert "patrol" in text and "Đường tuần tra biên giới mốc 245 - 247" in text and "Kho hàng" not in text
    assert "Mốc 245 ·" not in text


def test_the_demo_walks_the_border_markers_and_inspects_some_shops_twice(post: Post) -> None:
    from app.demo import generate_demo

    generate_demo(post.ctx, post.admin, cases=400, seed=5)
    views = post.ctx.activities.find(post.officer)
    assert len(views) == 100 and {v.data.kind for v in views} == {
        "patrol",
        "checkpoint",
        "inspection",
        "outreach",
    }
    patrols = [v.data for v in views if v.data.kind == "patrol"]
    assert all(
        p.border_marker and p.border_marker.startswith("Mốc ") and p.participant_names for p in patrols
    )
    inspections = sorted((v.data for v in views if v.data.kind == "inspection"), key=lambda a: a.started_at)
    twice = [
        (a, b)
        for i, a in enumerate(inspections)
        for b in inspections[i + 1 :]
        if a.establishment == b.establishment
        and a.lead_force != b.lead_force
        and (b.started_at - a.started_at).days <= 12
    ]
    assert twice  # by two forces within days of each other, for the duplicate-inspection warning
    assert all((v.data.ended_at or v.data.started_at) <= post.ctx.clock() for v in views)  # HQ takes them
    with post.ctx.sessions.engine.connect() as conn:
        assert audit.verify(conn, register_key=post.ctx.key).problems == []


def test_an_online_case_keeps_its_platform_account_and_url_and_no_other_case_has_them(post: Post) -> None:
    from app.interchange import parse_cases

    ctx = post.ctx
    base = {
        "occurred_at": "2026-11-20T21:00:00+07:00",
        "violation_group": "prohibited_smuggled",
        "location_kind": "online",
        "online_platform": "Facebook",
        "online_account": 'Trang "Hàng xách tay Châu Đốc"',
        "online_url": "https://www.facebook.com/hangxachtaychaudoc/videos/123",
    }
    (data,) = parse_cases(base, ctx.reference, now=ctx.clock())
    assert (data.online_platform, data.online_url) == ("Facebook", base["online_url"])
    with pytest.raises(ValidationError) as caught:
        parse_cases(
            [{**base, "online_url": "www.facebook.com/x y"}, {**base, "location_kind": "inland"}],
            ctx.reference,
            now=ctx.clock(),
        )
    assert caught.value.problems == [
        "[0].online_url: 'www.facebook.com/x y' is not a web address starting with http:// or https://",
        "[1].online_platform: only a case whose location kind is online has this",
        "[1].online_account: only a case whose location kind is online has this",
        "[1].online_url: only a case whose location kind is online has this",
    ]
    saved = ctx.cases.create(post.officer, data)
    document = ctx.cases.get(post.officer, saved.id).document
    assert (document["online_platform"], document["online_account"]) == ("Facebook", base["online_account"])
    (again,) = parse_cases(document, ctx.reference, now=ctx.clock())  # what case show prints reads back
    assert again.online_url == base["online_url"]


def test_a_register_from_0012_keeps_its_activities_and_cases_and_gains_the_new_fields(post: Post) -> None:
    from app.register import open_register
    from db import migrate
    from tests.helpers.registers import PASSWORD, open_sqlite

    ctx = post.ctx
    (data,) = parse_activities(
        {"kind": "patrol", "started_at": "2026-11-20T06:30:00+07:00", "participants": 4},
        ctx.reference,
        now=ctx.clock(),
    )
    activity_id = ctx.activities.add(post.officer, data).view.id
    ctx.cases.create(post.officer, sample_case())
    ctx.close()
    conn = open_sqlite(ctx.paths.register)  # as 0012 left it: the activity's first columns only
    conn.execute("DROP TABLE activity_cases")
    conn.execute("DROP INDEX ix_activities_started_at")
    for column in (
        "cooperating_forces",
        "border_marker",
        "route",
        "latitude",
        "longitude",
        "result",
        "participant_names",
        "updated_at",
        "updated_by",
    ):
        conn.execute(f"ALTER TABLE activities DROP COLUMN {column}")
    for column in ("online_platform", "online_account", "online_url"):
        conn.execute(f"ALTER TABLE cases DROP COLUMN {column}")
    conn.execute("DROP TABLE IF EXISTS handovers")  # 0016 came later still
    conn.execute("ALTER TABLE activities DROP COLUMN overlap_reason")  # and 0017
    conn.execute("UPDATE alembic_version SET version_num = '0012'")
    conn.commit()
    conn.close()
    upgraded = open_register(post.data_dir, key=ctx.key)
    try:
        assert migrate.current_revision(upgraded.sessions.engine) == migrate.HEAD
        officer = upgraded.login("officer", PASSWORD)
        view = upgraded.activities.get(officer, activity_id)
        assert (view.data.participants, view.data.cooperating_forces, view.data.cases) == (4, (), ())
        with upgraded.sessions.engine.connect() as conn2:
            assert audit.verify(conn2, register_key=upgraded.key).problems == []
        edited = upgraded.activities.update(officer, activity_id, data, expected_version=1)
        assert edited.changes.activities is False  # nothing changed: no new version
    finally:
        upgraded.close()


def test_a_second_inspection_of_the_same_shop_within_the_window_warns_naming_the_first(post: Post) -> None:
    """Two forces inspect one shop 10 days apart: the second warns, naming who inspected it and when; both
    inspections name the same registered establishment, whatever the accents typed (issue 19 item 3)."""
    ctx = post.ctx

    def inspection(day: str, force: str, name: str) -> Any:
        document = patrol(kind="inspection", started_at=f"{day}T09:00:00+07:00", ended_at=None,
                          lead_force=force, cooperating_forces=[], establishment=name,
                          border_marker=None, route=None, place="Chợ Vĩnh Xương")
        return parse_activities(document, ctx.reference, now=ctx.clock())[0]

    first = ctx.activities.add(post.officer, inspection("2026-11-05", "border_guard", "Tạp hóa Minh Châu"))
    assert first.notices == ()
    with pytest.raises(DuplicateInspection) as refused:  # saved only with a reason (0017)
        ctx.activities.add(post.chief, inspection("2026-11-15", "customs", "tap hoa minh chau"))
    assert "05/11/2026" in refused.value.warning
    again = replace(inspection("2026-11-15", "customs", "tap hoa minh chau"), overlap_reason="a tip-off")
    second = ctx.activities.add(post.chief, again)
    (warning,) = second.notices
    assert "05/11/2026" in warning and "BP-VX" in warning and "officer" in warning
    assert "Bộ đội Biên phòng" in warning or "border_guard" in warning
    # The editor asks before a save the same way, and an inspection 41 days earlier is not warned of.
    assert ctx.activities.notices(post.chief, inspection("2026-11-20", "police", "Tạp hoá Minh Châu"))
    assert ctx.activities.notices(post.chief, inspection("2026-09-25", "police", "Tạp hóa Minh Châu")) == []
    ids = rows(ctx, "SELECT DISTINCT establishment_id FROM activities WHERE kind = 'inspection'")
    assert len(ids) == 1 and ids[0][0] is not None
    with ctx.sessions.engine.connect() as conn:
        assert audit.verify(conn, register_key=ctx.key).problems == []
