"""Resident requests: opened, routed to a team, assigned, resolved or closed, on a clock."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from activities import configuration, messages
from activities.models import (
    KnownTeam,
    KnownVolunteer,
    RequestCategory,
    RequestStatus,
    RequestStep,
    ResidentRequest,
)
from activities.signups import aware
from shared.clock import now
from shared.contracts.activities import (
    RequestAssigned,
    RequestClosed,
    RequestOpened,
    RequestOverdue,
    RequestResolved,
)
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events.outbox import add_event
from shared.ids import new_id
from shared.messages import TEAM_NOT_FOUND, VOLUNTEER_NOT_FOUND
from shared.types import Id, Input

# Which team takes a category by default: the community's team of this service area.
ROUTING: dict[RequestCategory, str] = {
    RequestCategory.EMPLOYMENT: "community_work",
    RequestCategory.SOCIAL_ASSISTANCE: "poverty_relief",
    RequestCategory.MEDICAL_CARE: "healthcare",
    RequestCategory.RIGHTS_PROTECTION: "legal_aid",
    RequestCategory.FAMILY_PLANNING: "reproductive_health",
    RequestCategory.CHILD_HEALTH: "reproductive_health",
    RequestCategory.POLICY_CONSULTATION: "community_work",
    RequestCategory.PUBLIC_SECURITY: "community_work",
    RequestCategory.HOUSEKEEPING: "housekeeping",
    RequestCategory.TELECOM: "science_popularisation",
}
LIVE = (RequestStatus.OPEN, RequestStatus.ASSIGNED)


class RequestCreate(Input):
    """Input of `POST /communities/{id}/requests`."""

    category: RequestCategory
    description: str = Field(min_length=5, max_length=2000)


class ToVolunteer(Input):
    """Assign the request to one volunteer."""

    volunteer_id: Id

    @property
    def team_id(self) -> None:
        return None


class ToTeam(Input):
    """Assign the request to a team."""

    team_id: Id

    @property
    def volunteer_id(self) -> None:
        return None


# A volunteer or a team, one of the two: the document says so (anyOf of two objects
# that each refuse the other's field).
Assignment = ToVolunteer | ToTeam
"""Input of `POST /requests/{id}/assign`."""


class Resolution(Input):
    """Input of `POST /requests/{id}/resolve`."""

    resolution: str = Field(min_length=2, max_length=2000)
    volunteer_id: Id | None = Field(default=None, description="who solved it, when a team had it")


def _step(session: AsyncSession, request: ResidentRequest, note: str | None = None) -> None:
    """Append the request's present state to its progress."""
    session.add(
        RequestStep(
            id=new_id(),
            request_id=request.id,
            status=request.status.value,
            at=now(),
            team_id=request.assignee_team_id,
            volunteer_id=request.assignee_volunteer_id,
            note=note,
        )
    )


def _assigned_event(request: ResidentRequest, *, automatically: bool) -> RequestAssigned:
    return RequestAssigned(
        request_id=request.id,
        community_id=request.community_id,
        category=request.category.value,
        volunteer_id=request.assignee_volunteer_id,
        team_id=request.assignee_team_id,
        routed_automatically=automatically,
        resident_account_id=request.resident_account_id,
    )


async def open_request(
    session: AsyncSession, community_id: str, account_id: str, data: RequestCreate
) -> ResidentRequest:
    """File a request; it goes to the community's team for its category when there is one.
    Its target is the district's for the category (configuration), as in force now."""
    targets = await configuration.response_targets(session)
    opened = now()
    request = ResidentRequest(
        id=new_id(),
        community_id=community_id,
        resident_account_id=account_id,
        category=data.category,
        description=data.description,
        status=RequestStatus.OPEN,
        opened_at=opened,
        due_at=opened + timedelta(hours=targets[data.category.value]),
    )
    session.add(request)
    await session.flush()  # its steps refer to it (no ORM relationship orders the inserts)
    _step(session, request)
    add_event(
        session,
        RequestOpened(
            request_id=request.id,
            community_id=community_id,
            category=data.category.value,
            due_at=request.due_at,
            resident_account_id=account_id,
        ),
        subject=request.id,
        community=community_id,
    )
    team = (
        await session.exec(
            select(KnownTeam)
            .where(
                col(KnownTeam.community_id) == community_id,
                col(KnownTeam.service_area_code) == ROUTING[data.category],
            )
            .order_by(col(KnownTeam.id))
        )
    ).first()
    if team is not None:
        request.assignee_team_id = team.id
        request.status = RequestStatus.ASSIGNED
        _step(session, request, "routed to the community's team for this category")
        add_event(
            session,
            _assigned_event(request, automatically=True),
            subject=request.id,
            community=community_id,
        )
    await session.commit()
    return request


