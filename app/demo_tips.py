"""Demo tip-offs: a few dozen tips over the demo's last months, some checked, acted on and linked to a
case, some closed with nothing found, a few still new — recorded through the tip service, so each is
sealed, audited and in the change log like a real one.

The informants are invented names and numbers, sealed like real ones (a demo shows that they cannot
be read without the chief's password, and where each reading is recorded)."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.demo_words import BORDER, GIVEN, SURNAMES
from app.domain import Actor
from db import models as m

if TYPE_CHECKING:
    from app.context import Context

CHANNELS = ("điện thoại", "trực tiếp", "tin nhắn Zalo", "thư", "đường dây nóng")
WHAT = (
    "Ghe chở thuốc lá điếu qua {water} khoảng {hour} giờ đêm",
    "Nhóm đối tượng tập kết đường cát tại ấp {hamlet}, chờ chuyển qua mốc {marker}",
    "Xe tải biển số lạ chở hàng không rõ nguồn gốc qua {gate}",
    "Cửa hàng ở ấp {hamlet} bán thuốc lá ngoại nhập lậu, nhập hàng vào ban đêm",
    "Đối tượng rao bán hàng giả qua livestream, kho hàng tại ấp {hamlet}",
)
ACTED = ("Bắt giữ {n} bao thuốc lá, lập biên bản vi phạm", "Thu giữ {n} kg đường cát nhập lậu",
         "Phối hợp Quản lý thị trường kiểm tra, xử phạt hành chính")
NOTHING = ("Xác minh không phát hiện vi phạm", "Đối tượng đã di chuyển, tiếp tục theo dõi")


def demo_tips(ctx: Context, actor: Actor, count: int, seed: int = 1) -> int:
    """Record ``count`` demo tips at the actor's station; returns how many were recorded."""
    if count <= 0:
        return 0
    draw = random.Random(f"tips-{seed}")
    tips = ctx.tips
    with ctx.sessions.reads() as session:
        query = (
            select(m.Case.id)
            .where(m.Case.origin == actor.station_id, m.Case.status.in_(("approved", "closed")))
            .order_by(m.Case.occurred_at.desc())
            .limit(200)
        )
        cases = list(session.execute(query).scalars())
    today = ctx.local(ctx.clock()).date()
    for number in range(count):
        commune, hamlets, markers, gate, water, _coast = draw.choice(BORDER)
        day = today - timedelta(days=draw.randint(1, 120))
        received = datetime.combine(day, time(draw.randint(6, 22), draw.choice((0, 15, 30, 45))), ctx.zone)
        content = draw.choice(WHAT).format(
            water=water, hour=draw.randint(21, 23), hamlet=draw.choice(hamlets),
            marker=draw.randint(*markers), gate=gate or f"xã {commune}",
        )
        sex = draw.choice(("male", "female"))
        informant = (f"{draw.choice(SURNAMES)} {draw.choice(GIVEN[sex])}, ấp {draw.choice(hamlets)}, "
                     f"09{draw.randint(10_000_000, 99_999_999)}")
        tip = tips.add(actor, received_at=received, channel=draw.choice(CHANNELS), content=content,
                       informant=informant if number % 5 else None)
        stage = draw.random()
        if stage < 0.2:
            continue  # still new
        tips.assign(actor, tip.id, actor.username)
        tips.set_status(actor, tip.id, "checking")
        if stage < 0.35:
            continue
        if stage < 0.55:
            tips.set_status(actor, tip.id, "closed", draw.choice(NOTHING))
            continue
        tips.set_status(actor, tip.id, "acted_on", draw.choice(ACTED).format(n=draw.randint(2, 90) * 10))
        if cases and stage < 0.85:
            tips.link(actor, tip.id, draw.choice(cases))
        if stage > 0.7:
            tips.set_status(actor, tip.id, "closed")
    return count
