"""Demo data: deterministic, realistic, and written exactly as the normal save path writes cases."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app import audit, tallies
from app.context import Context
from app.demo import demo_period, generate_demo
from app.domain import Actor, CaseFilter, CaseInput, GoodsInput, HandlingInput, PartyInput, VehicleInput
from app.errors import Cancelled, PermissionDenied
from app.progress import CancelToken
from app.register import init_register, rebuild_search_index
from tests.helpers.cases import ICT, sample_case
from tests.helpers.registers import PASSWORD, Post, open_sqlite

NOW = datetime(2026, 11, 20, 3, 30, tzinfo=UTC)
DEMO_CASES = 2000


def _register(folder: Path) -> tuple[Context, Actor]:
    """A post register whose clock stands still, so that every run makes the same demo period."""
    ctx = init_register(folder, kind="post", code="BP-VX", name="Đồn Biên phòng Vĩnh Xương",
                        admin_username="admin", admin_password=PASSWORD, commune_code="30385",
                        clock=lambda: NOW)
    return ctx, ctx.login("admin", PASSWORD)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Context, Actor]]:
    """One register with 2 000 demo cases, shared by the read-only tests of this module."""
    ctx, admin = _register(tmp_path_factory.mktemp("demo") / "post")
    assert generate_demo(ctx, admin, cases=DEMO_CASES, seed=7, batch_size=600) == DEMO_CASES
    yield ctx, admin
    ctx.close()


@pytest.fixture(scope="module")
def documents(demo: tuple[Context, Actor]) -> list[dict[str, Any]]:
    """The demo register's cases as ``ctx.cases.get`` shows them, in insertion order."""
    return _documents(*demo)


def _documents(ctx: Context, actor: Actor) -> list[dict[str, Any]]:
    with ctx.sessions.reads() as session:
        ids = session.connection().exec_driver_sql("SELECT id FROM cases ORDER BY rowid").scalars().all()
    return [ctx.cases.get(actor, case_id).document for case_id in ids]


def _rows(ctx: Context, sql: str, *params: object) -> list[tuple[Any, ...]]:
    conn = open_sqlite(ctx.paths.register)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _verify(ctx: Context) -> audit.VerifyReport:
    with ctx.sessions.engine.connect() as conn:
        return audit.verify(conn, register_key=ctx.key)


# ----- determinism -----------------------------------------------------------------------------------


def test_same_seed_gives_the_same_cases_in_any_register(tmp_path: Path) -> None:
    first, first_admin = _register(tmp_path / "a")
    second, second_admin = _register(tmp_path / "b")
    generate_demo(first, first_admin, cases=300, seed=3)
    generate_demo(second, second_admin, cases=300, seed=3, batch_size=70)  # batches do not matter
    documents = _documents(first, first_admin)
    assert len(documents) == 300
    assert documents == _documents(second, second_admin)
    other, other_admin = _register(tmp_path / "c")
    generate_demo(other, other_admin, cases=300, seed=4)
    different = _documents(other, other_admin)
    assert not {d["id"] for d in different} & {d["id"] for d in documents}
    assert [d["summary"] for d in different] != [d["summary"] for d in documents]


def test_a_second_run_continues_and_never_reuses_ids(tmp_path: Path) -> None:
    ctx, admin = _register(tmp_path / "post")
    generate_demo(ctx, admin, cases=200, seed=1)
    generate_demo(ctx, admin, cases=200, seed=1)
    numbers = [row[0] for row in _rows(ctx, "SELECT number FROM cases")]
    assert len(numbers) == len(set(numbers)) == 400
    assert _verify(ctx).ok


# ----- what the cases look like ----------------------------------------------------------------------


