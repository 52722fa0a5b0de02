"""Events published by the evaluation service (stream `evaluation.events`)."""

from __future__ import annotations

from shared.contracts.base import EventPayload


class StarReached(EventPayload):
    """A volunteer reached a national star level (星级) for the first time."""

    event_type = "org.linli.evaluation.star_reached.v1"

    volunteer_id: str
    community_id: str
    level: int
    threshold_hours: int
    total_hours: float
