"""Settling a forgotten check-out: which real departure time an organiser may give.

When an activity closes with a volunteer still checked in, the check-out is put at the
activity's end and flagged (`needs_review`). The organiser who knows better gives the
real time, or says the attendance does not count. These rules say what a real time may
be; what it credits is `credited_presence`, as at any check-out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from activities import messages
from activities.domain.plausibility import Implausible, Interval, credited_presence


def real_presence(
    arrived: datetime,
    left: datetime,
    activity: Interval,
    *,
    now: datetime,
    clock_skew: timedelta,
) -> Interval | None:
    """The service a real check-out time credits (None: no time inside the activity).

    Implausible when the volunteer would leave before arriving, or in the future.
    """
    if left <= arrived:
        raise Implausible(messages.CHECK_OUT_BEFORE_CHECK_IN, arrived=arrived.isoformat())
    if left > now + clock_skew:
        raise Implausible(messages.CHECK_OUT_IN_FUTURE)
    return credited_presence(arrived, left, activity)
