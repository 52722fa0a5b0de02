"""An activity's life: publish, change, call off, complete; no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from activities import messages
from activities.domain.lifecycle import (
    check_cancel_activity,
    check_capacity,
    check_change,
    check_complete,
    check_publish,
    forgot_to_check_out,
    is_no_show,
)
from activities.domain.signups import ActivityStatus, SignUpStatus
from shared.errors import Conflict, DomainError, Unprocessable
from shared.messages import Message

STARTS = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=2)
OVER = [ActivityStatus.CANCELLED, ActivityStatus.COMPLETED]
UPCOMING = [ActivityStatus.DRAFT, ActivityStatus.PUBLISHED]


def refusal(
    kind: type[DomainError], message: Message, check: object, *args: object, **kwargs: object
) -> DomainError:
    with pytest.raises(kind) as raised:
        check(*args, **kwargs)  # type: ignore[operator]
    assert raised.value.code == message.code
    return raised.value


def test_a_draft_is_published() -> None:
    check_publish(ActivityStatus.DRAFT)


@pytest.mark.parametrize("status", [ActivityStatus.PUBLISHED, *OVER])
def test_only_a_draft_is_published(status: ActivityStatus) -> None:
    refused = refusal(Conflict, messages.ONLY_A_DRAFT_IS_PUBLISHED, check_publish, status)
    assert refused.params == {"status": messages.ACTIVITY_STATUS[status]}


@pytest.mark.parametrize("status", UPCOMING)
def test_an_upcoming_activity_changes_and_may_be_called_off(status: ActivityStatus) -> None:
    check_change(status, starts_at=STARTS, ends_at=ENDS)
    check_cancel_activity(status)


@pytest.mark.parametrize("status", OVER)
def test_an_activity_over_does_not_change(status: ActivityStatus) -> None:
    refused = refusal(
        Conflict,
        messages.ACTIVITY_CANNOT_CHANGE,
        check_change,
        status,
        starts_at=STARTS,
        ends_at=ENDS,
    )
    assert refused.params == {"status": messages.ACTIVITY_STATUS[status]}


@pytest.mark.parametrize("ends", [STARTS, STARTS - timedelta(minutes=1)])
def test_a_change_keeps_the_end_after_the_start(ends: datetime) -> None:
    refused = refusal(
        Unprocessable,
        messages.ACTIVITY_ENDS_BEFORE_START,
        check_change,
        ActivityStatus.PUBLISHED,
        starts_at=STARTS,
        ends_at=ends,
    )
    assert refused.status_code == 422


def test_the_capacity_may_fall_to_the_places_held() -> None:
    check_capacity(3, places_held=3)
    check_capacity(4, places_held=3)


def test_the_capacity_does_not_fall_below_the_places_held() -> None:
    refused = refusal(
        Conflict, messages.CAPACITY_BELOW_PLACES_HELD, check_capacity, 2, places_held=3
    )
    assert refused.params == {"holding": 3}


@pytest.mark.parametrize("status", OVER)
def test_an_activity_over_is_not_called_off(status: ActivityStatus) -> None:
    refused = refusal(
        Conflict, messages.ACTIVITY_CANNOT_BE_CANCELLED, check_cancel_activity, status
    )
    assert refused.params == {"status": messages.ACTIVITY_STATUS[status]}


@pytest.mark.parametrize("now", [STARTS, ENDS + timedelta(days=1)])
def test_a_published_activity_completes_once_started(now: datetime) -> None:
    check_complete(ActivityStatus.PUBLISHED, starts_at=STARTS, now=now)


def test_an_activity_not_started_does_not_complete() -> None:
    refusal(
        Conflict,
        messages.ACTIVITY_NOT_STARTED,
        check_complete,
        ActivityStatus.PUBLISHED,
        starts_at=STARTS,
        now=STARTS - timedelta(seconds=1),
    )


@pytest.mark.parametrize("status", [ActivityStatus.DRAFT, *OVER])
def test_only_a_published_activity_completes(status: ActivityStatus) -> None:
    refused = refusal(
        Conflict,
        messages.ONLY_A_PUBLISHED_ACTIVITY_COMPLETES,
        check_complete,
        status,
        starts_at=STARTS,
        now=ENDS,
    )
    assert refused.params == {"status": messages.ACTIVITY_STATUS[status]}


def test_a_confirmed_volunteer_who_never_came_is_a_no_show() -> None:
    assert is_no_show(SignUpStatus.CONFIRMED, checked_in=False)
    assert not is_no_show(SignUpStatus.CONFIRMED, checked_in=True)
    assert not is_no_show(SignUpStatus.WAITLISTED, checked_in=False)
    assert not is_no_show(SignUpStatus.CANCELLED, checked_in=False)


def test_a_volunteer_still_checked_in_has_their_check_out_closed() -> None:
    assert forgot_to_check_out(checked_in=True, checked_out=False)
    assert not forgot_to_check_out(checked_in=True, checked_out=True)
    assert not forgot_to_check_out(checked_in=False, checked_out=False)
