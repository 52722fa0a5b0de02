"""The rules that keep hours from being padded, as plain functions: no database, no app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from activities.api.deps import rules_of
from activities.domain.four_eyes import (
    ATTENDANCE,
    Actor,
    SecondPersonNeeded,
    check_confirmer,
    may_confirm,
)
from activities.domain.plausibility import (
    Implausible,
    Interval,
    check_inside_activity,
    check_record,
    check_timing,
    credited_presence,
)
from activities.settings import Settings

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
SKEW = timedelta(minutes=5)


def span(start: timedelta, end: timedelta) -> Interval:
    """A span given relative to NOW."""
    return Interval(NOW + start, NOW + end)


def timing(new: Interval, backfill_days: int = 90) -> None:
    check_timing(new, now=NOW, backfill_days=backfill_days, zone=ZONE, clock_skew=SKEW)


# -- no hours in the future -------------------------------------------------------------


def test_a_record_that_ended_just_now_is_accepted() -> None:
    timing(span(timedelta(hours=-2), timedelta(0)))


def test_a_clock_a_few_minutes_fast_is_tolerated_up_to_the_skew_and_no_further() -> None:
    timing(span(timedelta(hours=-1), SKEW))  # the caller's "now" is 5 minutes ahead
    with pytest.raises(Implausible):
        timing(span(timedelta(hours=-1), SKEW + timedelta(seconds=1)))


def test_a_record_starting_in_the_future_is_refused_naming_the_rule() -> None:
    with pytest.raises(Implausible) as refused:
        timing(span(timedelta(hours=1), timedelta(hours=2)))
    assert str(refused.value) == (
        "no future hours: the service starts 2026-12-01 11:00, after now "
        "(2026-12-01 10:00); record it once it is served"
    )
    with pytest.raises(Implausible):
        timing(span(SKEW + timedelta(seconds=1), timedelta(hours=2)))


def test_a_record_still_going_on_is_refused_until_it_is_over() -> None:
    with pytest.raises(Implausible) as refused:
        timing(span(timedelta(hours=-1), timedelta(hours=1)))
    assert str(refused.value).startswith("no future hours: the service ends 2026-12-01 11:00")


# -- the backfill window ----------------------------------------------------------------


def test_a_backfill_reaches_back_exactly_the_window_and_not_a_minute_more() -> None:
    timing(span(timedelta(days=-90), timedelta(days=-90, hours=2)))
    with pytest.raises(Implausible) as refused:
        timing(span(timedelta(days=-90, minutes=-1), timedelta(days=-90, hours=2)))
    assert str(refused.value) == (
        "backfill window: a record reaches back at most 90 days; "
        "the earliest start accepted now is 2026-09-02 10:00"
    )


def test_the_window_is_the_setting_given() -> None:
    timing(span(timedelta(days=-29), timedelta(days=-29, hours=1)), backfill_days=30)
    with pytest.raises(Implausible, match="at most 30 days"):
        timing(span(timedelta(days=-31), timedelta(days=-31, hours=1)), backfill_days=30)


# -- inside the activity's window -------------------------------------------------------

ACTIVITY = span(timedelta(days=-3), timedelta(days=-3, hours=3))  # 10:00–13:00 local


def test_a_typed_in_record_for_an_activity_lies_inside_its_window() -> None:
    check_inside_activity(ACTIVITY, ACTIVITY, ZONE)  # the whole of it, ends meeting
    check_inside_activity(
        span(timedelta(days=-3, hours=1), timedelta(days=-3, hours=2)), ACTIVITY, ZONE
    )
    early = span(timedelta(days=-3, minutes=-30), timedelta(days=-3, hours=2))
    late = span(timedelta(days=-3, hours=1), timedelta(days=-3, hours=3, minutes=1))
    elsewhere = span(timedelta(days=-2), timedelta(days=-2, hours=2))  # as long, next day
    for outside in (early, late, elsewhere):
        with pytest.raises(Implausible) as refused:
            check_inside_activity(outside, ACTIVITY, ZONE)
        assert str(refused.value) == (
            "activity window: a record for this activity lies inside its time, "
            "2026-11-28 10:00–2026-11-28 13:00"
        )


def test_attendance_is_clipped_to_the_window_not_refused() -> None:
    arrived = ACTIVITY.start - timedelta(minutes=40)  # check-in opens before the start
    left = ACTIVITY.end + timedelta(minutes=20)
    assert credited_presence(arrived, left, ACTIVITY) == ACTIVITY
    inside = credited_presence(ACTIVITY.start + timedelta(hours=1), left, ACTIVITY)
    assert inside == Interval(ACTIVITY.start + timedelta(hours=1), ACTIVITY.end)
    # Came and went before it began: nothing is service.
    assert credited_presence(arrived, ACTIVITY.start, ACTIVITY) is None


def test_check_record_applies_every_rule_to_a_new_record() -> None:
    def check(new: Interval, activity: Interval | None = None) -> None:
        check_record(
            new,
            [],
            daily_cap_hours=8,
            zone=ZONE,
            now=NOW,
            backfill_days=90,
            clock_skew=SKEW,
            activity=activity,
        )

    check(span(timedelta(days=-3, hours=1), timedelta(days=-3, hours=2)), ACTIVITY)
    with pytest.raises(Implausible, match=r"^no future hours"):
        check(span(timedelta(hours=1), timedelta(hours=2)))
    with pytest.raises(Implausible, match=r"^backfill window"):
        check(span(timedelta(days=-100), timedelta(days=-100, hours=2)))
    with pytest.raises(Implausible, match=r"^activity window"):
        check(span(timedelta(days=-3, hours=1), timedelta(days=-3, hours=4)), ACTIVITY)
    with pytest.raises(Implausible, match=r"^the service must end after it starts"):
        check(span(timedelta(hours=-1), timedelta(hours=-2)))


# -- four eyes --------------------------------------------------------------------------

WORKER, CHECKER, LEADER = "acct-worker", "acct-checker", "acct-leader"


def test_a_second_person_confirms_what_another_recorded() -> None:
    check_confirmer(Actor(CHECKER), recorded_by=WORKER, volunteer_account="acct-v1")
    check_confirmer(Actor(CHECKER), recorded_by=WORKER, volunteer_account=None)


def test_whoever_recorded_hours_cannot_confirm_them() -> None:
    with pytest.raises(SecondPersonNeeded) as refused:
        check_confirmer(Actor(WORKER), recorded_by=WORKER, volunteer_account="acct-v1")
    assert str(refused.value) == (
        "four eyes: whoever recorded these hours cannot confirm them; another "
        "organiser of the community or a district admin confirms them"
    )


def test_a_district_admin_may_confirm_what_they_recorded() -> None:
    office = Actor("acct-office", district_admin=True)
    check_confirmer(office, recorded_by="acct-office", volunteer_account="acct-v1")


def test_nobody_confirms_their_own_hours_not_a_leader_nor_a_district_admin() -> None:
    for actor, recorded_by in (
        (Actor(LEADER), WORKER),  # a leader's hours, recorded by the worker
        (Actor(LEADER), ATTENDANCE),  # a leader's own check-out
        (Actor(LEADER, district_admin=True), LEADER),
    ):
        with pytest.raises(SecondPersonNeeded) as refused:
            check_confirmer(actor, recorded_by=recorded_by, volunteer_account=LEADER)
        assert str(refused.value).startswith("four eyes: nobody confirms their own hours")


def test_a_check_out_record_may_be_confirmed_by_the_organiser_who_ran_it() -> None:
    check_confirmer(Actor(LEADER), recorded_by=ATTENDANCE, volunteer_account="acct-v1")


def test_may_confirm_says_what_check_confirmer_would() -> None:
    assert may_confirm(Actor(CHECKER), recorded_by=WORKER, volunteer_account=None)
    assert not may_confirm(Actor(WORKER), recorded_by=WORKER, volunteer_account=None)
    assert may_confirm(
        Actor(WORKER, district_admin=True), recorded_by=WORKER, volunteer_account=None
    )
    assert not may_confirm(
        Actor(WORKER, district_admin=True), recorded_by=WORKER, volunteer_account=WORKER
    )


def test_the_district_settings_give_the_rules_a_90_day_window_and_5_minutes_leeway() -> None:
    rules = rules_of(Settings(_env_file=None))
    assert (rules.backfill_days, rules.clock_skew) == (90, timedelta(minutes=5))
    changed = rules_of(Settings(_env_file=None, backfill_days=30, clock_skew_seconds=60))
    assert (changed.backfill_days, changed.clock_skew) == (30, timedelta(minutes=1))
