"""Routes over the service-record ledger and a volunteer's own schedule and records."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field, model_validator
from sqlmodel import col, select

from activities import ledger
from activities.api.deps import (
    SettingsDep,
    known_team,
    known_volunteer,
    own_volunteer,
)
from activities.configuration import rules_in_force
from activities.domain.four_eyes import Actor
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
from activities.signups import now
from shared.auth import CurrentPrincipal, Principal, Role
from shared.deps import SessionDep
from shared.paging import Page, PageParams, paginate
from shared.types import Id, Input, Timestamp

router = APIRouter(tags=["records"])
ORGANISERS = (Role.DISTRICT_ADMIN, Role.COMMUNITY_ADMIN, Role.TEAM_LEADER)


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
            raise ValueError("give times with their offset, e.g. 2026-12-01T09:00:00+08:00")
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


def organiser_of(principal: Principal, community_id: str) -> None:
    """404 for another community; 403 unless an admin or team leader of this one."""
    if not principal.can_access_community(community_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "not found")
    if principal.role not in ORGANISERS:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {principal.role} may not do this")


async def _record(session: SessionDep, principal: Principal, record_id: str) -> ServiceRecord:
    record = await session.get(ServiceRecord, record_id)
    if record is None or not principal.can_access_community(record.community_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "record not found")
    organiser_of(principal, record.community_id)
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
    organiser_of(principal, community_id)
    volunteer = await session.get(KnownVolunteer, data.volunteer_id)
    if volunteer is None or volunteer.community_id != community_id:
        # Another community's volunteer answers as an unknown one would (and one this
        # service has not yet learnt from the registry's events is unknown for now).
        raise HTTPException(status.HTTP_404_NOT_FOUND, "volunteer not found")
    span, team = None, None
    area = data.service_area_code
    if data.activity_id is not None:
        activity = await session.get(Activity, data.activity_id)
        if activity is None or activity.community_id != community_id:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "activity not found")
        if activity.status == ActivityStatus.CANCELLED:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "the activity was cancelled: no hours can be recorded for it",
            )
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
    organiser_of(principal, community_id)
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


@router.get("/me/schedule", response_model=list[ScheduleItem])
async def my_schedule(principal: CurrentPrincipal, session: SessionDep) -> list[ScheduleItem]:
    """The caller's coming activities."""
    volunteer = await own_volunteer(session, principal)
    rows = await session.exec(
        select(SignUp, Activity)
        .join(Activity, col(Activity.id) == col(SignUp.activity_id))
        .where(
            col(SignUp.volunteer_id) == volunteer.id,
            col(SignUp.status).in_(
                [SignUpStatus.CONFIRMED, SignUpStatus.OFFERED, SignUpStatus.WAITLISTED]
            ),
            col(Activity.ends_at) > now(),
        )
        .order_by(col(Activity.starts_at))
    )
    return [
        ScheduleItem(
            activity_id=a.id,
            title=a.title,
            place=a.place,
            starts_at=a.starts_at,
            ends_at=a.ends_at,
            sign_up_id=s.id,
            sign_up_status=s.status,
        )
        for s, a in rows.all()
    ]
