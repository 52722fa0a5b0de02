"""The communities projection: each consuming service's own copy of the registry's communities.

Every service that works per community needs to know which communities exist; it learns
them from `registry.events` and keeps them in its own database (no calls to the registry).
The table lives in `projection_registry`, which a service includes in its migrations.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException
from sqlalchemy import Column
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel, col, select

from shared.auth import CurrentPrincipal, ensure_community_access
from shared.contracts.registry import CommunityCreated, CommunityUpdated
from shared.db import UtcDateTime, upsert_many
from shared.deps import SessionDep
from shared.events.handlers import BatchContext, HandlerRegistry

projection_registry = registry()


class ProjectionModel(SQLModel, registry=projection_registry):
    """Base of projection tables shared by consuming services."""


class CommunityPublic(SQLModel):
    """A community as the services show it."""

    id: str
    name: str
    street_id: str | None = None
    street_name: str | None = None


class KnownCommunity(ProjectionModel, table=True):
    """A community as learnt from the registry's events."""

    __tablename__ = "known_community"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    street_id: str | None = Field(default=None, max_length=64)
    street_name: str | None = Field(default=None, max_length=200)
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


def register_community_handlers(handlers: HandlerRegistry) -> None:
    """Keep `KnownCommunity` up to date from the registry's community events."""

    # Both facts carry the whole community, so each is one upsert; a run of them from
    # one batch is one statement.
    handlers.on_batch(CommunityCreated)(_upsert_communities)
    handlers.on_batch(CommunityUpdated)(_upsert_communities)


async def _upsert_communities(batch: BatchContext) -> None:
    await upsert_many(
        batch.session,
        KnownCommunity,
        [
            {
                "id": item.payload.community_id,
                "name": item.payload.name,
                "street_id": item.payload.street_id,
                "street_name": item.payload.street_name,
                "updated_at": item.envelope.time,
            }
            for item in batch.items
        ],
        key=["id"],
    )


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
            raise HTTPException(404, "community not found")
        return community

    return router
