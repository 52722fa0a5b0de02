"""Teams (志愿者队伍): one per service area, a leader, volunteers joining and leaving."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from registry import messages
from registry.models import (
    Account,
    Community,
    ServiceArea,
    Team,
    TeamCreate,
    TeamMembership,
    TeamPublic,
    Volunteer,
    VolunteerStatus,
)
from registry.organisation import service_areas
from shared import messages as common
from shared.access import visible
from shared.auth import Principal, Role
from shared.clock import now
from shared.contracts.registry import (
    TeamCreated,
    TeamLeaderAssigned,
    TeamMemberJoined,
    TeamMemberLeft,
)
from shared.errors import Conflict, NotFound
from shared.events.outbox import add_event
from shared.ids import new_id


async def _registered_volunteer(
    session: AsyncSession, community_id: str, volunteer_id: str
) -> Volunteer:
    volunteer = await session.get(Volunteer, volunteer_id)
    if volunteer is None or volunteer.community_id != community_id:
        # A body's id in another community answers as a missing one would.
        raise NotFound(common.VOLUNTEER_NOT_FOUND)
    if volunteer.status != VolunteerStatus.REGISTERED:
        raise Conflict(
            messages.VOLUNTEER_CANNOT_JOIN,
            status=messages.VOLUNTEER_STATUS_NAMES[volunteer.status.value],
        )
    return volunteer


async def _make_leader(session: AsyncSession, team: Team, volunteer: Volunteer) -> None:
    team.leader_volunteer_id = volunteer.id
    if await session.get(TeamMembership, (team.id, volunteer.id)) is None:
        session.add(TeamMembership(team_id=team.id, volunteer_id=volunteer.id, joined_at=now()))
    if volunteer.account_id is not None:
        account = await session.get(Account, volunteer.account_id)
        if account is not None and account.role in (Role.VOLUNTEER, Role.RESIDENT):
            account.role = Role.TEAM_LEADER
            session.add(account)


async def create_team(session: AsyncSession, community: Community, data: TeamCreate) -> TeamPublic:
    """Form a team for one of the community's service areas."""
    areas = {area.code: area for area in await service_areas(session, community.id)}
    area = areas.get(data.service_area_code)
    if area is None:
        # Named in the body like the street of a community: a missing one answers 404.
        raise NotFound(
            messages.SERVICE_AREA_NOT_FOUND,
            code=data.service_area_code,
            offered=", ".join(sorted(areas)),
        )
    name = data.name.strip()
    clash = await session.exec(
        select(Team).where(col(Team.community_id) == community.id, col(Team.name) == name)
    )
    if clash.first():
        raise Conflict(messages.TEAM_NAME_TAKEN, community=community.name, name=name)
    team = Team(
        id=new_id(), community_id=community.id, service_area_id=area.id, name=name, created_at=now()
    )
    session.add(team)
    await session.flush()
    if data.leader_volunteer_id is not None:
        leader = await _registered_volunteer(session, community.id, data.leader_volunteer_id)
        await _make_leader(session, team, leader)
    add_event(
        session,
        TeamCreated(
            team_id=team.id,
            community_id=community.id,
            name=name,
            service_area_code=area.code,
            leader_volunteer_id=team.leader_volunteer_id,
        ),
        subject=team.id,
        community=community.id,
    )
    if team.leader_volunteer_id is not None:
        add_event(
            session,
            TeamMemberJoined(
                team_id=team.id, community_id=community.id, volunteer_id=team.leader_volunteer_id
            ),
            subject=team.id,
            community=community.id,
        )
    await session.commit()
    return await team_public(session, team)


async def get_team(session: AsyncSession, principal: Principal, team_id: str) -> Team:
    """A team of a community the caller may see; 404 otherwise."""
    return visible(principal, await session.get(Team, team_id), common.TEAM_NOT_FOUND)


