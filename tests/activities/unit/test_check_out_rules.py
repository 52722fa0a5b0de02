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


@pytest.mark.parametrize(
    ("left", "words"),
    [
        (ARRIVED, "after the check-in"),
        (ARRIVED - timedelta(minutes=1), "after the check-in"),
        (NOW + SKEW + timedelta(seconds=1), "in the future"),
    ],
)
def test_an_impossible_time_is_refused_saying_why(left: datetime, words: str) -> None:
    with pytest.raises(Implausible, match=words):
        real_presence(ARRIVED, left, ACTIVITY, now=NOW, clock_skew=SKEW)


def test_a_time_within_the_clock_skew_is_accepted() -> None:
    assert real_presence(ARRIVED, NOW + SKEW, ACTIVITY, now=NOW, clock_skew=SKEW) == ACTIVITY
