"""The four ones' rules: which items are open, and whether it is time to remind."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from evaluation.domain.four_ones import FOUR, last_day_of_month, open_items, reminder_due

BEIJING = ZoneInfo("Asia/Shanghai")


def test_open_items_are_those_not_done_in_their_usual_order() -> None:
    assert open_items([]) == list(FOUR)
    assert open_items(["problem_solved", "good_deed", "good_deed"]) == [
        "public_welfare",
        "conversation",
    ]


def test_a_member_with_everything_done_has_nothing_open() -> None:
    assert open_items(reversed(FOUR)) == []


def test_the_last_day_of_each_kind_of_month() -> None:
    assert last_day_of_month(date(2026, 12, 1)) == date(2026, 12, 31)
    assert last_day_of_month(date(2026, 4, 30)) == date(2026, 4, 30)
    assert last_day_of_month(date(2026, 2, 10)) == date(2026, 2, 28)
    assert last_day_of_month(date(2028, 2, 29)) == date(2028, 2, 29)


def test_reminders_are_due_the_last_n_days_of_the_month_from_local_midnight() -> None:
    # 26 December 23:59 in Beijing: six days to go, not yet.
    assert reminder_due(datetime(2026, 12, 26, 15, 59, tzinfo=UTC), BEIJING, 5) is None
    # 27 December 00:00 in Beijing (16:00 UTC the day before): the last five days begin.
    assert reminder_due(datetime(2026, 12, 26, 16, 0, tzinfo=UTC), BEIJING, 5) == (
        "2026-12",
        date(2026, 12, 31),
    )


def test_the_last_day_is_due_and_the_next_month_in_the_district_is_not() -> None:
    last_evening = datetime(2026, 11, 30, 15, 59, tzinfo=UTC)  # 23:59 on 30 Nov in Beijing
    assert reminder_due(last_evening, BEIJING, 5) == ("2026-11", date(2026, 11, 30))
    # Still 30 November in UTC, already 1 December in Beijing: 31 days to go.
    assert reminder_due(datetime(2026, 11, 30, 16, 0, tzinfo=UTC), BEIJING, 5) is None


def test_the_month_is_the_districts_not_utcs() -> None:
    # 1 March 02:00 in Beijing is 28 February in UTC: February's reminders are over.
    assert reminder_due(datetime(2026, 2, 28, 18, tzinfo=UTC), BEIJING, 5) is None
    # In New York that moment is still 28 February, the month's last day.
    assert reminder_due(datetime(2026, 2, 28, 18, tzinfo=UTC), ZoneInfo("America/New_York"), 1) == (
        "2026-02",
        date(2026, 2, 28),
    )


@pytest.mark.parametrize(
    ("days", "first_due"), [(1, date(2026, 4, 30)), (5, date(2026, 4, 26)), (30, date(2026, 4, 1))]
)
def test_n_counts_the_days_left_including_the_last(days: int, first_due: date) -> None:
    due = [
        day
        for day in range(1, 31)
        if reminder_due(datetime(2026, 4, day, 12, tzinfo=BEIJING), BEIJING, days) is not None
    ]
    assert due == list(range(first_due.day, 31))


def test_zero_days_turns_the_reminder_off() -> None:
    assert reminder_due(datetime(2026, 4, 30, 12, tzinfo=BEIJING), BEIJING, 0) is None