async def team_public(session: AsyncSession, team: Team) -> TeamPublic:
    """The API view of a team."""
    area = await session.get(ServiceArea, team.service_area_id)
    members = await session.exec(
        select(func.count())
        .select_from(TeamMembership)
        .where(col(TeamMembership.team_id) == team.id)
    )
    return TeamPublic(
        id=team.id,
        community_id=team.community_id,
        name=team.name,
        service_area_code=area.code if area else "",
        leader_volunteer_id=team.leader_volunteer_id,
        member_count=int(members.one()),
    )


async def teams_public(session: AsyncSession, teams: Sequence[Team]) -> list[TeamPublic]:
    """The API view of a page of teams, in two queries whatever its length."""
    if not teams:
        return []
    areas = await session.exec(
        select(ServiceArea.id, ServiceArea.code).where(
            col(ServiceArea.id).in_({team.service_area_id for team in teams})
        )
    )
    codes = dict(areas.all())
    counted = await session.exec(
        select(TeamMembership.team_id, func.count())
        .where(col(TeamMembership.team_id).in_([team.id for team in teams]))
        .group_by(col(TeamMembership.team_id))
    )
    members = dict(counted.all())
    return [
        TeamPublic(
            id=team.id,
            community_id=team.community_id,
            name=team.name,
            service_area_code=codes.get(team.service_area_id, ""),
            leader_volunteer_id=team.leader_volunteer_id,
            member_count=int(members.get(team.id, 0)),
        )
        for team in teams
    ]


def may_manage_membership(principal: Principal, team: Team, volunteer: Volunteer) -> bool:
    """Admins and the team's leader manage members; a volunteer joins or leaves themself."""
    if principal.is_district_wide:
        return True
    if principal.community != team.community_id:
        return False
    if principal.role in (Role.COMMUNITY_ADMIN, Role.TEAM_LEADER):
        return True
    return volunteer.account_id is not None and volunteer.account_id == principal.subject


async def join(session: AsyncSession, team: Team, volunteer_id: str) -> None:
    """Add a registered volunteer of the team's community to the team."""
    volunteer = await _registered_volunteer(session, team.community_id, volunteer_id)
    if await session.get(TeamMembership, (team.id, volunteer.id)) is not None:
        raise Conflict(messages.ALREADY_IN_TEAM)
    session.add(TeamMembership(team_id=team.id, volunteer_id=volunteer.id, joined_at=now()))
    add_event(
        session,
        TeamMemberJoined(
            team_id=team.id, community_id=team.community_id, volunteer_id=volunteer.id
        ),
        subject=team.id,
        community=team.community_id,
    )
    await session.commit()


async def leave(session: AsyncSession, team: Team, volunteer_id: str) -> None:
    """Take a volunteer out of the team; the leader must be replaced first."""
    membership = await session.get(TeamMembership, (team.id, volunteer_id))
    if membership is None:
        raise NotFound(messages.NOT_IN_TEAM)
    if team.leader_volunteer_id == volunteer_id:
        raise Conflict(messages.LEADER_CANNOT_LEAVE)
    await session.delete(membership)
    add_event(
        session,
        TeamMemberLeft(team_id=team.id, community_id=team.community_id, volunteer_id=volunteer_id),
        subject=team.id,
        community=team.community_id,
    )
    await session.commit()


async def assign_leader(session: AsyncSession, team: Team, volunteer_id: str) -> TeamPublic:
    """Make a registered volunteer the team's leader (队长), joining them if needed."""
    volunteer = await _registered_volunteer(session, team.community_id, volunteer_id)
    joined = await session.get(TeamMembership, (team.id, volunteer.id)) is None
    await _make_leader(session, team, volunteer)
    session.add(team)
    if joined:
        add_event(
            session,
            TeamMemberJoined(
                team_id=team.id, community_id=team.community_id, volunteer_id=volunteer.id
            ),
            subject=team.id,
            community=team.community_id,
        )
    add_event(
        session,
        TeamLeaderAssigned(
            team_id=team.id, community_id=team.community_id, leader_volunteer_id=volunteer.id
        ),
        subject=team.id,
        community=team.community_id,
    )
    await session.commit()
    return await team_public(session, team)
