"""Activities: draft, publish (once or weekly), change, cancel, complete."""

from __future__ import annotations

import secrets
from datetime import timedelta

from pydantic import Field, model_validator
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from activities import messages
from activities.attendance import close_forgotten
from activities.domain.lifecycle import (
    check_cancel_activity,
    check_capacity,
    check_change,
    check_complete,
    check_publish,
    forgot_to_check_out,
    is_no_show,
)
from activities.domain.waitlist import WaitlistPolicy
from activities.ledger import Rules
from activities.messages import invalid
from activities.models import Activity, ActivityStatus, KnownTeam, Scope, SignUp, SignUpStatus
from activities.signups import aware, lock_activity, offer_free_places
from shared.auth import Principal, Role
from shared.clock import now
from shared.contracts.activities import (
    ActivityCancelled,
    ActivityChanged,
    ActivityCompleted,
    ActivityPublished,
    NoShow,
)
from shared.errors import Conflict, NotFound
from shared.events.outbox import add_event
from shared.ids import new_id
from shared.messages import TEAM_NOT_FOUND
from shared.types import Id, Input, Integer, Timestamp


class ActivityCreate(Input):
    """Input of `POST /communities/{id}/activities`."""

    title: str = Field(min_length=1, max_length=100)
    kind: str = Field(
        min_length=1, max_length=40, description="e.g. patrol, health_check, festival_visit"
    )
    service_area_code: str = Field(min_length=1, max_length=40)
    scope: Scope = Scope.COMMUNITY
    team_id: Id | None = None
    place: str = Field(min_length=1, max_length=200)
    starts_at: Timestamp
    ends_at: Timestamp
    capacity: Integer = Field(ge=1, le=10_000)
    signup_deadline: Timestamp | None = Field(default=None, description="defaults to the start")
    repeat_weekly: Integer = Field(
        default=1, ge=1, le=52, description="how many weekly occurrences"
    )
    waitlist_policy: WaitlistPolicy = Field(
        default=WaitlistPolicy.OFFER,
        description="a freed place is offered to the first waiting, to confirm in time "
        "(offer), or theirs at once (promote)",
    )

    @model_validator(mode="after")
    def _check(self) -> ActivityCreate:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise invalid(messages.TIMES_WITHOUT_OFFSET)
        if self.ends_at <= self.starts_at:
            raise invalid(messages.ACTIVITY_ENDS_BEFORE_START)
        if self.signup_deadline is not None and self.signup_deadline > self.starts_at:
            raise invalid(messages.SIGN_UP_DEADLINE_AFTER_START)
        if (self.scope == Scope.TEAM) != (self.team_id is not None):
            raise invalid(messages.TEAM_ACTIVITY_NAMES_ITS_TEAM)
        return self


class ActivityChange(Input):
    """Input of `PATCH /activities/{id}`."""

    place: str | None = Field(default=None, min_length=1, max_length=200)
    starts_at: Timestamp | None = None
    ends_at: Timestamp | None = None
    capacity: Integer | None = Field(default=None, ge=1, le=10_000)
    waitlist_policy: WaitlistPolicy | None = None


def is_organiser(principal: Principal, activity: Activity) -> bool:
    """Admins and team leaders of the activity's community organise it."""
    if principal.role is Role.DISTRICT_ADMIN:
        return True
    return principal.community == activity.community_id and principal.role in (
        Role.COMMUNITY_ADMIN,
        Role.TEAM_LEADER,
    )


def may_see(principal: Principal, activity: Activity) -> bool:
    """District-wide activities are seen by everyone; others by their community."""
    return (
        principal.is_district_wide
        or activity.scope == Scope.DISTRICT
        or principal.community == activity.community_id
    )


async def get_activity(session: AsyncSession, principal: Principal, activity_id: str) -> Activity:
    """An activity the caller may see; 404 otherwise."""
    activity = await session.get(Activity, activity_id)
    if activity is None or not may_see(principal, activity):
        raise NotFound(messages.ACTIVITY_NOT_FOUND)
    return activity


async def create(
    session: AsyncSession, community_id: str, data: ActivityCreate, by: str, *, publish: bool
) -> list[Activity]:
    """Create an activity, or a weekly series of them, as drafts or published."""
    if data.team_id is not None:
        team = await session.get(KnownTeam, data.team_id)
        if team is None or team.community_id != community_id:
            # Another community's team answers as an unknown one would.
            raise NotFound(TEAM_NOT_FOUND)
    series_id = new_id() if data.repeat_weekly > 1 else None
    created = []
    for week in range(data.repeat_weekly):
        shift = timedelta(weeks=week)
        activity = Activity(
            id=new_id(),
            community_id=community_id,
            series_id=series_id,
            title=data.title,
            kind=data.kind,
            service_area_code=data.service_area_code,
            scope=data.scope,
            team_id=data.team_id,
            place=data.place,
            starts_at=data.starts_at + shift,
            ends_at=data.ends_at + shift,
            capacity=data.capacity,
            signup_deadline=(data.signup_deadline or data.starts_at) + shift,
            waitlist_policy=data.waitlist_policy,
            status=ActivityStatus.DRAFT,
            check_in_code=f"{secrets.randbelow(1_000_000):06d}",
            created_by=by,
            created_at=now(),
        )
        session.add(activity)
        if publish:
            _publish(session, activity)
        created.append(activity)
    await session.commit()
    return created


