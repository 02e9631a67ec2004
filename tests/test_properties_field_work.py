"""Property-based tests of issue 19's record types from outside: an activity file (``activity add``),
a tip file (``tip add``), a hand-over file (``handover add``), and a post's bundle carrying activities,
an establishment, a tip and a hand-over at HQ's import. Each is a real one changed by hypothesis (its
bytes, a value of the wrong type, a huge number, deep nesting, a key named twice, a field removed) and
is either taken or refused with the app's own error, naming the problem by its path, the register as it
was; a refusal never quotes a tip's informant. Any other exception is a bug found.

The registers are built once for the module (``tests/conftest.py`` says how many examples)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.activity_json import parse_activities
from app.errors import AppError, ValidationError
from app.handover_json import parse_handover
from app.handovers import HandoverService
from app.json_input import load_json_text
from app.sync.hq_import import import_bundles
from app.tip_input import parse_tips
from tests.helpers.cases import POLICE_AGENCY, criminal_transfer
from tests.helpers.mutations import (
    UNEXPECTED,
    Plan,
    Working,
    apply_file,
    apply_json,
    file_plans,
    fixed_clock,
    json_plans,
    pristine_copy,
    refusal,
    register_dump,
)
from tests.helpers.registers import Post, make_hq, new_post
from tests.helpers.sync import PASSPHRASE, Pair, bundle_records, enrol_post, export_parts, resigned

INFORMANT = "Lê Văn Kín, 0933 111 222"
AGENCY = POLICE_AGENCY
SKIP = ("sync_rejections",)  # HQ keeps a refused record for the post's next return bundle


def _criminal_case(post: Post) -> Any:
    return post.ctx.cases.create(post.officer, criminal_transfer())


def _activities(number: str) -> list[dict[str, Any]]:
    return [
        {
            "kind": "patrol",
            "started_at": "2026-11-19T06:30:00+07:00",
            "ended_at": "2026-11-19T11:00:00+07:00",
            "commune_code": "30385",
            "border_marker": "VX-01",
            "latitude": 10.93,
            "longitude": 105.16,
            "cooperating_forces": ["police"],
            "participants": 6,
            "participant_names": ["Trần Văn An", "Lê Minh Tâm"],
        },
        {
            "kind": "inspection",
            "started_at": "2026-11-20T09:00:00+07:00",
            "commune_code": "30325",
            "establishment": "Cửa hàng tạp hóa Năm Sương",
            "lead_force": "market_surveillance",
            "result": "Lập biên bản 1 trường hợp",
            "cases": [number],
        },
        {"kind": "outreach", "started_at": "2026-11-22T08:00:00+07:00", "place": "Nhà văn hóa ấp",
         "participants": 85},
    ]


def _tips(number: str) -> list[dict[str, Any]]:
    return [
        {"received_at": "2026-11-17T21:00:00+07:00", "channel": "điện thoại",
         "content": "Ghe chở đường cát qua mốc VX-01 ban đêm", "informant": INFORMANT},
        {"received_at": "2026-11-18T07:30:00+07:00", "channel": "trực tiếp",
         "content": "Xe tải chở thuốc lá về kho", "case": number, "assigned_to": "officer"},
    ]


HANDOVER = {
    "receiving_agency": AGENCY,
    "handed_on": "2026-11-23",
    "documents": ["Biên bản vi phạm hành chính", "Bản ảnh hiện trường"],
    "receipt_no": "15/BN-CSĐT",
    "defendants": ["nguyen van an"],
    "handed_by": "Thiếu tá Trần Văn Giao",
    "received_by": "Đại úy Phạm Văn Nhận",
    "note": "Kèm tang vật",
}


def _clear(error: AppError, source: str) -> None:
    """A refusal a person can act on: each problem named by where it is (a path, or the file)."""
    message = error.message
    assert message.strip() and UNEXPECTED not in message and "Traceback" not in message, message
    assert INFORMANT not in message, message  # a tip's informant is never quoted
    if isinstance(error, ValidationError):
        assert error.problems, message
        for problem in error.problems:
            where, colon, reason = problem.partition(": ")
            assert where.strip() and colon and reason.strip(), problem
    else:
        assert source in message, message


# ----- files given to ``activity add``, ``tip add`` and ``handover add`` ------------------------------


@dataclass
class Files:
    post: Post
    case_number: str
    handover_case: list[str]  # the criminal case the next hand-over is for (a new one once one is taken)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """How hypothesis shows this fixture beside a failing example: by name."""
        printer.text("<Files>")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Files]:
    post = new_post(tmp_path_factory.mktemp("field-files") / "post", fixed_clock)
    case = _criminal_case(post)
    yield Files(post, case.number, [case.id])
    post.ctx.close()


def _taken_or_refused(files: Files, data: bytes, store: Callable[[object], Any]) -> bool:
    """``data`` read as the command reads a file and given to ``store``: taken, or refused cleanly with
    the register as it was. Whether it was taken."""
    before = register_dump(files.post.data_dir)
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return False  # the commands refuse text that is not UTF-8 before reading it (``cli.*._read``)

    def read_and_store() -> tuple[object, Any]:
        value = load_json_text(text, "field.json")
        return value, store(value)

    result, error = refusal(read_and_store)
    if error is None:
        # Taken: every item of the file is stored, none left out without a word.
        value, taken = result
        items = value if isinstance(value, list) else [value]
        assert len(taken if isinstance(taken, list) else [taken]) == len(items), (taken, value)
        return True
    _clear(error, "field.json")
    assert register_dump(files.post.data_dir) == before
    return False


@given(plan=file_plans())
@example(plan=("json", ("raw", (1, "started_at"), '""')))  # added nothing, saying nothing
def test_a_changed_activity_file_is_added_or_refused_cleanly(files: Files, plan: Plan) -> None:
    ctx = files.post.ctx
    document = json.dumps(_activities(files.case_number), ensure_ascii=False).encode()
    _taken_or_refused(
        files,
        apply_file(document, plan),
        lambda value: ctx.activities.add_many(
            files.post.officer, parse_activities(value, ctx.reference, now=ctx.clock())
        ),
    )


@given(plan=file_plans())
# A lone surrogate in a tip's text crashed the save with a UnicodeEncodeError; an informant given as a
# list would have been quoted by the schema's wording.
@example(plan=("json", ("raw", (0, "channel"), '"\\ud800"')))
@example(plan=("json", ("raw", (0, "informant"), '"Lê Văn Kín\\ud800"')))
@example(plan=("json", ("raw", (0, "informant"), json.dumps([INFORMANT], ensure_ascii=False))))
def test_a_changed_tip_file_is_added_or_refused_cleanly_never_quoting_the_informant(
    files: Files, plan: Plan
) -> None:
    ctx = files.post.ctx
    document = json.dumps(_tips(files.case_number), ensure_ascii=False).encode()
    chief = files.post.chief
    changed = apply_file(document, plan)
    _taken_or_refused(files, changed, lambda value: ctx.tips.add_many(chief, parse_tips(value)))


@given(plan=file_plans())
def test_a_changed_hand_over_file_is_added_or_refused_cleanly(files: Files, plan: Plan) -> None:
    post = files.post
    service = HandoverService(post.ctx)
    taken = _taken_or_refused(
        files,
        apply_file(json.dumps(HANDOVER, ensure_ascii=False).encode(), plan),
        lambda value: service.add(post.officer, files.handover_case[0], parse_handover(value)),
    )
    if taken:  # a case is handed over once: the next example hands over another
        files.handover_case[0] = _criminal_case(post).id


# ----- a post's bundle carrying them, at HQ ------------------------------------------------------------


@dataclass
class Carried:
    working: Working  # HQ before the import
    pair: Pair  # the registers that made the bundle (closed): their keys sign and seal the changed ones
    source: Path
    records: list[dict[str, Any]]
    chosen: list[int]  # the records of issue 19's types
    dump: list[str]
    folder: Path

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text("<Carried>")


NEW_TYPES = ("activity", "establishment", "tip", "handover")


@pytest.fixture(scope="module")
def carried(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Carried]:
    """A post's bundle with a criminal case, its hand-over, two tips (one with its informant sealed),
    three activities and the establishment one inspected; HQ as it was before importing it."""
    tmp = tmp_path_factory.mktemp("field-bundle")
    post = new_post(tmp / "post", fixed_clock)
    hq = make_hq(tmp / "hq", clock=fixed_clock)
    enrol_post(post, hq, tmp)
    pair = Pair(post, hq, tmp)
    ctx = post.ctx
    case = _criminal_case(post)
    ctx.activities.add_many(post.officer, parse_activities(_activities(case.number), ctx.reference,
                                                           now=ctx.clock()))
    ctx.tips.add_many(post.chief, parse_tips(_tips(case.number)))
    HandoverService(ctx).add(post.officer, case.id, parse_handover(HANDOVER))
    [source] = export_parts(pair, "out")
    records = bundle_records(pair, source)
    chosen = [i for i, r in enumerate(records) if r["type"] in NEW_TYPES]
    assert {records[i]["type"] for i in chosen} == set(NEW_TYPES), [r["type"] for r in records]
    hq_pristine = pristine_copy(hq.ctx, hq.data_dir, tmp / "hq-pristine")
    post.ctx.close()
    working = Working(hq_pristine, tmp / "hq-work")
    summary = import_bundles(working.context, working.admin, PASSPHRASE, [source])
    assert summary.applied and not summary.rejected, summary
    working.reset()
    folder = tmp / "files"
    folder.mkdir()
    yield Carried(working, pair, source, records, chosen, register_dump(working.folder, SKIP), folder)
    working.close()


@given(index=st.integers(0, 63), plan=json_plans())
# Each example seals, signs and imports a bundle (a quarter of a second): a quarter of the profile's
# examples (tests/conftest.py), since the case records' own properties run in test_properties_bundles.
@settings(max_examples=max(10, settings().max_examples // 4))
def test_a_bundle_whose_field_work_records_are_changed_is_imported_or_refused_cleanly_at_hq(
    carried: Carried, index: int, plan: Plan
) -> None:
    """A record of the new types changed and the bundle signed anew with the post's own key (what a key
    in the wrong hands can make): imported, or refused by name, HQ as it was."""
    _import_changed(carried, carried.chosen[index % len(carried.chosen)], plan)


def test_an_activity_record_with_an_empty_start_is_refused_at_hq(carried: Carried) -> None:
    """Found by the property above: an empty ``started_at`` passed the schema and the reader gave no
    activity and no problem, so HQ's import failed with a ValueError (and ``activity add`` added
    nothing, saying nothing)."""
    [position] = [i for i in carried.chosen if carried.records[i]["type"] == "activity"][:1]
    assert _import_changed(carried, position, ("raw", ("activity", "started_at"), '""')) is False


@pytest.mark.parametrize("kind", ["activity", "tip"])
def test_a_record_with_a_version_too_large_to_store_is_refused_at_hq(carried: Carried, kind: str) -> None:
    """Found by the property above: a version of 2**63 passed the checks of an activity (and a tip)
    record and overflowed the database column (an OverflowError, not a refusal)."""
    [position] = [i for i in carried.chosen if carried.records[i]["type"] == kind][:1]
    assert _import_changed(carried, position, ("value", (kind, "version"), 2**63)) is False


def _import_changed(carried: Carried, position: int, plan: Plan) -> bool:
    """HQ imports the bundle with record ``position`` changed by ``plan``; whether it was taken."""
    lines = [json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in carried.records]
    lines[position] = apply_json(carried.records[position], plan) + b"\n"
    path = resigned(
        carried.pair, carried.source, carried.folder / carried.source.name, records=carried.records,
        payload=b"".join(lines),
    )
    working = carried.working
    try:
        summary, error = refusal(lambda: import_bundles(working.context, working.admin, PASSPHRASE, [path]))
        if error is not None:
            _clear(error, path.name)
        elif summary.applied:
            assert not summary.rejected, summary.rejected
            working.reset()  # the next example starts from HQ before the import
            return True
        else:
            refusals = summary.rejected + summary.skipped
            assert refusals, summary
            for entry in refusals:
                # A record weighed against others (its case, its owner) is named by its id, not its file:
                # the newest of several files' versions is the one weighed (app/sync/hq_import.py).
                assert entry["file"] in (path.name, "") and entry["reason"].strip(), entry
                assert entry["file"] or entry["record"] in entry["reason"], entry
                assert UNEXPECTED not in entry["reason"] and INFORMANT not in entry["reason"], entry
        assert register_dump(working.folder, SKIP) == carried.dump
        return False
    except BaseException:
        working.reset()  # a replay by hypothesis must start from the same register
        raise
