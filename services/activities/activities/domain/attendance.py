"""When a volunteer may check in and out, and when a forgotten check-out may be settled.

Check-in opens `opens_before` the start (the district's setting) and closes at the
activity's end, for a published activity only, once per sign-up, and only for a
volunteer who has a place (a confirmed sign-up). Check-out needs a check-in and
happens once. A check-out the activity's close made (flagged for review) is settled
once, and only for a volunteer who did check in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from activities import messages
from activities.domain.signups import ActivityStatus, SignUpStatus
from shared.errors import Conflict


def check_check_in_open(
    status: ActivityStatus,
    *,
    starts_at: datetime,
    ends_at: datetime,
    opens_before: timedelta,
    now: datetime,
) -> None:
    """Raise unless the activity takes check-ins now."""
    if status != ActivityStatus.PUBLISHED:
        raise Conflict(messages.ACTIVITY_NOT_OPEN, status=messages.ACTIVITY_STATUS[status])
    if now < starts_at - opens_before:
        raise Conflict(
            messages.CHECK_IN_NOT_OPEN_YET, minutes=int(opens_before.total_seconds() // 60)
        )
    if now > ends_at:
        raise Conflict(messages.ACTIVITY_ENDED)


def check_has_place(status: SignUpStatus | None) -> None:
    """Raise unless a sign-up in `status` (None: none) holds a confirmed place."""
    if status != SignUpStatus.CONFIRMED:
        raise Conflict(messages.NO_CONFIRMED_PLACE)


def check_not_checked_in(*, checked_in: bool) -> None:
    """Raise when the volunteer has checked in already."""
    if checked_in:
        raise Conflict(messages.ALREADY_CHECKED_IN)


def check_check_out(*, checked_in: bool, checked_out: bool) -> None:
    """Raise unless the volunteer may check out: checked in, and not out yet."""
    if not checked_in:
        raise Conflict(messages.NOT_CHECKED_IN)
    if checked_out:
        raise Conflict(messages.ALREADY_CHECKED_OUT)


def check_resolve(*, needs_review: bool, checked_in: bool) -> None:
    """Raise unless a check-out waits to be settled for a volunteer who checked in."""
    if not needs_review:
        raise Conflict(messages.NO_CHECK_OUT_TO_RESOLVE)
    if not checked_in:
        raise Conflict(messages.NEVER_CHECKED_IN)
