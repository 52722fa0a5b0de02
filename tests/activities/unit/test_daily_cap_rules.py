"""The daily cap and the calendar day it is counted in, as plain functions.

The district's day is the one that counts (Asia/Shanghai, UTC+8 all year): a day in
UTC would put the morning's first eight hours on the day before.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from activities.domain.plausibility import Implausible, Interval, check_record

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
CAP = 8.0


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A moment in the district's time, given as its local day and time."""
    return datetime(2026, month, day, hour, minute, tzinfo=ZONE)


def check(new: Interval, *existing: Interval, cap: float = CAP) -> None:
    check_record(new, list(existing), daily_cap_hours=cap, zone=ZONE, now=NOW, backfill_days=90)


def test_one_record_of_exactly_the_cap_is_accepted_and_a_minute_more_is_not() -> None:
    check(Interval(local(20, 9), local(20, 17)))
    with pytest.raises(Implausible) as refused:
        check(Interval(local(20, 9), local(20, 17, 1)))
    assert str(refused.value) == "one record cannot be longer than the daily cap of 8 h"


def test_a_day_may_be_filled_up_to_exactly_the_cap_and_no_further() -> None:
    morning = Interval(local(20, 8), local(20, 13))  # 5 h
    check(Interval(local(20, 14), local(20, 17)), morning)  # 5 + 3 = 8 h exactly
    with pytest.raises(Implausible) as refused:
        check(Interval(local(20, 14), local(20, 17, 6)), morning)  # 8.1 h
    assert str(refused.value) == (
        "2026-11-20: 5 h already recorded; 3.1 h more would pass the daily cap of 8 h"
    )


def test_the_cap_is_the_setting_given() -> None:
    morning = Interval(local(20, 8), local(20, 13))
    check(Interval(local(20, 14), local(20, 19)), morning, cap=10)
    with pytest.raises(Implausible, match="daily cap of 6 h"):
        check(Interval(local(20, 14), local(20, 16)), morning, cap=6)


def test_hours_summed_from_many_short_records_may_meet_the_cap_exactly() -> None:
    # Twenty-four visits of 20 minutes: 8 h, whatever the floating-point sum makes of it.
    visits = [
        Interval(
            local(20, 6) + timedelta(minutes=30 * i), local(20, 6, 20) + timedelta(minutes=30 * i)
        )
        for i in range(24)
    ]
    check(visits[-1], *visits[:-1])


def test_the_day_is_the_district_s_not_utc_s() -> None:
    # 01:00-07:00 in Shanghai is the evening before in UTC; it is the same local day
    # as the morning's three hours, so together they pass the cap.
    dawn = Interval(local(20, 1), local(20, 7))
    with pytest.raises(Implausible, match=r"^2026-11-20: 6 h already recorded; 3 h more"):
        check(Interval(local(20, 9), local(20, 12)), dawn)


def test_hours_either_side_of_the_district_s_midnight_are_on_two_days() -> None:
    # 20:00-24:00 and 00:00-05:00 local are one UTC day (12:00-21:00 UTC) but two of
    # the district's days: 4 h and 5 h, neither over the cap.
    evening = Interval(local(19, 20), local(20, 0))
    check(Interval(local(20, 0), local(20, 5)), evening)


def test_a_record_across_midnight_counts_each_part_on_its_own_day() -> None:
    # 22:00-02:00: 2 h on the 19th, 2 h on the 20th.
    night = Interval(local(19, 22), local(20, 2))
    check(night, Interval(local(20, 8), local(20, 14)))  # 6 + 2 = 8 h on the 20th
    with pytest.raises(Implausible, match=r"^2026-11-20: 6.5 h already recorded; 2 h more"):
        check(night, Interval(local(20, 8), local(20, 14, 30)))
    with pytest.raises(Implausible, match=r"^2026-11-19: 6.5 h already recorded; 2 h more"):
        check(night, Interval(local(19, 8), local(19, 14, 30)))


def test_another_day_s_hours_do_not_count_towards_today() -> None:
    check(Interval(local(20, 9), local(20, 17)), Interval(local(19, 9), local(19, 17)))


def test_touching_records_are_not_overlapping_and_overlapping_ones_name_the_other() -> None:
    first = Interval(local(20, 9), local(20, 11))
    check(Interval(local(20, 11), local(20, 12)), first)
    check(Interval(local(20, 8), local(20, 9)), first)
    with pytest.raises(Implausible) as refused:
        check(Interval(local(20, 10, 59), local(20, 12)), first)
    assert (
        str(refused.value) == "overlaps another record of this volunteer (2026-11-20 09:00–11:00)"
    )
    with pytest.raises(Implausible, match="overlaps"):
        check(Interval(local(20, 8), local(20, 9, 1)), first)
    with pytest.raises(Implausible, match="overlaps"):
        check(Interval(local(20, 9, 30), local(20, 10)), first)  # inside it


def test_a_record_must_end_after_it_starts() -> None:
    with pytest.raises(Implausible, match=r"^the service must end after it starts$"):
        check(Interval(local(20, 9), local(20, 9)))


def test_an_interval_knows_its_hours_to_the_minute_and_what_it_lies_within() -> None:
    assert Interval(local(20, 9), local(20, 10, 20)).hours == 1.33
    assert Interval(local(20, 9), local(20, 9, 1)).hours == 0.02
    day = Interval(local(20, 8), local(20, 18))
    assert Interval(local(20, 8), local(20, 18)).within(day)
    assert not Interval(local(20, 7, 59), local(20, 12)).within(day)
    assert not Interval(local(20, 12), local(20, 18, 1)).within(day)


def test_the_district_s_midnight_is_on_the_hour_whatever_the_record_s_minutes() -> None:
    # 22:30:30.5-01:30 local: 1.49 h on the 19th, 1.5 h on the 20th; the next day's
    # 6.5 h leave room for exactly those 1.5 h.
    night = Interval(local(19, 22, 30).replace(second=30, microsecond=500_000), local(20, 1, 30))
    check(night, Interval(local(20, 8), local(20, 14, 30)))
    with pytest.raises(Implausible, match=r"^2026-11-20: 6.6 h already recorded; 1.5 h more"):
        check(night, Interval(local(20, 8), local(20, 14, 36)))
