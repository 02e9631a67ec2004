"""Demo field work: patrols along the post's border markers, night checkpoints on the roads and rivers
of its communes, inspections of the shops and warehouses there (some inspected by two forces a few days
apart, as the plan warns against), and outreach sessions, over the demo's three years.

Placed in the post's own area (``app.coverage``, ``resources/reference/post_areas.json``; a post not
listed there works in its register's commune), so that the coverage report and the home page show
what a post in use shows: the area reached in turn, month after month, except one commune (and, in a
large area, one marker) that the patrols rarely get to — the "bỏ sót địa bàn" the plan warns about.
The places are visited in rotation, so any month with a handful of patrols reaches every other one,
and the last days before today get a daily round, so that this month's coverage is not empty.

Drawn from the seed like the demo cases (``app.demo_cases``) and saved through the activity service
(``app.activities``), so each is versioned, audited and logged for sync like one typed by hand. There
are about one for every four demo cases, at most ``MAX_ACTIVITIES``: field work is daily at a post,
but a small demo stays quick.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from app.activity_json import ActivityInput
from app.coverage import Area, Marker, area_of, load_areas
from app.demo_cases import ICT
from app.demo_words import BORDER, OTHER_HAMLETS
from app.domain import Actor
from db import models as m

if TYPE_CHECKING:
    from app.context import Context
    from app.reference import Reference

MAX_ACTIVITIES = 1500
# The daily round of the last days before today: a patrol and a checkpoint or inspection each day.
ROUND_DAYS = 10
# The share of the field work that reaches the neglected commune or marker: now and then, not monthly.
NEGLECTED_SHARE = 0.005
ESTABLISHMENTS = (
    "Tạp hóa Bảy Hùng",
    "Đại lý đường cát Tư Lợi",
    "Kho hàng Phú Hội",
    "Cửa hàng điện thoại Minh Khang",
    "Cơ sở thu mua nông sản Năm Đông",
    "Nhà thuốc Phước Thiện",
    "Sạp mỹ phẩm Ngọc Hân",
    "Cửa hàng xăng dầu Khánh An",
    "Hộ kinh doanh thuốc lá Sáu Mến",
    "Kho lạnh Thành Phát",
    "Tạp hóa Út Nhỏ",
    "Đại lý bia nước ngọt Hồng Phúc",
)
OUTREACH_PLACES = (
    "Nhà văn hóa ấp {hamlet}",
    "Trường THCS, ấp {hamlet}",
    "Hội trường UBND xã",
    "Chợ biên giới, ấp {hamlet}",
    "Bến đò ngang ấp {hamlet}",
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
WATER = "kênh Vĩnh Tế"  # a commune not on the border list: the canal most of the line follows
LEADS = ("border_guard", "border_guard", "market_surveillance", "interagency_team")

@dataclass(frozen=True)
class _Place:
    """A commune of the area with what the field work there names."""

    code: str | None
    routes: tuple[str, ...]
    hamlets: tuple[str, ...]
    establishments: tuple[str, ...]


@dataclass(frozen=True)
class _Plan:
    """Where the post works: the places it reaches in turn, and those it neglects."""

    markers: tuple[Marker, ...]
    neglected_markers: tuple[Marker, ...]
    communes: tuple[_Place, ...]
    neglected_communes: tuple[_Place, ...]
    free_markers: tuple[int, int]  # marker numbers for a post whose area lists none

    @staticmethod
    def of(area: Area, own: str | None, reference: Reference) -> _Plan:
        markers = area.markers[:-1] if len(area.markers) >= 3 else area.markers
        patrolled = {k.commune for k in markers}
        spare = [c for c in area.communes if c != own and c not in patrolled]
        neglected = spare[-1:] if len(area.communes) >= 2 else []
        codes: list[str | None] = list(area.communes) or [own]
        places = [_place(code, i, len(codes), reference) for i, code in enumerate(codes)]
        entry = _border_commune(own, reference)
        return _Plan(
            markers,
            area.markers[len(markers) :],
            tuple(p for p in places if p.code not in neglected),
            tuple(p for p in places if p.code in neglected),
            entry[2] if entry else (240, 262),
        )


def _border_commune(code: str | None, reference: Reference) -> tuple[Any, ...] | None:
    """The commune's row of ``app.demo_words.BORDER`` (hamlets, markers, gate, waterway), if it has one."""
    commune = reference.communes.get(code) if code else None
    name = commune.name.split(" ", 1)[-1] if commune is not None else None
    return next((entry for entry in BORDER if entry[0] == name), None)


