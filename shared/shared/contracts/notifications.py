"""Events published by the notifications service (stream `notifications.events`)."""

from __future__ import annotations

from shared.contracts.base import EventPayload


class AnnouncementPublished(EventPayload):
    """An announcement (公告) reached its audience's inboxes."""

    event_type = "org.linli.notifications.announcement_published.v1"

    announcement_id: str
    audience: str  # district, community, team
    community_id: str | None = None
    team_id: str | None = None
    title: str
