"""Events published by the registry service (stream `registry.events`)."""

from __future__ import annotations

from shared.contracts.base import EventPayload


class CommunityCreated(EventPayload):
    """A community (社区) was set up under a street of the district."""

    event_type = "org.linli.registry.community_created.v1"

    community_id: str
    name: str
    street_id: str | None = None
    street_name: str | None = None


class CommunityRenamed(EventPayload):
    """A community's name changed."""

    event_type = "org.linli.registry.community_renamed.v1"

    community_id: str
    name: str
