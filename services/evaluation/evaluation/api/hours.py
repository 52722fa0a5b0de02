"""Routes over the hour ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from evaluation import messages, star_thresholds
from evaluation.domain.stars import LEVELS, hours_to_next, level_for, next_threshold
from evaluation.four_ones import month_of
from evaluation.models import NOT_VOLUNTEERS, CountedRecord, KnownVolunteer, VolunteerLedger
from shared.access import require_role, visible
from shared.auth import CurrentPrincipal, Role, ensure_community_access
from shared.deps import SessionDep
from shared.types import Timestamp

router = APIRouter(tags=["hours"])
READERS = (Role.DISTRICT_ADMIN, Role.COMMUNITY_ADMIN, Role.TEAM_LEADER)


class Hours(BaseModel):
    """A volunteer's confirmed hours: in all, and in a period by area, team and month."""

    volunteer_id: str
    community_id: str
    total_hours: float
    star_level: int
    next_star_at_hours: int | None = Field(description="hours the next star needs; null at 5")
    hours_to_next_star: float | None = Field(
        description="confirmed hours still needed for the next star; null at the top level"
    )
    thresholds: list[int] = Field(description="hours of star levels 1 to 5 in force")
    period_hours: float
    by_service_area: dict[str, float]
    by_team: dict[str, float]
    by_month: dict[str, float]


@router.get("/volunteers/{volunteer_id}/hours", response_model=Hours)
async def volunteer_hours(
    request: Request,
    volunteer_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    since: Timestamp | None = None,
    until: Timestamp | None = None,
) -> Hours:
    """Confirmed hours of a volunteer: the volunteer themself, and the admins and team
    leaders of their community."""
    ledger = visible(
        principal, await session.get(VolunteerLedger, volunteer_id), messages.NO_CONFIRMED_HOURS
    )
    volunteer = await session.get(KnownVolunteer, volunteer_id)
    if volunteer is None or volunteer.account_id != principal.subject:
        require_role(principal, *READERS)  # another's hours
    zone = request.app.state.settings.zone
    return await hours_of(session, volunteer_id, ledger.community_id, ledger, since, until, zone)


async def hours_of(
    session: AsyncSession,
    volunteer_id: str,
    community_id: str,
    ledger: VolunteerLedger | None,
    since: datetime | None,
    until: datetime | None,
    zone: ZoneInfo,
) -> Hours:
    """A volunteer's hours, star and progress (no ledger yet: no hours, no star); months
    in the district's calendar, as every other figure counts them."""
    query = select(CountedRecord).where(
        col(CountedRecord.volunteer_id) == volunteer_id, col(CountedRecord.counts)
    )
    if since is not None:
        query = query.where(col(CountedRecord.started_at) >= since)
    if until is not None:
        query = query.where(col(CountedRecord.started_at) < until)
    by_area: dict[str, float] = {}
    by_team: dict[str, float] = {}
    by_month: dict[str, float] = {}
    period = 0.0
    for record in (await session.exec(query)).all():
        period += record.hours
        area = record.service_area_code or "other"
        by_area[area] = round(by_area.get(area, 0.0) + record.hours, 2)
        if record.team_id:
            by_team[record.team_id] = round(by_team.get(record.team_id, 0.0) + record.hours, 2)
        # SQLite hands back naive UTC datetimes.
        started = record.started_at
        month = month_of(started if started.tzinfo else started.replace(tzinfo=UTC), zone)
        by_month[month] = round(by_month.get(month, 0.0) + record.hours, 2)
    total = ledger.total_hours if ledger is not None else 0.0
    thresholds = await star_thresholds.current(session)
    next_star = next_threshold(total, thresholds)
    return Hours(
        volunteer_id=volunteer_id,
        community_id=community_id,
        total_hours=total,
        star_level=level_for(total, thresholds),
        next_star_at_hours=int(next_star) if next_star is not None else None,
        hours_to_next_star=hours_to_next(total, thresholds),
        thresholds=list(thresholds),
        period_hours=round(period, 2),
        by_service_area=by_area,
        by_team=by_team,
        by_month=dict(sorted(by_month.items())),
    )


class StarCount(BaseModel):
    """How many volunteers hold each star level."""

    level: int
    volunteers: int


@router.get("/communities/{community_id}/stars", response_model=list[StarCount])
async def star_distribution(
    community_id: str, principal: CurrentPrincipal, session: SessionDep
) -> list[StarCount]:
    """The community's star distribution, for a chart: every registered volunteer,
    those without a confirmed hour yet among the ones with no star."""
    ensure_community_access(principal, community_id)
    level = star_thresholds.level_of(
        VolunteerLedger.total_hours, await star_thresholds.current(session)
    )
    rows = await session.exec(
        select(level, func.count())
        .select_from(KnownVolunteer)
        .outerjoin(VolunteerLedger, col(VolunteerLedger.volunteer_id) == KnownVolunteer.id)
        .where(
            col(KnownVolunteer.community_id) == community_id,
            col(KnownVolunteer.status).not_in(NOT_VOLUNTEERS),
        )
        .group_by(level)
    )
    counts = dict(rows.all())
    return [
        StarCount(level=level, volunteers=int(counts.get(level, 0))) for level in range(LEVELS + 1)
    ]
