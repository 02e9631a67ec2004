"""Demo field work: patrols along the post's border markers, night checkpoints on the roads and rivers
goods cross by, inspections of the shops and warehouses of its communes (some inspected by two forces
a few days apart, as the plan warns against), and outreach sessions, over the demo's three years.

Drawn from the seed like the demo cases (``app.demo_cases``) and saved through the activity service
(``app.activities``), so each is versioned, audited and logged for sync like one typed by hand. There
are about one for every four demo cases, at most ``MAX_ACTIVITIES``: field work is daily at a post,
but a small demo stays quick.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from app.activity_json import ActivityInput
from app.demo_cases import ICT
from app.domain import Actor
from db import models as m

if TYPE_CHECKING:
    from app.context import Context

MAX_ACTIVITIES = 1500
# The post's stretch of border: markers on the An Giang - Cambodia line (Vĩnh Xương, Tịnh Biên).
MARKER_RANGES = ((240, 262), (266, 281))
ROUTES = (
    "Đường tuần tra biên giới",
    "Quốc lộ 91, đoạn cửa khẩu Vĩnh Xương",
    "Tỉnh lộ 956",
    "Tỉnh lộ 948",
    "Sông Hậu, đoạn giáp biên",
    "Sông Tiền, bến đò Vĩnh Xương",
    "Kênh Vĩnh Tế",
    "Đường mòn ấp Bắc Đai",
)
ESTABLISHMENTS = (
    "Tạp hóa Bảy Hùng",
    "Đại lý đường cát Tư Lợi",
    "Kho hàng Phú Hội",
    "Cửa hàng điện thoại Minh Khang",
    "Cơ sở thu mua nông sản Năm Đông",
    "Nhà thuốc Phước Thiện",
    "Chợ Vĩnh Xương, sạp số 12",
    "Cửa hàng xăng dầu Khánh An",
    "Hộ kinh doanh thuốc lá Sáu Mến",
    "Kho lạnh Thành Phát",
)
OUTREACH_PLACES = (
    "Nhà văn hóa ấp",
    "Trường THCS",
    "Hội trường UBND xã",
    "Chợ biên giới",
    "Bến đò ngang",
)
RESULTS = (
    "Không phát hiện vi phạm.",
    "Không phát hiện vi phạm; nhắc nhở 2 trường hợp qua lại lối mở.",
    "Phát hiện 1 trường hợp vận chuyển hàng không rõ nguồn gốc, lập biên bản.",
    "Nắm tình hình, không có dấu hiệu buôn lậu.",
)
# Why a shop is inspected again within the window (issue 19 item 3): what the demo's forces write.
AGAIN_REASONS = (
    "Kiểm tra theo kế hoạch liên ngành đã được phê duyệt.",
    "Tin báo của nhân dân về lô hàng mới nhập không rõ nguồn gốc.",
    "Phúc tra việc khắc phục vi phạm lần kiểm tra trước.",
)
NAMES = (
    "Trần Văn An",
    "Lê Minh Tâm",
    "Nguyễn Hữu Phước",
    "Phạm Quốc Bảo",
    "Võ Thanh Sang",
    "Huỳnh Tấn Lộc",
    "Đặng Văn Hiếu",
    "Châu Minh Trí",
)
COOPERATING = ("police", "customs", "market_surveillance", "commune")


def _marker(draw: random.Random) -> tuple[str, int]:
    low, high = draw.choice(MARKER_RANGES)
    number = draw.randrange(low, high)
    return f"Mốc {number}", number


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), ICT)


def _inspection(
    start: datetime,
    commune: str | None,
    establishment: str,
    lead: str,
    cooperating: tuple[str, ...],
    people: int,
    names: tuple[str, ...],
    result: str,
    reason: str | None = None,
) -> ActivityInput:
    return ActivityInput(
        kind="inspection",
        started_at=start,
        ended_at=start + timedelta(hours=2),
        commune_code=commune,
        establishment=establishment,
        place=establishment,
        lead_force=lead,
        cooperating_forces=cooperating,
        participants=people,
        participant_names=names,
        result=result,
        overlap_reason=reason,
    )


def draw_activities(
    seed: int, count: int, first: date, last: date, commune: str | None, communes: list[str]
) -> list[ActivityInput]:
    """``count`` activities between ``first`` and ``last``, oldest first, from ``seed``."""
    draw = random.Random(f"activities:{seed}")
    span = (last - first).days + 1
    found: list[ActivityInput] = []
    nearby = [commune] if commune else []
    nearby += draw.sample(communes, min(3, len(communes)))
    while len(found) < count:
        day = first + timedelta(days=draw.randrange(span))
        kind = draw.choices(("patrol", "checkpoint", "inspection", "outreach"), (50, 20, 22, 8))[0]
        where = draw.choice(nearby) if nearby else None
        names = tuple(draw.sample(NAMES, draw.randrange(2, 5)))
        if kind == "patrol":
            marker, number = _marker(draw)
            start = _at(day, draw.choice((5, 6, 7, 13, 19, 21)), draw.choice((0, 30)))
            found.append(
                ActivityInput(
                    kind="patrol",
                    started_at=start,
                    ended_at=start + timedelta(hours=draw.randrange(3, 7)),
                    commune_code=where,
                    border_marker=marker,
                    route=f"Đường tuần tra biên giới mốc {number} - {number + draw.randrange(1, 4)}",
                    cooperating_forces=("police",) if draw.random() < 0.2 else (),
                    participants=len(names) + draw.randrange(1, 4),
                    participant_names=names,
                    result=draw.choice(RESULTS),
                )
            )
        elif kind == "checkpoint":
            start = _at(day, draw.choice((20, 21, 22, 23)), 0)
            found.append(
                ActivityInput(
                    kind="checkpoint",
                    started_at=start,
                    ended_at=start + timedelta(hours=draw.randrange(4, 8)),
                    commune_code=where,
                    route=draw.choice(ROUTES[1:]),
                    cooperating_forces=tuple(draw.sample(COOPERATING[:2], draw.randrange(0, 3))),
                    participants=draw.randrange(4, 12),
                    participant_names=names,
                    result=draw.choice(RESULTS),
                )
            )
        elif kind == "inspection":
            start = _at(day, draw.choice((8, 9, 10, 14, 15)), draw.choice((0, 30)))
            establishment = draw.choice(ESTABLISHMENTS)
            lead = draw.choice(("border_guard", "border_guard", "market_surveillance", "interagency_team"))
            cooperating = ("market_surveillance",) if lead == "border_guard" and draw.random() < 0.5 else ()
            found.append(
                _inspection(
                    start,
                    where,
                    establishment,
                    lead,
                    cooperating,
                    draw.randrange(3, 7),
                    names,
                    draw.choice(RESULTS[:1] + RESULTS[2:3]),
                )
            )
            if draw.random() < 0.15 and day + timedelta(days=10) <= last:
                # The same shop again days later by another force: what the plan calls overlapping.
                other = "market_surveillance" if lead != "market_surveillance" else "border_guard"
                again = start + timedelta(days=draw.randrange(5, 12))
                found.append(
                    _inspection(
                        again,
                        where,
                        establishment,
                        other,
                        (),
                        draw.randrange(3, 6),
                        (),
                        RESULTS[0],
                        draw.choice(AGAIN_REASONS),
                    )
                )
        else:
            start = _at(day, draw.choice((8, 14, 19)), 0)
            found.append(
                ActivityInput(
                    kind="outreach",
                    started_at=start,
                    ended_at=start + timedelta(hours=2),
                    commune_code=where,
                    place=draw.choice(OUTREACH_PLACES),
                    cooperating_forces=("commune",),
                    participants=draw.randrange(30, 250),
                    result="Tuyên truyền pháp luật về chống buôn lậu, gian lận thương mại và hàng giả; "
                    "vận động nhân dân tố giác tội phạm.",
                )
            )
    return sorted(found[:count], key=lambda a: a.started_at)


def add_demo_activities(ctx: Context, actor: Actor, *, cases: int, seed: int, first: date, last: date) -> int:
    """Save the demo's field work for ``cases`` demo cases; returns how many activities were added."""
    count = min(MAX_ACTIVITIES, cases // 4)
    if count == 0 or ctx.kind != "post":
        return 0
    with ctx.sessions.reads() as session:
        station = session.get(m.Station, actor.station_id)
        commune = station.commune_code if station is not None else None
    communes = sorted(ctx.reference.communes)
    drawn = [
        a for a in draw_activities(seed, count, first, last, commune, communes) if a.started_at <= ctx.clock()
    ]
    # The same shop drawn twice within the window by chance: saved with the plan's usual reason.
    ctx.activities.add_many(actor, drawn, default_reason=AGAIN_REASONS[0])
    return len(drawn)
