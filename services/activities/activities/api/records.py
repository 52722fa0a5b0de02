"""Routes over the service-record ledger and a volunteer's own schedule and records."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field, model_validator
from sqlmodel import col, select

from activities import ledger, messages
from activities.api.deps import (
    ORGANISERS,
    SettingsDep,
    known_team,
    known_volunteer,
    own_volunteer,
)
from activities.configuration import rules_in_force
from activities.domain.four_eyes import Actor
from activities.messages import invalid
from activities.models import (
    Activity,
    ActivityStatus,
    FourOnes,
    KnownVolunteer,
    RecordSource,
    RecordStatus,
    ServiceKind,
    ServiceRecord,
    SignUp,
    SignUpStatus,
)
from shared.access import authorize, visible
from shared.auth import CurrentPrincipal, Principal, Role
from shared.clock import now
from shared.deps import SessionDep
from shared.errors import NotFound, Unprocessable
from shared.messages import VOLUNTEER_NOT_FOUND
from shared.paging import Page, PageParams, paginate
from shared.types import Id, Input, Timestamp

router = APIRouter(tags=["records"])


class RecordCreate(Input):
    """Input of `POST /communities/{id}/records`: a service done outside attendance."""

    volunteer_id: Id
    kind: ServiceKind
    started_at: Timestamp
    ended_at: Timestamp
    activity_id: Id | None = Field(default=None, description="for a backfill of an activity")
    service_area_code: str | None = None
    place: str = Field(default="", max_length=200)
    tags: list[FourOnes] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> RecordCreate:
        if self.started_at.tzinfo is None or self.ended_at.tzinfo is None:
            raise invalid(messages.TIMES_WITHOUT_OFFSET)
        return self


class Correction(Input):
    """Input of `POST /records/{id}/correct`."""

    started_at: Timestamp
    ended_at: Timestamp
    reason: str = Field(min_length=2, max_length=500)
    tags: list[FourOnes] | None = None


class Reason(Input):
    """Why."""

    reason: str = Field(min_length=2, max_length=500)


class RecordPublic(BaseModel):
    """A ledger entry as the API shows it."""

    id: str
    volunteer_id: str
    community_id: str
    activity_id: str | None
    kind: ServiceKind
    source: RecordSource
    service_area_code: str | None
    team_id: str | None
    place: str
    started_at: datetime
    ended_at: datetime
    hours: float
    tags: list[str]
    status: RecordStatus
    corrects_id: str | None
    reason: str | None
    recorded_by: str = Field(
        description="the account that entered it, or `attendance` for a check-out's record"
    )
    confirmed_by: str | None = Field(
        description="the account that confirmed it (never its recorder's, unless a district "
        "admin's; never the volunteer's own)"
    )


RECORD_ORDER = [col(ServiceRecord.started_at), col(ServiceRecord.id)]


def public_record(record: ServiceRecord) -> RecordPublic:
    """The API view of a ledger entry."""
    data = record.model_dump()
    data["tags"] = ledger.tags_of(record)
    return RecordPublic.model_validate(data)


def actor_of(principal: Principal) -> Actor:
    """The caller as four eyes see them."""
    return Actor(principal.subject, district_admin=principal.role is Role.DISTRICT_ADMIN)


async def _record(session: SessionDep, principal: Principal, record_id: str) -> ServiceRecord:
    """A record of the caller's community (404 otherwise), for its organisers (403)."""
    record = visible(
        principal, await session.get(ServiceRecord, record_id), messages.RECORD_NOT_FOUND
    )
    authorize(principal, record.community_id, *ORGANISERS)
    return record


