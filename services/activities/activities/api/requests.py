"""Routes over resident requests; residents see only their own."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field
from sqlalchemy import and_, not_
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from activities import messages, requests
from activities.api.activities import Reason
from activities.api.deps import ORGANISERS
from activities.models import (
    KnownTeamMember,
    KnownVolunteer,
    RequestCategory,
    RequestStatus,
    ResidentRequest,
)
from shared.access import authorize, list_scope, visible
from shared.auth import CurrentPrincipal, Principal
from shared.clock import now
from shared.deps import SessionDep
from shared.errors import Forbidden, NotFound
from shared.messages import COMMUNITY_NOT_FOUND
from shared.paging import Page, PageParams, paginate

router = APIRouter(tags=["requests"])


class RequestPublic(BaseModel):
    """A request as the API shows it."""

    id: str
    community_id: str
    category: RequestCategory
    description: str
    status: RequestStatus
    assignee_volunteer_id: str | None
    assignee_team_id: str | None
    opened_at: datetime
    due_at: datetime
    resolved_at: datetime | None
    resolution: str | None


def public_request(request: ResidentRequest) -> RequestPublic:
    """The API view of a request."""
    return RequestPublic.model_validate(request, from_attributes=True)


async def _is_assignee(session: SessionDep, principal: Principal, request: ResidentRequest) -> bool:
    found = await session.exec(
        select(KnownVolunteer).where(col(KnownVolunteer.account_id) == principal.subject)
    )
    volunteer = found.first()
    if volunteer is None:
        return False
    if request.assignee_volunteer_id == volunteer.id:
        return True
    if request.assignee_team_id is not None:
        return (
            await session.get(KnownTeamMember, (request.assignee_team_id, volunteer.id)) is not None
        )
    return False


async def _request(session: SessionDep, principal: Principal, request_id: str) -> ResidentRequest:
    """A request the caller may see: organisers of its community, its resident, its assignees."""
    request = visible(
        principal, await session.get(ResidentRequest, request_id), messages.REQUEST_NOT_FOUND
    )
    if principal.role in ORGANISERS or request.resident_account_id == principal.subject:
        return request
    if await _is_assignee(session, principal, request):
        return request
    raise NotFound(messages.REQUEST_NOT_FOUND)


@router.post(
    "/communities/{community_id}/requests",
    response_model=RequestPublic,
    status_code=status.HTTP_201_CREATED,
)
async def post_request(
    community_id: str,
    data: requests.RequestCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
) -> RequestPublic:
    """A resident files a request; it is routed to the community's team for its category."""
    list_scope(principal, community_id)  # another community's answers 404
    if principal.is_district_wide:
        # A request is a resident's, filed in their own community: the district office has none.
        raise NotFound(COMMUNITY_NOT_FOUND)
    return public_request(
        await requests.open_request(session, community_id, principal.subject, data)
    )


def filtered_requests(
    query: SelectOfScalar[ResidentRequest],
    status_: RequestStatus | None,
    category: RequestCategory | None,
    overdue: bool | None,
) -> SelectOfScalar[ResidentRequest]:
    """The filters every list of requests takes; overdue: live and past its target."""
    if status_ is not None:
        query = query.where(col(ResidentRequest.status) == status_)
    if category is not None:
        query = query.where(col(ResidentRequest.category) == category)
    if overdue is not None:
        late = and_(
            col(ResidentRequest.status).in_(requests.LIVE), col(ResidentRequest.due_at) < now()
        )
        query = query.where(late if overdue else not_(late))
    return query


StatusFilter = Annotated[RequestStatus | None, Query(alias="status")]
Overdue = Annotated[
    bool | None, Query(description="true: open or assigned and past its target; false: not")
]
REQUEST_ORDER = [col(ResidentRequest.due_at), col(ResidentRequest.id)]


