"""The four ones month by month, and chart-ready figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import col, select

from evaluation import figures, four_ones
from evaluation.models import CountedRecord
from shared.access import require_role
from shared.auth import CurrentPrincipal, Principal, Role, ensure_community_access
from shared.deps import SessionDep
from shared.types import Timestamp

router = APIRouter(tags=["dashboards"])
Month = Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


class FourOnesEntry(BaseModel):
    """One party member's month."""

    volunteer_id: str
    volunteer_number: str | None
    done: list[str]
    missing: list[str]


class FourOnesMonth(BaseModel):
    """A community's four ones for a month, with the completion rate."""

    month: str
    members: int
    complete: int
    completion_rate: float | None
    volunteers: list[FourOnesEntry]


class TeamMonthHours(BaseModel):
    """A bar of the hours-per-team-per-month chart."""

    team_id: str | None
    month: str
    hours: float


def _community_reader(principal: Principal, community_id: str) -> None:
    # Another community first, as an unknown one (404); then who reads dashboards (403).
    ensure_community_access(principal, community_id)
    require_role(principal, Role.COMMUNITY_ADMIN, Role.TEAM_LEADER)


@router.get("/communities/{community_id}/four-ones", response_model=FourOnesMonth)
async def four_ones_month(
    community_id: str, month: Month, principal: CurrentPrincipal, session: SessionDep
) -> FourOnesMonth:
    """Who of the community's party members did which of the four ones in the month."""
    _community_reader(principal, community_id)
    rows = await four_ones.month_view(session, community_id, month)
    entries = [
        FourOnesEntry(
            volunteer_id=v.id,
            volunteer_number=v.volunteer_number,
            done=done,
            missing=[t for t in four_ones.FOUR if t not in done],
        )
        for v, done in rows
    ]
    complete = sum(1 for e in entries if not e.missing)
    return FourOnesMonth(
        month=month,
        members=len(entries),
        complete=complete,
        completion_rate=round(complete / len(entries), 3) if entries else None,
        volunteers=entries,
    )


@router.get("/communities/{community_id}/hours-by-team-month", response_model=list[TeamMonthHours])
async def hours_by_team_month(
    request: Request,
    community_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    since: Timestamp | None = None,
    until: Timestamp | None = None,
) -> list[TeamMonthHours]:
    """Confirmed hours per team per month (district calendar), for a chart."""
    _community_reader(principal, community_id)
    zone = request.app.state.settings.zone
    rows = await figures.hours_by_team_month(
        session, figures.Scope(communities=[community_id]), zone, since, until
    )
    return [TeamMonthHours(team_id=r.team_id, month=r.month, hours=r.hours) for r in rows]


class CommunityHours(BaseModel):
    """A bar of the hours-per-community chart."""

    community_id: str
    volunteers: int
    hours: float


@router.get("/dashboards/communities", response_model=list[CommunityHours])
async def hours_by_community(
    principal: CurrentPrincipal,
    session: SessionDep,
    since: Timestamp | None = None,
    until: Timestamp | None = None,
) -> list[CommunityHours]:
    """Confirmed hours per community in a period (the district; a community sees its own)."""
    require_role(principal, Role.COMMUNITY_ADMIN)
    query = select(
        CountedRecord.community_id,
        func.count(func.distinct(CountedRecord.volunteer_id)),
        func.sum(CountedRecord.hours),
    ).where(col(CountedRecord.counts))
    if not principal.is_district_wide:
        query = query.where(col(CountedRecord.community_id) == principal.community)
    if since is not None:
        query = query.where(col(CountedRecord.started_at) >= since)
    if until is not None:
        query = query.where(col(CountedRecord.started_at) < until)
    rows = await session.exec(
        query.group_by(col(CountedRecord.community_id)).order_by(col(CountedRecord.community_id))
    )
    return [
        CommunityHours(
            community_id=community, volunteers=int(people), hours=round(float(hours or 0), 2)
        )
        for community, people, hours in rows.all()
    ]
