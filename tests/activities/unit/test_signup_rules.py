"""Who may sign up, cancel, or take a place offered: the rules alone, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from activities import messages
from activities.domain.signups import (
    ActivityStatus,
    Applicant,
    Opening,
    Scope,
    SignUpStatus,
    check_cancel,
    check_eligible,
    check_sign_up,
    check_take_offer,
    next_waitlist_position,
    takes_a_place,
)
from shared.errors import Conflict
from shared.messages import Message

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
OPEN = Opening(
    status=ActivityStatus.PUBLISHED,
    signup_deadline=NOW + timedelta(hours=1),
    scope=Scope.COMMUNITY,
    community_id="c1",
)
NEIGHBOUR = Applicant(status="registered", community_id="c1")


def refused(message: Message, check: object, *args: object, **kwargs: object) -> Conflict:
    """The Conflict `check(*args, **kwargs)` raises, asserted to carry `message` (409)."""
    with pytest.raises(Conflict) as raised:
        check(*args, **kwargs)  # type: ignore[operator]
    assert raised.value.code == message.code
    assert raised.value.status_code == 409
    return raised.value


def sign_up(
    activity: Opening = OPEN,
    volunteer: Applicant = NEIGHBOUR,
    existing: SignUpStatus | None = None,
    now: datetime = NOW,
) -> None:
    check_sign_up(activity, volunteer, existing=existing, now=now)


# -- signing up ---------------------------------------------------------------------------


def test_a_registered_volunteer_of_the_community_signs_up_before_the_deadline() -> None:
    sign_up()


def test_the_deadline_itself_is_still_in_time() -> None:
    sign_up(now=OPEN.signup_deadline)


@pytest.mark.parametrize(
    "status", [ActivityStatus.DRAFT, ActivityStatus.CANCELLED, ActivityStatus.COMPLETED]
)
def test_only_a_published_activity_takes_sign_ups(status: ActivityStatus) -> None:
    refusal = refused(messages.SIGN_UP_CLOSED, sign_up, replace(OPEN, status=status))
    assert refusal.params == {"status": messages.ACTIVITY_STATUS[status]}


def test_after_the_deadline_nobody_signs_up() -> None:
    refused(
        messages.SIGN_UP_DEADLINE_PASSED,
        sign_up,
        now=OPEN.signup_deadline + timedelta(microseconds=1),
    )


def test_a_closed_activity_is_named_before_its_deadline() -> None:
    # Both refuse; the activity's state is what the person is told.
    refused(
        messages.SIGN_UP_CLOSED,
        sign_up,
        replace(OPEN, status=ActivityStatus.DRAFT),
        now=OPEN.signup_deadline + timedelta(days=1),
    )


@pytest.mark.parametrize("standing", ["applied", "suspended", "withdrawn", "rejected", "erased"])
def test_only_a_registered_volunteer_signs_up(standing: str) -> None:
    refusal = refused(
        messages.VOLUNTEER_MAY_NOT_SIGN_UP, sign_up, volunteer=replace(NEIGHBOUR, status=standing)
    )
    assert refusal.params == {"status": messages.standing(standing)}


def test_a_community_activity_refuses_another_community_s_volunteer() -> None:
    refused(messages.OWN_COMMUNITY_ONLY, sign_up, volunteer=replace(NEIGHBOUR, community_id="c2"))


def test_a_district_activity_takes_any_community_s_volunteer() -> None:
    sign_up(replace(OPEN, scope=Scope.DISTRICT), replace(NEIGHBOUR, community_id="c2"))


def test_a_team_activity_takes_its_members() -> None:
    sign_up(replace(OPEN, scope=Scope.TEAM), replace(NEIGHBOUR, in_team=True))


def test_a_team_activity_refuses_who_is_not_a_member() -> None:
    refused(messages.OWN_TEAM_ONLY, sign_up, replace(OPEN, scope=Scope.TEAM))


def test_the_volunteer_s_own_status_is_named_before_the_audience() -> None:
    refused(
        messages.VOLUNTEER_MAY_NOT_SIGN_UP,
        check_eligible,
        replace(OPEN, scope=Scope.TEAM),
        Applicant(status="suspended", community_id="c2"),
    )


@pytest.mark.parametrize(
    "existing", [SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED, SignUpStatus.OFFERED]
)
def test_nobody_signs_up_twice(existing: SignUpStatus) -> None:
    refusal = refused(messages.ALREADY_SIGNED_UP, sign_up, existing=existing)
    assert refusal.params == {"status": messages.SIGN_UP_STATUS[existing]}


def test_a_no_show_is_still_signed_up() -> None:
    refused(messages.ALREADY_SIGNED_UP, sign_up, existing=SignUpStatus.NO_SHOW)


def test_a_cancelled_sign_up_may_sign_up_again() -> None:
    sign_up(existing=SignUpStatus.CANCELLED)


# -- a place or the waitlist --------------------------------------------------------------


def test_a_sign_up_takes_a_place_while_one_is_free() -> None:
    assert takes_a_place(capacity=3, places_held=2)
    assert takes_a_place(capacity=1, places_held=0)


def test_a_full_activity_puts_the_sign_up_on_its_waitlist() -> None:
    assert not takes_a_place(capacity=3, places_held=3)
    assert not takes_a_place(capacity=2, places_held=3)  # the capacity was lowered


def test_the_waitlist_counts_on_from_its_last_position() -> None:
    assert next_waitlist_position(None) == 1
    assert next_waitlist_position(4) == 5


# -- cancelling ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED, SignUpStatus.OFFERED]
)
def test_a_sign_up_is_cancelled_until_check_in(status: SignUpStatus) -> None:
    check_cancel(status, checked_in=False)


@pytest.mark.parametrize("status", [SignUpStatus.CANCELLED, SignUpStatus.NO_SHOW])
def test_an_ended_sign_up_is_not_cancelled_again(status: SignUpStatus) -> None:
    refusal = refused(messages.SIGN_UP_ALREADY_ENDED, check_cancel, status, checked_in=False)
    assert refusal.params == {"status": messages.SIGN_UP_STATUS[status]}


def test_once_checked_in_a_sign_up_is_not_cancelled() -> None:
    refused(
        messages.CHECKED_IN_CANNOT_CANCEL, check_cancel, SignUpStatus.CONFIRMED, checked_in=True
    )


# -- taking a place offered ---------------------------------------------------------------


def test_a_place_offered_is_taken_in_time() -> None:
    check_take_offer(SignUpStatus.OFFERED, offered_until=NOW + timedelta(minutes=1), now=NOW)
    check_take_offer(SignUpStatus.OFFERED, offered_until=NOW, now=NOW)
    check_take_offer(SignUpStatus.OFFERED, offered_until=None, now=NOW)


def test_a_lapsed_offer_is_not_taken() -> None:
    refused(
        messages.OFFER_LAPSED,
        check_take_offer,
        SignUpStatus.OFFERED,
        offered_until=NOW - timedelta(microseconds=1),
        now=NOW,
    )


@pytest.mark.parametrize(
    "status",
    [
        SignUpStatus.CONFIRMED,
        SignUpStatus.WAITLISTED,
        SignUpStatus.CANCELLED,
        SignUpStatus.NO_SHOW,
    ],
)
def test_only_a_place_offered_is_taken(status: SignUpStatus) -> None:
    refusal = refused(
        messages.NO_PLACE_OFFERED, check_take_offer, status, offered_until=None, now=NOW
    )
    assert refusal.params == {"status": messages.SIGN_UP_STATUS[status]}