def _publish(session: AsyncSession, activity: Activity) -> None:
    activity.status = ActivityStatus.PUBLISHED
    session.add(activity)
    add_event(
        session,
        ActivityPublished(
            activity_id=activity.id,
            community_id=activity.community_id,
            title=activity.title,
            kind=activity.kind,
            service_area_code=activity.service_area_code,
            scope=activity.scope.value,
            team_id=activity.team_id,
            starts_at=aware(activity.starts_at),
            ends_at=aware(activity.ends_at),
            capacity=activity.capacity,
            series_id=activity.series_id,
            waitlist_policy=activity.waitlist_policy.value,
        ),
        subject=activity.id,
        community=activity.community_id,
    )


async def publish(session: AsyncSession, activity: Activity) -> Activity:
    """Open a draft for sign-up."""
    check_publish(activity.status)
    _publish(session, activity)
    await session.commit()
    return activity


async def change(
    session: AsyncSession, activity_id: str, data: ActivityChange, offer_window: timedelta
) -> Activity:
    """Change place, time, capacity or waitlist policy; more capacity fills places from the
    waitlist."""
    activity = await lock_activity(session, activity_id)
    await _apply_change(session, activity, data, offer_window)
    await session.commit()
    return activity


async def _apply_change(
    session: AsyncSession, activity: Activity, data: ActivityChange, offer_window: timedelta
) -> None:
    """Change a locked activity and stage its event; the caller commits."""
    starts = data.starts_at or aware(activity.starts_at)
    ends = data.ends_at or aware(activity.ends_at)
    check_change(activity.status, starts_at=starts, ends_at=ends)
    if data.capacity is not None:
        taken = await session.exec(
            select(SignUp).where(
                col(SignUp.activity_id) == activity.id,
                col(SignUp.status).in_([SignUpStatus.CONFIRMED, SignUpStatus.OFFERED]),
            )
        )
        check_capacity(data.capacity, places_held=len(taken.all()))
        activity.capacity = data.capacity
    activity.starts_at, activity.ends_at = starts, ends
    if data.place is not None:
        activity.place = data.place
    if data.waitlist_policy is not None:
        activity.waitlist_policy = data.waitlist_policy
    session.add(activity)
    if activity.status == ActivityStatus.PUBLISHED:
        add_event(
            session,
            ActivityChanged(
                activity_id=activity.id,
                community_id=activity.community_id,
                starts_at=starts,
                ends_at=ends,
                capacity=activity.capacity,
                place=activity.place,
                waitlist_policy=activity.waitlist_policy.value,
            ),
            subject=activity.id,
            community=activity.community_id,
        )
        await session.flush()
        await offer_free_places(session, activity, offer_window)


async def cancel_activity(session: AsyncSession, activity_id: str, reason: str) -> Activity:
    """Call an activity off; everyone signed up is told through the event."""
    activity = await lock_activity(session, activity_id)
    _apply_cancel(session, activity, reason)
    await session.commit()
    return activity


def _apply_cancel(session: AsyncSession, activity: Activity, reason: str) -> None:
    """Cancel a locked activity and stage its event; the caller commits."""
    check_cancel_activity(activity.status)
    activity.status = ActivityStatus.CANCELLED
    session.add(activity)
    add_event(
        session,
        ActivityCancelled(
            activity_id=activity.id, community_id=activity.community_id, reason=reason
        ),
        subject=activity.id,
        community=activity.community_id,
    )


async def complete(session: AsyncSession, activity_id: str, rules: Rules) -> Activity:
    """Close a published activity after it started: no-shows marked, open check-ins closed."""
    activity = await lock_activity(session, activity_id)
    check_complete(activity.status, starts_at=aware(activity.starts_at), now=now())
    signups = (
        await session.exec(select(SignUp).where(col(SignUp.activity_id) == activity.id))
    ).all()
    for signup in signups:
        checked_in = signup.checked_in_at is not None
        if is_no_show(signup.status, checked_in=checked_in):
            signup.status = SignUpStatus.NO_SHOW
            session.add(signup)
            add_event(
                session,
                NoShow(
                    activity_id=activity.id,
                    community_id=activity.community_id,
                    volunteer_id=signup.volunteer_id,
                ),
                subject=activity.id,
                community=activity.community_id,
            )
        elif forgot_to_check_out(
            checked_in=checked_in, checked_out=signup.checked_out_at is not None
        ):
            await close_forgotten(session, rules, activity, signup)
    activity.status = ActivityStatus.COMPLETED
    session.add(activity)
    add_event(
        session,
        ActivityCompleted(activity_id=activity.id, community_id=activity.community_id),
        subject=activity.id,
        community=activity.community_id,
    )
    await session.commit()
    return activity


async def ended_unclosed(session: AsyncSession, grace: timedelta, limit: int) -> list[str]:
    """Published activities that ended more than `grace` ago, the earliest first."""
    rows = await session.exec(
        select(Activity.id)
        .where(
            col(Activity.status) == ActivityStatus.PUBLISHED,
            col(Activity.ends_at) < now() - grace,
        )
        .order_by(col(Activity.ends_at), col(Activity.id))
        .limit(limit)
    )
    return list(rows.all())


async def complete_if_open(session: AsyncSession, activity_id: str, rules: Rules) -> bool:
    """Complete the activity unless someone (another replica, an organiser) just did.

    `complete` takes the activity's row lock and then reads its status, so of two
    replicas completing it at once the second waits, finds it completed, and stops
    (no second no-show or completion event).
    """
    try:
        await complete(session, activity_id, rules)
    except (Conflict, NotFound):
        await session.rollback()
        return False
    return True
