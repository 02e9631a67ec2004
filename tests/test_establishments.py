"""Establishments and the inspections of them: matched without accents or by tax code, sent to HQ and back
to the other posts with the last days' inspections, the warning a second inspection raises there, HQ's
overlapping inspections and every post's coverage, and the hostile records a bundle may carry.

Activities are written as rows here, sealed as the activity service seals them: the activity service
and its sync are another module's (issue 19, item 1). At HQ, a copy of a post's inspection stands in for
what that sync brings."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import alembic.command
import pytest
import sqlalchemy as sa
from sqlalchemy import select

from app import audit
from app.context import Context
from app.coverage import area_of, coverage, load_areas, posts_coverage
from app.errors import RegisterError, ValidationError
from app.establishments import EstablishmentInput, EstablishmentService, parse_establishments, register_in
from app.inspections import (
    DuplicateInspection,
    check_inspection,
    guard_inspection,
    overlaps,
    recent_inspections,
)
from app.register import init_register, open_register
from app.serialize import row_state
from app.sync.replies import make_reply
from app.sync.return_checks import RETURN_CHECKS
from app.sync.returns import import_returns
from app.text import fold
from db import migrate
from db import models as m
from db.engine import make_engine, sqlite_url
from tests.helpers.cli import outpost
from tests.helpers.clock import NOW, Clock
from tests.helpers.registers import PASSWORD, Post
from tests.helpers.sync import (
    PASSPHRASE,
    Pair,
    assert_refused,
    enrol_post,
    export_parts,
    import_at_hq,
    resigned,
)

SHOP = EstablishmentInput(
    "Cửa hàng Tạp hóa Minh Châu", "shop", "Ấp Phú Lợi", commune_code="30385", tax_code="0312345678"
)


def _inspect(
    ctx: Context,
    origin: str,
    shop: m.Establishment | None,
    at: datetime,
    force: str,
    officer: str,
    activity_id: str | None = None,
    name: str | None = None,
    commune: str | None = "30385",
    kind: str = "inspection",
) -> str:
    """An activity row, sealed into the register's chain as the activity service seals one."""
    with ctx.sessions.writes.begin() as session:
        text = name or (shop.name if shop else "")
        row = m.Activity(
            id=activity_id or m.new_id(),
            origin=origin,
            kind=kind,
            started_at=at,
            place="",
            commune_code=commune,
            establishment=text or None,
            establishment_folded=fold(text) or None,
            establishment_id=shop.id if shop else None,
            force=force,
            created_by=officer,
            created_at=at,
            version=1,
            change_seq=0,
        )
        session.add(row)
        session.flush()
        audit.record(session, at=at, station_id=ctx.station_id, actor=officer, action="create",
                     entity="activity", entity_id=row.id, version=1, diff={},
                     sealed_state=row_state(m.Activity.__table__, row))  # type: ignore[arg-type]
        return row.id


def _establishment(ctx: Context, establishment_id: str) -> m.Establishment:
    with ctx.sessions.reads() as session:
        row = session.get(m.Establishment, establishment_id)
        assert row is not None
        session.expunge(row)
        return row


def _second_post(hq: Post, tmp_path: Path, clock: Clock) -> Post:
    ctx = init_register(tmp_path / "tb", kind="post", code="BP-TB", name="Đồn Biên phòng Tịnh Biên",
                        admin_username="admin", admin_password=PASSWORD, commune_code="30520", clock=clock)
    admin = ctx.login("admin", PASSWORD)
    post = Post(ctx, admin, admin, admin, admin, tmp_path / "tb")
    enrol_post(post, hq, tmp_path, "-tb")
    return post


def _chain_holds(ctx: Context) -> None:
    with ctx.sessions.engine.connect() as conn:
        assert audit.verify(conn, register_key=ctx.key).problems == []


