"""Attendance: check-in and check-out, each check-out becoming a pending service record."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from activities import ledger
from activities.domain.attendance import (
    check_check_in_open,
    check_check_out,
    check_has_place,
    check_not_checked_in,
    check_resolve,
)
from activities.domain.check_outs import real_presence
from activities.domain.four_eyes import ATTENDANCE, Actor
from activities.domain.plausibility import Implausible, credited_presence
from activities.domain.records import LIVE
from activities.ledger import NewRecord, Rules, activity_window, record_service
from activities.models import (
    Activity,
    KnownVolunteer,
    RecordSource,
    ServiceKind,
    ServiceRecord,
    SignUp,
)
from activities.signups import aware
from shared.clock import now
from shared.contracts.activities import CheckedIn, CheckedOut, CheckOutResolved
from shared.errors import Unprocessable
from shared.events.outbox import add_event


async def signup_of(session: AsyncSession, activity: Activity, volunteer: KnownVolunteer) -> SignUp:
    """The volunteer's confirmed sign-up for the activity, or 409 saying what is missing."""
    signup = (
        await session.exec(
            select(SignUp).where(
                col(SignUp.activity_id) == activity.id, col(SignUp.volunteer_id) == volunteer.id
            )
        )
    ).first()
    check_has_place(signup.status if signup is not None else None)
    assert signup is not None  # check_has_place refused a missing sign-up
    return signup


async def check_in(
    session: AsyncSession, activity: Activity, volunteer: KnownVolunteer, opens_before: timedelta
) -> SignUp:
    """Record arrival, from the check-in window's opening to the activity's end."""
    moment = now()
    check_check_in_open(
        activity.status,
        starts_at=aware(activity.starts_at),
        ends_at=aware(activity.ends_at),
        opens_before=opens_before,
        now=moment,
    )
    signup = await signup_of(session, activity, volunteer)
    check_not_checked_in(checked_in=signup.checked_in_at is not None)
    signup.checked_in_at = moment
    session.add(signup)
    add_event(
        session,
        CheckedIn(
            activity_id=activity.id,
            community_id=activity.community_id,
            volunteer_id=volunteer.id,
            at=moment,
        ),
        subject=activity.id,
        community=activity.community_id,
    )
    await session.commit()
    return signup


async def check_out(
    session: AsyncSession,
    rules: Rules,
    activity: Activity,
    signup: SignUp,
    *,
    at: datetime | None = None,
    automatically: bool = False,
    commit: bool = True,
) -> SignUp:
    """Record departure; the time served inside the activity becomes a pending record.

    Only the time inside the activity's window counts (`credited_presence`). A record
    the plausibility rules refuse (it overlaps another, passes the daily cap, or an
    activity closed long after it ended reaches past the backfill window) is not
    written; the sign-up is flagged for the organiser to review instead.
    """
    check_check_out(
        checked_in=signup.checked_in_at is not None,
        checked_out=signup.checked_out_at is not None,
    )
    assert signup.checked_in_at is not None  # check_check_out refused one never checked in
    moment = at or now()
    signup.checked_out_at = moment
    signup.needs_review = automatically
    session.add(signup)
    add_event(
        session,
        CheckedOut(
            activity_id=activity.id,
            community_id=activity.community_id,
            volunteer_id=signup.volunteer_id,
            at=moment,
            closed_automatically=automatically,
        ),
        subject=activity.id,
        community=activity.community_id,
    )
    window = activity_window(activity)
    served = credited_presence(aware(signup.checked_in_at), moment, window)
    if served is not None:
        try:
            await record_service(
                session,
                rules,
                NewRecord(
                    volunteer_id=signup.volunteer_id,
                    community_id=activity.community_id,
                    kind=ServiceKind.ACTIVITY,
                    source=RecordSource.ATTENDANCE,
                    started_at=served.start,
                    ended_at=served.end,
                    recorded_by=ATTENDANCE,
                    activity_id=activity.id,
                    service_area_code=activity.service_area_code,
                    team_id=activity.team_id,
                    place=activity.place,
                    tags=("public_welfare",),
                    activity_span=window,
                ),
                commit=False,
            )
        except Unprocessable:
            signup.needs_review = True
    if commit:
        await session.commit()
    return signup


async def close_forgotten(
    session: AsyncSession, rules: Rules, activity: Activity, signup: SignUp
) -> None:
    """A check-out forgotten until the activity closed: closed at its end, flagged."""
    await check_out(
        session,
        rules,
        activity,
        signup,
        at=aware(activity.ends_at),
        automatically=True,
        commit=False,
    )


async def _attendance_record(
    session: AsyncSession, activity: Activity, signup: SignUp
) -> ServiceRecord | None:
    """The live record the activity's check-out made for this volunteer, if it made one."""
    found = await session.exec(
        select(ServiceRecord).where(
            col(ServiceRecord.activity_id) == activity.id,
            col(ServiceRecord.volunteer_id) == signup.volunteer_id,
            col(ServiceRecord.source) == RecordSource.ATTENDANCE,
            col(ServiceRecord.status).in_(LIVE),
        )
    )
    return found.first()


async def resolve_check_out(
    session: AsyncSession,
    rules: Rules,
    activity: Activity,
    signup: SignUp,
    by: Actor,
    *,
    left_at: datetime | None,
    reason: str,
) -> SignUp:
    """Settle a flagged check-out: the real time (`left_at`), or not counted (None).

    The record the automatic check-out made is corrected to the real time (or voided
    when nothing counts); when the rules refused to make one then, one is made now for
    the real time, recorded by whoever resolves it, so that a second person confirms it.
    The sign-up's flag, its time and the event commit with the record's change.
    """
    check_resolve(needs_review=signup.needs_review, checked_in=signup.checked_in_at is not None)
    assert signup.checked_in_at is not None  # check_resolve refused a sign-up never checked in
    record = await _attendance_record(session, activity, signup)
    served = None
    if left_at is not None:
        try:
            served = real_presence(
                aware(signup.checked_in_at),
                left_at,
                activity_window(activity),
                now=now(),
                clock_skew=rules.clock_skew,
            )
        except Implausible as exc:
            raise Unprocessable(exc.message, **exc.params) from exc
        signup.checked_out_at = left_at
    signup.needs_review = False
    session.add(signup)
    counted = served is not None
    if served is None:
        result = await ledger.void(session, record, reason, commit=False) if record else None
    elif record is not None:
        result = await ledger.correct(
            session,
            rules,
            record,
            started_at=served.start,
            ended_at=served.end,
            reason=reason,
            by=by,
            commit=False,
        )
    else:
        result = await record_service(
            session,
            rules,
            NewRecord(
                volunteer_id=signup.volunteer_id,
                community_id=activity.community_id,
                kind=ServiceKind.ACTIVITY,
                source=RecordSource.ATTENDANCE,
                started_at=served.start,
                ended_at=served.end,
                recorded_by=by.account_id,
                activity_id=activity.id,
                service_area_code=activity.service_area_code,
                team_id=activity.team_id,
                place=activity.place,
                tags=("public_welfare",),
                activity_span=activity_window(activity),
            ),
            commit=False,
        )
    add_event(
        session,
        CheckOutResolved(
            activity_id=activity.id,
            community_id=activity.community_id,
            volunteer_id=signup.volunteer_id,
            sign_up_id=signup.id,
            counted=counted,
            checked_out_at=left_at,
            record_id=result.id if counted and result is not None else None,
        ),
        subject=activity.id,
        community=activity.community_id,
    )
    await session.commit()
    return signup
