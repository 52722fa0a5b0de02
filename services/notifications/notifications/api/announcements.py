"""Route for announcements."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field
from sqlalchemy import or_
from sqlmodel import col, select

from notifications import announcements as announcements_
from notifications import messages
from notifications.announcements import Audience
from notifications.models import Announcement, ChannelDelivery, InboxEntry
from shared.access import list_scope, require_role
from shared.auth import CurrentPrincipal, Role
from shared.deps import SessionDep
from shared.errors import NotFound
from shared.paging import Page, PageParams, paginate
from shared.types import Id, Input, Timestamp

router = APIRouter(tags=["announcements"])


class _Announcement(Input):
    title: str = Field(min_length=1, max_length=100)
    body: str = Field(min_length=1, max_length=4000)
    publish_at: Timestamp | None = Field(default=None, description="now when omitted")


class ToDistrict(_Announcement):
    """To everyone in the district (the district admin only)."""

    audience: Literal["district"]


class ToCommunity(_Announcement):
    """To one community's people (a community admin names their own)."""

    audience: Literal["community"]
    community_id: Id


class ToTeam(_Announcement):
    """To one team's members; the team names its community."""

    audience: Literal["team"]
    team_id: Id
    community_id: Id | None = Field(default=None, description="the team's, when given")


# The audience decides which ids the announcement names (oneOf on `audience`).
AnnouncementCreate = Annotated[ToDistrict | ToCommunity | ToTeam, Field(discriminator="audience")]


@router.post("/announcements", response_model=Announcement, status_code=status.HTTP_201_CREATED)
async def announce(
    body: AnnouncementCreate, principal: CurrentPrincipal, session: SessionDep
) -> Announcement:
    """Announce to the district (district admin), a community or a team (its admin)."""
    return await announcements_.announce(
        session,
        principal,
        audience=body.audience,
        community_id=None if isinstance(body, ToDistrict) else body.community_id,
        team_id=body.team_id if isinstance(body, ToTeam) else None,
        title=body.title,
        body=body.body,
        publish_at=body.publish_at,
    )


class AnnouncementStatus(StrEnum):
    """Whether an announcement has reached its audience yet."""

    SCHEDULED = "scheduled"
    PUBLISHED = "published"


def _like(text: str) -> str:
    # The caller's text is matched as it is: % and _ in it are not wildcards.
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@router.get("/announcements", response_model=Page[Announcement])
async def announcements(
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    status_: Annotated[
        AnnouncementStatus | None,
        Query(alias="status", description="scheduled (its time has not come) or published"),
    ] = None,
    audience: Audience | None = None,
    community_id: Annotated[
        Id | None, Query(description="this community's own (the district admin's filter)")
    ] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="part of the title or body")
    ] = None,
) -> Page[Any]:
    """Announcements, the latest publication time first: the district admin sees all;
    a community admin those to the district and to their own community and its teams."""
    require_role(principal, Role.COMMUNITY_ADMIN)
    list_scope(principal, community_id)  # another community's answers 404
    query = select(Announcement)
    if not principal.is_district_wide:
        query = query.where(
            or_(
                col(Announcement.community_id) == principal.community,
                col(Announcement.community_id).is_(None),
            )
        )
    if community_id is not None:
        query = query.where(col(Announcement.community_id) == community_id)
    if status_ is not None:
        query = query.where(
            col(Announcement.published).is_(status_ is AnnouncementStatus.PUBLISHED)
        )
    if audience is not None:
        query = query.where(col(Announcement.audience) == audience)
    if q is not None:
        pattern = _like(q)
        query = query.where(
            or_(
                col(Announcement.title).ilike(pattern, escape="\\"),
                col(Announcement.body).ilike(pattern, escape="\\"),
            )
        )
    return await paginate(
        session,
        query,
        order=[col(Announcement.publish_at), col(Announcement.id)],
        paging=paging,
        descending=True,
    )


class ChannelOutcome(StrEnum):
    """Where an e-mail or SMS stands."""

    PENDING = "pending"  # not sent yet: due, held by quiet hours, or retried after a failure
    SENT = "sent"
    DEAD = "dead"  # its attempts ran out


class AnnouncementDelivery(BaseModel):
    """One announcement sent to one person on one channel (the address is not shown)."""

    id: str
    account_id: str
    channel: Literal["email", "sms"]
    status: ChannelOutcome
    attempts: int
    last_error: str | None
    sent_at: datetime | None


def _delivery(row: ChannelDelivery) -> AnnouncementDelivery:
    return AnnouncementDelivery.model_validate(row, from_attributes=True)


@router.get(
    "/announcements/{announcement_id}/deliveries", response_model=Page[AnnouncementDelivery]
)
async def announcement_deliveries(
    announcement_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    status_: Annotated[
        ChannelOutcome | None, Query(alias="status", description="only deliveries in this state")
    ] = None,
    channel: Literal["email", "sms"] | None = None,
) -> Page[Any]:
    """Who an announcement reached by e-mail and SMS, and how each went, in the order
    they were queued. A community admin sees those to their own community's people."""
    require_role(principal, Role.COMMUNITY_ADMIN)
    announcement = await session.get(Announcement, announcement_id)
    if announcement is None or not principal.can_access_community(
        announcement.community_id or principal.community
    ):
        # Another community's announcement answers as an unknown one; one to the whole
        # district is every community's.
        raise NotFound(messages.ANNOUNCEMENT_NOT_FOUND)
    entries = select(InboxEntry.id).where(col(InboxEntry.event_id) == announcement_id)
    if not principal.is_district_wide and announcement.community_id is None:
        # A district announcement: only the entries of the caller's own community.
        entries = entries.where(col(InboxEntry.community_id) == principal.community)
    query = select(ChannelDelivery).where(col(ChannelDelivery.entry_id).in_(entries))
    if status_ is not None:
        query = query.where(col(ChannelDelivery.status) == status_.value)
    if channel is not None:
        query = query.where(col(ChannelDelivery.channel) == channel)
    return await paginate(
        session, query, order=[col(ChannelDelivery.id)], paging=paging, convert=_delivery
    )
