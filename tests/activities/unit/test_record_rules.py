"""What check_record and four eyes say when they refuse: the rule, in the district's time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from activities.domain.four_eyes import Actor, SecondPersonNeeded, check_confirmer
from activities.domain.plausibility import Implausible, Interval, check_record, check_timing

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
MINUTE = timedelta(minutes=1)


def at(hours: float) -> datetime:
    """NOW moved by `hours`."""
    return NOW + timedelta(hours=hours)


def check(
    new: Interval, *, skew: timedelta | None = None, activity: Interval | None = None
) -> None:
    extra = {} if skew is None else {"clock_skew": skew}
    check_record(
        new,
        [],
        daily_cap_hours=8,
        zone=ZONE,
        now=NOW,
        backfill_days=90,
        activity=activity,
        **extra,  # type: ignore[arg-type]
    )


def refusal(new: Interval, **options: object) -> str:
    with pytest.raises(Implausible) as refused:
        check(new, **options)  # type: ignore[arg-type]
    return str(refused.value)


def test_a_future_start_is_named_in_the_district_s_time() -> None:
    assert refusal(Interval(at(1), at(2))) == (
        "no future hours: the service starts 2026-12-01 11:00, after now "
        "(2026-12-01 10:00); record it once it is served"
    )


def test_a_future_end_is_named_in_the_district_s_time() -> None:
    assert refusal(Interval(at(-1), at(1))) == (
        "no future hours: the service ends 2026-12-01 11:00, after now "
        "(2026-12-01 10:00); record it once it is over"
    )


def test_the_earliest_start_a_backfill_may_have_is_named_in_the_district_s_time() -> None:
    assert refusal(Interval(at(-24 * 91), at(-24 * 91 + 1))) == (
        "backfill window: a record reaches back at most 90 days; "
        "the earliest start accepted now is 2026-09-02 10:00"
    )


def test_the_activity_s_window_is_named_in_the_district_s_time() -> None:
    activity = Interval(at(-5), at(-3))
    assert refusal(Interval(at(-4), at(-2)), activity=activity) == (
        "activity window: a record for this activity lies inside its time, "
        "2026-12-01 05:00–2026-12-01 07:00"
    )


def test_the_clock_skew_given_is_the_one_applied() -> None:
    check(Interval(at(-1), NOW + 5 * MINUTE))  # the default: five minutes
    check(Interval(at(-1), NOW + 10 * MINUTE), skew=10 * MINUTE)
    with pytest.raises(Implausible, match=r"^no future hours"):
        check(Interval(at(-1), NOW + 2 * MINUTE), skew=MINUTE)


def test_a_service_that_starts_exactly_at_the_latest_moment_is_not_yet_future() -> None:
    latest = NOW + 5 * MINUTE
    check_timing(Interval(latest, latest), now=NOW, backfill_days=90, zone=ZONE)
    with pytest.raises(Implausible, match=r"^no future hours: the service starts"):
        check_timing(
            Interval(latest + MINUTE, latest + MINUTE), now=NOW, backfill_days=90, zone=ZONE
        )


def test_nobody_confirms_their_own_hours_said_in_full() -> None:
    with pytest.raises(SecondPersonNeeded) as refused:
        check_confirmer(
            Actor("acct-leader"), recorded_by="acct-other", volunteer_account="acct-leader"
        )
    assert str(refused.value) == (
        "four eyes: nobody confirms their own hours; another organiser of the "
        "community or a district admin confirms them"
    )
