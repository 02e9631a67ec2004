"""Campaign periods (đợt cao điểm) as the screens list them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.context import Context
from db import models as m


@dataclass(frozen=True)
class CampaignRow:
    id: str
    name: str
    starts_on: date
    ends_on: date

    @property
    def label(self) -> str:
        return f"{self.name} ({self.starts_on:%d/%m/%Y}–{self.ends_on:%d/%m/%Y})"


def list_campaigns(ctx: Context) -> list[CampaignRow]:
    """Every campaign the register knows, the latest first."""
    with ctx.sessions.reads() as session:
        rows = session.execute(
            select(m.Campaign.id, m.Campaign.name, m.Campaign.starts_on, m.Campaign.ends_on).order_by(
                m.Campaign.starts_on.desc(), m.Campaign.name
            )
        )
        return [CampaignRow(*row) for row in rows]