def test_an_establishment_is_matched_without_accents_in_its_commune_or_by_its_tax_code(post: Post) -> None:
    service = EstablishmentService(post.ctx)
    first = service.add(post.officer, [SHOP])[0]
    assert first.created
    again = service.add(post.officer, [
        EstablishmentInput("  cua hang TAP HOA   minh chau ", "shop", commune_code="30385"),
        EstablishmentInput("Đại lý Minh Châu", "trader", commune_code="30376", tax_code="0312345678"),
        EstablishmentInput("Cửa hàng Tạp hóa Minh Châu", "shop", commune_code="30376"),  # another commune
    ])
    assert [a.created for a in again] == [False, False, True]
    assert again[0].establishment.id == again[1].establishment.id == first.establishment.id
    assert [v.name for v in service.list(post.officer, "minh chau")] == [SHOP.name, SHOP.name]
    assert [v.commune_code for v in service.list(post.officer, "0312345678")] == ["30385"]
    with post.ctx.sessions.reads() as session:
        logged = session.execute(select(m.ChangeLog.entity)).scalars().all()
    assert logged.count("establishment") == 2  # each new one travels to HQ
    _chain_holds(post.ctx)


def test_establishment_json_names_every_problem_by_its_path(post: Post) -> None:
    document = [
        {"name": "Kho hàng Bảy Núi", "kind": "warehouse", "commune_code": "30520"},
        {"name": " ", "kind": "boutique", "commune_code": "99999", "tax_code": "12AB", "colour": "red"},
        "not an object",
    ]
    with pytest.raises(ValidationError) as refused:
        parse_establishments(document, post.ctx.reference)
    problems = refused.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "[1].colour", "[1].name", "[1].kind", "[1].commune_code", "[1].tax_code", "[2]",
    ]
    assert parse_establishments(document[0], post.ctx.reference)[0].name == "Kho hàng Bảy Núi"


@pytest.mark.both_engines  # HQ's side: its import, return bundle, overlaps and coverage on PostgreSQL too
def test_an_inspection_at_one_post_warns_the_other_after_the_return_bundle(
    pair: Pair, tmp_path: Path, clock: Clock
) -> None:
    a, hq = pair.post, pair.hq
    b = _second_post(hq, tmp_path, clock)
    shop_id = EstablishmentService(a.ctx).add(a.officer, [SHOP])[0].establishment.id
    shop = _establishment(a.ctx, shop_id)
    first_at = NOW - timedelta(days=10)
    first = _inspect(a.ctx, a.ctx.station_id, shop, first_at, "border_guard", "officer")
    summary = import_at_hq(pair, export_parts(pair, "out-vx"))
    assert summary.rejected == [] and summary.establishments == 1
    _inspect(hq.ctx, a.ctx.station_id, shop, first_at, "border_guard", "officer", activity_id=first)

    reply = make_reply(hq.ctx, hq.admin, PASSPHRASE, "BP-TB", tmp_path / "back-tb")
    # A dry run tells what the import will do, and does none of it (the import then stores the shop).
    dry = import_returns(b.ctx, b.admin, PASSPHRASE, [reply], dry_run=True)
    assert (dry.establishments, dry.inspections, dry.applied) == (1, 1, [reply.name])
    back = import_returns(b.ctx, b.admin, PASSPHRASE, [reply])
    assert back.rejected == [] and (back.establishments, back.inspections) == (1, 1)

    # The officer at Tịnh Biên types the shop without accents: it is the one Vĩnh Xương registered.
    typed = EstablishmentService(b.ctx).add(
        b.officer, [EstablishmentInput("cua hang tap hoa minh chau", "shop", commune_code="30385")]
    )[0]
    assert not typed.created and typed.establishment.id == shop_id
    assert typed.establishment.origin_code == "BP-VX"
    held = _establishment(b.ctx, shop_id)
    with b.ctx.sessions.reads() as session:
        with pytest.raises(DuplicateInspection) as warned:
            guard_inspection(session, held, NOW, window_days=30, reason=None, zone=b.ctx.zone,
                             reference=b.ctx.reference)
        kept = guard_inspection(session, held, NOW, window_days=30, reason="a tip-off about new stock",
                                zone=b.ctx.zone, reference=b.ctx.reference)
        assert recent_inspections(session, held, NOW + timedelta(days=25), window_days=30) == []
    message = str(warned.value)
    assert "15/11/2026 by Bộ đội Biên phòng (BP-VX, officer)" in message, message
    assert [(s.station_code, s.force, s.officer) for s in kept] == [("BP-VX", "border_guard", "officer")]

    second = _inspect(b.ctx, b.ctx.station_id, held, NOW, "market_surveillance", "admin")
    _inspect(hq.ctx, b.ctx.station_id, shop, NOW, "market_surveillance", "admin", activity_id=second)
    _inspect(hq.ctx, b.ctx.station_id, None, NOW, "border_guard", "admin", commune="30520", kind="patrol")

    with hq.ctx.sessions.reads() as session:
        found = overlaps(session, NOW - timedelta(days=30), NOW + timedelta(days=1), 30)
        provinces = {c.station_code: c for c in posts_coverage(session, date(2026, 11, 1), date(2026, 11, 30),
                                                                 hq.ctx.zone)}
    assert len(found) == 1 and found[0].across_forces
    assert [(i.station_code, i.force) for i in found[0].inspections] == [
        ("BP-VX", "border_guard"), ("BP-TB", "market_surveillance")
    ]
    assert set(provinces) == {"BP-VX", "BP-TB"}
    assert provinces["BP-VX"].communes_left == ("30376", "30325")  # Vĩnh Xương (30385) was reached
    assert provinces["BP-TB"].communes_left == ("30526",)  # its patrol reached Tịnh Biên (30520)
    assert [k.code for k in provinces["BP-TB"].markers_left] == ["TB-01", "TB-02"]
    for ctx in (hq.ctx, a.ctx, b.ctx):
        _chain_holds(ctx)
    b.ctx.close()


