"""Who gets a freed place, and how: the waitlist policy an activity is run by.

An activity chooses when it is created or changed:

- `offer` (as before): the first on the waitlist is offered the place and holds it
  until a deadline (the offer window, and never past the start); unconfirmed, it lapses
  and passes to the next.
- `promote`: the first on the waitlist takes the place at once, as most systems do;
  nobody has to confirm anything.

A place frees when someone cancels, an offer lapses, or the capacity grows. Once the
activity has started nobody is moved up: the place stays free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class WaitlistPolicy(StrEnum):
    """How a freed place goes to the waitlist."""

    OFFER = "offer"  # offered, to confirm by a deadline
    PROMOTE = "promote"  # taken at once


@dataclass(frozen=True)
class Move:
    """What happens to one waiting sign-up: promoted at once, or offered until `confirm_by`."""

    signup_id: str
    promoted: bool
    confirm_by: datetime | None = None


def fill_free_places(
    policy: WaitlistPolicy,
    *,
    capacity: int,
    holding: int,
    waiting: Sequence[str],
    starts_at: datetime,
    now: datetime,
    offer_window: timedelta,
) -> list[Move]:
    """The moves that fill the free places, for the waiting sign-ups in waitlist order.

    `holding` counts the places taken (confirmed, or offered and not yet lapsed);
    nothing moves once the activity has started or when no place is free.
    """
    free = capacity - holding
    if free <= 0 or now >= starts_at:
        return []
    chosen = waiting[:free]
    if policy is WaitlistPolicy.PROMOTE:
        return [Move(signup_id, promoted=True) for signup_id in chosen]
    confirm_by = min(now + offer_window, starts_at)
    return [Move(signup_id, promoted=False, confirm_by=confirm_by) for signup_id in chosen]
