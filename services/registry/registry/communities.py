"""Setting up communities: the rule and the event, without HTTP."""

from datetime import UTC, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from registry.models import Community, CommunityCreate
from shared.contracts.registry import CommunityCreated
from shared.events.outbox import add_event
from shared.ids import new_id


class CommunityNameTaken(Exception):
    """Another community already has this name."""


async def create_community(session: AsyncSession, data: CommunityCreate) -> Community:
    """Create a community and stage `CommunityCreated` in the same transaction."""
    name = data.name.strip()
    existing = await session.exec(select(Community).where(col(Community.name) == name))
    if existing.first() is not None:
        raise CommunityNameTaken(name)
    community = Community(
        id=new_id(), name=name, street_name=data.street_name, created_at=datetime.now(UTC)
    )
    session.add(community)
    add_event(
        session,
        CommunityCreated(
            community_id=community.id, name=community.name, street_name=community.street_name
        ),
        subject=community.id,
        community=community.id,
    )
    await session.commit()
    return community
