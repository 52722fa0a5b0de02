"""Sign-up with capacity, a waitlist, offers to confirm in time, and cancellation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from activities import messages
from activities.domain.waitlist import fill_free_places
from activities.models import (
    Activity,
    ActivityStatus,
    KnownTeamMember,
    KnownVolunteer,
    Scope,
    SignUp,
    SignUpStatus,
)
from shared.clock import now
from shared.contracts.activities import (
    PlaceOffered,
    Promoted,
    SignedUp,
    SignUpCancelled,
    Waitlisted,
)
from shared.errors import Conflict, NotFound
from shared.events.outbox import add_event
from shared.ids import new_id

HOLDS_A_PLACE = (SignUpStatus.CONFIRMED, SignUpStatus.OFFERED)


def aware(moment: datetime) -> datetime:
    """A datetime read back from SQLite (naive, UTC) made timezone-aware."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def lock_activity(session: AsyncSession, activity_id: str) -> Activity:
    """Take the activity's write lock for the rest of the transaction, then read it.

    SELECT ... FOR UPDATE on PostgreSQL (one round trip, no row version written); on
    SQLite, which has no row locks, a no-op UPDATE takes the database's write lock.
    Every place-changing operation goes through here, so counting places and taking one
    cannot interleave, and capacity holds under concurrent sign-ups.
    """
    if session.get_bind().dialect.name == "sqlite":
        await session.exec(
            update(Activity)
            .where(col(Activity.id) == activity_id)
            .values(capacity=Activity.capacity)
        )
        activity = await session.get(Activity, activity_id, populate_existing=True)
    else:
        activity = await session.get(
            Activity, activity_id, populate_existing=True, with_for_update=True
        )
    if activity is None:
        raise NotFound(messages.ACTIVITY_NOT_FOUND)
    return activity


async def _places_taken(session: AsyncSession, activity_id: str) -> int:
    count = await session.exec(
        select(func.count())
        .select_from(SignUp)
        .where(col(SignUp.activity_id) == activity_id, col(SignUp.status).in_(HOLDS_A_PLACE))
    )
    return int(count.one())


async def eligible(session: AsyncSession, activity: Activity, volunteer: KnownVolunteer) -> None:
    """Raise unless the volunteer may sign up for the activity."""
    if volunteer.status != "registered":
        raise Conflict(
            messages.VOLUNTEER_MAY_NOT_SIGN_UP, status=messages.standing(volunteer.status)
        )
    if activity.scope == Scope.COMMUNITY and volunteer.community_id != activity.community_id:
        raise Conflict(messages.OWN_COMMUNITY_ONLY)
    if activity.scope == Scope.TEAM:
        member = await session.get(KnownTeamMember, (activity.team_id, volunteer.id))
        if member is None:
            raise Conflict(messages.OWN_TEAM_ONLY)


async def sign_up(session: AsyncSession, activity_id: str, volunteer: KnownVolunteer) -> SignUp:
    """Take a place, or a place on the waitlist when the activity is full."""
    activity = await lock_activity(session, activity_id)
    if activity.status != ActivityStatus.PUBLISHED:
        raise Conflict(messages.SIGN_UP_CLOSED, status=messages.ACTIVITY_STATUS[activity.status])
    if now() > aware(activity.signup_deadline):
        raise Conflict(messages.SIGN_UP_DEADLINE_PASSED)
    await eligible(session, activity, volunteer)
    existing = (
        await session.exec(
            select(SignUp).where(
                col(SignUp.activity_id) == activity.id, col(SignUp.volunteer_id) == volunteer.id
            )
        )
    ).first()
    if existing is not None and existing.status != SignUpStatus.CANCELLED:
        raise Conflict(messages.ALREADY_SIGNED_UP, status=messages.SIGN_UP_STATUS[existing.status])
    signup = existing or SignUp(
        id=new_id(),
        activity_id=activity.id,
        volunteer_id=volunteer.id,
        status=SignUpStatus.CONFIRMED,
        created_at=now(),
    )
    if await _places_taken(session, activity.id) < activity.capacity:
        signup.status = SignUpStatus.CONFIRMED
        signup.waitlist_position = None
        payload: SignedUp | Waitlisted = SignedUp(
            activity_id=activity.id, community_id=activity.community_id, volunteer_id=volunteer.id
        )
    else:
        last = await session.exec(
            select(func.max(SignUp.waitlist_position)).where(col(SignUp.activity_id) == activity.id)
        )
        signup.status = SignUpStatus.WAITLISTED
        signup.waitlist_position = int(last.one() or 0) + 1
        payload = Waitlisted(
            activity_id=activity.id,
            community_id=activity.community_id,
            volunteer_id=volunteer.id,
            position=signup.waitlist_position,
        )
    session.add(signup)
    add_event(session, payload, subject=activity.id, community=activity.community_id)
    await session.commit()
    return signup


