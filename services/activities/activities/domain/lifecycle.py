"""An activity's life: a draft is published, changed or called off while it is a draft
or open, and completed once it has started.

    draft ──publish──▶ published ──complete (once started)──▶ completed
    draft|published ──cancel──▶ cancelled

A change keeps the end after the start and never lowers the capacity below the places
already held (confirmed or offered). At completion a confirmed volunteer who never
checked in is a no-show, and one still checked in has their check-out closed for them.
"""

from __future__ import annotations

from datetime import datetime

from activities import messages
from activities.domain.signups import ActivityStatus, SignUpStatus
from shared.errors import Conflict, Unprocessable

# The states in which an activity is still to happen: it may change or be called off.
UPCOMING = (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED)


def check_publish(status: ActivityStatus) -> None:
    """Raise unless an activity in `status` may be published: a draft only."""
    if status != ActivityStatus.DRAFT:
        raise Conflict(messages.ONLY_A_DRAFT_IS_PUBLISHED, status=messages.ACTIVITY_STATUS[status])


def check_change(status: ActivityStatus, *, starts_at: datetime, ends_at: datetime) -> None:
    """Raise unless an activity in `status` may change to run from `starts_at` to `ends_at`."""
    if status not in UPCOMING:
        raise Conflict(messages.ACTIVITY_CANNOT_CHANGE, status=messages.ACTIVITY_STATUS[status])
    if ends_at <= starts_at:
        raise Unprocessable(messages.ACTIVITY_ENDS_BEFORE_START)


def check_capacity(capacity: int, *, places_held: int) -> None:
    """Raise when a new capacity is below the places already held."""
    if capacity < places_held:
        raise Conflict(messages.CAPACITY_BELOW_PLACES_HELD, holding=places_held)


def check_cancel_activity(status: ActivityStatus) -> None:
    """Raise unless an activity in `status` may be called off: not yet over or cancelled."""
    if status not in UPCOMING:
        raise Conflict(
            messages.ACTIVITY_CANNOT_BE_CANCELLED, status=messages.ACTIVITY_STATUS[status]
        )


def check_complete(status: ActivityStatus, *, starts_at: datetime, now: datetime) -> None:
    """Raise unless an activity in `status`, starting at `starts_at`, may be completed now."""
    if status != ActivityStatus.PUBLISHED:
        raise Conflict(
            messages.ONLY_A_PUBLISHED_ACTIVITY_COMPLETES, status=messages.ACTIVITY_STATUS[status]
        )
    if now < starts_at:
        raise Conflict(messages.ACTIVITY_NOT_STARTED)


def is_no_show(status: SignUpStatus, *, checked_in: bool) -> bool:
    """Whether a sign-up is a no-show when its activity completes."""
    return status == SignUpStatus.CONFIRMED and not checked_in


def forgot_to_check_out(*, checked_in: bool, checked_out: bool) -> bool:
    """Whether a sign-up's check-out is closed for it when its activity completes."""
    return checked_in and not checked_out
