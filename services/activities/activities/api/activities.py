"""Routes over activities, their sign-ups and attendance."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import or_
from sqlmodel import col, select

from activities import attendance, messages, programme, signups
from activities.api.deps import (
    ORGANISERS,
    SettingsDep,
    known_team,
    offer_window,
    own_volunteer,
    require_organiser,
)
from activities.api.records import actor_of
from activities.configuration import rules_in_force
from activities.domain.waitlist import WaitlistPolicy
from activities.messages import invalid
from activities.models import Activity, ActivityStatus, KnownVolunteer, Scope, SignUp, SignUpStatus
from shared.access import authorize, list_scope
from shared.auth import CurrentPrincipal
from shared.deps import SessionDep
from shared.errors import NotFound, Unprocessable
from shared.paging import Page, PageParams, paginate
from shared.types import Input, Timestamp

router = APIRouter(tags=["activities"])


class ActivityPublic(BaseModel):
    """An activity as the API shows it."""

    id: str
    community_id: str
    series_id: str | None
    title: str
    kind: str
    service_area_code: str
    scope: Scope
    team_id: str | None
    place: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    signup_deadline: datetime
    waitlist_policy: WaitlistPolicy
    status: ActivityStatus


class ActivityForOrganiser(ActivityPublic):
    """What organisers also see: the code volunteers check in with."""

    check_in_code: str


class SignUpPublic(BaseModel):
    """A sign-up as the API shows it."""

    id: str
    activity_id: str
    volunteer_id: str
    status: SignUpStatus
    waitlist_position: int | None
    offered_until: datetime | None
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    needs_review: bool


class Reason(Input):
    """Why."""

    reason: str = Field(min_length=2, max_length=500)


class ByCard(Input):
    """A team leader scans the volunteer's card (the code, if given too, is not read)."""

    volunteer_number: str = Field(max_length=20)
    code: str | None = Field(default=None, max_length=12)


class ByCode(Input):
    """The volunteer types the activity's code."""

    volunteer_number: None = None
    code: str = Field(max_length=12)


# The card's number or the activity's code, at least one: the document says so (anyOf).
CheckIn = ByCard | ByCode


class RealCheckOut(Input):
    """The volunteer left at this time (they forgot to check out)."""

    outcome: Literal["checked_out"]
    checked_out_at: Timestamp
    reason: str = Field(default="the real check-out time", min_length=2, max_length=500)

    @model_validator(mode="after")
    def _check(self) -> RealCheckOut:
        if self.checked_out_at.tzinfo is None:
            raise invalid(messages.TIME_WITHOUT_OFFSET)
        return self


class NotCounted(Input):
    """The attendance does not count (they left at once, or were never there)."""

    outcome: Literal["not_counted"]
    reason: str = Field(min_length=2, max_length=500)


# What the organiser says happened: the document says so (oneOf on outcome).
CheckOutResolution = Annotated[RealCheckOut | NotCounted, Field(discriminator="outcome")]


def public_signup(signup: SignUp) -> SignUpPublic:
    """The API view of a sign-up."""
    return SignUpPublic.model_validate(signup, from_attributes=True)


def _public(activity: Activity, organiser: bool) -> ActivityPublic:
    model = ActivityForOrganiser if organiser else ActivityPublic
    return model.model_validate(activity, from_attributes=True)


@router.post(
    "/communities/{community_id}/activities",
    response_model=list[ActivityForOrganiser],
    status_code=status.HTTP_201_CREATED,
)
async def post_activity(
    community_id: str,
    data: programme.ActivityCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    publish: bool = False,
) -> list[ActivityPublic]:
    """Create an activity (or `repeat_weekly` of them), as drafts unless `publish`."""
    authorize(principal, community_id, *ORGANISERS)
    created = await programme.create(
        session, community_id, data, principal.subject, publish=publish
    )
    return [_public(a, True) for a in created]


