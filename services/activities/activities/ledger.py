"""The service-record ledger: pending, confirmed, corrected and voided, never edited in place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from activities.domain.four_eyes import Actor, SecondPersonNeeded
from activities.domain.plausibility import Implausible, Interval, check_record
from activities.domain.records import (
    LIVE,
    check_confirm,
    check_correct,
    check_void,
    correction_status,
)
from activities.models import (
    Activity,
    KnownVolunteer,
    RecordSource,
    RecordStatus,
    ServiceKind,
    ServiceRecord,
)
from activities.signups import aware
from shared.clock import now
from shared.contracts.activities import (
    ServiceConfirmed,
    ServiceCorrected,
    ServiceRecorded,
    ServiceVoided,
)
from shared.errors import Unprocessable
from shared.events.outbox import add_event
from shared.ids import new_id


@dataclass(frozen=True)
class Rules:
    """The plausibility settings (see `Settings` for what each means)."""

    daily_cap_hours: float
    zone: ZoneInfo
    backfill_days: int
    clock_skew: timedelta


@dataclass(frozen=True)
class NewRecord:
    """What a new record says."""

    volunteer_id: str
    community_id: str
    kind: ServiceKind
    source: RecordSource
    started_at: datetime
    ended_at: datetime
    recorded_by: str
    activity_id: str | None = None
    service_area_code: str | None = None
    team_id: str | None = None
    place: str = ""
    tags: tuple[str, ...] = ()
    activity_span: Interval | None = None


async def _live_spans(
    session: AsyncSession, volunteer_id: str, around: Interval, skip: str | None
) -> list[Interval]:
    rows = await session.exec(
        select(ServiceRecord).where(
            col(ServiceRecord.volunteer_id) == volunteer_id,
            col(ServiceRecord.status).in_(LIVE),
            col(ServiceRecord.started_at) < around.end + timedelta(days=1),
            col(ServiceRecord.ended_at) > around.start - timedelta(days=1),
        )
    )
    return [Interval(aware(r.started_at), aware(r.ended_at)) for r in rows.all() if r.id != skip]


async def _checked(
    session: AsyncSession, rules: Rules, new: NewRecord, skip: str | None = None
) -> Interval:
    span = Interval(new.started_at, new.ended_at)
    try:
        check_record(
            span,
            await _live_spans(session, new.volunteer_id, span, skip),
            daily_cap_hours=rules.daily_cap_hours,
            zone=rules.zone,
            now=now(),
            backfill_days=rules.backfill_days,
            clock_skew=rules.clock_skew,
            activity=new.activity_span,
        )
    except Implausible as exc:
        raise Unprocessable(exc.message, **exc.params) from exc
    return span


def _stage(
    session: AsyncSession,
    new: NewRecord,
    span: Interval,
    status: RecordStatus,
    corrects: str | None = None,
    reason: str | None = None,
) -> ServiceRecord:
    record = ServiceRecord(
        id=new_id(),
        volunteer_id=new.volunteer_id,
        community_id=new.community_id,
        activity_id=new.activity_id,
        kind=new.kind,
        source=new.source,
        service_area_code=new.service_area_code,
        team_id=new.team_id,
        place=new.place,
        started_at=span.start,
        ended_at=span.end,
        hours=span.hours,
        tags=",".join(sorted(set(new.tags))),
        status=status,
        corrects_id=corrects,
        reason=reason,
        recorded_by=new.recorded_by,
        created_at=now(),
    )
    session.add(record)
    return record


def tags_of(record: ServiceRecord) -> list[str]:
    """A record's four-ones tags."""
    return [tag for tag in record.tags.split(",") if tag]


async def record_service(
    session: AsyncSession, rules: Rules, new: NewRecord, *, commit: bool = True
) -> ServiceRecord:
    """Add a pending record after the plausibility rules; 422 says which rule refused it."""
    span = await _checked(session, rules, new)
    record = _stage(session, new, span, RecordStatus.PENDING)
    add_event(
        session,
        _recorded_event(record, span),
        subject=record.volunteer_id,
        community=record.community_id,
    )
    if commit:
        await session.commit()
    return record


def activity_window(activity: Activity) -> Interval:
    """The activity's own time span: a record for it lies inside."""
    return Interval(aware(activity.starts_at), aware(activity.ends_at))


async def _window_of(session: AsyncSession, activity_id: str | None) -> Interval | None:
    if activity_id is None:
        return None
    activity = await session.get(Activity, activity_id)
    return activity_window(activity) if activity is not None else None


async def _account_of(session: AsyncSession, volunteer_id: str) -> str | None:
    volunteer = await session.get(KnownVolunteer, volunteer_id)
    return volunteer.account_id if volunteer is not None else None


def _confirmed_event(record: ServiceRecord, by: str) -> ServiceConfirmed:
    return ServiceConfirmed(
        record_id=record.id,
        volunteer_id=record.volunteer_id,
        community_id=record.community_id,
        activity_id=record.activity_id,
        service_area_code=record.service_area_code,
        team_id=record.team_id,
        started_at=aware(record.started_at),
        hours=record.hours,
        tags=tags_of(record),
        confirmed_by=by,
    )


