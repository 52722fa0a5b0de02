"""Event handlers of the notifications service: which event notifies whom, with which text."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlmodel import col, delete, select

from notifications import erasure, webhooks
from notifications.inbox import notify
from notifications.models import Participant, Preference, Recipient, TeamMember, UpcomingActivity
from notifications.teams import register_team_handlers, remember_team
from shared.contracts.activities import (
    ActivityCancelled,
    ActivityChanged,
    ActivityPublished,
    PairingCreated,
    PairingVisitOverdue,
    PlaceOffered,
    Promoted,
    RequestAssigned,
    RequestClosed,
    RequestOverdue,
    RequestResolved,
    ServiceConfirmed,
    SignedUp,
    SignUpCancelled,
    VisitRecorded,
)
from shared.contracts.evaluation import (
    FourOnesReminderDue,
    NominationDecided,
    StarReached,
    VolunteerNominated,
)
from shared.contracts.registry import (
    AccountChanged,
    TeamMemberJoined,
    TeamMemberLeft,
    VolunteerErased,
    VolunteerRegistered,
    VolunteerRejected,
    VolunteerTransferred,
)
from shared.db import upsert
from shared.events.handlers import EventContext, HandlerRegistry
from shared.projections.communities import register_community_handlers

handlers = HandlerRegistry()
register_community_handlers(handlers)
register_team_handlers(handlers)
ADMINS = "community_admin"


async def _tell_volunteers(
    ctx: EventContext,
    volunteer_ids: list[str],
    template: str,
    params: dict[str, Any],
    *,
    admins_of: str | None = None,
) -> None:
    await notify(
        ctx.session,
        ctx.envelope.id,
        ctx.envelope.type,
        template,
        params,
        volunteers=volunteer_ids,
        roles=[(admins_of, ADMINS)] if admins_of else [],
    )


# -- what the service needs to know to address people --------------------------------


@handlers.on(VolunteerRegistered)
async def volunteer_registered(ctx: EventContext, event: VolunteerRegistered) -> None:
    await upsert(
        ctx.session,
        Recipient,
        {
            "volunteer_id": event.volunteer_id,
            "account_id": event.account_id,
            "community_id": event.community_id,
        },
        key=["volunteer_id"],
    )
    await _tell_volunteers(
        ctx,
        [event.volunteer_id],
        "volunteer_approved",
        {"volunteer_number": event.volunteer_number},
    )


@handlers.on(VolunteerTransferred)
async def volunteer_transferred(ctx: EventContext, event: VolunteerTransferred) -> None:
    # Same volunteer, same account: personal notifications keep reaching them. The event
    # names the account too, for a deployment that never saw the registration.
    recipient = await ctx.session.get(Recipient, event.volunteer_id)
    if recipient is None:
        recipient = Recipient(volunteer_id=event.volunteer_id, community_id=event.to_community_id)
    recipient.community_id = event.to_community_id
    recipient.account_id = event.account_id or recipient.account_id
    ctx.session.add(recipient)


@handlers.on(AccountChanged)
async def account_changed(ctx: EventContext, event: AccountChanged) -> None:
    # Announcements by e-mail and SMS reach a role of a community by the preference's
    # role and community: they follow the account, not the token it last saved them with.
    preference = await ctx.session.get(Preference, event.account_id)
    if preference is None:
        return  # no channel chosen: nothing to keep
    preference.role = event.role
    preference.community_id = event.community_id
    preference.disabled = event.disabled
    ctx.session.add(preference)


@handlers.on(VolunteerRejected)
async def volunteer_rejected(ctx: EventContext, event: VolunteerRejected) -> None:
    if event.account_id:
        await notify(
            ctx.session,
            ctx.envelope.id,
            ctx.envelope.type,
            "volunteer_rejected",
            {"reason": event.reason},
            accounts=[event.account_id],
        )


@handlers.on(VolunteerErased)
async def volunteer_erased(ctx: EventContext, event: VolunteerErased) -> None:
    # The account comes in the event too: an applicant erased before approval was
    # never a recipient here, yet may have left contact addresses (decision 0011).
    accounts = {event.account_id} if event.account_id else set()
    recipient = await ctx.session.get(Recipient, event.volunteer_id)
    if recipient is not None:
        if recipient.account_id:
            accounts.add(recipient.account_id)
        recipient.account_id = None
        ctx.session.add(recipient)
    await erasure.forget_accounts(ctx.session, accounts)
    await erasure.forget_name_in_webhook_bodies(ctx.session, event.volunteer_id)


@handlers.on(TeamMemberJoined)
async def team_member_joined(ctx: EventContext, event: TeamMemberJoined) -> None:
    await upsert(
        ctx.session,
        TeamMember,
        {"team_id": event.team_id, "volunteer_id": event.volunteer_id},
        key=["team_id", "volunteer_id"],
    )
    # The event names the team's community too: a deployment whose group read the
    # team's creation before the teams projection existed still learns it.
    await remember_team(ctx.session, event.team_id, event.community_id)


@handlers.on(TeamMemberLeft)
async def team_member_left(ctx: EventContext, event: TeamMemberLeft) -> None:
    await ctx.session.exec(
        delete(TeamMember).where(
            col(TeamMember.team_id) == event.team_id,
            col(TeamMember.volunteer_id) == event.volunteer_id,
        )
    )


async def _participates(ctx: EventContext, activity_id: str, volunteer_id: str) -> None:
    await upsert(
        ctx.session,
        Participant,
        {"activity_id": activity_id, "volunteer_id": volunteer_id},
        key=["activity_id", "volunteer_id"],
    )


@handlers.on(SignedUp)
async def signed_up(ctx: EventContext, event: SignedUp) -> None:
    await _participates(ctx, event.activity_id, event.volunteer_id)


@handlers.on(Promoted)
async def promoted(ctx: EventContext, event: Promoted) -> None:
    await _participates(ctx, event.activity_id, event.volunteer_id)
    if event.automatically:  # who confirmed an offered place knows it already
        await _tell_volunteers(ctx, [event.volunteer_id], "place_given", {})


@handlers.on(SignUpCancelled)
async def sign_up_cancelled(ctx: EventContext, event: SignUpCancelled) -> None:
    await ctx.session.exec(
        delete(Participant).where(
            col(Participant.activity_id) == event.activity_id,
            col(Participant.volunteer_id) == event.volunteer_id,
        )
    )


async def _participants(ctx: EventContext, activity_id: str) -> list[str]:
    rows = await ctx.session.exec(
        select(Participant.volunteer_id).where(col(Participant.activity_id) == activity_id)
    )
    return list(rows.all())


# -- the rules -------------------------------------------------------------------------


@handlers.on(ActivityPublished)
async def activity_published(ctx: EventContext, event: ActivityPublished) -> None:
    await upsert(
        ctx.session,
        UpcomingActivity,
        {"activity_id": event.activity_id, "title": event.title, "starts_at": event.starts_at},
        key=["activity_id"],
    )
    params = {
        "title": event.title,
        "starts_at": event.starts_at.isoformat(),
        "capacity": event.capacity,
    }
    if event.scope == "team" and event.team_id:
        await notify(
            ctx.session,
            ctx.envelope.id,
            ctx.envelope.type,
            "activity_published",
            params,
            teams=[event.team_id],
        )
        return
    await notify(
        ctx.session,
        ctx.envelope.id,
        ctx.envelope.type,
        "activity_published",
        params,
        roles=[(event.community_id, "volunteer"), (event.community_id, "team_leader")],
    )


@handlers.on(ActivityChanged)
async def activity_changed(ctx: EventContext, event: ActivityChanged) -> None:
    upcoming = await ctx.session.get(UpcomingActivity, event.activity_id)
    if upcoming is not None:
        known = upcoming.starts_at
        if known.tzinfo is None:  # SQLite gives naive UTC back
            known = known.replace(tzinfo=UTC)
        if known != event.starts_at:
            upcoming.starts_at = event.starts_at
            upcoming.reminded = False  # a new time deserves a new reminder
            ctx.session.add(upcoming)
    params = {"starts_at": event.starts_at.isoformat(), "place": event.place}
    await _tell_volunteers(
        ctx, await _participants(ctx, event.activity_id), "activity_changed", params
    )


@handlers.on(ActivityCancelled)
async def activity_cancelled(ctx: EventContext, event: ActivityCancelled) -> None:
    upcoming = await ctx.session.get(UpcomingActivity, event.activity_id)
    if upcoming is not None:
        upcoming.cancelled = True
        ctx.session.add(upcoming)
    await _tell_volunteers(
        ctx,
        await _participants(ctx, event.activity_id),
        "activity_cancelled",
        {"reason": event.reason},
    )


@handlers.on(PlaceOffered)
async def place_offered(ctx: EventContext, event: PlaceOffered) -> None:
    await _tell_volunteers(
        ctx,
        [event.volunteer_id],
        "place_offered",
        {"confirm_by": event.confirm_by.isoformat()},
    )


@handlers.on(ServiceConfirmed)
async def service_confirmed(ctx: EventContext, event: ServiceConfirmed) -> None:
    await _tell_volunteers(ctx, [event.volunteer_id], "hours_confirmed", {"hours": event.hours})


@handlers.on(StarReached)
async def star_reached(ctx: EventContext, event: StarReached) -> None:
    await _tell_volunteers(
        ctx,
        [event.volunteer_id],
        "star_reached",
        {"level": event.level, "total_hours": event.total_hours},
    )


@handlers.on(VolunteerNominated)
async def volunteer_nominated(ctx: EventContext, event: VolunteerNominated) -> None:
    await _tell_volunteers(ctx, [event.volunteer_id], "nominated", {})


@handlers.on(NominationDecided)
async def nomination_decided(ctx: EventContext, event: NominationDecided) -> None:
    if event.approved:
        await _tell_volunteers(ctx, [event.volunteer_id], "commended", {})


@handlers.on(FourOnesReminderDue)
async def four_ones_reminder_due(ctx: EventContext, event: FourOnesReminderDue) -> None:
    # The items stay codes in the entry; each reader sees them named in their language.
    await _tell_volunteers(
        ctx,
        [event.volunteer_id],
        "four_ones_reminder",
        {
            "month": event.month,
            "items": event.open_items,
            "month_ends_on": event.month_ends_on.isoformat(),
        },
    )


@handlers.on(PairingVisitOverdue)
async def pairing_visit_overdue(ctx: EventContext, event: PairingVisitOverdue) -> None:
    await _tell_volunteers(
        ctx,
        event.volunteer_ids,
        "visit_overdue",
        {"due_at": event.due_at.isoformat()},
        admins_of=event.community_id,
    )


@handlers.on(RequestAssigned)
async def request_assigned(ctx: EventContext, event: RequestAssigned) -> None:
    await notify(
        ctx.session,
        ctx.envelope.id,
        ctx.envelope.type,
        "request_assigned",
        {"category": event.category},
        volunteers=[event.volunteer_id] if event.volunteer_id else [],
        teams=[event.team_id] if event.team_id else [],
    )
    # The resident learns that someone took it on, not who: a volunteer's name and
    # number are theirs (an event written before residents were told names no one).
    await _tell_resident(
        ctx,
        event.resident_account_id,
        "request_taken_by_volunteer" if event.volunteer_id else "request_taken_by_team",
        {"category": event.category},
    )


async def _tell_resident(
    ctx: EventContext, account_id: str | None, template: str, params: dict[str, Any]
) -> None:
    """An entry for the resident's own account (and their channels), when the event names it."""
    if account_id:
        await notify(
            ctx.session,
            ctx.envelope.id,
            ctx.envelope.type,
            template,
            params,
            accounts=[account_id],
        )


