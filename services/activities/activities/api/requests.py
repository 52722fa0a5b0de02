"""Routes over resident requests; residents see only their own."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel
from sqlmodel import col, select

from activities import requests
from activities.api.activities import Reason
from activities.api.records import organiser_of
from activities.models import (
    KnownTeamMember,
    KnownVolunteer,
    RequestCategory,
    RequestStatus,
    ResidentRequest,
)
from shared.auth import CurrentPrincipal, Principal, Role
from shared.deps import SessionDep
from shared.types import ListLimit

router = APIRouter(tags=["requests"])
ORGANISERS = (Role.DISTRICT_ADMIN, Role.COMMUNITY_ADMIN, Role.TEAM_LEADER)


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


def _public(request: ResidentRequest) -> RequestPublic:
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
    request = await session.get(ResidentRequest, request_id)
    if request is None or not principal.can_access_community(request.community_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "request not found")
    if principal.role in ORGANISERS or request.resident_account_id == principal.subject:
        return request
    if await _is_assignee(session, principal, request):
        return request
    raise HTTPException(status.HTTP_404_NOT_FOUND, "request not found")


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
    if not principal.can_access_community(community_id) or principal.is_district_wide:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "community not found")
    return _public(await requests.open_request(session, community_id, principal.subject, data))


@router.get("/me/requests", response_model=list[RequestPublic])
async def my_requests(
    principal: CurrentPrincipal, session: SessionDep, limit: ListLimit = 500
) -> list[RequestPublic]:
    """The caller's own requests."""
    rows = await session.exec(
        select(ResidentRequest)
        .where(col(ResidentRequest.resident_account_id) == principal.subject)
        .order_by(col(ResidentRequest.opened_at).desc())
        .limit(limit)
    )
    return [_public(r) for r in rows.all()]


@router.get("/communities/{community_id}/requests", response_model=list[RequestPublic])
async def community_requests(
    community_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    status_filter: RequestStatus | None = None,
    limit: ListLimit = 500,
) -> list[RequestPublic]:
    """The community's requests (organisers)."""
    organiser_of(principal, community_id)
    query = select(ResidentRequest).where(col(ResidentRequest.community_id) == community_id)
    if status_filter is not None:
        query = query.where(col(ResidentRequest.status) == status_filter)
    rows = await session.exec(query.order_by(col(ResidentRequest.due_at)).limit(limit))
    return [_public(r) for r in rows.all()]


@router.get("/requests/{request_id}", response_model=RequestPublic)
async def get_request(
    request_id: str, principal: CurrentPrincipal, session: SessionDep
) -> RequestPublic:
    """One request: its resident, its assignees and the organisers see it; nobody else."""
    return _public(await _request(session, principal, request_id))


@router.post("/requests/{request_id}/assign", response_model=RequestPublic)
async def assign(
    request_id: str, body: requests.Assignment, principal: CurrentPrincipal, session: SessionDep
) -> RequestPublic:
    """Assign the request to a volunteer or a team (organisers)."""
    request = await _request(session, principal, request_id)
    organiser_of(principal, request.community_id)
    return _public(await requests.assign(session, request, body))


@router.post("/requests/{request_id}/resolve", response_model=RequestPublic)
async def resolve(
    request_id: str, body: requests.Resolution, principal: CurrentPrincipal, session: SessionDep
) -> RequestPublic:
    """Resolve the request (an assignee or an organiser)."""
    request = await _request(session, principal, request_id)
    if principal.role not in ORGANISERS and not await _is_assignee(session, principal, request):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "only an assignee or an organiser resolves a request"
        )
    return _public(await requests.resolve(session, request, body))


@router.post("/requests/{request_id}/close", response_model=RequestPublic)
async def close(
    request_id: str, body: Reason, principal: CurrentPrincipal, session: SessionDep
) -> RequestPublic:
    """Close the request: its resident withdraws it, or an organiser closes it."""
    request = await _request(session, principal, request_id)
    if principal.role not in ORGANISERS and request.resident_account_id != principal.subject:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "only the resident or an organiser closes a request"
        )
    return _public(await requests.close(session, request, body.reason))
