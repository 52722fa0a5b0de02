"""When a volunteer may check in and out, and a forgotten check-out be settled: no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from activities import messages
from activities.domain.attendance import (
    check_check_in_open,
    check_check_out,
    check_has_place,
    check_not_checked_in,
    check_resolve,
)
from activities.domain.signups import ActivityStatus, SignUpStatus
from shared.errors import Conflict
from shared.messages import Message

STARTS = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=3)
OPENS_BEFORE = timedelta(minutes=30)


def check_in_at(now: datetime, status: ActivityStatus = ActivityStatus.PUBLISHED) -> None:
    check_check_in_open(status, starts_at=STARTS, ends_at=ENDS, opens_before=OPENS_BEFORE, now=now)


def refusal(message: Message, check: object, *args: object, **kwargs: object) -> Conflict:
    with pytest.raises(Conflict) as raised:
        check(*args, **kwargs)  # type: ignore[operator]
    assert raised.value.code == message.code
    assert raised.value.status_code == 409
    return raised.value


@pytest.mark.parametrize("now", [STARTS - OPENS_BEFORE, STARTS, STARTS + timedelta(hours=1), ENDS])
def test_check_in_is_open_from_its_window_to_the_end(now: datetime) -> None:
    check_in_at(now)


def test_check_in_before_its_window_says_how_early_it_opens() -> None:
    refused = refusal(
        messages.CHECK_IN_NOT_OPEN_YET, check_in_at, STARTS - OPENS_BEFORE - timedelta(seconds=1)
    )
    assert refused.params == {"minutes": 30}


def test_the_window_is_named_in_whole_minutes() -> None:
    with pytest.raises(Conflict) as raised:
        check_check_in_open(
            ActivityStatus.PUBLISHED,
            starts_at=STARTS,
            ends_at=ENDS,
            opens_before=timedelta(minutes=15, seconds=40),
            now=STARTS - timedelta(hours=1),
        )
    assert raised.value.params == {"minutes": 15}


def test_check_in_after_the_end_is_refused() -> None:
    refusal(messages.ACTIVITY_ENDED, check_in_at, ENDS + timedelta(seconds=1))


@pytest.mark.parametrize(
    "status", [ActivityStatus.DRAFT, ActivityStatus.CANCELLED, ActivityStatus.COMPLETED]
)
def test_only_a_published_activity_takes_check_ins(status: ActivityStatus) -> None:
    refused = refusal(messages.ACTIVITY_NOT_OPEN, check_in_at, STARTS, status)
    assert refused.params == {"status": messages.ACTIVITY_STATUS[status]}


def test_a_confirmed_place_is_checked_in() -> None:
    check_has_place(SignUpStatus.CONFIRMED)


@pytest.mark.parametrize(
    "status",
    [None, SignUpStatus.WAITLISTED, SignUpStatus.OFFERED, SignUpStatus.CANCELLED],
)
def test_without_a_confirmed_place_nobody_checks_in(status: SignUpStatus | None) -> None:
    refusal(messages.NO_CONFIRMED_PLACE, check_has_place, status)


def test_a_volunteer_checks_in_once() -> None:
    check_not_checked_in(checked_in=False)
    refusal(messages.ALREADY_CHECKED_IN, check_not_checked_in, checked_in=True)


def test_a_volunteer_checked_in_checks_out_once() -> None:
    check_check_out(checked_in=True, checked_out=False)
    refusal(messages.ALREADY_CHECKED_OUT, check_check_out, checked_in=True, checked_out=True)


def test_nobody_checks_out_without_checking_in() -> None:
    refusal(messages.NOT_CHECKED_IN, check_check_out, checked_in=False, checked_out=False)


def test_a_flagged_check_out_is_settled() -> None:
    check_resolve(needs_review=True, checked_in=True)


def test_only_a_flagged_check_out_is_settled() -> None:
    refusal(messages.NO_CHECK_OUT_TO_RESOLVE, check_resolve, needs_review=False, checked_in=True)


def test_a_volunteer_who_never_checked_in_has_no_check_out_to_settle() -> None:
    refusal(messages.NEVER_CHECKED_IN, check_resolve, needs_review=True, checked_in=False)