def test_the_mix_is_realistic(documents: list[dict[str, Any]]) -> None:
    share = lambda test: sum(1 for d in documents if test(d)) / len(documents)  # noqa: E731
    cigarettes = share(lambda d: any(g["commodity"] == "cigarettes" for g in d["goods"]))
    assert 0.48 <= cigarettes <= 0.64, cigarettes
    assert 0.08 <= share(lambda d: any(g["commodity"] == "sugar" for g in d["goods"])) <= 0.2
    ownerless = share(lambda d: d["ownerless"])
    assert 0.52 <= ownerless <= 0.68, ownerless
    assert share(lambda d: d["status"] in ("approved", "closed")) > 0.8
    assert 0.002 <= share(lambda d: d["status"] == "voided") <= 0.03
    assert share(lambda d: d["status"] in ("draft", "submitted")) > 0.01
    groups = Counter(d["violation_group"] for d in documents)
    assert groups["counterfeit_ip"] > 0 and groups["trade_fraud"] > 0
    night = share(lambda d: datetime.fromisoformat(d["occurred_at"]).hour in (23, 0, 1))
    assert night > 0.65, night
    assert share(lambda d: d["place"].startswith(("Mốc 2", "Khu vực mốc 2"))) > 0.15
    outcomes = Counter(d["handling"].get("outcome") for d in documents)
    assert outcomes["confiscation"] and outcomes["admin_fine"] and outcomes["criminal_transfer"]
    kinds = Counter(v["kind"] for d in documents for v in d["vehicles"])
    assert {"motorbike", "car", "ghe", "xuong", "vo_lai"} <= set(kinds)
    assert any(p["nationality"] == "KH" and "id_number" not in p for d in documents for p in d["parties"])


def test_most_cases_are_located_near_their_commune(
    demo: tuple[Context, Actor], documents: list[dict[str, Any]]
) -> None:
    """So that the GeoJSON export (a map in QGIS) can be tried on the demo: four in five cases not sold
    online carry a position within ~2 km of their commune; an online case none."""
    from app.demo_words import CENTRES

    names = {c.code: c.name.split(" ", 1)[-1] for c in demo[0].reference.communes.values()}
    located = [d for d in documents if d.get("latitude") is not None]
    offline = [d for d in documents if d["location_kind"] != "online"]
    assert all(d["location_kind"] != "online" for d in located)
    assert 0.72 <= len(located) / len(offline) <= 0.88, len(located) / len(offline)
    for d in located:
        latitude, longitude = CENTRES[names[d["commune_code"]]]
        assert abs(d["latitude"] - latitude) <= 0.02 and abs(d["longitude"] - longitude) <= 0.02, d["number"]



def test_the_demo_exports_to_a_map(post: Post, tmp_path: Path) -> None:
    import json

    from app.exports import export_cases

    generate_demo(post.ctx, post.admin, cases=150, seed=3)
    path = tmp_path / "ban-do.geojson"
    written = export_cases(post.ctx, post.chief, CaseFilter(), "geojson", path)
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    assert written.rows == len(features) and 90 <= len(features) <= 140, len(features)
    assert all(104.4 < f["geometry"]["coordinates"][0] < 105.3 for f in features)  # longitude first


def test_cases_are_consistent_with_their_handling(documents: list[dict[str, Any]]) -> None:
    for d in documents:
        handling = d["handling"]
        if d["ownerless"]:
            assert d["parties"] == [], d["number"]
            assert handling.get("outcome") in (None, "pending", "confiscation")
        else:
            assert d["parties"], d["number"]
        if d["status"] == "voided":
            assert d["void_reason"]
        if d["status"] in ("approved", "closed"):
            assert d["approved_by"] == "admin" and handling["outcome"] != "pending"
        if handling.get("outcome") == "criminal_transfer":
            packs = sum(int(g["base_quantity"]) for g in d["goods"] if g["commodity"] == "cigarettes")
            fireworks = sum(Decimal(g["base_quantity"]) for g in d["goods"] if g["commodity"] == "fireworks")
            assert packs >= 1500 or fireworks >= 6, d["number"]  # the criminal thresholds
            assert handling["defendants"] >= 1
            assert any(p["role"] == "owner" for p in d["parties"])
        if handling.get("outcome") == "admin_fine":
            assert handling["fine_vnd"] > 0 and handling["decision_no"].endswith("/QĐ-XPHC")
        for goods in d["goods"]:
            if goods["commodity"] == "cigarettes":
                packs = int(goods["base_quantity"])
                assert 14_000 <= goods["value_vnd"] / packs <= 17_000
        cigarettes = sum(int(g["base_quantity"]) for g in d["goods"] if g["commodity"] == "cigarettes")
        assert cigarettes == 0 or 250 <= cigarettes <= 20_000
        sugar = [g for g in d["goods"] if g["description"] == "Đường cát Thái Lan"]
        assert all(5_000 <= Decimal(g["base_quantity"]) <= 16_000 for g in sugar)


