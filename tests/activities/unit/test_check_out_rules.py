"""A forgotten check-out's real time: after the check-in, not in the future, clipped
to the activity like any check-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from activities.domain.check_outs import real_presence
from activities.domain.plausibility import Implausible, Interval

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ACTIVITY = Interval(NOW - timedelta(hours=5), NOW - timedelta(hours=3))
ARRIVED = ACTIVITY.start - timedelta(minutes=10)
SKEW = timedelta(minutes=5)


def test_a_real_time_inside_the_activity_credits_from_its_start_to_that_time() -> None:
    left = ACTIVITY.start + timedelta(minutes=30)
    assert real_presence(ARRIVED, left, ACTIVITY, now=NOW, clock_skew=SKEW) == Interval(
        ACTIVITY.start, left
    )


def test_a_real_time_after_the_end_credits_the_activity_only() -> None:
    left = ACTIVITY.end + timedelta(hours=1)
    assert real_presence(ARRIVED, left, ACTIVITY, now=NOW, clock_skew=SKEW) == ACTIVITY


def test_leaving_before_the_start_credits_nothing() -> None:
    left = ACTIVITY.start - timedelta(minutes=1)
    assert real_presence(ARRIVED, left, ACTIVITY, now=NOW, clock_skew=SKEW) is None


AFTER_CHECK_IN = f"the check-out must come after the check-in at {ARRIVED.isoformat()}"
IN_THE_FUTURE = "the check-out time is in the future; give the time they really left"


@pytest.mark.parametrize(
    ("left", "message"),
    [
        (ARRIVED, AFTER_CHECK_IN),
        (ARRIVED - timedelta(minutes=1), AFTER_CHECK_IN),
        (NOW + SKEW + timedelta(seconds=1), IN_THE_FUTURE),
    ],
)
def test_an_impossible_time_is_refused_saying_why(left: datetime, message: str) -> None:
    # The whole message the organiser reads, not a part of it.
    with pytest.raises(Implausible) as refused:
        real_presence(ARRIVED, left, ACTIVITY, now=NOW, clock_skew=SKEW)
    assert str(refused.value) == message


def test_a_time_within_the_clock_skew_is_accepted() -> None:
    assert real_presence(ARRIVED, NOW + SKEW, ACTIVITY, now=NOW, clock_skew=SKEW) == ACTIVITY