def _place(code: str | None, index: int, of: int, reference: Reference) -> _Place:
    """A commune's hamlets, routes (its border gate, river and roads) and establishments (every
    ``of``-th of the list, so that no two communes share a shop's name)."""
    entry = _border_commune(code, reference)
    _name, hamlets, _markers, gate, waterway, _coast = entry or ("", OTHER_HAMLETS, (), None, WATER, 0)
    commune = reference.communes.get(code) if code else None
    label = commune.name if commune is not None else ""
    where = f", đoạn qua {label}" if label else ""
    routes = [f"Khu vực {gate}"] if gate else []
    routes += [
        f"{waterway[0].upper()}{waterway[1:]}{where}",
        f"Bến đò ấp {hamlets[0]}",
        f"Đường liên ấp {hamlets[0]} - {hamlets[1 % len(hamlets)]}",
    ]
    return _Place(code, tuple(routes), hamlets, ESTABLISHMENTS[index::of])


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), ICT)


class _Drawer:
    """Draws the field work, placing each activity at the next place of its kind in turn."""

    def __init__(self, draw: random.Random, plan: _Plan) -> None:
        self.draw, self.plan = draw, plan
        self.turns = {"patrol": 0, "commune": 0}
        self.shops: dict[str | None, int] = {}

    def _next(self, key: str, count: int) -> int:
        self.turns[key] += 1
        return (self.turns[key] - 1) % count

    def _commune(self) -> _Place:
        """The next commune in turn; now and then the neglected one."""
        plan = self.plan
        if plan.neglected_communes and self.draw.random() < NEGLECTED_SHARE:
            return self.draw.choice(plan.neglected_communes)
        return plan.communes[self._next("commune", len(plan.communes))]

    def _names(self) -> tuple[str, ...]:
        return tuple(self.draw.sample(NAMES, self.draw.randrange(2, 5)))

    def patrol(self, day: date) -> ActivityInput:
        draw, plan = self.draw, self.plan
        names = self._names()
        start = _at(day, draw.choice((5, 6, 7, 13, 19, 21)), draw.choice((0, 30)))
        commune: str | None
        if plan.markers:
            if plan.neglected_markers and draw.random() < NEGLECTED_SHARE:
                marker = draw.choice(plan.neglected_markers)
            else:
                marker = plan.markers[self._next("patrol", len(plan.markers))]
            commune, text = marker.commune, f"Mốc {marker.code}"
            route = f"Đường tuần tra biên giới, khu vực mốc {marker.code}"
        else:  # an area without listed markers: the marker numbers of the post's stretch of border
            commune = self._commune().code
            number = draw.randrange(*plan.free_markers)
            text = f"Mốc {number}"
            route = f"Đường tuần tra biên giới mốc {number} - {number + draw.randrange(1, 4)}"
        return ActivityInput(
            kind="patrol",
            started_at=start,
            ended_at=start + timedelta(hours=draw.randrange(3, 7)),
            commune_code=commune,
            border_marker=text,
            route=route,
            cooperating_forces=("police",) if draw.random() < 0.2 else (),
            participants=len(names) + draw.randrange(1, 4),
            participant_names=names,
            result=draw.choice(RESULTS),
        )

    def checkpoint(self, day: date) -> ActivityInput:
        draw = self.draw
        place = self._commune()
        start = _at(day, draw.choice((20, 21, 22, 23)), 0)
        return ActivityInput(
            kind="checkpoint",
            started_at=start,
            ended_at=start + timedelta(hours=draw.randrange(4, 8)),
            commune_code=place.code,
            route=draw.choice(place.routes),
            cooperating_forces=tuple(draw.sample(COOPERATING[:2], draw.randrange(0, 3))),
            participants=draw.randrange(4, 12),
            participant_names=self._names(),
            result=draw.choice(RESULTS),
        )

    def inspection(self, day: date, lead: str | None = None) -> ActivityInput:
        draw = self.draw
        place = self._commune()
        names = self._names()
        if place.establishments:
            turn = self.shops.get(place.code, 0)
            self.shops[place.code] = turn + 1
            establishment = place.establishments[turn % len(place.establishments)]
        else:
            establishment = f"Tạp hóa ấp {draw.choice(place.hamlets)}"
        start = _at(day, draw.choice((8, 9, 10, 14, 15)), draw.choice((0, 30)))
        lead = lead or draw.choice(LEADS)
        cooperating = ("market_surveillance",) if lead == "border_guard" and draw.random() < 0.5 else ()
        return ActivityInput(
            kind="inspection",
            started_at=start,
            ended_at=start + timedelta(hours=2),
            commune_code=place.code,
            establishment=establishment,
            place=f"Ấp {draw.choice(place.hamlets)}",
            lead_force=lead,
            cooperating_forces=cooperating,
            participants=draw.randrange(3, 7),
            participant_names=names,
            result=draw.choice(RESULTS[:1] + RESULTS[2:3]),
        )

    def again(self, first: ActivityInput, days: int) -> ActivityInput:
        """The same establishment inspected again ``days`` later by another force: what the plan
        calls overlapping, and what the duplicate-inspection warning is for."""
        other = "market_surveillance" if first.lead_force != "market_surveillance" else "border_guard"
        start = first.started_at + timedelta(days=days)
        return ActivityInput(
            kind="inspection",
            started_at=start,
            ended_at=start + timedelta(hours=2),
            commune_code=first.commune_code,
            establishment=first.establishment,
            place=first.place,
            lead_force=other,
            participants=self.draw.randrange(3, 6),
            result=RESULTS[0],
            notes="Kiểm tra theo kế hoạch riêng của lực lượng chủ trì.",
            overlap_reason=AGAIN_REASONS[days % len(AGAIN_REASONS)],  # no draw: the rest stays as drawn
        )

    def outreach(self, day: date) -> ActivityInput:
        draw = self.draw
        place = self._commune()
        start = _at(day, draw.choice((8, 14, 19)), 0)
        return ActivityInput(
            kind="outreach",
            started_at=start,
            ended_at=start + timedelta(hours=2),
            commune_code=place.code,
            place=draw.choice(OUTREACH_PLACES).format(hamlet=draw.choice(place.hamlets)),
            cooperating_forces=("commune",),
            participants=draw.randrange(30, 250),
            result="Tuyên truyền pháp luật về chống buôn lậu, gian lận thương mại và hàng giả; "
            "vận động nhân dân tố giác tội phạm.",
        )