def test_codes_units_ids_and_plates_are_valid(demo: tuple[Context, Actor],
                                              documents: list[dict[str, Any]]) -> None:
    from app.text import check_id_number, check_plate, check_vessel

    reference = demo[0].reference
    for d in documents:
        assert d["commune_code"] in reference.communes
        assert d["violation_group"] in reference.codes("violation_groups")
        assert d["location_kind"] in reference.codes("location_kinds")
        assert d["detection"] in reference.codes("detection_methods")
        assert {d["lead_force"], *d["cooperating_forces"]} <= reference.codes("forces")
        assert d["handling"].get("outcome") in {None, *reference.codes("outcomes")}
        for goods in d["goods"]:
            commodity = reference.commodities[goods["commodity"]]
            assert commodity.accepts(goods["unit"]), (goods["commodity"], goods["unit"])
            base = commodity.to_base(Decimal(goods["quantity"]), goods["unit"])
            assert (str(base[0].normalize()), base[1]) == (
                str(Decimal(goods["base_quantity"]).normalize()), goods["base_unit"])
        for i, party in enumerate(d["parties"]):
            assert party["role"] in reference.codes("party_roles")
            if party["kind"] == "person" and party.get("nationality") == "VN":
                assert party["id_number"][:3] in ("089", "091")
                birth = date.fromisoformat(party["birth_date"])
                assert check_id_number(party["id_number"], nationality="VN", birth_date=birth,
                                       gender=party["gender"], path=f"parties[{i}]") == []
        for vehicle in d["vehicles"]:
            assert vehicle["kind"] in reference.codes("vehicle_kinds")
            if vehicle["kind"] in ("motorbike", "car", "truck") and vehicle.get("plate"):
                assert vehicle["plate"][:2] in ("67", "68")
                assert check_plate(vehicle["plate"], "plate") == []
            elif vehicle["kind"] == "ship":
                assert check_vessel(vehicle["plate"], "plate") == []
            else:
                assert "plate" not in vehicle or vehicle["plate"] == ""


def test_text_is_nfc_and_times_are_in_order(documents: list[dict[str, Any]]) -> None:
    first, last, end = demo_period(NOW)
    occurred = []
    for d in documents:
        for text in (d["place"], d["summary"], d["violation"], *(p["full_name"] for p in d["parties"])):
            assert unicodedata.is_normalized("NFC", text)
        moment = datetime.fromisoformat(d["occurred_at"])
        assert moment.utcoffset() == timedelta(hours=7)
        assert first <= (moment - timedelta(hours=6)).date() <= last
        created = datetime.fromisoformat(d["created_at"].replace("Z", "+00:00"))
        updated = datetime.fromisoformat(d["updated_at"].replace("Z", "+00:00"))
        assert moment <= created <= updated <= end
        occurred.append(moment)
    assert occurred == sorted(occurred)  # inserted in chronological order
    assert (last - first).days >= 3 * 365 - 1
    assert occurred[-1] - occurred[0] > timedelta(days=3 * 365 - 30)


# ----- written like the normal save path ---------------------------------------------------------------