async def offer_free_places(
    session: AsyncSession, activity: Activity, offer_window: timedelta
) -> None:
    """Fill each free place from the waitlist by the activity's waitlist policy: offered
    to confirm in time, or promoted at once (the caller holds the lock)."""
    if activity.status != ActivityStatus.PUBLISHED:
        return
    holding = await _places_taken(session, activity.id)
    if holding >= activity.capacity:
        return
    rows = await session.exec(
        select(SignUp)
        .where(
            col(SignUp.activity_id) == activity.id, col(SignUp.status) == SignUpStatus.WAITLISTED
        )
        .order_by(col(SignUp.waitlist_position))
        .limit(activity.capacity - holding)
    )
    waiting = {signup.id: signup for signup in rows.all()}
    moves = fill_free_places(
        activity.waitlist_policy,
        capacity=activity.capacity,
        holding=holding,
        waiting=list(waiting),
        starts_at=aware(activity.starts_at),
        now=now(),
        offer_window=offer_window,
    )
    for move in moves:
        signup = waiting[move.signup_id]
        payload: Promoted | PlaceOffered
        if move.promoted:
            signup.status = SignUpStatus.CONFIRMED
            signup.waitlist_position = None
            signup.offered_until = None
            payload = Promoted(
                activity_id=activity.id,
                community_id=activity.community_id,
                volunteer_id=signup.volunteer_id,
                automatically=True,
            )
        else:
            assert move.confirm_by is not None
            signup.status = SignUpStatus.OFFERED
            signup.offered_until = move.confirm_by
            payload = PlaceOffered(
                activity_id=activity.id,
                community_id=activity.community_id,
                volunteer_id=signup.volunteer_id,
                confirm_by=move.confirm_by,
            )
        session.add(signup)
        add_event(session, payload, subject=activity.id, community=activity.community_id)


async def cancel(
    session: AsyncSession,
    signup: SignUp,
    reason: str,
    offer_window: timedelta,
    *,
    commit: bool = True,
) -> None:
    """End a sign-up; a freed place is offered to the next on the waitlist."""
    activity = await lock_activity(session, signup.activity_id)
    await session.refresh(signup)
    if signup.status in (SignUpStatus.CANCELLED, SignUpStatus.NO_SHOW):
        raise Conflict(
            messages.SIGN_UP_ALREADY_ENDED, status=messages.SIGN_UP_STATUS[signup.status]
        )
    if signup.checked_in_at is not None:
        raise Conflict(messages.CHECKED_IN_CANNOT_CANCEL)
    signup.status = SignUpStatus.CANCELLED
    signup.waitlist_position = None
    signup.offered_until = None
    session.add(signup)
    add_event(
        session,
        SignUpCancelled(
            activity_id=activity.id,
            community_id=activity.community_id,
            volunteer_id=signup.volunteer_id,
            reason=reason,
        ),
        subject=activity.id,
        community=activity.community_id,
    )
    await session.flush()
    await offer_free_places(session, activity, offer_window)
    if commit:
        await session.commit()


async def confirm_offer(session: AsyncSession, signup: SignUp) -> SignUp:
    """The volunteer takes the place offered to them, in time."""
    activity = await lock_activity(session, signup.activity_id)
    await session.refresh(signup)
    if signup.status != SignUpStatus.OFFERED:
        raise Conflict(messages.NO_PLACE_OFFERED, status=messages.SIGN_UP_STATUS[signup.status])
    if signup.offered_until is not None and now() > aware(signup.offered_until):
        raise Conflict(messages.OFFER_LAPSED)
    signup.status = SignUpStatus.CONFIRMED
    signup.waitlist_position = None
    signup.offered_until = None
    session.add(signup)
    add_event(
        session,
        Promoted(
            activity_id=activity.id,
            community_id=activity.community_id,
            volunteer_id=signup.volunteer_id,
        ),
        subject=activity.id,
        community=activity.community_id,
    )
    await session.commit()
    return signup


async def end_future_sign_ups(
    session: AsyncSession, volunteer_id: str, reason: str, offer_window: timedelta
) -> int:
    """Cancel a volunteer's sign-ups for activities not yet started (suspension, withdrawal)."""
    rows = await session.exec(
        select(SignUp)
        .join(Activity, col(Activity.id) == col(SignUp.activity_id))
        .where(
            col(SignUp.volunteer_id) == volunteer_id,
            col(SignUp.status).in_([*HOLDS_A_PLACE, SignUpStatus.WAITLISTED]),
            col(Activity.starts_at) > now(),
        )
    )
    signups = list(rows.all())
    for signup in signups:
        await cancel(session, signup, reason, offer_window, commit=False)
    return len(signups)


async def lapse_offers(session: AsyncSession, offer_window: timedelta) -> int:
    """Cancel offers not confirmed in time and pass the places on; returns how many lapsed."""
    rows = await session.exec(
        select(SignUp).where(
            col(SignUp.status) == SignUpStatus.OFFERED, col(SignUp.offered_until) < now()
        )
    )
    lapsed = list(rows.all())
    for signup in lapsed:
        await cancel(
            session,
            signup,
            "the offered place was not confirmed in time",
            offer_window,
            commit=False,
        )
    await session.commit()
    return len(lapsed)
