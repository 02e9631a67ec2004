"""Hand-overs to the police: recorded only for a criminal transfer of the post's own case, with the
case's parties as defendants, followed up step by step, every change a new sealed version."""

from __future__ import annotations

from datetime import date

import pytest

from app import audit
from app.domain import HandlingInput, PartyInput
from app.errors import PermissionDenied, ValidationError, WorkflowError
from app.handovers import HandoverInput, HandoverService
from tests.helpers.cases import sample_case
from tests.helpers.registers import Post

AGENCY = "Cơ quan Cảnh sát điều tra Công an thị xã Tân Châu"


def criminal_case(post: Post) -> str:
    case = post.ctx.cases.create(
        post.officer,
        sample_case(
            parties=(
                PartyInput("person", "carrier", "Nguyễn Văn An", id_number="089090001234"),
                PartyInput("person", "owner", "Trần Thị Bé", id_number="089090005678"),
                PartyInput("person", "witness", "Lê Văn Chứng"),
            ),
            handling=HandlingInput(outcome="criminal_transfer", receiving_agency=AGENCY, defendants=2),
        ),
    )
    return case.id


def test_a_hand_over_keeps_its_defendants_and_follow_up_in_sealed_versions(post: Post) -> None:
    service = HandoverService(post.ctx)
    case_id = criminal_case(post)
    made = service.add(
        post.officer,
        case_id,
        HandoverInput(
            AGENCY,
            date(2026, 11, 23),
            ("Biên bản vi phạm hành chính", "Bản ảnh hiện trường"),
            receipt_no="15/BN",
            defendants=("tran thi be", "089090001234"),
        ),
    ).handover
    assert [d.full_name for d in made.defendants] == ["Trần Thị Bé", "Nguyễn Văn An"]
    assert (made.status, made.status_on, made.version, made.handed_by) == (
        "handed_over",
        date(2026, 11, 23),
        1,
        "Nguyễn Officer",
    )
    received = service.follow_up(post.officer, made.id, "received", date(2026, 11, 24), "Đã nhận đủ hồ sơ")
    done = service.follow_up(post.chief, made.id, "prosecuted", date(2026, 11, 25), "QĐ khởi tố số 3")
    view = done.handover
    assert received.changes.touches(case_id)
    assert [(f.status, f.on, f.by) for f in view.followups] == [
        ("received", date(2026, 11, 24), "officer"),
        ("prosecuted", date(2026, 11, 25), "chief"),
    ]
    assert (view.status, view.version) == ("prosecuted", 3)
    with pytest.raises(WorkflowError):  # closed: no further step
        service.follow_up(post.chief, made.id, "returned", date(2026, 11, 25))
    with post.ctx.sessions.reads() as session:
        history = audit.history(session, made.id)
        assert audit.verify(session.connection(), register_key=post.ctx.key).ok
    assert [(h.action, h.version) for h in history] == [("create", 1), ("update", 2), ("update", 3)]
    assert history[2].diff["status"] == ["received", "prosecuted"]
    # The case's own default: every party but the witness.
    assert service.for_case(post.analyst, case_id) == view
    assert [h.id for h in service.find(post.analyst, status="prosecuted")] == [made.id]