async def assign(
    session: AsyncSession, request: ResidentRequest, data: Assignment
) -> ResidentRequest:
    """Assign (or reassign) a live request."""
    if request.status not in LIVE:
        raise Conflict(
            messages.REQUEST_CANNOT_BE_ASSIGNED, status=messages.REQUEST_STATUS[request.status]
        )
    if data.volunteer_id is not None:
        volunteer = await session.get(KnownVolunteer, data.volunteer_id)
        if volunteer is None or volunteer.community_id != request.community_id:
            # Another community's volunteer answers as an unknown one would.
            raise NotFound(VOLUNTEER_NOT_FOUND)
        if volunteer.status != "registered":
            raise Unprocessable(
                messages.ASSIGNEE_NOT_REGISTERED, status=messages.standing(volunteer.status)
            )
    if data.team_id is not None:
        team = await session.get(KnownTeam, data.team_id)
        if team is None or team.community_id != request.community_id:
            raise NotFound(TEAM_NOT_FOUND)
    request.assignee_volunteer_id = data.volunteer_id
    request.assignee_team_id = data.team_id
    request.status = RequestStatus.ASSIGNED
    session.add(request)
    _step(session, request)
    add_event(
        session,
        _assigned_event(request, automatically=False),
        subject=request.id,
        community=request.community_id,
    )
    await session.commit()
    return request


async def resolve(
    session: AsyncSession, request: ResidentRequest, data: Resolution
) -> ResidentRequest:
    """Resolve a request; the assignee (or the named team member) is credited "problem solved"."""
    if request.status not in LIVE:
        raise Conflict(
            messages.REQUEST_CANNOT_BE_RESOLVED, status=messages.REQUEST_STATUS[request.status]
        )
    if data.volunteer_id is not None:
        volunteer = await session.get(KnownVolunteer, data.volunteer_id)
        if volunteer is None or volunteer.community_id != request.community_id:
            # Crediting another community's volunteer would count in its four-ones.
            raise NotFound(VOLUNTEER_NOT_FOUND)
    credited = data.volunteer_id or request.assignee_volunteer_id
    request.status = RequestStatus.RESOLVED
    request.resolution = data.resolution
    request.resolved_at = now()
    session.add(request)
    _step(session, request, data.resolution)
    add_event(
        session,
        RequestResolved(
            request_id=request.id,
            community_id=request.community_id,
            category=request.category.value,
            credited_volunteer_id=credited,
            resolved_at=request.resolved_at,
            resident_account_id=request.resident_account_id,
        ),
        subject=request.id,
        community=request.community_id,
    )
    await session.commit()
    return request


async def close(session: AsyncSession, request: ResidentRequest, reason: str) -> ResidentRequest:
    """Close a request without resolving it (withdrawn by the resident, out of scope)."""
    if request.status not in LIVE:
        raise Conflict(
            messages.REQUEST_CANNOT_BE_CLOSED, status=messages.REQUEST_STATUS[request.status]
        )
    request.status = RequestStatus.CLOSED
    request.resolution = reason
    session.add(request)
    _step(session, request, reason)
    add_event(
        session,
        RequestClosed(
            request_id=request.id,
            community_id=request.community_id,
            reason=reason,
            resident_account_id=request.resident_account_id,
        ),
        subject=request.id,
        community=request.community_id,
    )
    await session.commit()
    return request


async def raise_overdue(session: AsyncSession) -> int:
    """Raise RequestOverdue once for each live request past its target."""
    rows = await session.exec(
        select(ResidentRequest).where(
            col(ResidentRequest.status).in_(LIVE),
            col(ResidentRequest.due_at) < now(),
            col(ResidentRequest.overdue_raised).is_(False),
        )
    )
    raised = 0
    for request in rows.all():
        # Claim it with a conditional UPDATE: replicas checking at the same moment
        # cannot both raise the event.
        claim = await session.exec(
            update(ResidentRequest)
            .where(
                col(ResidentRequest.id) == request.id,
                col(ResidentRequest.overdue_raised).is_(False),
            )
            .values(overdue_raised=True)
        )
        if claim.rowcount != 1:
            continue
        add_event(
            session,
            RequestOverdue(
                request_id=request.id,
                community_id=request.community_id,
                category=request.category.value,
                due_at=aware(request.due_at),
                volunteer_id=request.assignee_volunteer_id,
                team_id=request.assignee_team_id,
            ),
            subject=request.id,
            community=request.community_id,
        )
        raised += 1
    await session.commit()
    return raised


async def progress(session: AsyncSession, request: ResidentRequest) -> list[RequestStep]:
    """The request's steps so far, in order (a request filed before steps were kept
    shows its opening only, from when it was opened)."""
    rows = await session.exec(
        select(RequestStep)
        .where(col(RequestStep.request_id) == request.id)
        .order_by(col(RequestStep.at), col(RequestStep.id))
    )
    steps = list(rows.all())
    if not steps:
        steps = [
            RequestStep(
                id=request.id,
                request_id=request.id,
                status=RequestStatus.OPEN.value,
                at=request.opened_at,
            )
        ]
    return steps
