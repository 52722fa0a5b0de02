"""Read-only HTTP routes over the communities projection (`shared.projections.communities`)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import SQLModel, col, select

from shared.auth import CurrentPrincipal, ensure_community_access
from shared.deps import SessionDep
from shared.errors import NotFound
from shared.messages import COMMUNITY_NOT_FOUND
from shared.projections.communities import KnownCommunity


class CommunityPublic(SQLModel):
    """A community as the services show it."""

    id: str
    name: str
    street_id: str | None = None
    street_name: str | None = None


def communities_router() -> APIRouter:
    """Read-only routes over the projection, scoped to the caller's community."""
    router = APIRouter(prefix="/communities", tags=["communities"])

    @router.get("", response_model=list[CommunityPublic])
    async def list_communities(
        principal: CurrentPrincipal, session: SessionDep
    ) -> list[KnownCommunity]:
        query = select(KnownCommunity).order_by(col(KnownCommunity.name))
        if not principal.is_district_wide:
            query = query.where(col(KnownCommunity.id) == principal.community)
        return list((await session.exec(query)).all())

    @router.get("/{community_id}", response_model=CommunityPublic)
    async def get_community(
        community_id: str, principal: CurrentPrincipal, session: SessionDep
    ) -> KnownCommunity:
        ensure_community_access(principal, community_id)
        community = await session.get(KnownCommunity, community_id)
        if community is None:
            raise NotFound(COMMUNITY_NOT_FOUND)
        return community

    return router
