"""Plausibility rules for service records: no padded hours.

A volunteer cannot be in two places at once (no overlapping records), cannot serve more
than the daily cap in one calendar day (in the district's time zone), cannot be credited
with hours not yet served (nothing in the future), and a record cannot be entered long
after the fact (the backfill window). A record for an activity lies inside the
activity's own time window: attendance is clipped to it (`credited_presence`), a record
a person typed in is refused outside it (`check_inside_activity`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from activities import messages
from activities.domain.refusals import Refused

# How far a caller's clock may run ahead of ours before "now" on their side is the
# future on ours: a phone that is a few minutes fast must not have its visit refused.
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Interval:
    """A span of service."""

    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        """Its length in hours, to the minute."""
        return round((self.end - self.start).total_seconds() / 3600, 2)

    def overlaps(self, other: Interval) -> bool:
        """Whether the two spans share any time (touching ends do not)."""
        return self.start < other.end and other.start < self.end

    def within(self, other: Interval) -> bool:
        """Whether this span lies entirely inside `other` (ends may meet)."""
        return other.start <= self.start and self.end <= other.end


class Implausible(Refused):
    """A record the rules refuse; the message says which rule and why."""


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def check_timing(
    new: Interval,
    *,
    now: datetime,
    backfill_days: int,
    zone: ZoneInfo,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> None:
    """Raise Implausible unless `new` has been served already and is recent enough.

    Hours are recorded once they are served: neither the start nor the end may lie after
    `now` (give or take `clock_skew`). A record reaches back at most `backfill_days`
    from `now`, by its start: what is older cannot be checked by anyone any more.
    """
    latest = now + clock_skew
    if new.start > latest:
        raise Implausible(
            messages.FUTURE_START, start=_local(new.start, zone), now=_local(now, zone)
        )
    if new.end > latest:
        raise Implausible(messages.FUTURE_END, end=_local(new.end, zone), now=_local(now, zone))
    earliest = now - timedelta(days=backfill_days)
    if new.start < earliest:
        raise Implausible(
            messages.OUTSIDE_BACKFILL_WINDOW, days=backfill_days, earliest=_local(earliest, zone)
        )


def check_inside_activity(new: Interval, activity: Interval, zone: ZoneInfo) -> None:
    """Raise Implausible unless `new` lies inside the activity's own window.

    Refused, not clipped: a person typed these times, and quietly cutting them would
    hide the mistake. Nothing before the start or after the end counts, as at
    check-out (`credited_presence`), so a backfill never credits more than attendance
    would have.
    """
    if not new.within(activity):
        raise Implausible(
            messages.OUTSIDE_ACTIVITY_WINDOW,
            start=_local(activity.start, zone),
            end=_local(activity.end, zone),
        )


def credited_presence(arrived: datetime, left: datetime, activity: Interval) -> Interval | None:
    """The part of a volunteer's presence that counts for an activity, or None.

    Check-in opens before the start and check-out may come after the end; only the time
    inside the activity's window is service. Clipped, not refused: the clock measured
    it, nobody chose the times.
    """
    start, end = max(arrived, activity.start), min(left, activity.end)
    return Interval(start, end) if end > start else None


def check_record(
    new: Interval,
    existing: Iterable[Interval],
    *,
    daily_cap_hours: float,
    zone: ZoneInfo,
    now: datetime,
    backfill_days: int,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    activity: Interval | None = None,
) -> None:
    """Raise Implausible unless `new` may join the volunteer's `existing` live records.

    `activity` is the window of the activity the record is for, if any.
    """
    if new.end <= new.start:
        raise Implausible(messages.SERVICE_ENDS_BEFORE_START)
    check_timing(new, now=now, backfill_days=backfill_days, zone=zone, clock_skew=clock_skew)
    if activity is not None:
        check_inside_activity(new, activity, zone)
    if new.end - new.start > timedelta(hours=daily_cap_hours):
        raise Implausible(messages.LONGER_THAN_DAILY_CAP, cap=f"{daily_cap_hours:g}")
    spans = list(existing)
    for span in spans:
        if new.overlaps(span):
            raise Implausible(
                messages.OVERLAPS_ANOTHER_RECORD,
                start=_local(span.start, zone),
                end=f"{span.end.astimezone(zone):%H:%M}",
            )
    for day, hours in _hours_per_day(new, zone).items():
        already = sum(_hours_per_day(span, zone).get(day, 0.0) for span in spans)
        if already + hours > daily_cap_hours + 1e-9:
            raise Implausible(
                messages.PASSES_DAILY_CAP,
                day=day,
                already=f"{already:g}",
                more=f"{hours:g}",
                cap=f"{daily_cap_hours:g}",
            )


def _hours_per_day(span: Interval, zone: ZoneInfo) -> dict[str, float]:
    result: dict[str, float] = {}
    start = span.start.astimezone(zone)
    end = span.end.astimezone(zone)
    while start < end:
        midnight = (start + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        piece_end = min(end, midnight)
        key = f"{start:%Y-%m-%d}"
        result[key] = result.get(key, 0.0) + (piece_end - start).total_seconds() / 3600
        start = piece_end
    return result
