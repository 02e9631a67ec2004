"""The published case format holds: every document Outpost writes validates against the schema it
publishes, the schema and the field table agree, and a case moves between registers by its own JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from app.case_json import (
    ATTACHMENT_FIELDS,
    CASE_FIELDS,
    DOCUMENT_FIELDS,
    GOODS_FIELDS,
    HANDLING_FIELDS,
    PARTY_FIELDS,
    VEHICLE_FIELDS,
    Field,
    Part,
    case_document,
    case_json,
    fields_of,
    stored_case,
)
from app.context import Context
from app.demo import generate_demo
from app.domain import Actor, AttachmentInput, DocumentInput
from app.errors import ValidationError
from app.interchange import parse_cases
from app.json_input import load_json_text
from app.register import init_register
from app.resources import resource_path
from app.sync import bundle, keys
from app.sync.enrol import accept_request, install_reply, make_request
from app.sync.export import export_changes
from db import models as m
from tests.helpers.cases import sample_case
from tests.helpers.registers import PASSWORD, Post

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = sorted(resource_path("schemas").glob("*.json"))
CASE_SCHEMA = json.loads(resource_path("schemas", "case-v1.schema.json").read_text(encoding="utf-8"))
# The demo's clock stands in the past, so that its cases are in the past on any day the tests run.
DEMO_CLOCK = datetime(2021, 6, 15, 3, 0, tzinfo=UTC)
PASSPHRASE = "mat-khau-khoa-1"


FORMATS = FormatChecker()  # the package's own "date", and "date-time" as RFC 3339 section 5.6 has it
RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"
)


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True  # the type is another keyword's business
    return RFC3339.fullmatch(value) is not None and datetime.fromisoformat(value) is not None


def problems(document: object) -> list[str]:
    """What the published schema, read by the jsonschema package with the formats asserted (which
    Outpost's own parser leaves to its reference and meaning checks), finds wrong in ``document``."""
    validator = Draft202012Validator(CASE_SCHEMA, format_checker=FORMATS)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def demo_register(folder: Path, cases: int = 0) -> tuple[Context, Actor]:
    ctx = init_register(folder, kind="post", code="BP-VX", name="Đồn Biên phòng Vĩnh Xương",
                        admin_username="admin", admin_password=PASSWORD, commune_code="30385",
                        clock=lambda: DEMO_CLOCK)
    admin = ctx.login("admin", PASSWORD)
    if cases:
        generate_demo(ctx, admin, cases=cases, seed=11)
    return ctx, admin


def shown(ctx: Context, actor: Actor) -> list[dict[str, Any]]:
    """Every case of the register as ``case show --json`` prints it (JSON text, read back)."""
    with ctx.sessions.reads() as session:
        ids = session.connection().exec_driver_sql("SELECT id FROM cases ORDER BY rowid").scalars().all()
    return [json.loads(json.dumps(ctx.cases.get(actor, i).document, ensure_ascii=False)) for i in ids]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Context, Actor]]:
    ctx, admin = demo_register(tmp_path_factory.mktemp("demo") / "post", cases=60)
    yield ctx, admin
    ctx.close()


