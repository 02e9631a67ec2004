"""The home dashboard's coverage line: the month's communes and border markers no patrol, checkpoint or
inspection reached (app/coverage.py), over a real register."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from pytestqt.qtbot import QtBot

from app import audit
from app.serialize import row_state
from db import models as m
from tests.helpers.registers import Post
from ui.dashboard import DashboardWidget


def test_the_dashboard_names_the_communes_and_markers_left_out_this_month(qtbot: QtBot, post: Post) -> None:
    at = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    post.ctx.clock = lambda: datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    # A patrol in Vĩnh Xương, sealed as the activity service seals one.
    with post.ctx.sessions.writes.begin() as session:
        row = m.Activity(id=m.new_id(), origin=post.ctx.station_id, kind="patrol", started_at=at, place="",
                         commune_code="30385", force="border_guard", created_by="officer", created_at=at,
                         version=1, change_seq=0)
        session.add(row)
        session.flush()
        audit.record(session, at=at, station_id=post.ctx.station_id, actor="officer", action="create",
                     entity="activity", entity_id=row.id, version=1, diff={},
                     sealed_state=row_state(m.Activity.__table__, row))  # type: ignore[arg-type]
    widget = DashboardWidget(post.ctx, post.chief)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.refreshed, timeout=10_000):
        widget.refresh()
    text = widget.coverage_label.text()
    head = "BP-VX, từ 15/11/2026 đến 14/12/2026: 1 lượt tuần tra, chốt chặn và kiểm tra"
    assert text.splitlines()[0] == head
    assert "xã bị bỏ sót (2 trên 3): Phường Tân Châu, Phường Vĩnh Tế" in text
    assert "mốc giới bị bỏ sót (3 trên 3): Mốc VX-01 (Vĩnh Xương)" in text
    assert widget.coverage_label.isVisibleTo(widget)
    if os.environ.get("OUTPOST_SCREENSHOTS"):
        widget.resize(1100, 700)
        widget.grab().save(os.environ["OUTPOST_SCREENSHOTS"])
