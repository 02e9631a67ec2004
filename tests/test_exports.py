"""Exports (app/exports.py, cli/exports.py) read back as the programs that open them would: the Excel
file with openpyxl, the CSV with the csv module (its byte-order mark first), the GeoJSON against a
small schema of RFC 7946 written here; rows checked against the cases the test wrote."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from openpyxl import load_workbook

from app import audit_check
from app.domain import CaseFilter, CaseSort, GoodsInput, PartyInput, VehicleInput
from app.errors import Cancelled, ValidationError
from app.exports import (
    CASE_COLUMNS,
    csv_text,
    default_delimiter,
    export_cases,
    export_people,
    export_vehicles,
)
from app.i18n import set_language
from app.progress import CancelToken
from tests.helpers.cases import ICT, sample_case
from tests.helpers.cli import outpost
from tests.helpers.registers import Post
from tests.helpers.registers import rows as query_rows

# RFC 7946 as far as an export of points uses it: a FeatureCollection of Features, each a Point whose
# coordinates are [longitude, latitude] in range, with the case list's properties and no others.
GEOJSON_SCHEMA = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"const": "Feature"},
                    "id": {"type": ["string", "number"]},
                    "geometry": {
                        "type": "object",
                        "required": ["type", "coordinates"],
                        "properties": {
                            "type": {"const": "Point"},
                            "coordinates": {
                                "type": "array",
                                "minItems": 2,
                                "maxItems": 3,
                                "prefixItems": [
                                    {"type": "number", "minimum": -180, "maximum": 180},
                                    {"type": "number", "minimum": -90, "maximum": 90},
                                ],
                            },
                        },
                    },
                    "properties": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["number", "occurred_at", "place", "violation_group", "status"],
                        "properties": {
                            key: {"type": "string"}
                            for key in (
                                "number",
                                "occurred_at",
                                "place",
                                "violation_group",
                                "violation_group_label",
                                "commodities",
                                "status",
                                "status_label",
                            )
                        },
                    },
                },
            },
        },
    },
}
INFORMANT = "Lê Văn Mật Báo 0913000111"
PLACES = ("Ấp Vĩnh Lợi", "Ấp Vĩnh Hòa", "Ấp Phú Hội", "Ấp Khánh Bình", "Ấp Tân An")  # days 1 to 5


def _cases(post: Post) -> list[str]:
    """Five cases: three located (Vĩnh Xương, lat 10,9, lon 105,2), one approved; numbers in order."""
    made = []
    for day in range(1, 6):
        located = day <= 3
        data = sample_case(
            occurred_at=datetime(2026, 11, day, 8, 30, tzinfo=ICT),
            place=PLACES[day - 1],
            violation_group="trade_fraud" if day % 2 else "prohibited_smuggled",
            latitude=10.9 + day / 100 if located else None,
            longitude=105.2 + day / 100 if located else None,
            goods=(GoodsInput("cigarettes", Decimal(day), "cây", "Thuốc lá"),),
            parties=(
                PartyInput("person", "carrier", f"Nguyễn Văn Số {day}", id_number=f"08909000{day:04d}"),
            ),
            vehicles=(VehicleInput("motorbike", f"67H1-{day:03d}.13"),),
        )
        made.append(post.ctx.cases.create(post.officer, data).id)
    post.ctx.cases.submit(post.officer, made[0])
    post.ctx.cases.approve(post.chief, made[0])
    post.ctx.tips.add(
        post.officer,
        received_at=datetime(2026, 11, 1, 20, 0, tzinfo=ICT),
        channel="phone",
        content="Có xe chở thuốc lá qua mốc 264",
        informant=INFORMANT,
        case_id=made[0],
    )
    return made


def test_the_case_list_to_excel_as_shown(post: Post, tmp_path: Path) -> None:
    _cases(post)
    path = tmp_path / "vu-viec.xlsx"
    result = export_cases(post.ctx, post.chief, CaseFilter(violation_group="trade_fraud"), "xlsx", path)
    assert result.rows == 3  # days 1, 3 and 5
    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(c.title for c in CASE_COLUMNS)
    assert [r[2] for r in rows[1:]] == [PLACES[4], PLACES[2], PLACES[0]]  # newest first, as the list
    assert rows[1][1] == datetime(2026, 11, 5, 8, 30)  # a real date-time, in the register's zone
    assert {r[3] for r in rows[1:]} == {post.ctx.reference.label("violation_groups", "trade_fraud")}
    assert rows[3][5] == post.ctx.reference.label("case_statuses", "approved")
    # Sorted as the list was, oldest first.
    export_cases(post.ctx, post.chief, CaseFilter(), "xlsx", path, sort=CaseSort("occurred_at", False))
    places = [r[2] for r in list(load_workbook(path).active.iter_rows(values_only=True))[1:]]
    assert places == list(PLACES)


def test_the_case_list_to_csv_with_a_byte_order_mark_for_excel(post: Post, tmp_path: Path) -> None:
    _cases(post)
    path = tmp_path / "vu-viec.csv"
    result = export_cases(post.ctx, post.chief, CaseFilter(query="vinh hoa"), "csv", path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert result.rows == len(rows) - 1 == 1
    assert rows[0] == [c.title for c in CASE_COLUMNS]
    assert rows[1][1:3] == ["02/11/2026 08:30", PLACES[1]]


def test_located_cases_to_geojson_in_longitude_latitude_order(post: Post, tmp_path: Path) -> None:
    made = _cases(post)
    path = tmp_path / "vu-viec.geojson"
    result = export_cases(post.ctx, post.chief, CaseFilter(), "geojson", path)
    assert (result.rows, result.left_out) == (3, 2)
    text = path.read_text(encoding="utf-8")
    document = json.loads(text)
    jsonschema.validate(document, GEOJSON_SCHEMA)
    points = {f["properties"]["place"]: f["geometry"]["coordinates"] for f in document["features"]}
    assert points == {PLACES[d - 1]: [round(105.2 + d / 100, 6), round(10.9 + d / 100, 6)] for d in (1, 2, 3)}
    first = post.ctx.cases.get(post.chief, made[0])
    assert any(f["id"] == first.number for f in document["features"])
    # Nothing about a person: the party's name and ID number, the plate, the informant are not there.
    for personal in ("Nguyễn Văn Số", "08909000", "67H1", INFORMANT):
        assert personal not in text


def test_people_and_vehicles_lists_and_never_an_informant(post: Post, tmp_path: Path) -> None:
    _cases(post)
    people = tmp_path / "nguoi.csv"
    result = export_people(post.ctx, post.chief, CaseFilter(), "csv", people)
    rows = list(csv.DictReader(io.StringIO(people.read_text(encoding="utf-8-sig"), newline="")))
    assert result.rows == 5
    assert [r["Full name"] for r in rows] == [f"Nguyễn Văn Số {d}" for d in range(5, 0, -1)]
    assert rows[-1]["ID number"] == "089090000001"
    assert "Mật Báo" not in people.read_text(encoding="utf-8-sig")
    vehicles = tmp_path / "xe.xlsx"
    export_vehicles(post.ctx, post.chief, CaseFilter(statuses=("approved",)), "xlsx", vehicles)
    rows = list(load_workbook(vehicles).active.iter_rows(values_only=True))
    assert rows[1][3] == "67H1-001.13" and len(rows) == 2
    with pytest.raises(ValidationError, match="format"):
        export_people(post.ctx, post.chief, CaseFilter(), "geojson", tmp_path / "x.geojson")


def test_a_cancelled_export_leaves_no_file(post: Post, tmp_path: Path) -> None:
    _cases(post)
    cancel = CancelToken()
    cancel.cancel()
    path = tmp_path / "vu-viec.xlsx"
    with pytest.raises(Cancelled):
        export_cases(post.ctx, post.chief, CaseFilter(), "xlsx", path, cancel=cancel)
    assert list(tmp_path.glob("vu-viec*")) == [] and not list(tmp_path.glob(".vu-viec*"))


def test_the_export_commands(post: Post, tmp_path: Path) -> None:
    _cases(post)
    data_dir = post.data_dir
    target = tmp_path / "ban-do.geojson"
    run = outpost(data_dir, "case", "export", "--from", "2026-11-02", "-o", str(target))
    assert run.returncode == 0, run.stderr
    assert "2 located cases written" in run.stdout and "(2 without coordinates left out)" in run.stdout
    run = outpost(data_dir, "people", "export", "--search", "phu hoi", "-o", str(tmp_path / "nguoi.xlsx"))
    assert run.returncode == 0, run.stderr
    head, *rows = load_workbook(tmp_path / "nguoi.xlsx").active.iter_rows(values_only=True)
    assert [r[4] for r in rows] == ["Nguyễn Văn Số 3"]
    assert head[4] == "Họ và tên"  # the file is in the register's language, as the app shows it
    # CSV with the delimiter asked for; each export an audit event, and the chain still verifies.
    target = tmp_path / "nguoi.csv"
    run = outpost(data_dir, "people", "export", "--delimiter", "semicolon", "--group", "trade_fraud",
                  "-o", str(target))
    assert run.returncode == 0, run.stderr
    assert "(separated by ';')" in run.stdout
    head, *people = csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"), newline=""), delimiter=";")
    assert head[4] == "Họ và tên" and len(people) == 3
    events = _export_events(post)
    assert [(actor, diff["kind"], diff["format"], diff["rows"]) for actor, _entity, diff in events] == [
        ("admin", "cases", "geojson", 2), ("admin", "people", "xlsx", 1), ("admin", "people", "csv", 3)
    ]
    last = events[-1][2]
    assert (last["filter"], last["file"]) == ({"violation_group": "trade_fraud"}, "nguoi.csv")
    verify = outpost(data_dir, "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    # The file is in the register's language (Vietnamese), the command's refusals in English as every
    # command's: the language is chosen only once what the command was given is checked.
    for args, said in (
        (["people", "export", "-o", str(tmp_path / "p.geojson")],
         "format: 'geojson' is not one of xlsx, csv"),
        (["case", "export", "-o", str(tmp_path / "c.txt")], "format: 'txt' is not one of xlsx, csv, geojson"),
        (["vehicles", "export", "--from", "2026-13-01", "-o", str(tmp_path / "v.csv")], "--from"),
    ):
        refused = outpost(data_dir, *args)
        assert refused.returncode == 2 and said in refused.stderr, refused.stderr
        assert refused.stderr.isascii(), refused.stderr


# ----- CSV for Excel on a Vietnamese or an English Windows (issue 20 item 3) ---------------------------

AWKWARD_ADDRESS = 'Tổ 3; ấp "Vĩnh Lợi", xã Vĩnh Xương\nAn Giang'  # both delimiters, quotes, a line break


@pytest.mark.parametrize("delimiter", [";", ","])
def test_csv_read_back_with_its_delimiter_keeps_awkward_fields_whole(
    post: Post, tmp_path: Path, delimiter: str
) -> None:
    post.ctx.cases.create(post.officer, sample_case(parties=(
        PartyInput("person", "carrier", "Trần Thị Bích", id_number="089090001234", address=AWKWARD_ADDRESS),
    )))
    path = tmp_path / "nguoi.csv"
    result = export_people(post.ctx, post.chief, CaseFilter(), "csv", path, delimiter=delimiter)
    assert result.delimiter == delimiter
    text = io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")
    rows = list(csv.reader(text, delimiter=delimiter))
    assert len(rows) == 2 and len(rows[1]) == len(rows[0]) == 10  # one row, every field in its column
    assert rows[1][4] == "Trần Thị Bích"
    assert rows[1][9] == AWKWARD_ADDRESS  # quoted, the quotes doubled, the line break kept inside


def test_decimals_follow_delimiter_and_vietnamese_defaults_to_semicolons(post: Post, tmp_path: Path) -> None:
    assert (csv_text(Decimal("2.5"), ";"), csv_text(Decimal("2.5"), ",")) == ("2,5", "2.5")
    assert (csv_text(10.95, ";"), csv_text(10.95, ",")) == ("10,95", "10.95")
    assert csv_text(Decimal("150"), ";") == "150"
    assert csv_text(datetime(2026, 11, 2, 8, 30), ";") == "02/11/2026 08:30"
    assert (default_delimiter("vi"), default_delimiter("en")) == (";", ",")
    _cases(post)
    set_language("vi")  # the interface in Vietnamese, no delimiter asked for
    path = tmp_path / "vu-viec.csv"
    assert export_cases(post.ctx, post.chief, CaseFilter(), "csv", path).delimiter == ";"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""), delimiter=";"))
    assert len(rows) == 6 and all(len(r) == len(CASE_COLUMNS) for r in rows)
    with pytest.raises(ValidationError, match=r"'\|'"):  # (in Vietnamese: the interface's)
        export_cases(post.ctx, post.chief, CaseFilter(), "csv", path, delimiter="|")


# ----- every export is an audit event (issue 20 item 3) ------------------------------------------------


def _export_events(post: Post) -> list[tuple[str, str, dict[str, Any]]]:
    sql = "SELECT actor, entity, diff FROM audit_events WHERE action = 'export' ORDER BY seq"
    found = query_rows(post.ctx, sql)
    return [(actor, entity, json.loads(diff)) for actor, entity, diff in found]


def test_every_export_is_an_audit_event_without_the_personal_data(post: Post, tmp_path: Path) -> None:
    _cases(post)
    chosen = CaseFilter(query="vinh", statuses=("draft",), violation_group="trade_fraud")
    export_people(post.ctx, post.chief, chosen, "csv", tmp_path / "nguoi.csv", delimiter=";")
    export_vehicles(post.ctx, post.officer, CaseFilter(), "xlsx", tmp_path / "xe.xlsx")
    export_cases(post.ctx, post.chief, CaseFilter(), "geojson", tmp_path / "ban-do.geojson")
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):  # no file, so no event
        export_cases(post.ctx, post.chief, CaseFilter(), "csv", tmp_path / "huy.csv", cancel=cancel)

    events = _export_events(post)
    chosen_people = post.ctx.cases.count(post.chief, chosen)  # one person in each case
    assert chosen_people >= 1
    assert [(actor, entity, diff["kind"], diff["format"], diff["rows"], diff["file"])
            for actor, entity, diff in events] == [
        ("chief", "user", "people", "csv", chosen_people, "nguoi.csv"),
        ("officer", "user", "vehicles", "xlsx", 5, "xe.xlsx"),
        ("chief", "user", "cases", "geojson", 3, "ban-do.geojson"),
    ]
    assert events[0][2]["filter"] == {
        "query": "vinh", "statuses": ["draft"], "violation_group": "trade_fraud"
    }
    assert events[1][2]["filter"] == {}
    stored = json.dumps([diff for _actor, _entity, diff in events], ensure_ascii=False)
    for personal in ("Nguyễn Văn Số", "08909000", "67H1"):  # never a row of the file
        assert personal not in stored
    verified = audit_check.check(post.ctx, post.admin)
    assert verified.ok, verified.problems  # the users' rows are still as sealed



def test_people_in_words_a_reader_knows_and_columns_wide_enough_in_excel(post: Post, tmp_path: Path) -> None:
    """Issue 20 (a new user's trial): the people list said ``male``, ``VN`` and "số giấy tờ" in a
    Vietnamese file, and Excel opened every column at its default width (case numbers as "####")."""
    post.ctx.cases.create(
        post.officer,
        sample_case(
            parties=(
                PartyInput("person", "carrier", "Trần Văn Ba", gender="male", nationality="KH"),
                PartyInput("organisation", "owner", "Công ty TNHH Một Thành Viên", nationality="VN"),
            )
        ),
    )
    set_language("vi")
    path = tmp_path / "nguoi.xlsx"
    export_people(post.ctx, post.chief, CaseFilter(), "xlsx", path)
    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert all(title[:1].isupper() for title in rows[0]), rows[0]
    assert "Số giấy tờ" in rows[0]
    assert (rows[1][3], rows[1][6], rows[1][7]) == ("Cá nhân", "Nam", "Campuchia")
    assert (rows[2][3], rows[2][7]) == ("Tổ chức", "Việt Nam")
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJ"]
    assert widths[0] >= len("BP-VX/2026/00001") and widths[1] >= len("02/11/2026 08:30")
    assert all(width >= 9 for width in widths)
    cases = tmp_path / "vu-viec.xlsx"
    export_cases(post.ctx, post.chief, CaseFilter(), "xlsx", cases)
    assert load_workbook(cases).active.column_dimensions["A"].width >= len("BP-VX/2026/00001")
