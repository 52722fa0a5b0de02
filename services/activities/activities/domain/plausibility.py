"""Plausibility rules for service records: no padded hours.

A volunteer cannot be in two places at once (no overlapping records), cannot serve more
than the daily cap in one calendar day (in the district's time zone), and a backfilled
record cannot be longer than the activity it is for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


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


class Implausible(ValueError):
    """A record the rules refuse; the message says which rule and why."""


def check_record(
    new: Interval,
    existing: Iterable[Interval],
    *,
    daily_cap_hours: float,
    zone: ZoneInfo,
    activity: Interval | None = None,
    backfill: bool = False,
) -> None:
    """Raise Implausible unless `new` may join the volunteer's `existing` live records."""
    if new.end <= new.start:
        raise Implausible("the service must end after it starts")
    if new.end - new.start > timedelta(hours=daily_cap_hours):
        raise Implausible(
            f"one record cannot be longer than the daily cap of {daily_cap_hours:g} h"
        )
    if backfill and activity is not None and new.hours > activity.hours:
        raise Implausible(f"a backfill cannot be longer than the activity ({activity.hours:g} h)")
    spans = list(existing)
    for span in spans:
        if new.overlaps(span):
            raise Implausible(
                "overlaps another record of this volunteer "
                f"({span.start.astimezone(zone):%Y-%m-%d %H:%M}–{span.end.astimezone(zone):%H:%M})"
            )
    for day, hours in _hours_per_day(new, zone).items():
        already = sum(_hours_per_day(span, zone).get(day, 0.0) for span in spans)
        if already + hours > daily_cap_hours + 1e-9:
            raise Implausible(
                f"{day}: {already:g} h already recorded; {hours:g} h more would pass the "
                f"daily cap of {daily_cap_hours:g} h"
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
