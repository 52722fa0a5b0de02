"""Sign-up with capacity, a waitlist, offers to confirm in time, and cancellation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from activities import messages
from activities.domain.signups import (
    HOLDS_A_PLACE,
    Applicant,
    Opening,
    check_cancel,
    check_sign_up,
    check_take_offer,
    next_waitlist_position,
    takes_a_place,
)
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
from shared.errors import NotFound
from shared.events.outbox import add_event
from shared.ids import new_id


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


async def _applicant(
    session: AsyncSession, activity: Activity, volunteer: KnownVolunteer
) -> Applicant:
    in_team = (
        activity.scope == Scope.TEAM
        and await session.get(KnownTeamMember, (activity.team_id, volunteer.id)) is not None
    )
    return Applicant(status=volunteer.status, community_id=volunteer.community_id, in_team=in_team)


def _opening(activity: Activity) -> Opening:
    return Opening(
        status=activity.status,
        signup_deadline=aware(activity.signup_deadline),
        scope=activity.scope,
        community_id=activity.community_id,
    )


async def sign_up(session: AsyncSession, activity_id: str, volunteer: KnownVolunteer) -> SignUp:
    """Take a place, or a place on the waitlist when the activity is full."""
    activity = await lock_activity(session, activity_id)
    existing = (
        await session.exec(
            select(SignUp).where(
                col(SignUp.activity_id) == activity.id, col(SignUp.volunteer_id) == volunteer.id
            )
        )
    ).first()
    check_sign_up(
        _opening(activity),
        await _applicant(session, activity, volunteer),
        existing=existing.status if existing is not None else None,
        now=now(),
    )
    signup = existing or SignUp(
        id=new_id(),
        activity_id=activity.id,
        volunteer_id=volunteer.id,
        status=SignUpStatus.CONFIRMED,
        created_at=now(),
    )
    if takes_a_place(
        capacity=activity.capacity, places_held=await _places_taken(session, activity.id)
    ):
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
        signup.waitlist_position = next_waitlist_position(last.one())
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
    check_cancel(signup.status, checked_in=signup.checked_in_at is not None)
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
    check_take_offer(
        signup.status,
        offered_until=aware(signup.offered_until) if signup.offered_until else None,
        now=now(),
    )
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
