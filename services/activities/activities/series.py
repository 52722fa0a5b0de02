"""A weekly series of activities: changed or cancelled from a day on, as a whole.

Each occurrence changes or is cancelled exactly as one activity would be (the same
events, so everyone signed up is told the same way), in one transaction: either every
occurrence from the day on changes, or none does (a capacity below what one occurrence
already holds refuses the lot). What has started, completed or been cancelled before
is left as it is.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from activities import messages
from activities.domain.waitlist import WaitlistPolicy
from activities.messages import invalid
from activities.models import Activity, ActivityStatus
from activities.programme import ActivityChange, _apply_cancel, _apply_change, may_see
from activities.signups import aware, lock_activity
from shared.auth import Principal
from shared.clock import now
from shared.errors import Conflict, NotFound
from shared.types import Input, Integer

_CLOCK = r"^([01]\d|2[0-3]):[0-5]\d$"
_HH_MM = re.compile(_CLOCK)

STILL_OPEN = (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED)


class SeriesChange(Input):
    """Input of `PATCH /series/{id}`: what changes in every occurrence from the day on."""

    place: str | None = Field(default=None, min_length=1, max_length=200)
    capacity: Integer | None = Field(default=None, ge=1, le=10_000)
    start_time: str | None = Field(
        default=None,
        pattern=_CLOCK,
        description="the new start, HH:MM on each occurrence's day in the district's time zone",
    )
    waitlist_policy: WaitlistPolicy | None = None
    end_time: str | None = Field(
        default=None,
        pattern=_CLOCK,
        description="the new end, HH:MM on the same day; given with `start_time`",
    )

    @model_validator(mode="after")
    def _check(self) -> SeriesChange:
        if (self.start_time is None) != (self.end_time is None):
            raise invalid(messages.SERIES_TIMES_TOGETHER)
        if (
            self.start_time is not None
            and self.end_time is not None
            and (self.end_time <= self.start_time)
        ):
            raise invalid(messages.SERIES_ENDS_BEFORE_START)
        return self


def _clock(value: str) -> time:
    assert _HH_MM.match(value)
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first moment of a day in the district's time zone."""
    return datetime.combine(day, time(0), tzinfo=zone)


async def series_seen(session: AsyncSession, principal: Principal, series_id: str) -> Activity:
    """One occurrence of a series the caller may see (all share community and scope)."""
    # Any one will do: a series has at most 52, all of one community and scope.
    found = await session.exec(select(Activity).where(col(Activity.series_id) == series_id))
    first = found.first()
    if first is None or not may_see(principal, first):
        raise NotFound(messages.SERIES_NOT_FOUND)
    return first


async def _from_day_on(
    session: AsyncSession, series_id: str, day: date, zone: ZoneInfo
) -> list[Activity]:
    """The occurrences starting on `day` or later and not yet started, locked, earliest first."""
    since = max(day_start(day, zone), now())
    rows = await session.exec(
        select(Activity.id)
        .where(
            col(Activity.series_id) == series_id,
            col(Activity.starts_at) >= since,
            col(Activity.status).in_(STILL_OPEN),
        )
        .order_by(col(Activity.starts_at), col(Activity.id))
    )
    # Locked one by one in start order, the same order for every caller: two series
    # edits at once wait for each other instead of deadlocking.
    locked = [await lock_activity(session, activity_id) for activity_id in rows.all()]
    # Read again under the lock: one may have been cancelled or changed meanwhile.
    return [a for a in locked if a.status in STILL_OPEN and aware(a.starts_at) > now()]


async def change_from(
    session: AsyncSession,
    series_id: str,
    day: date,
    data: SeriesChange,
    zone: ZoneInfo,
    offer_window: timedelta,
) -> list[Activity]:
    """Change every occurrence from `day` on, each as `PATCH /activities/{id}` would."""
    changed = await _from_day_on(session, series_id, day, zone)
    for activity in changed:
        starts_at = ends_at = None
        if data.start_time is not None and data.end_time is not None:
            local_day = aware(activity.starts_at).astimezone(zone).date()
            starts_at = datetime.combine(local_day, _clock(data.start_time), tzinfo=zone)
            ends_at = datetime.combine(local_day, _clock(data.end_time), tzinfo=zone)
        one = ActivityChange(
            place=data.place,
            capacity=data.capacity,
            starts_at=starts_at,
            ends_at=ends_at,
            waitlist_policy=data.waitlist_policy,
        )
        try:
            await _apply_change(session, activity, one, offer_window)
        except Conflict as refused:
            day_of = aware(activity.starts_at).astimezone(zone).date().isoformat()
            raise _for_the_series(refused, day_of) from refused
    await session.commit()
    return changed


def _for_the_series(refused: Conflict, day: str) -> Conflict:
    """An occurrence's refusal, said of the series: which day refused, and that nothing
    changed."""
    if refused.message is messages.CAPACITY_BELOW_PLACES_HELD:
        return Conflict(messages.SERIES_OCCURRENCE_OVERBOOKED, day=day, **refused.params)
    # The occurrences were locked and read as still open, so only a status is left.
    return Conflict(
        messages.SERIES_OCCURRENCE_CANNOT_CHANGE,
        day=day,
        status=refused.params.get("status", ""),
    )


async def cancel_from(
    session: AsyncSession, series_id: str, day: date, reason: str, zone: ZoneInfo
) -> list[Activity]:
    """Cancel every occurrence from `day` on, each as `POST /activities/{id}/cancel` would."""
    cancelled = await _from_day_on(session, series_id, day, zone)
    for activity in cancelled:
        _apply_cancel(session, activity, reason)
    await session.commit()
    return cancelled
