"""Announcements (宣传先行): published now or at a set time into their audience's inboxes."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notifications.domain.channels import ANNOUNCEMENT
from notifications.inbox import notify
from notifications.models import Announcement
from shared import clock
from shared.contracts.notifications import AnnouncementPublished
from shared.events.outbox import add_event
from shared.projections.communities import KnownCommunity

ROLES = ("community_admin", "team_leader", "volunteer", "resident")


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
