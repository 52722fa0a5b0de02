"""The teams projection: which community each team belongs to.

Announcements name a team by id; the id must be one of the caller's community's teams,
and only the registry's events say which community a team is in.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from notifications.models import Team
from shared.contracts.registry import TeamCreated
from shared.db import upsert
from shared.events.handlers import EventContext, HandlerRegistry


def register_team_handlers(handlers: HandlerRegistry) -> None:
    """Keep `Team` up to date from the registry's team events."""

    @handlers.on(TeamCreated)
    async def team_created(ctx: EventContext, event: TeamCreated) -> None:
        await remember_team(ctx.session, event.team_id, event.community_id)


async def remember_team(session: AsyncSession, team_id: str, community_id: str) -> None:
    """Record (or confirm) the team's community."""
    await upsert(session, Team, {"team_id": team_id, "community_id": community_id}, key=["team_id"])
