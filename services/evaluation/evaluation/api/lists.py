"""The evaluation service's lists, each one page at a time (`shared.paging`): periods,
nominations (what the district has to decide) and certificates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlmodel import col, select

from evaluation import periods
from evaluation.models import (
    Certificate,
    KnownVolunteer,
    Nomination,
    NominationStatus,
    Period,
    Phase,
)
from shared.access import list_scope, require_role, visible
from shared.auth import CurrentPrincipal, Role
from shared.deps import SessionDep
from shared.messages import VOLUNTEER_NOT_FOUND
from shared.paging import Page, PageParams, paginate
from shared.types import Day

router = APIRouter(tags=["lists"])

CommunityFilter = Annotated[
    str | None,
    Query(max_length=64, description="only this community (a community role: its own)"),
]


@router.get("/periods", response_model=Page[Period])
async def list_periods(
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    community_id: CommunityFilter = None,
    phase: Phase | None = None,
    q: Annotated[str | None, Query(min_length=1, max_length=20, description="in the label")] = None,
    from_: Annotated[Day | None, Query(alias="from", description="starting on or after")] = None,
    to: Annotated[Day | None, Query(description="starting before")] = None,
) -> Page[Period]:
    """Evaluation periods, newest first: the community's own, or the district's."""
    community = list_scope(principal, community_id)
    query = select(Period)
    if community is not None:
        query = query.where(col(Period.community_id) == community)
    if phase is not None:
        query = query.where(col(Period.phase) == phase)
    if q is not None:
        query = query.where(col(Period.label).icontains(q, autoescape=True))
    if from_ is not None:
        query = query.where(col(Period.starts_on) >= from_)
    if to is not None:
        query = query.where(col(Period.starts_on) < to)
    return await paginate(
        session,
        query,
        order=[col(Period.starts_on), col(Period.id)],
        paging=paging,
        descending=True,
    )


class NominationListed(BaseModel):
    """A nomination in the list, with the volunteer's number and the period's label."""

    id: str
    period_id: str
    period_label: str
    community_id: str
    volunteer_id: str
    volunteer_number: str | None
    score: float
    reason: str
    status: NominationStatus
    decision_reason: str | None


@router.get("/nominations", response_model=Page[NominationListed])
async def list_nominations(
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    status_: Annotated[
        NominationStatus | None,
        Query(alias="status", description="`nominated`: what the district has still to decide"),
    ] = None,
    period_id: Annotated[str | None, Query(max_length=26)] = None,
    community_id: CommunityFilter = None,
) -> Page[NominationListed]:
    """Nominations, oldest first (admins; a community admin sees their community's)."""
    require_role(principal, Role.COMMUNITY_ADMIN)  # the district admin always may
    community = list_scope(principal, community_id)
    query = select(Nomination)
    if period_id is not None:
        period = await periods.get_period(session, principal, period_id)
        query = query.where(col(Nomination.period_id) == period.id)
    if community is not None:
        query = query.where(col(Nomination.community_id) == community)
    if status_ is not None:
        query = query.where(col(Nomination.status) == status_)
    page = await paginate(session, query, order=[col(Nomination.id)], paging=paging)
    # What the district needs beside each to decide it: whose it is and of which period.
    volunteer_ids = {n.volunteer_id for n in page.items}
    period_ids = {n.period_id for n in page.items}
    numbers = {
        v.id: v.volunteer_number
        for v in (
            await session.exec(
                select(KnownVolunteer).where(col(KnownVolunteer.id).in_(volunteer_ids))
            )
        ).all()
    }
    labels = {
        p.id: p.label
        for p in (await session.exec(select(Period).where(col(Period.id).in_(period_ids)))).all()
    }
    return Page[NominationListed](
        items=[
            NominationListed(
                **n.model_dump(),
                volunteer_number=numbers.get(n.volunteer_id),
                period_label=labels.get(n.period_id, ""),
            )
            for n in page.items
        ],
        total=page.total,
        next_cursor=page.next_cursor,
    )


@router.get("/certificates", response_model=Page[Certificate])
async def list_certificates(
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    volunteer_id: Annotated[str | None, Query(max_length=26)] = None,
    community_id: CommunityFilter = None,
    from_: Annotated[Day | None, Query(alias="from", description="issued on or after")] = None,
    to: Annotated[Day | None, Query(description="issued before")] = None,
) -> Page[Certificate]:
    """Certificates issued, newest number first (admins; a community admin their
    community's; a volunteer reads theirs at `/me/certificates`)."""
    require_role(principal, Role.COMMUNITY_ADMIN)  # the district admin always may
    community = list_scope(principal, community_id)
    query = select(Certificate)
    if volunteer_id is not None:
        visible(principal, await session.get(KnownVolunteer, volunteer_id), VOLUNTEER_NOT_FOUND)
        query = query.where(col(Certificate.volunteer_id) == volunteer_id)
    if community is not None:
        query = query.where(col(Certificate.community_id) == community)
    if from_ is not None:
        query = query.where(col(Certificate.issued_on) >= from_)
    if to is not None:
        query = query.where(col(Certificate.issued_on) < to)
    return await paginate(
        session, query, order=[col(Certificate.number)], paging=paging, descending=True
    )
