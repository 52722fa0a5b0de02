"""Announcements (宣传先行): published now or at a set time into their audience's inboxes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notifications import messages
from notifications.domain.channels import ANNOUNCEMENT
from notifications.inbox import notify
from notifications.models import Announcement, Team
from shared import clock
from shared import messages as common
from shared.access import require_role, visible
from shared.auth import Principal, Role, ensure_community_access
from shared.contracts.notifications import AnnouncementPublished
from shared.errors import Forbidden, NotFound, Unprocessable
from shared.events.outbox import add_event
from shared.ids import new_id
from shared.projections.communities import KnownCommunity

ROLES = ("community_admin", "team_leader", "volunteer", "resident")

Audience = Literal["district", "community", "team"]


async def announce(
    session: AsyncSession,
    principal: Principal,
    *,
    audience: Audience,
    community_id: str | None,
    team_id: str | None,
    title: str,
    body: str,
    publish_at: datetime | None,
) -> Announcement:
    """Schedule an announcement to the district (district admin), a community or a team
    (its admin); one whose time has come is published at once."""
    require_role(principal, Role.COMMUNITY_ADMIN)
    if audience == "district" and not principal.is_district_wide:
        raise Forbidden(messages.DISTRICT_ANNOUNCEMENT_IS_DISTRICTS)
    community = community_id
    if community is not None:
        ensure_community_access(principal, community)
    if team_id is not None:
        # The team must be one of the caller's community's own: another community's team
        # answers exactly as an unknown one does.
        team = visible(principal, await session.get(Team, team_id), common.TEAM_NOT_FOUND)
        if community not in (None, team.community_id):
            raise NotFound(common.TEAM_NOT_FOUND)
        community = team.community_id
    if community is not None and await session.get(KnownCommunity, community) is None:
        raise NotFound(common.COMMUNITY_NOT_FOUND)
    publish_at = publish_at or clock.now()
    if publish_at.tzinfo is None:
        raise Unprocessable(messages.PUBLISH_AT_NEEDS_OFFSET)
    announcement = Announcement(
        id=new_id(),
        author_account_id=principal.subject,
        audience=audience,
        community_id=community,
        team_id=team_id,
        title=title,
        body=body,
        publish_at=publish_at,
    )
    session.add(announcement)
    await session.commit()
    if publish_at <= clock.now():
        await publish_due(session)
        await session.refresh(announcement)
    return announcement


async def publish_due(session: AsyncSession) -> int:
    """Publish every announcement whose time has come; each exactly once."""
    due = (
        await session.exec(
            select(Announcement).where(
                col(Announcement.published).is_(False),
                col(Announcement.publish_at) <= clock.now(),
            )
        )
    ).all()
    published = 0
    for announcement in due:
        # Claim it: replicas publishing at the same moment cannot both deliver it.
        claim = await session.exec(
            update(Announcement)
            .where(col(Announcement.id) == announcement.id, col(Announcement.published).is_(False))
            .values(published=True)
        )
        if claim.rowcount != 1:
            continue
        if announcement.audience == "team":
            roles: list[tuple[str, str]] = []
            teams = [announcement.team_id] if announcement.team_id else []
        else:
            communities = (
                [announcement.community_id]
                if announcement.audience == "community" and announcement.community_id
                else list((await session.exec(select(KnownCommunity.id))).all())
            )
            roles = [(community, role) for community in communities for role in ROLES]
            teams = []
        await notify(
            session,
            announcement.id,
            ANNOUNCEMENT,
            "announcement",
            {"title": announcement.title, "body": announcement.body},
            roles=roles,
            teams=teams,
        )
        add_event(
            session,
            AnnouncementPublished(
                announcement_id=announcement.id,
                audience=announcement.audience,
                community_id=announcement.community_id,
                team_id=announcement.team_id,
                title=announcement.title,
            ),
            subject=announcement.id,
            community=announcement.community_id,
        )
        published += 1
    await session.commit()
    return published
