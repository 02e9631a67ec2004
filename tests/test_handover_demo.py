"""The demo generator hands its criminal transfers over to the police, as a post would: each with its
record, sealed, and the police's answers in a realistic mix, the same for the same seed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from app import audit
from app.demo import generate_demo
from app.handovers import HandoverService
from app.register import init_register
from tests.helpers.registers import PASSWORD, rows

NOW = datetime(2026, 11, 20, 3, 30, tzinfo=UTC)


def test_the_demo_hands_its_criminal_transfers_over(tmp_path: Path) -> None:
    ctx = init_register(
        tmp_path / "post",
        kind="post",
        code="BP-VX",
        name="Đồn Biên phòng Vĩnh Xương",
        admin_username="admin",
        admin_password=PASSWORD,
        commune_code="30385",
        clock=lambda: NOW,
    )
    admin = ctx.login("admin", PASSWORD)
    generate_demo(ctx, admin, cases=400, seed=7)
    [(transfers,)] = rows(
        ctx, "SELECT count(*) FROM cases WHERE outcome = 'criminal_transfer' AND status != 'voided'"
    )
    made = HandoverService(ctx).find(admin)
    assert transfers >= 3 and len(made) == transfers
    statuses = {h.status for h in made}
    assert statuses <= {"handed_over", "received", "prosecuted", "returned"} and len(statuses) >= 2
    assert all(h.defendants and h.documents and h.handed_on <= NOW.date() for h in made)
    with ctx.sessions.engine.connect() as conn:
        assert audit.verify(conn, register_key=ctx.key).ok
    ctx.close()