def test_audit_chain_verifies(demo: tuple[Context, Actor]) -> None:
    ctx, _ = demo
    report = _verify(ctx)
    assert report.ok, report.problems[:5]
    meta = _rows(ctx, "SELECT count(*) FROM meta WHERE key != 'search_rebuild'")[0][0]
    # The station, its admin, the admin's lock-out counters and the meta rows, then one event per case
    # and one per change-log row; the same for every other change the demo makes through its service
    # (hand-overs, activities and the establishments they inspect, tips), and one per activity's case link.
    changes = _rows(ctx, "SELECT count(*) FROM change_log")[0][0]
    activities = _rows(ctx, "SELECT count(*) FROM activities")[0][0]
    links = _rows(ctx, "SELECT count(*) FROM activity_cases")[0][0]
    assert activities == DEMO_CASES // 4 and changes > DEMO_CASES + activities
    assert report.events == 3 + meta + 2 * changes + links
    history = ctx.cases.history(demo[1], _rows(ctx, "SELECT id FROM cases LIMIT 1")[0][0])
    assert [h.action for h in history] == ["create"]


def test_change_log_and_counters_follow_the_cases(demo: tuple[Context, Actor]) -> None:
    ctx, _ = demo
    seqs = [row[0] for row in _rows(ctx, "SELECT seq FROM change_log ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))  # one sequence, no gaps: cases, then the rest
    case_seqs = [row[0] for row in _rows(ctx, "SELECT seq FROM change_log WHERE entity = 'case' ORDER BY 1")]
    assert case_seqs == list(range(1, DEMO_CASES + 1))
    assert _rows(ctx, "SELECT count(*) FROM cases c JOIN change_log l ON l.entity_id = c.id "
                      "AND l.seq = c.change_seq")[0][0] == DEMO_CASES
    counters = dict(_rows(ctx, "SELECT year, last_seq FROM case_counters"))
    per_year = dict(_rows(ctx, "SELECT year, max(seq) FROM cases GROUP BY year"))
    assert counters == per_year
    assert sum(per_year.values()) == DEMO_CASES


def test_search_finds_cigarettes_and_sugar(demo: tuple[Context, Actor],
                                           documents: list[dict[str, Any]]) -> None:
    ctx, admin = demo
    hero = ctx.cases.list(admin, CaseFilter(query="thuoc la hero"), limit=20)
    assert len(hero) == 20
    for row in hero:
        assert "Hero" in str(ctx.cases.get(admin, row.id).document)
    sugar = ctx.cases.list(admin, CaseFilter(query="duong"), limit=20)
    assert len(sugar) == 20
    assert any(row.commodities == "sugar" for row in sugar)
    person = next(d for d in documents[-50:] if any(p.get("id_number") for p in d["parties"]))
    number = next(p["id_number"] for p in person["parties"] if p.get("id_number"))
    assert person["id"] in [r.id for r in ctx.cases.list(admin, CaseFilter(query=number))]


def test_search_rows_are_those_the_app_would_index(demo: tuple[Context, Actor]) -> None:
    ctx, _ = demo
    written = _rows(ctx, "SELECT rowid, body FROM case_search ORDER BY rowid")
    assert [r[0] for r in written] == [r[0] for r in _rows(ctx, "SELECT rowid FROM cases ORDER BY rowid")]
    rebuild_search_index(ctx)
    assert _rows(ctx, "SELECT rowid, body FROM case_search ORDER BY rowid") == written


def test_rows_are_stored_as_the_case_service_stores_them(demo: tuple[Context, Actor],
                                                         documents: list[dict[str, Any]],
                                                         tmp_path: Path) -> None:
    """Re-entering demo cases through ``ctx.cases.create`` stores the same column values."""
    ctx = demo[0]
    sample = [d for d in documents if d["parties"] and d["vehicles"]][:15]
    sample += [d for d in documents if any(v["kind"] == "car" for v in d["vehicles"])][:5]
    sample += [d for d in documents if any(v["kind"] == "ship" for v in d["vehicles"])][:3]
    sample += [d for d in documents if d["parties"] and d["parties"][0]["kind"] == "organisation"][:3]
    sample += [d for d in documents if d["ownerless"]][:5]
    sample += [d for d in documents if d["location_kind"] == "online"][:5]
    other, other_admin = _register(tmp_path / "other")
    for d in sample:
        created = other.cases.create(other_admin, _case_input(d))
        for table, skip in (("goods_lines", 2), ("parties", 2), ("vehicles", 2)):
            sql = f"SELECT * FROM {table} WHERE case_id = ? ORDER BY position"
            assert [r[skip:] for r in _rows(ctx, sql, d["id"])] == \
                [r[skip:] for r in _rows(other, sql, created.id)], (table, d["number"])
        same = ("occurred_at", "utc_offset_min", "detected_at", "place", "commune_code", "location_kind",
                "online_platform", "online_account", "online_url",
                "violation_group", "violation", "legal_basis", "detection", "ownerless", "lead_force",
                "cooperating_forces", "summary", "outcome", "decision_no", "decision_date", "fine_vnd",
                "proceeds_vnd", "tax_vnd", "receiving_agency", "defendants", "year")
        sql = f"SELECT {', '.join(same)} FROM cases WHERE id = ?"
        assert _rows(ctx, sql, d["id"]) == _rows(other, sql, created.id), d["number"]


def _case_input(d: dict[str, Any]) -> CaseInput:
    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    handling = d["handling"]
    return CaseInput(
        occurred_at=datetime.fromisoformat(d["occurred_at"]),
        detected_at=datetime.fromisoformat(d["detected_at"]) if "detected_at" in d else None,
        violation_group=d["violation_group"], place=d["place"], commune_code=d["commune_code"],
        location_kind=d["location_kind"], online_platform=d.get("online_platform"),
        online_account=d.get("online_account"), online_url=d.get("online_url"),
        violation=d["violation"], legal_basis=d.get("legal_basis"),
        detection=d["detection"], ownerless=d["ownerless"], lead_force=d["lead_force"],
        cooperating_forces=tuple(d["cooperating_forces"]), summary=d["summary"],
        goods=tuple(
            GoodsInput(g["commodity"], Decimal(g["quantity"]), g["unit"], g["description"],
                       g.get("value_vnd"), g.get("condition"), g.get("origin_country"), g.get("disposition"),
                       g.get("note"))
            for g in d["goods"]
        ),
        parties=tuple(
            PartyInput(p["kind"], p["role"], p["full_name"], day(p.get("birth_date")), p.get("gender"),
                       p.get("nationality"), p.get("id_number"), day(p.get("id_issued_on")),
                       p.get("id_issued_by"), p.get("occupation"), p.get("address"), p.get("tax_code"),
                       p.get("representative"))
            for p in d["parties"]
        ),
        vehicles=tuple(VehicleInput(v["kind"], v.get("plate", ""), v.get("description"))
                       for v in d["vehicles"]),
        handling=HandlingInput(
            outcome=handling.get("outcome"), decision_no=handling.get("decision_no"),
            decision_date=day(handling.get("decision_date")), fine_vnd=handling.get("fine_vnd"),
            proceeds_vnd=handling.get("proceeds_vnd"), tax_vnd=handling.get("tax_vnd"),
            receiving_agency=handling.get("receiving_agency"), defendants=handling.get("defendants"),
        ),
    )


# ----- living with other writers ----------------------------------------------------------------------


@pytest.mark.any_day
def test_a_case_saved_after_the_demo_gets_the_next_number(post: Post, now: datetime) -> None:
    before = post.ctx.cases.create(post.officer, sample_case(occurred_at=post.ctx.clock()))
    generate_demo(post.ctx, post.admin, cases=500, seed=2)
    year = post.ctx.today().year
    demo_numbers = [r[0] for r in _rows(post.ctx, "SELECT seq FROM cases WHERE year = ? ORDER BY seq", year)]
    assert demo_numbers == list(range(1, len(demo_numbers) + 1))
    assert before.number == f"BP-VX/{year}/00001"
    after = post.ctx.cases.create(post.officer, sample_case(occurred_at=post.ctx.clock()))
    assert after.number == f"BP-VX/{year}/{len(demo_numbers) + 1:05d}"
    assert _verify(post.ctx).ok


def test_someone_saving_between_batches_is_numbered_and_chained_in(post: Post) -> None:
    saved: list[str] = []

    def save_a_case(done: int, total: int) -> None:
        if done in (100, 200, 300):  # between the batches
            saved.append(post.ctx.cases.create(post.officer, sample_case()).number)

    generate_demo(post.ctx, post.admin, cases=400, seed=5, batch_size=100, progress=save_a_case)
    assert len(saved) == 3
    numbers = [r[0] for r in _rows(post.ctx, "SELECT number FROM cases")]
    assert len(numbers) == len(set(numbers)) == 403
    assert _verify(post.ctx).ok
    assert len(post.ctx.cases.list(post.officer, CaseFilter(query="hero"), limit=500)) > 50


def test_cancel_keeps_whole_batches_and_a_sound_register(post: Post) -> None:
    token = CancelToken()
    reports: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        reports.append((done, total))
        if done >= 200:
            token.cancel()

    with pytest.raises(Cancelled):
        generate_demo(post.ctx, post.admin, cases=1000, seed=1, batch_size=100, progress=progress,
                      cancel=token)
    assert reports == [(0, 1020), (100, 1020), (200, 1020)]
    assert post.ctx.cases.count(post.admin) == 200
    assert _rows(post.ctx, "SELECT count(*) FROM goods_lines")[0][0] >= 200
    assert _rows(post.ctx, "SELECT count(*) FROM case_search")[0][0] == 200
    assert _verify(post.ctx).ok
    post.ctx.cases.create(post.officer, sample_case())
    assert _verify(post.ctx).ok


def test_progress_goes_on_while_the_report_tallies_are_stored(post: Post) -> None:
    reports: list[tuple[int, int]] = []
    generate_demo(post.ctx, post.admin, cases=500, seed=2, batch_size=250,
                  progress=lambda done, total: reports.append((done, total)))
    assert {total for _done, total in reports} == {510}
    assert reports[:3] == [(0, 510), (250, 510), (500, 510)]
    storing = [done for done, _total in reports[3:-1]]
    assert len(storing) > 10 and storing == sorted(storing) and storing[0] == 500 and 505 < storing[-2] < 510
    assert reports[-1] == (510, 510)
    assert _rows(post.ctx, "SELECT count(*) FROM report_halves")[0][0] > 10


def test_only_chiefs_and_admins_generate_demo_cases(post: Post) -> None:
    with pytest.raises(PermissionDenied):
        generate_demo(post.ctx, post.officer, cases=10)
    assert post.ctx.cases.count(post.admin) == 0
    assert generate_demo(post.ctx, post.chief, cases=10) == 10
    assert generate_demo(post.ctx, post.chief, cases=0) == 0


@pytest.mark.any_day
def test_the_demo_covers_the_three_years_before_today_and_nothing_after(post: Post, now: datetime) -> None:
    """Made on any day, the demo's cases lie in its three years up to yesterday, none in the future, and
    every half-month it wrote to is stored again for the reports."""
    first, last, _end = demo_period(post.ctx.clock())
    generate_demo(post.ctx, post.admin, cases=120, seed=3)
    days = [
        datetime.fromisoformat(when).replace(tzinfo=UTC).astimezone(ICT).date()
        for (when,) in _rows(post.ctx, "SELECT occurred_at FROM cases")
    ]
    assert first <= min(days) and max(days) <= last < now.astimezone(ICT).date()
    halves = {(half,) for half in tallies.halves_touching(first, last)}
    stored = set(_rows(post.ctx, "SELECT half FROM report_halves"))
    touched = {(tallies.half_of(day).isoformat(),) for day in days}
    assert touched <= stored and len(halves) >= 72