@router.get("/communities/{community_id}/activities", response_model=Page[ActivityPublic])
async def list_activities(
    community_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    status_: Annotated[ActivityStatus | None, Query(alias="status")] = None,
    team_id: Annotated[str | None, Query(max_length=26)] = None,
    service_area: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="in the title or place")
    ] = None,
    from_: Annotated[
        Timestamp | None, Query(alias="from", description="starting at or after")
    ] = None,
    to: Annotated[Timestamp | None, Query(description="starting before")] = None,
) -> Page[ActivityPublic]:
    """The community's activities by start time (drafts only for organisers)."""
    list_scope(principal, community_id)  # another community's answers 404
    await known_team(session, team_id, community_id)
    query = select(Activity).where(col(Activity.community_id) == community_id)
    if principal.role not in ORGANISERS:
        query = query.where(col(Activity.status) != ActivityStatus.DRAFT)
    for column, value in (
        (Activity.status, status_),
        (Activity.team_id, team_id),
        (Activity.service_area_code, service_area),
    ):
        if value is not None:
            query = query.where(col(column) == value)
    if q is not None:
        query = query.where(
            or_(
                col(Activity.title).icontains(q, autoescape=True),
                col(Activity.place).icontains(q, autoescape=True),
            )
        )
    if from_ is not None:
        query = query.where(col(Activity.starts_at) >= from_)
    if to is not None:
        query = query.where(col(Activity.starts_at) < to)
    return await paginate(
        session,
        query,
        order=[col(Activity.starts_at), col(Activity.id)],
        paging=paging,
        convert=lambda a: _public(a, False),
    )


@router.get("/activities/{activity_id}", response_model=ActivityPublic | ActivityForOrganiser)
async def get_activity(
    activity_id: str, principal: CurrentPrincipal, session: SessionDep
) -> ActivityPublic:
    """One activity; the check-in code only for its organisers."""
    activity = await programme.get_activity(session, principal, activity_id)
    return _public(activity, programme.is_organiser(principal, activity))


@router.post("/activities/{activity_id}/publish", response_model=ActivityForOrganiser)
async def publish(
    activity_id: str, principal: CurrentPrincipal, session: SessionDep
) -> ActivityPublic:
    """Open a draft for sign-up."""
    activity = await programme.get_activity(session, principal, activity_id)
    require_organiser(principal, activity)
    return _public(await programme.publish(session, activity), True)


