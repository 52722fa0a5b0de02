"""Routes over teams and their members."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlmodel import col, select

from registry import messages, organisation, teams
from registry.models import Team, TeamCreate, TeamPublic, Volunteer
from shared import messages as common
from shared.access import authorize
from shared.auth import CurrentPrincipal, Role
from shared.deps import SessionDep
from shared.errors import Forbidden, NotFound
from shared.paging import Page, PageParams, paginate
from shared.types import Id, Input

router = APIRouter(tags=["teams"])


class MemberRef(Input):
    """Which volunteer."""

    volunteer_id: Id


@router.post(
    "/communities/{community_id}/teams",
    response_model=TeamPublic,
    status_code=status.HTTP_201_CREATED,
)
async def post_team(
    community_id: str, data: TeamCreate, principal: CurrentPrincipal, session: SessionDep
) -> TeamPublic:
    """Form a team for one of the community's service areas, optionally with its leader."""
    authorize(principal, community_id, Role.COMMUNITY_ADMIN)
    community = await organisation.get_community(session, principal, community_id)
    return await teams.create_team(session, community, data)


@router.get("/communities/{community_id}/teams", response_model=Page[TeamPublic])
async def get_teams(
    community_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    q: Annotated[str | None, Query(max_length=100, description="part of the name")] = None,
) -> Page[TeamPublic]:
    """The community's teams by name."""
    await organisation.get_community(session, principal, community_id)
    query = select(Team).where(col(Team.community_id) == community_id)
    if q:
        query = query.where(col(Team.name).ilike(f"%{q.strip()}%"))
    page = await paginate(session, query, order=[col(Team.name), col(Team.id)], paging=paging)
    return Page[TeamPublic](
        items=await teams.teams_public(session, page.items),
        total=page.total,
        next_cursor=page.next_cursor,
    )


@router.get("/teams/{team_id}", response_model=TeamPublic)
async def get_team(team_id: str, principal: CurrentPrincipal, session: SessionDep) -> TeamPublic:
    """One team; another community's answers 404."""
    return await teams.team_public(session, await teams.get_team(session, principal, team_id))


@router.put("/teams/{team_id}/leader", response_model=TeamPublic)
async def put_leader(
    team_id: str, body: MemberRef, principal: CurrentPrincipal, session: SessionDep
) -> TeamPublic:
    """Make a registered volunteer the team's leader (队长)."""
    team = await teams.get_team(session, principal, team_id)
    authorize(principal, team.community_id, Role.COMMUNITY_ADMIN)
    return await teams.assign_leader(session, team, body.volunteer_id)


async def _membership_check(
    session: SessionDep, principal: CurrentPrincipal, team_id: str, volunteer_id: str
) -> Team:
    team = await teams.get_team(session, principal, team_id)
    volunteer = await session.get(Volunteer, volunteer_id)
    if volunteer is None or volunteer.community_id != team.community_id:
        raise NotFound(common.VOLUNTEER_NOT_FOUND)
    if not teams.may_manage_membership(principal, team, volunteer):
        raise Forbidden(messages.MEMBERSHIP_NOT_YOURS)
    return team


@router.post("/teams/{team_id}/members", status_code=status.HTTP_204_NO_CONTENT)
async def post_member(
    team_id: str, body: MemberRef, principal: CurrentPrincipal, session: SessionDep
) -> None:
    """A volunteer joins the team (by themself, or added by an admin or the leader)."""
    team = await _membership_check(session, principal, team_id, body.volunteer_id)
    await teams.join(session, team, body.volunteer_id)


@router.delete("/teams/{team_id}/members/{volunteer_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_member(
    team_id: str, volunteer_id: str, principal: CurrentPrincipal, session: SessionDep
) -> None:
    """A volunteer leaves the team."""
    team = await _membership_check(session, principal, team_id, volunteer_id)
    await teams.leave(session, team, volunteer_id)