def test_a_post_bundle_with_a_hostile_establishment_is_refused(pair: Pair) -> None:
    EstablishmentService(pair.post.ctx).add(pair.post.officer, [SHOP])
    [part] = export_parts(pair, "out")
    from app.sync import bundle, keys

    identity = keys.load_encryption_identity(pair.hq.data_dir, PASSPHRASE)
    records = bundle.read_lines(bundle.open_bundle(part, lambda c: bundle.certificate_key(c)), identity)
    for change, reason in (
        (lambda d: d.update(kind="casino"), "fields are not valid"),
        (lambda d: d.update(version=True), "valid version"),
        (lambda d: d.update(informant="x"), "unknown or missing fields"),
        (lambda d: d.update(name="x" * 201), "fields are not valid"),
        (lambda d: d.update(created_at="2026-11-20T10:00:00"), "valid time"),
    ):
        forged = json.loads(json.dumps(records))
        change(next(r for r in forged if r["type"] == "establishment")["establishment"])
        path = resigned(pair, part, pair.tmp / "forged.outpost", records=forged)
        assert_refused(pair, path, reason)


@pytest.mark.parametrize(
    ("kind", "record"),
    [
        ("inspection", {"type": "inspection", "activity_id": "a", "station": "BP-VX", "force": "police",
                        "officer": "x", "started_at": "2026-11-20T10:00:00", "establishment_id": None,
                        "establishment": "Kho", "commune_code": None, "tax_code": None}),  # no offset
        ("inspection", {"type": "inspection", "activity_id": "a", "station": "BP-VX" * 4, "force": "police",
                        "officer": "x", "started_at": "2026-11-20T10:00:00Z", "establishment_id": None,
                        "establishment": "Kho", "commune_code": None, "tax_code": None}),
        ("inspection", {"type": "inspection", "activity_id": "a"}),
        ("establishment", {"type": "establishment", "origin": "BP-VX", "establishment": {}}),
        ("establishment", {"type": "establishment", "origin_id": 7, "origin": "BP-VX", "establishment": {}}),
    ],
)
def test_a_return_bundle_record_that_is_not_well_formed_is_named(kind: str, record: dict[str, Any]) -> None:
    assert RETURN_CHECKS[kind](record) is not None


