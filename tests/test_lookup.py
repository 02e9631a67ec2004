"""Person and vehicle lookup against a real register."""

from __future__ import annotations

from datetime import datetime

from app.domain import PartyInput, VehicleInput
from app.lookup import lookup
from tests.helpers.cases import ICT, sample_case
from tests.helpers.registers import Post


def _numbers(post: Post, text: str) -> list[str]:
    return [hit.number for hit in lookup(post.ctx, post.officer, text)]


def test_a_person_is_found_by_id_number_and_by_name_in_every_case(post: Post) -> None:
    first = post.ctx.cases.create(
        post.officer, sample_case(occurred_at=datetime(2026, 3, 1, 8, 0, tzinfo=ICT))
    )
    second = post.ctx.cases.create(
        post.officer, sample_case(occurred_at=datetime(2026, 5, 1, 8, 0, tzinfo=ICT))
    )
    other = sample_case(
        parties=(PartyInput("person", "carrier", "Trần Thị Bình", id_number="089190005678"),), vehicles=()
    )
    post.ctx.cases.create(post.officer, other)
    newest_first = [second.number, first.number]
    for text in ("089090001234", "089 090 001 234", "08909", "Nguyễn Văn An", "nguyen van", "NGUYEN VAN AN"):
        assert _numbers(post, text) == newest_first, text
    hit = lookup(post.ctx, post.officer, "089090001234")[0]
    assert (hit.kind, hit.name, hit.identity, hit.role) == (
        "person",
        "Nguyễn Văn An",
        "089090001234",
        "carrier",
    )
    assert hit.occurred_at == datetime(2026, 5, 1, 8, 0, tzinfo=ICT)
    assert _numbers(post, "tran thi") == [post.ctx.cases.list(post.officer, limit=1)[0].number]


def test_a_vehicle_is_found_however_its_plate_is_written(post: Post) -> None:
    made = post.ctx.cases.create(
        post.officer, sample_case(vehicles=(VehicleInput("motorbike", "67H1-204.13"),))
    )
    for text in ("67H1-204.13", "67h1 20413", "67H120413", "67h1"):
        hits = [h for h in lookup(post.ctx, post.officer, text) if h.kind == "motorbike"]
        assert [h.number for h in hits] == [made.number], text
        assert hits[0].name == "67H1-204.13"


def test_nothing_useful_to_look_up_finds_nothing(post: Post) -> None:
    post.ctx.cases.create(post.officer, sample_case())
    for text in ("", "  ", "--", "08", "Lê Văn Không Có"):
        assert _numbers(post, text) == [], text
