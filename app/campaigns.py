"""Campaign periods (đợt cao điểm): declared at HQ (the provincial Steering Committee 389 sets them),
sent to every post in its return bundles, chosen on a case at the post, and reported on at both ends."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import Table

from app import audit
from app.auth import require
from app.domain import Actor
from app.errors import RegisterError, ValidationError
from app.i18n import _
from app.serialize import row_state
from db import models as m

if TYPE_CHECKING:
    from app.context import Context

CAMPAIGNS: Table = m.Campaign.__table__  # type: ignore[assignment]
NAME_LIMIT = 200
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)


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


def clean_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split())


def campaign_problems(name: object, starts_on: object, ends_on: object) -> list[str]:
    """What is wrong with a campaign's fields, in words (empty when they are fine)."""
    problems = []
    if not isinstance(name, str) or not clean_name(name):
        problems.append(_("the campaign needs a name"))
    elif len(clean_name(name)) > NAME_LIMIT:
        problems.append(_("the campaign's name is longer than {limit} characters").format(limit=NAME_LIMIT))
    dates = [value for value in (starts_on, ends_on) if isinstance(value, date)]
    if len(dates) < 2 or any(not EARLIEST <= value <= LATEST for value in dates):
        problems.append(
            _("the campaign needs a first and a last day between {first} and {last}").format(
                first=EARLIEST.year, last=LATEST.year
            )
        )
    elif dates[0] > dates[1]:
        problems.append(_("the campaign ends before it starts"))
    return problems


def add_campaign(ctx: Context, actor: Actor, name: str, starts_on: date, ends_on: date) -> CampaignRow:
    """HQ declares a campaign; posts receive it in their next return bundle."""
    return _save(ctx, actor, None, name, starts_on, ends_on)


def change_campaign(
    ctx: Context, actor: Actor, campaign_id: str, name: str, starts_on: date, ends_on: date
) -> CampaignRow:
    """HQ corrects or extends a campaign; the newer version replaces the older one at every post."""
    return _save(ctx, actor, campaign_id, name, starts_on, ends_on)


def find_campaign(ctx: Context, text: str) -> CampaignRow:
    """A campaign by its id, the start of its id (as listed) or its exact name."""
    wanted = clean_name(text)
    found = [
        row
        for row in list_campaigns(ctx)
        if row.id == wanted or (len(wanted) >= 6 and row.id.startswith(wanted)) or row.name == wanted
    ]
    if len(found) != 1:
        raise ValidationError(
            [
                _("no campaign {text}: see 'outpost campaign list'").format(text=repr(text))
                if not found
                else _("{text} names several campaigns: give more of the id").format(text=repr(text))
            ]
        )
    return found[0]


def _save(
    ctx: Context, actor: Actor, campaign_id: str | None, name: str, starts_on: date, ends_on: date
) -> CampaignRow:
    require(actor, "campaign.manage")
    if ctx.kind != "hq":
        raise RegisterError(_("campaigns are declared at HQ and reach the posts in its return bundles"))
    problems = campaign_problems(name, starts_on, ends_on)
    if problems:
        raise ValidationError(problems)
    name = clean_name(name)
    with ctx.sessions.writes.begin() as session:
        # Names differing only in case or accents' composition are the same campaign to a reader.
        others = session.execute(select(m.Campaign.name).where(m.Campaign.id != (campaign_id or "")))
        if any(other.casefold() == name.casefold() for (other,) in others):
            raise ValidationError([_("a campaign named {name} exists already").format(name=repr(name))])
        if campaign_id is None:
            row = m.Campaign(
                origin=ctx.station_id,
                name=name,
                starts_on=starts_on,
                ends_on=ends_on,
                version=1,
                change_seq=0,
            )
            session.add(row)
            before = None
        else:
            found = session.get(m.Campaign, campaign_id)
            if found is None or found.origin != ctx.station_id:
                raise ValidationError([_("no campaign {text} declared here").format(text=repr(campaign_id))])
            row, before = found, row_state(CAMPAIGNS, found)
            row.name, row.starts_on, row.ends_on = name, starts_on, ends_on
        seal_campaign(ctx, session, actor.username, row, before)
        return CampaignRow(row.id, row.name, row.starts_on, row.ends_on)


def seal_campaign(
    ctx: Context,
    session: Session,
    actor: str,
    row: m.Campaign,
    before: dict[str, Any] | None,
    version: int | None = None,
) -> None:
    """Seal an added or changed campaign into the audit chain; an unchanged one is left alone. Its
    version goes up by one, or becomes ``version`` (HQ's, for a campaign received at a post)."""
    audit.seal_row(
        session,
        at=ctx.clock(),
        station_id=ctx.station_id,
        actor=actor,
        entity="campaign",
        table=CAMPAIGNS,
        row=row,
        before=before,
        describe=lambda before, after: audit.field_diff(before or {}, after),
        version=version,
    )