async def confirm(session: AsyncSession, record: ServiceRecord, by: Actor) -> ServiceRecord:
    """A second person confirms a pending record: its hours now count (four eyes)."""
    try:
        check_confirm(
            record.status,
            by,
            recorded_by=record.recorded_by,
            volunteer_account=await _account_of(session, record.volunteer_id),
        )
    except SecondPersonNeeded as exc:
        raise Unprocessable(exc.message, **exc.params) from exc
    record.status = RecordStatus.CONFIRMED
    record.confirmed_by = by.account_id
    session.add(record)
    add_event(
        session,
        _confirmed_event(record, by.account_id),
        subject=record.volunteer_id,
        community=record.community_id,
    )
    await session.commit()
    return record


def _recorded_event(record: ServiceRecord, span: Interval) -> ServiceRecorded:
    return ServiceRecorded(
        record_id=record.id,
        volunteer_id=record.volunteer_id,
        community_id=record.community_id,
        activity_id=record.activity_id,
        kind=record.kind.value,
        source=record.source.value,
        service_area_code=record.service_area_code,
        team_id=record.team_id,
        started_at=span.start,
        ended_at=span.end,
        hours=record.hours,
        tags=tags_of(record),
    )


async def correct(
    session: AsyncSession,
    rules: Rules,
    record: ServiceRecord,
    *,
    started_at: datetime,
    ended_at: datetime,
    reason: str,
    by: Actor,
    tags: tuple[str, ...] | None = None,
    commit: bool = True,
) -> ServiceRecord:
    """Replace a live record by a corrected entry; the old one is kept, superseded.

    The corrected entry passes every rule a new record passes, and its corrector is its
    recorder. A confirmed record's correction stays confirmed only when four eyes let
    the corrector confirm what they recorded (a district admin, not about their own
    hours); otherwise its hours stop counting until a second person confirms it.
    """
    check_correct(record.status)
    new = NewRecord(
        volunteer_id=record.volunteer_id,
        community_id=record.community_id,
        kind=record.kind,
        source=record.source,
        started_at=started_at,
        ended_at=ended_at,
        recorded_by=by.account_id,
        activity_id=record.activity_id,
        service_area_code=record.service_area_code,
        team_id=record.team_id,
        place=record.place,
        tags=tuple(tags) if tags is not None else tuple(tags_of(record)),
        activity_span=await _window_of(session, record.activity_id),
    )
    span = await _checked(session, rules, new, skip=record.id)
    was_confirmed = record.status == RecordStatus.CONFIRMED
    status = correction_status(
        record.status, by, volunteer_account=await _account_of(session, record.volunteer_id)
    )
    stays_confirmed = status == RecordStatus.CONFIRMED
    record.status = RecordStatus.SUPERSEDED
    session.add(record)
    corrected = _stage(session, new, span, status, corrects=record.id, reason=reason)
    corrected.pairing_id = record.pairing_id
    if stays_confirmed:
        corrected.confirmed_by = by.account_id
        add_event(
            session,
            ServiceCorrected(
                record_id=corrected.id,
                corrects_record_id=record.id,
                volunteer_id=record.volunteer_id,
                community_id=record.community_id,
                activity_id=record.activity_id,
                service_area_code=record.service_area_code,
                team_id=record.team_id,
                started_at=span.start,
                hours=corrected.hours,
                previous_hours=record.hours,
                tags=tags_of(corrected),
                reason=reason,
                confirmed_by=by.account_id,
            ),
            subject=record.volunteer_id,
            community=record.community_id,
        )
    else:
        # The old hours stop counting (if they did); the new ones wait for a second person.
        add_event(
            session,
            ServiceVoided(
                record_id=record.id,
                volunteer_id=record.volunteer_id,
                community_id=record.community_id,
                hours=record.hours,
                was_confirmed=was_confirmed,
                reason=f"corrected: {reason}",
            ),
            subject=record.volunteer_id,
            community=record.community_id,
        )
        add_event(
            session,
            _recorded_event(corrected, span),
            subject=corrected.volunteer_id,
            community=corrected.community_id,
        )
    if commit:
        await session.commit()
    return corrected


async def void(
    session: AsyncSession, record: ServiceRecord, reason: str, *, commit: bool = True
) -> ServiceRecord:
    """Void a live record with a reason: its hours stop counting."""
    check_void(record.status)
    was_confirmed = record.status == RecordStatus.CONFIRMED
    record.status = RecordStatus.VOIDED
    record.reason = reason
    session.add(record)
    add_event(
        session,
        ServiceVoided(
            record_id=record.id,
            volunteer_id=record.volunteer_id,
            community_id=record.community_id,
            hours=record.hours,
            was_confirmed=was_confirmed,
            reason=reason,
        ),
        subject=record.volunteer_id,
        community=record.community_id,
    )
    if commit:
        await session.commit()
    return record