def test_a_post_covers_its_own_area_and_the_areas_file_is_checked(post: Post) -> None:
    _inspect(post.ctx, post.ctx.station_id, None, NOW, "border_guard", "officer", commune="30376",
             kind="checkpoint")
    _inspect(post.ctx, post.ctx.station_id, None, NOW, "border_guard", "officer", commune="30325",
             kind="outreach")  # outreach reaches no place in the coverage
    with post.ctx.sessions.reads() as session:
        station = session.get(m.Station, post.ctx.station_id)
        assert station is not None
        found = coverage(session, station, area_of(station, load_areas()), date(2026, 11, 15),
                         date(2026, 11, 30), post.ctx.zone)
    assert found.communes_left == ("30385", "30325") and found.activities == 1
    with pytest.raises(RegisterError, match="areas file is not valid"):
        load_areas({"format": "outpost-post-areas", "version": 1,
                    "areas": [{"post": "BP-VX", "communes": ["x"], "markers": []}]})


def test_a_register_before_0014_gains_establishments_and_keeps_its_activities(post: Post) -> None:
    _inspect(post.ctx, post.ctx.station_id, None, NOW, "border_guard", "officer", name="Kho Bảy Núi")
    post.ctx.close()
    engine = make_engine(sqlite_url(post.ctx.paths.register), key=post.ctx.key)
    config = migrate._config()
    with engine.connect() as conn:
        conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
        with conn.begin():
            config.attributes["connection"] = conn
            alembic.command.downgrade(config, "0013")  # back to the revision before 0014
        assert "establishments" not in sa.inspect(conn).get_table_names()
    engine.dispose()
    ctx = open_register(post.data_dir, key=post.ctx.key)
    assert migrate.current_revision(ctx.sessions.engine) == migrate.HEAD
    with ctx.sessions.reads() as session:
        assert session.execute(select(m.Activity.establishment, m.Activity.establishment_id)).all() == [
            ("Kho Bảy Núi", None)
        ]
    _chain_holds(ctx)
    ctx.close()


def test_the_command_line_adds_lists_warns_and_reports_coverage(post: Post) -> None:
    register = post.data_dir
    post.ctx.close()
    bad = outpost(register, "--user", "officer", "establishment", "add", "-",
                  stdin=json.dumps([{"name": "Kho Bảy Núi", "kind": "depot", "commune_code": "30385"}]))
    assert bad.returncode == 2 and "[0].kind: one of shop, warehouse" in bad.stderr, bad.stderr
    shop = {"name": SHOP.name, "kind": "shop", "commune_code": "30385", "tax_code": "0312345678"}
    added = outpost(register, "--user", "officer", "--json", "establishment", "add", "-",
                    stdin=json.dumps(shop))
    assert added.returncode == 0, added.stderr
    [made] = json.loads(added.stdout)
    assert made["created"] and made["origin"] == "BP-VX"
    ctx = open_register(register, key=post.ctx.key)
    _inspect(ctx, ctx.station_id, _establishment(ctx, made["id"]), NOW - timedelta(days=3), "customs",
             "officer")
    # An inspection that typed the name and no commune: still found when no --commune is given.
    _inspect(ctx, ctx.station_id, None, NOW - timedelta(days=1), "police", "officer", name=SHOP.name,
             commune=None)
    ctx.close()
    warned = outpost(register, "establishment", "inspections", "CUA HANG TAP HOA MINH CHAU",
                     "--commune", "30385", "--at", "2026-11-25")
    assert warned.returncode == 0, warned.stderr
    assert "22/11/2026 by Hải quan (BP-VX, officer)" in warned.stdout, warned.stdout
    # Without --commune: the one commune the name is registered in (it used to look for the name with
    # no commune, and said there was no inspection).
    unsaid = outpost(register, "establishment", "inspections", "cua hang tap hoa minh chau",
                     "--at", "2026-11-25")
    assert unsaid.returncode == 0 and "22/11/2026 by Hải quan" in unsaid.stdout, unsaid.stdout + unsaid.stderr
    assert "24/11/2026 by Công an" in unsaid.stdout, unsaid.stdout
    elsewhere = outpost(register, "--user", "officer", "establishment", "add", "-",
                        stdin=json.dumps({**shop, "commune_code": "30376", "tax_code": None}))
    assert elsewhere.returncode == 0, elsewhere.stderr
    several = outpost(register, "establishment", "inspections", SHOP.name, "--at", "2026-11-25")
    assert several.returncode == 2, several.stdout
    assert "is registered in 2 communes (30376 " in several.stderr and "say which" in several.stderr
    covered = outpost(register, "--json", "coverage", "--period", "2026-11-01..2026-11-30")
    assert covered.returncode == 0, covered.stderr
    [area] = json.loads(covered.stdout)
    assert [c["code"] for c in area["communes_left"]] == ["30376", "30325"] and area["activities"] == 2


