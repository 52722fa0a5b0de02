"""The waitlist policy: a freed place offered to confirm by a deadline, or taken at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from activities.domain.waitlist import Move, WaitlistPolicy, fill_free_places

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
STARTS = NOW + timedelta(days=1)
WINDOW = timedelta(hours=2)
WAITING = ["s1", "s2", "s3"]


def _fill(policy: WaitlistPolicy, **changes: object) -> list[Move]:
    arguments: dict[str, object] = {
        "capacity": 5,
        "holding": 4,
        "waiting": WAITING,
        "starts_at": STARTS,
        "now": NOW,
        "offer_window": WINDOW,
        **changes,
    }
    return fill_free_places(policy, **arguments)  # type: ignore[arg-type]


def test_promote_gives_the_free_place_to_the_first_waiting_at_once() -> None:
    assert _fill(WaitlistPolicy.PROMOTE) == [Move("s1", promoted=True)]


def test_offer_holds_the_free_place_for_the_first_waiting_until_the_window_ends() -> None:
    assert _fill(WaitlistPolicy.OFFER) == [Move("s1", promoted=False, confirm_by=NOW + WINDOW)]


def test_an_offer_never_runs_past_the_start() -> None:
    soon = NOW + timedelta(minutes=30)
    assert _fill(WaitlistPolicy.OFFER, starts_at=soon) == [
        Move("s1", promoted=False, confirm_by=soon)
    ]


@pytest.mark.parametrize("policy", list(WaitlistPolicy))
def test_each_free_place_goes_to_the_next_in_order_and_no_more(policy: WaitlistPolicy) -> None:
    moves = _fill(policy, capacity=6, holding=4)
    assert [m.signup_id for m in moves] == ["s1", "s2"]
    everyone = _fill(policy, capacity=10, holding=4)
    assert [m.signup_id for m in everyone] == WAITING


@pytest.mark.parametrize("policy", list(WaitlistPolicy))
@pytest.mark.parametrize(
    "changes",
    [
        {"holding": 5},  # full
        {"holding": 6},  # over (capacity lowered below an offer cannot happen, but holds)
        {"waiting": []},
        {"starts_at": NOW},  # started: the place stays free
        {"starts_at": NOW - timedelta(hours=1)},
    ],
)
def test_nothing_moves_without_a_free_place_someone_waiting_or_time(
    policy: WaitlistPolicy, changes: dict[str, object]
) -> None:
    assert _fill(policy, **changes) == []