# ----- the schema files and the field table ---------------------------------------------------------


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_every_published_schema_is_a_valid_2020_12_schema(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def _read_only(node: dict[str, Any]) -> bool:
    target = node
    if "$ref" in node:
        target = CASE_SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return bool(node.get("readOnly") or target.get("readOnly"))


@pytest.mark.parametrize(
    ("definition", "fields"),
    [
        ("case", CASE_FIELDS),
        ("goods", GOODS_FIELDS),
        ("party", PARTY_FIELDS),
        ("vehicle", VEHICLE_FIELDS),
        ("document", DOCUMENT_FIELDS),
        ("attachment", ATTACHMENT_FIELDS),
        ("handling", HANDLING_FIELDS),
    ],
)
def test_the_schema_lists_the_field_table_in_its_order(definition: str, fields: tuple[Field, ...]) -> None:
    """One list of fields: the schema's properties are the table's, in the order a case document
    writes them, and exactly the stored and derived ones are read-only."""
    properties = CASE_SCHEMA["$defs"][definition]["properties"]
    assert list(properties) == [f.key for f in fields]
    read_only = [key for key, node in properties.items() if _read_only(node)]
    assert read_only == [f.key for f in fields if f.part is not Part.ENTERED]


def test_the_document_a_case_or_a_list_of_cases() -> None:
    example = json.loads((ROOT / "docs" / "examples" / "case.json").read_text(encoding="utf-8"))
    assert problems(example) == []
    assert problems([example, example]) == []  # a file may hold a list, as the description says
    assert problems([]) != []  # ... of at least one case
    assert problems({**example, "colour": "red"}) != []  # and nothing the format does not name
    assert problems({**example, "created_at": "yesterday"}) != []  # read-only fields are checked too


# ----- what Outpost writes ----------------------------------------------------------------------


def test_case_show_output_validates(demo: tuple[Context, Actor]) -> None:
    documents = shown(*demo)
    assert len(documents) == 60
    for document in documents:
        assert problems(document) == [], document["number"]
    assert problems(documents) == []
    workflow = set(fields_of(Part.STORED)) - {"remark", "void_reason"}
    approved = [d for d in documents if d["status"] in ("approved", "closed")]
    assert approved and all(workflow <= set(d) for d in approved)
    assert {"base_quantity", "base_unit"} <= set(documents[0]["goods"][0])


def test_the_typed_case_writes_the_same_document(demo: tuple[Context, Actor]) -> None:
    ctx, _admin = demo
    with ctx.sessions.reads() as session:
        for case in session.query(m.Case).limit(20):
            assert case_json(stored_case(case, "BP-VX")) == case_document(case, "BP-VX")


def test_bundle_records_validate(post: Post, tmp_path: Path) -> None:
    """A bundle record's document is the case document: it validates as it is, nothing removed."""
    hq = init_register(tmp_path / "hq", kind="hq", code="BCH-AG", name="Bộ Chỉ huy",
                       admin_username="admin", admin_password=PASSWORD)
    hq_admin = hq.login("admin", PASSWORD)
    make_request(post.ctx, post.admin, PASSPHRASE, tmp_path / "request.json")
    accept_request(hq, hq_admin, PASSPHRASE, tmp_path / "request.json", tmp_path / "reply.json")
    install_reply(post.ctx, post.admin, PASSPHRASE, tmp_path / "reply.json")
    photo = tmp_path / "anh.jpg"
    photo.write_bytes(b"\xff\xd8 not much of a photo")
    attachment: AttachmentInput = post.ctx.attachments.store_file(photo, caption="Ảnh")
    returned = post.ctx.cases.create(
        post.officer,
        sample_case(attachments=(attachment,), documents=(DocumentInput("MBB01", "1/BB", None, "Đại úy"),)),
    )
    post.ctx.cases.submit(post.officer, returned.id)
    post.ctx.cases.return_to_draft(post.chief, returned.id, "Bổ sung ảnh")
    approved = post.ctx.cases.create(post.officer, sample_case())
    post.ctx.cases.submit(post.officer, approved.id)
    post.ctx.cases.approve(post.chief, approved.id)
    voided = post.ctx.cases.create(post.officer, sample_case())
    post.ctx.cases.void(post.chief, voided.id, "Trùng")
    files = export_changes(post.ctx, post.admin, PASSPHRASE, tmp_path / "out", 20 * 1024 * 1024).files
    identity = keys.load_encryption_identity(hq.paths.data_dir, PASSPHRASE)
    records = [
        record
        for path in files
        for record in bundle.read_lines(bundle.open_bundle(path, bundle.certificate_key), identity)
    ]
    documents = [r["document"] for r in records if r["type"] == "case"]
    assert {d["status"] for d in documents} == {"draft", "approved", "voided"}
    assert any("remark" in d for d in documents) and any("approved_at" in d for d in documents)
    for document in documents:
        assert problems(document) == [], document["number"]
    hq.close()


# ----- a case moves by its own JSON -------------------------------------------------------------


def _entered(document: dict[str, Any]) -> dict[str, Any]:
    """What a case says, without what the register that holds it keeps beside it (its id, number,
    status, version and audit fields); the derived base quantities stay: the target derives them
    again from the same reference data."""
    return {k: v for k, v in document.items() if k not in fields_of(Part.STORED)}


def test_case_show_output_goes_back_through_case_add(demo: tuple[Context, Actor], tmp_path: Path) -> None:
    ctx, admin = demo
    documents = shown(ctx, admin)
    target, target_admin = demo_register(tmp_path / "other")
    text = json.dumps(documents, ensure_ascii=False, indent=2)  # one file holding them all
    items = parse_cases(load_json_text(text, "cases.json"), target.reference)  # as case add reads it
    results = target.cases.create_many(target_admin, items)
    assert len(results) == len(documents)
    for before, result in zip(documents, results, strict=True):
        after = result.document
        assert _entered(after) == _entered(before)
        # The target register numbers it and takes it as a new draft of its own.
        assert after["status"] == "draft" and after["version"] == 1 and after["id"] != before["id"]
        assert after["created_by"] == "admin"
    target.close()


def test_case_add_checks_the_form_of_read_only_fields_and_ignores_their_values(post: Post) -> None:
    elsewhere = {"id": "elsewhere", "number": "BP-XX/2020/00001", "status": "closed"}
    document = case_json(sample_case()) | elsewhere
    [case] = parse_cases(document, post.ctx.reference)
    assert case == sample_case()
    with pytest.raises(ValidationError) as refused:
        parse_cases(document | {"status": "lost", "version": 0}, post.ctx.reference)
    assert refused.value.problems == [
        'status: "lost" is not one of draft, submitted, approved, closed, voided',
        "version: 0 is below the minimum 1",
    ]


def test_the_bundle_format_lists_exactly_what_a_record_holds() -> None:
    """docs/bundle-format.md §4 names every member of a record's document, and only those."""
    text = (ROOT / "docs" / "bundle-format.md").read_text(encoding="utf-8")
    table = text[text.index("| members | part | contents |") :].split("\n\n", 1)[0]
    named = {
        name
        for row in table.splitlines()[2:]
        for name in re.findall(r"`([a-z_]+)`", row.split("|")[1])
    }
    goods = {f.key for f in GOODS_FIELDS if f.part is Part.DERIVED}
    assert named == {f.key for f in CASE_FIELDS} | goods
