"""Dependencies of the activities service's routes."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from activities import messages
from activities.ledger import Rules
from activities.models import Activity, KnownTeam, KnownVolunteer
from activities.programme import is_organiser
from activities.settings import Settings
from shared.auth import Principal, Role
from shared.errors import Forbidden, NotFound
from shared.messages import ROLE_NAMES, TEAM_NOT_FOUND, VOLUNTEER_NOT_FOUND

# Who organises in a community: its admins and team leaders (and the district admin,
# who may everywhere).
ORGANISERS = (Role.DISTRICT_ADMIN, Role.COMMUNITY_ADMIN, Role.TEAM_LEADER)


async def get_settings(request: Request) -> Settings:
    """The service's settings."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def rules_of(settings: Settings) -> Rules:
    """The plausibility rules from the settings."""
    return Rules(
        daily_cap_hours=settings.daily_cap_hours,
        zone=settings.zone,
        backfill_days=settings.backfill_days,
        clock_skew=settings.clock_skew,
    )


def offer_window(settings: Settings) -> timedelta:
    """How long an offered place is held."""
    return timedelta(minutes=settings.offer_window_minutes)


async def own_volunteer(session: AsyncSession, principal: Principal) -> KnownVolunteer:
    """The caller's own volunteer record, as the registry announced it."""
    found = await session.exec(
        select(KnownVolunteer).where(col(KnownVolunteer.account_id) == principal.subject)
    )
    volunteer = found.first()
    if volunteer is None:
        raise Forbidden(messages.REGISTERED_VOLUNTEER_ONLY)
    return volunteer


def require_organiser(principal: Principal, activity: Activity) -> None:
    """403 unless the caller organises the activity (visibility was checked before)."""
    if not is_organiser(principal, activity):
        raise Forbidden(messages.NOT_THE_ORGANISER, role=ROLE_NAMES[principal.role])


async def known_team(session: AsyncSession, team_id: str | None, community_id: str) -> None:
    """404 for a filter naming a team this community does not have (another's answers the same)."""
    if team_id is None:
        return
    team = await session.get(KnownTeam, team_id)
    if team is None or team.community_id != community_id:
        raise NotFound(TEAM_NOT_FOUND)


async def known_volunteer(
    session: AsyncSession, volunteer_id: str | None, community_id: str
) -> None:
    """404 for a filter naming a volunteer this community does not have."""
    if volunteer_id is None:
        return
    volunteer = await session.get(KnownVolunteer, volunteer_id)
    if volunteer is None or volunteer.community_id != community_id:
        raise NotFound(VOLUNTEER_NOT_FOUND)