@handlers.on(RequestResolved)
async def request_resolved(ctx: EventContext, event: RequestResolved) -> None:
    await _tell_resident(
        ctx, event.resident_account_id, "request_resolved", {"category": event.category}
    )


@handlers.on(RequestClosed)
async def request_closed(ctx: EventContext, event: RequestClosed) -> None:
    await _tell_resident(ctx, event.resident_account_id, "request_closed", {"reason": event.reason})


@handlers.on(PairingCreated)
async def pairing_created(ctx: EventContext, event: PairingCreated) -> None:
    await _tell_resident(
        ctx,
        event.beneficiary_account_id,
        "pairing_created",
        {"cadence_days": event.cadence_days},
    )


@handlers.on(VisitRecorded)
async def visit_recorded(ctx: EventContext, event: VisitRecorded) -> None:
    # The beneficiary is asked to confirm: the entry carries the pairing and the visit
    # (its record), which the inbox turns into the confirm call the page offers.
    await _tell_resident(
        ctx,
        event.beneficiary_account_id,
        "visit_to_confirm",
        {
            "visited_at": event.visited_at.isoformat(),
            "pairing_id": event.pairing_id,
            "record_id": event.record_id,
        },
    )


@handlers.on(RequestOverdue)
async def request_overdue(ctx: EventContext, event: RequestOverdue) -> None:
    await notify(
        ctx.session,
        ctx.envelope.id,
        ctx.envelope.type,
        "request_overdue",
        {"category": event.category, "due_at": event.due_at.isoformat()},
        volunteers=[event.volunteer_id] if event.volunteer_id else [],
        teams=[event.team_id] if event.team_id else [],
        roles=[(event.community_id, ADMINS)],
    )


@handlers.on_every
async def to_webhooks(ctx: EventContext, _payload: object) -> None:
    # Every event, whatever its type, goes to the subscriptions that want it.
    await webhooks.enqueue(ctx.session, ctx.envelope)