@router.get("/me/requests", response_model=Page[RequestPublic])
async def my_requests(
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    status_: StatusFilter = None,
    category: RequestCategory | None = None,
) -> Page[RequestPublic]:
    """The caller's own requests, newest first; `/requests/{id}/progress` tells each one's story."""
    query = select(ResidentRequest).where(
        col(ResidentRequest.resident_account_id) == principal.subject
    )
    return await paginate(
        session,
        filtered_requests(query, status_, category, None),
        order=[col(ResidentRequest.opened_at), col(ResidentRequest.id)],
        paging=paging,
        descending=True,
        convert=public_request,
    )


@router.get("/communities/{community_id}/requests", response_model=Page[RequestPublic])
async def community_requests(
    community_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    status_: StatusFilter = None,
    category: RequestCategory | None = None,
    overdue: Overdue = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100, description="in the text")] = None,
) -> Page[RequestPublic]:
    """The community's requests by their target time, soonest first (organisers)."""
    authorize(principal, community_id, *ORGANISERS)
    query = select(ResidentRequest).where(col(ResidentRequest.community_id) == community_id)
    if q is not None:
        query = query.where(col(ResidentRequest.description).icontains(q, autoescape=True))
    return await paginate(
        session,
        filtered_requests(query, status_, category, overdue),
        order=REQUEST_ORDER,
        paging=paging,
        convert=public_request,
    )


@router.get("/requests/{request_id}", response_model=RequestPublic)
async def get_request(
    request_id: str, principal: CurrentPrincipal, session: SessionDep
) -> RequestPublic:
    """One request: its resident, its assignees and the organisers see it; nobody else."""
    return public_request(await _request(session, principal, request_id))


class StepPublic(BaseModel):
    """One step of a request's progress."""

    status: RequestStatus
    at: datetime
    team_id: str | None = Field(description="the team that has it from this step on")
    volunteer_id: str | None = Field(description="the volunteer who has it from this step on")
    note: str | None = Field(
        description="the resolution, the reason for closing, or how it was routed"
    )


class RequestProgress(BaseModel):
    """A request and how it got where it is, for its resident to follow."""

    request: RequestPublic
    steps: list[StepPublic]


@router.get("/requests/{request_id}/progress", response_model=RequestProgress)
async def request_progress(
    request_id: str, principal: CurrentPrincipal, session: SessionDep
) -> RequestProgress:
    """The request with each step so far: opened, assigned (each reassignment), resolved
    or closed. Its resident, its assignees and the organisers see it; nobody else."""
    request = await _request(session, principal, request_id)
    steps = await requests.progress(session, request)
    return RequestProgress(
        request=public_request(request),
        steps=[
            StepPublic(
                status=RequestStatus(step.status),
                at=step.at,
                team_id=step.team_id,
                volunteer_id=step.volunteer_id,
                note=step.note,
            )
            for step in steps
        ],
    )


@router.post("/requests/{request_id}/assign", response_model=RequestPublic)
async def assign(
    request_id: str, body: requests.Assignment, principal: CurrentPrincipal, session: SessionDep
) -> RequestPublic:
    """Assign the request to a volunteer or a team (organisers)."""
    request = await _request(session, principal, request_id)
    authorize(principal, request.community_id, *ORGANISERS)
    return public_request(await requests.assign(session, request, body))


@router.post("/requests/{request_id}/resolve", response_model=RequestPublic)
async def resolve(
    request_id: str, body: requests.Resolution, principal: CurrentPrincipal, session: SessionDep
) -> RequestPublic:
    """Resolve the request (an assignee or an organiser)."""
    request = await _request(session, principal, request_id)
    if principal.role not in ORGANISERS and not await _is_assignee(session, principal, request):
        raise Forbidden(messages.RESOLVED_BY_ASSIGNEE_OR_ORGANISER)
    return public_request(await requests.resolve(session, request, body))


@router.post("/requests/{request_id}/close", response_model=RequestPublic)
async def close(
    request_id: str, body: Reason, principal: CurrentPrincipal, session: SessionDep
) -> RequestPublic:
    """Close the request: its resident withdraws it, or an organiser closes it."""
    request = await _request(session, principal, request_id)
    if principal.role not in ORGANISERS and request.resident_account_id != principal.subject:
        raise Forbidden(messages.CLOSED_BY_RESIDENT_OR_ORGANISER)
    return public_request(await requests.close(session, request, body.reason))