@router.post(
    "/communities/{community_id}/records",
    response_model=RecordPublic,
    status_code=status.HTTP_201_CREATED,
)
async def post_record(
    community_id: str,
    data: RecordCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> RecordPublic:
    """Record a home visit, a good deed or a backfill; pending until confirmed."""
    authorize(principal, community_id, *ORGANISERS)
    volunteer = await session.get(KnownVolunteer, data.volunteer_id)
    if volunteer is None or volunteer.community_id != community_id:
        # Another community's volunteer answers as an unknown one would (and one this
        # service has not yet learnt from the registry's events is unknown for now).
        raise NotFound(VOLUNTEER_NOT_FOUND)
    span, team = None, None
    area = data.service_area_code
    if data.activity_id is not None:
        activity = await session.get(Activity, data.activity_id)
        if activity is None or activity.community_id != community_id:
            raise NotFound(messages.ACTIVITY_NOT_FOUND)
        if activity.status == ActivityStatus.CANCELLED:
            raise Unprocessable(messages.ACTIVITY_CANCELLED_NO_HOURS)
        span, area = ledger.activity_window(activity), area or activity.service_area_code
        team = activity.team_id  # a team's activity counts for the team, as at check-out
    record = await ledger.record_service(
        session,
        await rules_in_force(session, settings),
        ledger.NewRecord(
            volunteer_id=volunteer.id,
            community_id=community_id,
            kind=data.kind,
            source=RecordSource.BACKFILL if data.activity_id else RecordSource.MANUAL,
            started_at=data.started_at,
            ended_at=data.ended_at,
            recorded_by=principal.subject,
            activity_id=data.activity_id,
            team_id=team,
            service_area_code=area,
            place=data.place,
            tags=tuple(tag.value for tag in data.tags),
            activity_span=span,
        ),
    )
    return public_record(record)


@router.post("/records/{record_id}/confirm", response_model=RecordPublic)
async def confirm(record_id: str, principal: CurrentPrincipal, session: SessionDep) -> RecordPublic:
    """Confirm a pending record: its hours count from now on.

    Four eyes: neither the volunteer themself nor whoever recorded it (unless a district
    admin) may confirm it; 422 names the rule.
    """
    record = await _record(session, principal, record_id)
    return public_record(await ledger.confirm(session, record, actor_of(principal)))


@router.post("/records/{record_id}/correct", response_model=RecordPublic)
async def correct(
    record_id: str,
    body: Correction,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> RecordPublic:
    """Correct a record: a new entry replaces it; the old one stays, superseded.

    The new times pass the rules of a new record. A confirmed record's correction counts
    at once only when a district admin made it; anyone else's waits, pending, for a
    second person to confirm it.
    """
    record = await _record(session, principal, record_id)
    corrected = await ledger.correct(
        session,
        await rules_in_force(session, settings),
        record,
        started_at=body.started_at,
        ended_at=body.ended_at,
        reason=body.reason,
        by=actor_of(principal),
        tags=tuple(t.value for t in body.tags) if body.tags is not None else None,
    )
    return public_record(corrected)


@router.post("/records/{record_id}/void", response_model=RecordPublic)
async def void(
    record_id: str, body: Reason, principal: CurrentPrincipal, session: SessionDep
) -> RecordPublic:
    """Void a record with a reason: its hours stop counting."""
    record = await _record(session, principal, record_id)
    return public_record(await ledger.void(session, record, body.reason))


@router.get("/communities/{community_id}/records", response_model=Page[RecordPublic])
async def community_records(
    community_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    volunteer_id: Annotated[str | None, Query(max_length=26)] = None,
    team_id: Annotated[str | None, Query(max_length=26)] = None,
    service_area: Annotated[str | None, Query(max_length=40)] = None,
    status_: Annotated[RecordStatus | None, Query(alias="status")] = None,
    from_: Annotated[
        Timestamp | None, Query(alias="from", description="started at or after")
    ] = None,
    to: Annotated[Timestamp | None, Query(description="started before")] = None,
) -> Page[RecordPublic]:
    """The community's records by period, team, service area and status, newest first."""
    authorize(principal, community_id, *ORGANISERS)
    # A filter naming another community's volunteer or team answers as an unknown one.
    await known_volunteer(session, volunteer_id, community_id)
    await known_team(session, team_id, community_id)
    query = select(ServiceRecord).where(col(ServiceRecord.community_id) == community_id)
    for column, value in (
        (ServiceRecord.volunteer_id, volunteer_id),
        (ServiceRecord.team_id, team_id),
        (ServiceRecord.service_area_code, service_area),
        (ServiceRecord.status, status_),
    ):
        if value is not None:
            query = query.where(col(column) == value)
    if from_ is not None:
        query = query.where(col(ServiceRecord.started_at) >= from_)
    if to is not None:
        query = query.where(col(ServiceRecord.started_at) < to)
    return await paginate(
        session,
        query,
        order=RECORD_ORDER,
        paging=paging,
        descending=True,
        convert=public_record,
    )


@router.get("/me/records", response_model=Page[RecordPublic])
async def my_records(
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    status_: Annotated[RecordStatus | None, Query(alias="status")] = None,
) -> Page[RecordPublic]:
    """The caller's own service records, newest first."""
    volunteer = await own_volunteer(session, principal)
    query = select(ServiceRecord).where(col(ServiceRecord.volunteer_id) == volunteer.id)
    if status_ is not None:
        query = query.where(col(ServiceRecord.status) == status_)
    return await paginate(
        session,
        query,
        order=RECORD_ORDER,
        paging=paging,
        descending=True,
        convert=public_record,
    )


class ScheduleItem(BaseModel):
    """An activity on the caller's schedule, with their place in it."""

    activity_id: str
    title: str
    place: str
    starts_at: datetime
    ends_at: datetime
    sign_up_id: str
    sign_up_status: SignUpStatus


@router.get("/me/schedule", response_model=Page[ScheduleItem])
async def my_schedule(
    principal: CurrentPrincipal, session: SessionDep, paging: PageParams
) -> Page[ScheduleItem]:
    """The caller's coming activities (not yet ended), the soonest first."""
    volunteer = await own_volunteer(session, principal)
    holding = col(SignUp.status).in_(
        [SignUpStatus.CONFIRMED, SignUpStatus.OFFERED, SignUpStatus.WAITLISTED]
    )
    # A volunteer signs up for an activity once: one activity, one place on the schedule.
    coming = (
        select(Activity)
        .join(SignUp, col(SignUp.activity_id) == col(Activity.id))
        .where(col(SignUp.volunteer_id) == volunteer.id, holding, col(Activity.ends_at) > now())
    )
    page = await paginate(
        session, coming, order=[col(Activity.starts_at), col(Activity.id)], paging=paging
    )
    found = await session.exec(
        select(SignUp).where(
            col(SignUp.volunteer_id) == volunteer.id,
            col(SignUp.activity_id).in_([activity.id for activity in page.items]),
        )
    )
    places = {signup.activity_id: signup for signup in found.all()}
    items = [
        ScheduleItem(
            activity_id=activity.id,
            title=activity.title,
            place=activity.place,
            starts_at=activity.starts_at,
            ends_at=activity.ends_at,
            sign_up_id=places[activity.id].id,
            sign_up_status=places[activity.id].status,
        )
        for activity in page.items
    ]
    return Page[ScheduleItem](items=items, total=page.total, next_cursor=page.next_cursor)
