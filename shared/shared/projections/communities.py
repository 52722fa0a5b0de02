"""The communities projection: each consuming service's own copy of the registry's communities.

Every service that works per community needs to know which communities exist; it learns
them from `registry.events` and keeps them in its own database (no calls to the registry).
The table lives in `projection_registry`, which a service includes in its migrations.
Its read-only routes are in `shared.projections.communities_routes`: a rebuild's worker
processes import the handlers, and need none of the web framework.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.contracts.registry import CommunityCreated, CommunityUpdated
from shared.db import UtcDateTime, upsert_many
from shared.events.handlers import BatchContext, HandlerRegistry

projection_registry = registry()


class ProjectionModel(SQLModel, registry=projection_registry):
    """Base of projection tables shared by consuming services."""


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
