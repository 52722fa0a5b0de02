"""Event handlers of the activities service: what it learns from the registry."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from sqlmodel import col, delete, select

from activities.domain.signups import HOLDS_A_PLACE
from activities.models import (
    Activity,
    KnownTeam,
    KnownTeamMember,
    KnownVolunteer,
    Scope,
    SignUp,
    SignUpStatus,
)
from activities.settings import Settings
from activities.signups import cancel, end_future_sign_ups
from shared.clock import now
from shared.contracts.registry import (
    TeamCreated,
    TeamLeaderAssigned,
    TeamMemberJoined,
    TeamMemberLeft,
    VolunteerErased,
    VolunteerRegistered,
    VolunteerReinstated,
    VolunteerSuspended,
    VolunteerTransferred,
    VolunteerWithdrawn,
)
from shared.db import upsert
from shared.events.handlers import EventContext, HandlerRegistry
from shared.projections.communities import register_community_handlers

handlers = HandlerRegistry()
register_community_handlers(handlers)


@cache
def _offer_window() -> timedelta:
    return timedelta(minutes=Settings().offer_window_minutes)


@handlers.on(VolunteerRegistered)
async def volunteer_registered(ctx: EventContext, event: VolunteerRegistered) -> None:
    await upsert(
        ctx.session,
        KnownVolunteer,
        {
            "id": event.volunteer_id,
            "community_id": event.community_id,
            "volunteer_number": event.volunteer_number,
            "account_id": event.account_id,
            "status": "registered",
        },
        key=["id"],
    )


async def _set_status(ctx: EventContext, volunteer_id: str, status: str) -> KnownVolunteer | None:
    volunteer = await ctx.session.get(KnownVolunteer, volunteer_id)
    if volunteer is not None:
        volunteer.status = status
        ctx.session.add(volunteer)
    return volunteer


@handlers.on(VolunteerSuspended)
async def volunteer_suspended(ctx: EventContext, event: VolunteerSuspended) -> None:
    await _set_status(ctx, event.volunteer_id, "suspended")
    await end_future_sign_ups(
        ctx.session, event.volunteer_id, "volunteer suspended", _offer_window()
    )


@handlers.on(VolunteerWithdrawn)
async def volunteer_withdrawn(ctx: EventContext, event: VolunteerWithdrawn) -> None:
    await _set_status(ctx, event.volunteer_id, "withdrawn")
    await end_future_sign_ups(
        ctx.session, event.volunteer_id, "volunteer withdrawn", _offer_window()
    )


@handlers.on(VolunteerReinstated)
async def volunteer_reinstated(ctx: EventContext, event: VolunteerReinstated) -> None:
    await _set_status(ctx, event.volunteer_id, "registered")


@handlers.on(VolunteerTransferred)
async def volunteer_transferred(ctx: EventContext, event: VolunteerTransferred) -> None:
    """From now on they serve the new community. Their places in the old community's own
    activities still to come are given up (passed on to the waitlist); district-wide
    ones stay. Records stay with the community they were served in."""
    volunteer = await ctx.session.get(KnownVolunteer, event.volunteer_id)
    if volunteer is None or volunteer.community_id == event.to_community_id:
        return  # not known here yet (registered comes first), or already applied
    volunteer.community_id = event.to_community_id
    ctx.session.add(volunteer)
    rows = await ctx.session.exec(
        select(SignUp)
        .join(Activity, col(Activity.id) == col(SignUp.activity_id))
        .where(
            col(SignUp.volunteer_id) == event.volunteer_id,
            col(SignUp.status).in_([*HOLDS_A_PLACE, SignUpStatus.WAITLISTED]),
            col(Activity.community_id) == event.from_community_id,
            col(Activity.scope) != Scope.DISTRICT,
            col(Activity.starts_at) > now(),
        )
    )
    for signup in rows.all():
        await cancel(
            ctx.session,
            signup,
            "volunteer moved to another community",
            _offer_window(),
            commit=False,
        )


@handlers.on(VolunteerErased)
async def volunteer_erased(ctx: EventContext, event: VolunteerErased) -> None:
    # The id and number stay (records stay, anonymous); the account link goes.
    volunteer = await ctx.session.get(KnownVolunteer, event.volunteer_id)
    if volunteer is not None:
        volunteer.account_id = None
        if volunteer.status == "registered":
            volunteer.status = "withdrawn"
        ctx.session.add(volunteer)


@handlers.on(TeamCreated)
async def team_created(ctx: EventContext, event: TeamCreated) -> None:
    await upsert(
        ctx.session,
        KnownTeam,
        {
            "id": event.team_id,
            "community_id": event.community_id,
            "service_area_code": event.service_area_code,
            "leader_volunteer_id": event.leader_volunteer_id,
        },
        key=["id"],
    )


@handlers.on(TeamLeaderAssigned)
async def team_leader_assigned(ctx: EventContext, event: TeamLeaderAssigned) -> None:
    team = await ctx.session.get(KnownTeam, event.team_id)
    if team is not None:
        team.leader_volunteer_id = event.leader_volunteer_id
        ctx.session.add(team)


@handlers.on(TeamMemberJoined)
async def team_member_joined(ctx: EventContext, event: TeamMemberJoined) -> None:
    if await ctx.session.get(KnownTeamMember, (event.team_id, event.volunteer_id)) is None:
        ctx.session.add(KnownTeamMember(team_id=event.team_id, volunteer_id=event.volunteer_id))


@handlers.on(TeamMemberLeft)
async def team_member_left(ctx: EventContext, event: TeamMemberLeft) -> None:
    await ctx.session.exec(
        delete(KnownTeamMember).where(
            col(KnownTeamMember.team_id) == event.team_id,
            col(KnownTeamMember.volunteer_id) == event.volunteer_id,
        )
    )
