"""Demo hand-overs to the police (``outpost demo``): the criminal transfers the demo drew get their
hand-over record and the police's answers, as a post would have entered them.

Written through ``app.handovers`` (a few hundred records, each sealed and logged as a real one), after
the cases; drawn from the seed, so the same demo gets the same hand-overs."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from app.domain import Actor
from app.handovers import CRIMINAL_TRANSFER, HandoverInput, HandoverService
from db import models as m

if TYPE_CHECKING:
    from app.context import Context

MOST = 100  # the newest criminal transfers get one; older ones stand for hand-overs made on paper
PAPERS = (
    "Biên bản vi phạm hành chính",
    "Biên bản tạm giữ tang vật, phương tiện",
    "Bản ảnh hiện trường",
    "Biên bản lấy lời khai",
    "Bản tự khai của đối tượng",
)


def add_handovers(ctx: Context, actor: Actor, seed: int) -> int:
    """Hand-overs for the newest criminal transfers of ``actor``'s post that have none; how many."""
    rng = random.Random(f"handovers:{seed}")
    today = ctx.today()
    with ctx.sessions.reads() as session:
        cases = session.execute(
            select(m.Case.id, m.Case.occurred_at, m.Case.receiving_agency)
            .outerjoin(m.Handover, m.Handover.case_id == m.Case.id)
            .where(
                m.Case.origin == actor.station_id,
                m.Case.outcome == CRIMINAL_TRANSFER,
                m.Case.status != "voided",
                m.Handover.id.is_(None),
            )
            .order_by(m.Case.occurred_at.desc())
            .limit(MOST)
        ).all()
    service = HandoverService(ctx)
    made = 0
    for number, (case_id, occurred_at, agency) in enumerate(cases, start=1):
        handed_on = min(ctx.local(occurred_at).date() + timedelta(days=rng.randint(2, 12)), today)
        papers = ("Biên bản vi phạm hành chính", *rng.sample(PAPERS[1:], rng.randint(1, 3)))
        handover = service.add(
            actor,
            case_id,
            HandoverInput(
                receiving_agency=agency or "Cơ quan Cảnh sát điều tra Công an tỉnh An Giang",
                handed_on=handed_on,
                documents=papers,
                receipt_no=f"{number:03d}/BN-CSĐT",
            ),
        ).handover
        made += 1
        received_on = handed_on + timedelta(days=rng.randint(0, 4))
        if received_on > today:
            continue
        handover = service.follow_up(
            actor, handover.id, "received", received_on, "Đã tiếp nhận đủ hồ sơ"
        ).handover
        answered_on = received_on + timedelta(days=rng.randint(10, 60))
        answer = rng.random()
        if answered_on > today or answer > 0.9:
            continue  # still with the police
        if answer < 0.7:
            service.follow_up(
                actor, handover.id, "prosecuted", answered_on, f"Quyết định khởi tố số {number}/QĐ"
            )
        else:
            service.follow_up(
                actor, handover.id, "returned", answered_on, "Không đủ yếu tố cấu thành tội phạm"
            )
    return made