@router.patch("/activities/{activity_id}", response_model=ActivityForOrganiser)
async def change(
    activity_id: str,
    data: programme.ActivityChange,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> ActivityPublic:
    """Change place, time or capacity."""
    require_organiser(principal, await programme.get_activity(session, principal, activity_id))
    return _public(await programme.change(session, activity_id, data, offer_window(settings)), True)


@router.post("/activities/{activity_id}/cancel", response_model=ActivityForOrganiser)
async def cancel_activity(
    activity_id: str, body: Reason, principal: CurrentPrincipal, session: SessionDep
) -> ActivityPublic:
    """Call the activity off."""
    require_organiser(principal, await programme.get_activity(session, principal, activity_id))
    return _public(await programme.cancel_activity(session, activity_id, body.reason), True)


@router.post("/activities/{activity_id}/complete", response_model=ActivityForOrganiser)
async def complete(
    activity_id: str, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> ActivityPublic:
    """Close the activity: no-shows marked, forgotten check-outs closed and flagged."""
    require_organiser(principal, await programme.get_activity(session, principal, activity_id))
    return _public(
        await programme.complete(session, activity_id, await rules_in_force(session, settings)),
        True,
    )


@router.post(
    "/activities/{activity_id}/sign-ups",
    response_model=SignUpPublic,
    status_code=status.HTTP_201_CREATED,
)
async def sign_up(activity_id: str, principal: CurrentPrincipal, session: SessionDep) -> SignUp:
    """The caller signs up: a place, or the waitlist when full."""
    await programme.get_activity(session, principal, activity_id)
    volunteer = await own_volunteer(session, principal)
    return await signups.sign_up(session, activity_id, volunteer)


@router.get("/activities/{activity_id}/sign-ups", response_model=Page[SignUpPublic])
async def roster(
    activity_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    status_: Annotated[SignUpStatus | None, Query(alias="status")] = None,
    needs_review: bool | None = None,
) -> Page[SignUpPublic]:
    """The activity's roster in sign-up order (organisers)."""
    require_organiser(principal, await programme.get_activity(session, principal, activity_id))
    query = select(SignUp).where(col(SignUp.activity_id) == activity_id)
    if status_ is not None:
        query = query.where(col(SignUp.status) == status_)
    if needs_review is not None:
        query = query.where(col(SignUp.needs_review).is_(needs_review))
    return await paginate(
        session,
        query,
        order=[col(SignUp.created_at), col(SignUp.id)],
        paging=paging,
        convert=public_signup,
    )


async def _signup(
    session: SessionDep, principal: CurrentPrincipal, activity_id: str, signup_id: str
) -> tuple[Activity, SignUp]:
    activity = await programme.get_activity(session, principal, activity_id)
    signup = await session.get(SignUp, signup_id)
    if signup is None or signup.activity_id != activity_id:
        raise NotFound(messages.SIGN_UP_NOT_FOUND)
    if not programme.is_organiser(principal, activity):
        volunteer = await own_volunteer(session, principal)
        if volunteer.id != signup.volunteer_id:
            raise NotFound(messages.SIGN_UP_NOT_FOUND)
    return activity, signup


@router.post(
    "/activities/{activity_id}/sign-ups/{signup_id}/cancel", status_code=status.HTTP_204_NO_CONTENT
)
async def cancel_sign_up(
    activity_id: str,
    signup_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> None:
    """End a sign-up (the volunteer, or an organiser); a freed place goes to the waitlist."""
    _, signup = await _signup(session, principal, activity_id, signup_id)
    await signups.cancel(session, signup, "cancelled", offer_window(settings))


@router.post("/activities/{activity_id}/sign-ups/{signup_id}/confirm", response_model=SignUpPublic)
async def confirm_offer(
    activity_id: str, signup_id: str, principal: CurrentPrincipal, session: SessionDep
) -> SignUp:
    """Take the place offered from the waitlist, before the offer lapses."""
    _, signup = await _signup(session, principal, activity_id, signup_id)
    return await signups.confirm_offer(session, signup)


@router.post("/activities/{activity_id}/sign-ups/{signup_id}/resolve", response_model=SignUpPublic)
async def resolve_check_out(
    activity_id: str,
    signup_id: str,
    body: CheckOutResolution,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> SignUp:
    """Settle a check-out the volunteer forgot (flagged `needs_review`): give the real
    time, which corrects the record to the time served, or say it does not count, which
    voids it. Organisers; the corrected record waits for a second person's confirmation.
    """
    activity, signup = await _signup(session, principal, activity_id, signup_id)
    require_organiser(principal, activity)
    return await attendance.resolve_check_out(
        session,
        await rules_in_force(session, settings),
        activity,
        signup,
        actor_of(principal),
        left_at=body.checked_out_at if isinstance(body, RealCheckOut) else None,
        reason=body.reason,
    )


async def _attendee(
    session: SessionDep, principal: CurrentPrincipal, activity: Activity, body: CheckIn
) -> KnownVolunteer:
    if body.volunteer_number is not None:
        require_organiser(principal, activity)
        found = await session.exec(
            select(KnownVolunteer).where(
                col(KnownVolunteer.volunteer_number) == body.volunteer_number
            )
        )
        volunteer = found.first()
        if volunteer is not None and volunteer.community_id != activity.community_id:
            # Another community's volunteer is known here only through a place in this
            # (district-wide) activity; without one, they answer as an unknown number.
            place = await session.exec(
                select(SignUp.id).where(
                    col(SignUp.activity_id) == activity.id,
                    col(SignUp.volunteer_id) == volunteer.id,
                )
            )
            if place.first() is None:
                volunteer = None
        if volunteer is None:
            raise NotFound(messages.VOLUNTEER_NUMBER_UNKNOWN)
        return volunteer
    if body.code != activity.check_in_code:
        raise Unprocessable(messages.CHECK_IN_CODE_WRONG)
    return await own_volunteer(session, principal)


@router.post("/activities/{activity_id}/check-in", response_model=SignUpPublic)
async def check_in(
    activity_id: str,
    body: CheckIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> SignUp:
    """Arrival: a team leader scans the card number, or the volunteer gives the code."""
    activity = await programme.get_activity(session, principal, activity_id)
    volunteer = await _attendee(session, principal, activity, body)
    return await attendance.check_in(
        session, activity, volunteer, timedelta(minutes=settings.check_in_opens_minutes_before)
    )


@router.post("/activities/{activity_id}/check-out", response_model=SignUpPublic)
async def check_out(
    activity_id: str,
    body: CheckIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> SignUp:
    """Departure: the time served becomes a pending service record."""
    activity = await programme.get_activity(session, principal, activity_id)
    volunteer = await _attendee(session, principal, activity, body)
    signup = await attendance.signup_of(session, activity, volunteer)
    return await attendance.check_out(
        session, await rules_in_force(session, settings), activity, signup
    )
