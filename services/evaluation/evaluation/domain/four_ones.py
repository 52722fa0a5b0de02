"""The four ones (四个一) as rules over plain data: which items are open, when to remind.

A party-member volunteer owes one good deed, one public-welfare activity, one
conversation with residents and one resident problem solved every month of the
district's calendar. Some days before the month ends, each member with items still
open is reminded of them, once.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

FOUR = ("good_deed", "public_welfare", "conversation", "problem_solved")


def open_items(done: Iterable[str]) -> list[str]:
    """The items of the four ones not done yet, in their usual order."""
    seen = set(done)
    return [item for item in FOUR if item not in seen]


def last_day_of_month(day: date) -> date:
    """The last day of the month `day` falls in."""
    return day.replace(day=monthrange(day.year, day.month)[1])


def reminder_due(now: datetime, zone: ZoneInfo, days_before: int) -> tuple[str, date] | None:
    """The month (YYYY-MM) to remind of at `now`, with its last day, or None if not time.

    Reminders are due from local midnight `days_before` days before the month ends in
    the district's time zone, through its last day: with 5, the last five days. Zero
    (or less) turns the reminder off.
    """
    today = now.astimezone(zone).date()
    last = last_day_of_month(today)
    if (last - today).days >= days_before:  # never true for 0 or less: off
        return None
    return f"{today.year:04d}-{today.month:02d}", last