def test_a_hand_over_is_refused_with_every_problem_by_path(post: Post) -> None:
    service = HandoverService(post.ctx)
    case_id = criminal_case(post)
    with pytest.raises(ValidationError) as refused:
        service.add(
            post.officer,
            case_id,
            HandoverInput(" ", date(2026, 12, 30), ("", "Biên bản"), defendants=("Lê Văn Chứng", "Ai Đó")),
        )
    assert refused.value.problems == [
        "receiving_agency: required",
        "handed_on: 2026-12-30 is in the future",
        "documents[0]: empty",
        "defendants[0]: Lê Văn Chứng is not a party of case BP-VX/2026/00001 (witnesses are not handed over)",
        "defendants[1]: Ai Đó is not a party of case BP-VX/2026/00001 (witnesses are not handed over)",
    ]
    other = post.ctx.cases.create(post.officer, sample_case()).id
    with pytest.raises(WorkflowError, match="not a criminal transfer"):
        service.add(post.officer, other, HandoverInput(AGENCY, date(2026, 11, 23)))
    with pytest.raises(PermissionDenied):
        service.add(post.analyst, case_id, HandoverInput(AGENCY, date(2026, 11, 23)))
    first = service.add(post.officer, case_id, HandoverInput(AGENCY, date(2026, 11, 23))).handover
    assert [d.full_name for d in first.defendants] == ["Nguyễn Văn An", "Trần Thị Bé"]
    with pytest.raises(WorkflowError):
        service.add(post.officer, case_id, HandoverInput(AGENCY, date(2026, 11, 23)))
    with pytest.raises(ValidationError, match="on: "):
        service.follow_up(post.officer, first.id, "received", date(2026, 11, 22))
    edited = service.edit(
        post.officer, first.id, HandoverInput(AGENCY, date(2026, 11, 23), receipt_no="7"), 1
    )
    assert (edited.handover.receipt_no, edited.handover.version) == ("7", 2)
    with pytest.raises(WorkflowError):  # a stale version
        service.edit(post.officer, first.id, HandoverInput(AGENCY, date(2026, 11, 23)), 1)


def test_a_register_from_before_hand_overs_is_upgraded_with_its_cases(post: Post) -> None:
    import importlib

    from app.register import open_register
    from db import migrate
    from tests.helpers.registers import open_sqlite

    case_id = criminal_case(post)
    post.ctx.close()
    previous = importlib.import_module("db.migrations.versions.0016_handovers").down_revision
    conn = open_sqlite(post.ctx.paths.register)
    conn.execute("DROP TABLE handovers")
    conn.execute("ALTER TABLE activities DROP COLUMN overlap_reason")  # 0017 came later
    conn.execute("UPDATE alembic_version SET version_num = ?", (previous,))
    conn.commit()
    conn.close()
    ctx = open_register(post.data_dir, key=post.ctx.key)
    try:
        assert migrate.current_revision(ctx.sessions.engine) == migrate.HEAD
        officer = ctx.login("officer", "correct-horse-1")
        made = HandoverService(ctx).add(officer, case_id, HandoverInput(AGENCY, date(2026, 11, 23))).handover
        assert made.case_number == "BP-VX/2026/00001"
    finally:
        ctx.close()


def test_a_hand_over_file_is_refused_with_every_problem_by_path() -> None:
    from app.handover_json import parse_handover
    from app.json_input import load_json_text

    hostile = (
        '{"receiving_agency": "Công an\\u0007", "handed_on": "2026-11-31", "documents": "Biên bản", '
        '"defendants": [1, "Nguyễn\\u202eVăn"], "receipt_no": null, "extra": true}'
    )
    with pytest.raises(ValidationError) as refused:
        parse_handover(load_json_text(hostile, "handover.json"))
    assert refused.value.problems == [
        'receiving_agency: "Công an\\u0007" contains the control character U+0007',
        "defendants[1]: 'Nguyễn<U+202E>Văn' contains a hidden direction-changing character (U+202E)",
        "extra: unknown field",
        "defendants[0]: expected text, got 1",
        'documents: expected a list, got "Biên bản"',
        "receipt_no: expected text, got null",
        'handed_on: "2026-11-31" is not a date (YYYY-MM-DD)',
    ]
    with pytest.raises(ValidationError, match="handover.json: line 1"):
        load_json_text('{"receiving_agency": "A", "receiving_agency": "B"', "handover.json")
    deep = "[" * 100 + "]" * 100
    with pytest.raises(ValidationError):
        parse_handover(load_json_text(deep, "handover.json"))