def draw_activities(
    seed: int, count: int, first: date, last: date, area: Area, own: str | None, reference: Reference
) -> list[ActivityInput]:
    """``count`` activities between ``first`` and ``last`` in ``area`` (the post's own commune
    ``own``), oldest first, from ``seed``."""
    draw = random.Random(f"activities:{seed}")
    drawer = _Drawer(draw, _Plan.of(area, own, reference))
    span = (last - first).days + 1
    rounds = min(ROUND_DAYS, count // 4, span)
    # The kinds on their days first, then the places in the order of the days, so that the places
    # are reached in turn through time.
    spread = sorted(
        (first + timedelta(days=draw.randrange(span)),
         draw.choices(("patrol", "checkpoint", "inspection", "outreach"), (50, 20, 22, 8))[0])
        for _ in range(count - 2 * rounds)
    )
    found: list[ActivityInput] = []
    taken = False  # the slot went to an inspection's second visit
    for slot, (day, kind) in enumerate(spread):
        if taken:
            taken = False
        elif kind == "inspection":
            inspection = drawer.inspection(day)
            found.append(inspection)
            if slot + 1 < len(spread) and draw.random() < 0.15 and day + timedelta(days=12) <= last:
                found.append(drawer.again(inspection, draw.randrange(5, 12)))
                taken = True
        else:
            found.append(getattr(drawer, kind)(day))
    # The daily round of the last days: a patrol and a checkpoint (every third day an inspection), and
    # one shop inspected by the post and again by the market surveillance team eight days later.
    overlap: ActivityInput | None = None
    for offset in range(rounds - 1, -1, -1):
        day = last - timedelta(days=offset)
        found.append(drawer.patrol(day))
        if offset == 9:
            overlap = drawer.inspection(day, lead="border_guard")
            found.append(overlap)
        elif offset == 1 and overlap is not None:
            found.append(drawer.again(overlap, 8))
        else:
            found.append(drawer.inspection(day) if offset % 3 == 0 else drawer.checkpoint(day))
    # Nothing ends after the night of the last day (02:00, as ``app.demo.demo_period`` has it): a
    # register never holds a patrol that is still out, and HQ refuses an activity ending in the future.
    until = datetime.combine(last + timedelta(days=1), time(2, 0), ICT)
    ended = (replace(a, ended_at=min(a.ended_at, until)) if a.ended_at else a for a in found)
    return sorted(ended, key=lambda a: a.started_at)


def add_demo_activities(ctx: Context, actor: Actor, *, cases: int, seed: int, first: date, last: date) -> int:
    """Save the demo's field work for ``cases`` demo cases; returns how many activities were added."""
    count = min(MAX_ACTIVITIES, cases // 4)
    if count == 0 or ctx.kind != "post":
        return 0
    with ctx.sessions.reads() as session:
        station = session.get(m.Station, actor.station_id)
        own = station.commune_code if station is not None else None
        area = area_of(station, load_areas()) if station is not None else Area("", (), ())
    now = ctx.clock()  # only field work already over: what a post records, and what HQ accepts
    drawn = [
        a
        for a in draw_activities(seed, count, first, last, area, own, ctx.reference)
        if (a.ended_at or a.started_at) <= now
    ]
    # The shops registered first, each with its kind and where it is (an inspection of a shop not
    # registered yet would register it as "other", as an officer's would).
    from app.establishments import EstablishmentInput, EstablishmentService

    shops: dict[tuple[str, str | None], EstablishmentInput] = {}
    for a in drawn:
        if a.kind == "inspection" and a.establishment:
            shop = EstablishmentInput(a.establishment, _kind_of(a.establishment), a.place, a.commune_code)
            shops.setdefault((a.establishment, a.commune_code), shop)
    EstablishmentService(ctx).add(actor, list(shops.values()))
    # The same shop drawn twice within the window by chance: saved with the plan's usual reason.
    ctx.activities.add_many(actor, drawn, default_reason=AGAIN_REASONS[0])
    return len(drawn)


# What kind of establishment a demo name is, by the words it begins with; any other is a shop.
_KINDS_BY_NAME = (
    ("Kho", "warehouse"),
    ("Sạp", "market"),
    ("Đại lý", "trader"),
    ("Cơ sở thu mua", "trader"),
    ("Hộ kinh doanh", "trader"),
)


def _kind_of(name: str) -> str:
    return next((kind for start, kind in _KINDS_BY_NAME if name.startswith(start)), "shop")
