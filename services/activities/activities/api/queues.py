"""Queues of what needs a person: one list each, and their counts for a dashboard.

A community's admins and team leaders see their community's queues; the district
admin sees the whole district's, or one community's with `community_id`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from activities.api.activities import SignUpPublic, public_signup
from activities.api.deps import ORGANISERS
from activities.api.pairings import PairingPublic, public_page
from activities.api.records import RecordPublic, public_record
from activities.api.requests import RequestPublic, public_request
from activities.models import (
    Activity,
    Pairing,
    RecordStatus,
    ResidentRequest,
    ServiceRecord,
    SignUp,
)
from activities.requests import LIVE
from shared.access import list_scope, require_role
from shared.auth import CurrentPrincipal, Principal
from shared.clock import now
from shared.deps import SessionDep
from shared.paging import Page, PageParams, count, paginate

router = APIRouter(tags=["queues"])

CommunityFilter = Annotated[
    str | None,
    Query(
        max_length=26,
        description="one community's queue (the district admin); others see their own",
    ),
]


def queue_scope(principal: Principal, community_id: str | None) -> str | None:
    """The community a queue covers, None for the whole district.

    Another community answers as an unknown one (404); a caller who organises nothing
    may not read queues (403).
    """
    scope = list_scope(principal, community_id)
    require_role(principal, *ORGANISERS)  # the queues are an organiser's work
    return scope


def _records(scope: str | None) -> SelectOfScalar[ServiceRecord]:
    query = select(ServiceRecord).where(col(ServiceRecord.status) == RecordStatus.PENDING)
    if scope is not None:
        query = query.where(col(ServiceRecord.community_id) == scope)
    return query


def _check_outs(scope: str | None) -> SelectOfScalar[SignUp]:
    query = select(SignUp).where(col(SignUp.needs_review).is_(True))
    if scope is not None:
        query = query.join(Activity, col(Activity.id) == col(SignUp.activity_id)).where(
            col(Activity.community_id) == scope
        )
    return query


def _pairings(scope: str | None, moment: datetime) -> SelectOfScalar[Pairing]:
    query = select(Pairing).where(col(Pairing.active), col(Pairing.next_visit_due_at) < moment)
    if scope is not None:
        query = query.where(col(Pairing.community_id) == scope)
    return query


def _requests(scope: str | None, moment: datetime) -> SelectOfScalar[ResidentRequest]:
    query = select(ResidentRequest).where(
        col(ResidentRequest.status).in_(LIVE), col(ResidentRequest.due_at) < moment
    )
    if scope is not None:
        query = query.where(col(ResidentRequest.community_id) == scope)
    return query


class QueueCounts(BaseModel):
    """How many items wait in each queue: what needs my attention."""

    community_id: str | None = Field(description="null: the whole district")
    records_to_confirm: int
    check_outs_to_resolve: int
    overdue_pairings: int
    overdue_requests: int


@router.get("/queues", response_model=QueueCounts)
async def queue_counts(
    principal: CurrentPrincipal, session: SessionDep, community_id: CommunityFilter = None
) -> QueueCounts:
    """Each queue's count, for a dashboard."""
    scope = queue_scope(principal, community_id)
    moment = now()

    return QueueCounts(
        community_id=scope,
        records_to_confirm=await count(session, _records(scope)),
        check_outs_to_resolve=await count(session, _check_outs(scope)),
        overdue_pairings=await count(session, _pairings(scope, moment)),
        overdue_requests=await count(session, _requests(scope, moment)),
    )


@router.get("/queues/records-to-confirm", response_model=Page[RecordPublic])
async def records_to_confirm(
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    community_id: CommunityFilter = None,
) -> Page[RecordPublic]:
    """Pending service records, the oldest service first; each waits for a second person."""
    scope = queue_scope(principal, community_id)
    return await paginate(
        session,
        _records(scope),
        order=[col(ServiceRecord.started_at), col(ServiceRecord.id)],
        paging=paging,
        convert=public_record,
    )


class CheckOutToResolve(SignUpPublic):
    """A sign-up whose check-out was forgotten, closed at the activity's end and flagged."""

    community_id: str
    activity_title: str
    activity_ends_at: datetime


@router.get("/queues/check-outs-to-resolve", response_model=Page[CheckOutToResolve])
async def check_outs_to_resolve(
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    community_id: CommunityFilter = None,
) -> Page[CheckOutToResolve]:
    """Sign-ups flagged after a forgotten check-out, oldest first; resolve each with
    `POST /activities/{activity_id}/sign-ups/{signup_id}/resolve`."""
    scope = queue_scope(principal, community_id)
    page = await paginate(
        session,
        _check_outs(scope),
        order=[col(SignUp.created_at), col(SignUp.id)],
        paging=paging,
    )
    ids = {signup.activity_id for signup in page.items}
    found = await session.exec(select(Activity).where(col(Activity.id).in_(ids)))
    activities = {activity.id: activity for activity in found.all()}
    items = []
    for signup in page.items:
        activity = activities[signup.activity_id]
        items.append(
            CheckOutToResolve(
                **public_signup(signup).model_dump(),
                community_id=activity.community_id,
                activity_title=activity.title,
                activity_ends_at=activity.ends_at,
            )
        )
    return Page[CheckOutToResolve](items=items, total=page.total, next_cursor=page.next_cursor)


@router.get("/queues/overdue-pairings", response_model=Page[PairingPublic])
async def overdue_pairings(
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    community_id: CommunityFilter = None,
) -> Page[PairingPublic]:
    """Active pairings past their next visit's due date, the longest overdue first."""
    scope = queue_scope(principal, community_id)
    page = await paginate(
        session,
        _pairings(scope, now()),
        order=[col(Pairing.next_visit_due_at), col(Pairing.id)],
        paging=paging,
    )
    return await public_page(session, page)


@router.get("/queues/overdue-requests", response_model=Page[RequestPublic])
async def overdue_requests(
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    community_id: CommunityFilter = None,
) -> Page[RequestPublic]:
    """Open or assigned requests past their response target, the longest overdue first."""
    scope = queue_scope(principal, community_id)
    return await paginate(
        session,
        _requests(scope, now()),
        order=[col(ResidentRequest.due_at), col(ResidentRequest.id)],
        paging=paging,
        convert=public_request,
    )