def test_an_inspection_of_an_unregistered_name_warns_too_and_registers_inside_a_save(post: Post) -> None:
    _inspect(post.ctx, post.ctx.station_id, None, NOW - timedelta(days=40), "police", "officer",
             name="Kho Bảy Núi", commune="30520")  # outside the window
    _inspect(post.ctx, post.ctx.station_id, None, NOW - timedelta(days=2), "tax", "officer",
             name="Kho Bảy Núi", commune="30520")
    found = check_inspection(post.ctx, at=NOW, name="kho bay nui", commune_code="30520")
    assert [(s.force, s.started_at) for s in found.seen] == [("tax", NOW - timedelta(days=2))]
    assert found.message is not None and "23/11/2026 by Thuế (BP-VX, officer)" in found.message
    assert check_inspection(post.ctx, at=NOW, name="kho bay nui", commune_code="30385").seen == ()
    with post.ctx.sessions.writes.begin() as session:  # as the activity service would, in its own save
        added = register_in(session, post.officer, EstablishmentInput("Kho Bảy Núi", "warehouse",
                                                                      commune_code="30520"), NOW)
    assert added.created
    again = check_inspection(post.ctx, at=NOW, establishment_id=added.establishment.id)
    assert [s.force for s in again.seen] == ["tax"]  # the typed inspections are the registered one's
    _chain_holds(post.ctx)


def test_an_inspection_saved_at_one_post_warns_the_other_through_the_services_and_bundles(
    pair: Pair, tmp_path: Path, clock: Clock
) -> None:
    """Issue 19's two posts and HQ, every step through the services a user's commands call: Vĩnh Xương
    records an inspection (the activity service registers the shop), sends it; HQ's return bundle
    carries it to Tịnh Biên, whose own inspection of the shop, typed without accents, warns of it."""
    from app.activity_json import parse_activities

    a, hq = pair.post, pair.hq
    b = _second_post(hq, tmp_path, clock)
    first_at = NOW - timedelta(days=10)

    def inspection(ctx: Context, at: datetime, name: str, force: str) -> Any:
        document = {"kind": "inspection", "started_at": at.isoformat(), "commune_code": "30385",
                    "establishment": name, "lead_force": force, "participants": 3}
        return parse_activities(document, ctx.reference, now=ctx.clock())[0]

    a.ctx.activities.add(a.officer, inspection(a.ctx, first_at, "Cửa hàng Tạp hóa Minh Châu", "border_guard"))
    summary = import_at_hq(pair, export_parts(pair, "out-vx"))
    assert summary.rejected == [] and (summary.activities, summary.establishments) == (1, 1)
    reply = make_reply(hq.ctx, hq.admin, PASSPHRASE, "BP-TB", tmp_path / "back-tb")
    back = import_returns(b.ctx, b.admin, PASSPHRASE, [reply])
    assert back.rejected == [] and back.inspections == 1

    second = inspection(b.ctx, NOW, "cua hang tap hoa minh chau", "customs")
    (warning,) = b.ctx.activities.notices(b.officer, second)
    assert f"{first_at.astimezone(b.ctx.zone):%d/%m/%Y}" in warning and "BP-VX" in warning, warning
    with pytest.raises(DuplicateInspection):  # saved only with a reason for inspecting again
        b.ctx.activities.add(b.officer, second)
    (saved,) = b.ctx.activities.add_many(b.officer, [second], default_reason="a tip-off about new stock")
    found, _hint = warning.split(". Give a reason")  # before the save it asks; after, it says so
    assert saved.notices == (f"{found}; saved with the reason given",)
    for ctx in (hq.ctx, a.ctx, b.ctx):
        _chain_holds(ctx)
    b.ctx.close()
