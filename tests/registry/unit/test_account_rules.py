"""Who manages which account, what a change comes to, how logins slow down: no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from registry.domain.accounts import (
    Forbidden,
    Standing,
    Throttle,
    changed_standing,
    check_may_manage,
)
from shared.auth import Role
from shared.errors import Conflict, NotFound

DISTRICT = Standing("da", Role.DISTRICT_ADMIN, None)
ADMIN = Standing("ca", Role.COMMUNITY_ADMIN, "c1")
LEADER = Standing("tl", Role.TEAM_LEADER, "c1")


def test_nobody_changes_their_own_account() -> None:
    with pytest.raises(Conflict):
        check_may_manage(DISTRICT, DISTRICT)
    with pytest.raises(Conflict):
        check_may_manage(ADMIN, ADMIN)


@pytest.mark.parametrize("role", [Role.DISTRICT_ADMIN, Role.COMMUNITY_ADMIN])
def test_a_community_admin_leaves_administrators_alone(role: Role) -> None:
    with pytest.raises(Forbidden):
        check_may_manage(ADMIN, Standing("x", role, "c1"))
    check_may_manage(DISTRICT, Standing("x", role, "c1"))


def test_only_administrators_manage_accounts() -> None:
    with pytest.raises(Forbidden):
        check_may_manage(LEADER, Standing("re", Role.RESIDENT, "c1"))


@pytest.mark.parametrize("role", [Role.DISTRICT_ADMIN, Role.COMMUNITY_ADMIN])
def test_a_community_admin_raises_nobody_to_an_administrator(role: Role) -> None:
    with pytest.raises(Forbidden):
        changed_standing(ADMIN, LEADER, role, None)


def test_a_community_admin_keeps_to_their_community() -> None:
    with pytest.raises(NotFound):
        changed_standing(ADMIN, LEADER, None, "c2")
    assert changed_standing(ADMIN, LEADER, Role.VOLUNTEER, None) == Standing(
        "tl", Role.VOLUNTEER, "c1"
    )


def test_a_district_admin_has_no_community_and_the_others_one() -> None:
    raised = changed_standing(DISTRICT, LEADER, Role.DISTRICT_ADMIN, None)
    assert raised == Standing("tl", Role.DISTRICT_ADMIN, None)
    with pytest.raises(Conflict):  # lowered without naming a community
        changed_standing(DISTRICT, raised, Role.RESIDENT, None)
    assert changed_standing(DISTRICT, raised, Role.RESIDENT, "c2") == Standing(
        "tl", Role.RESIDENT, "c2"
    )
    assert changed_standing(DISTRICT, LEADER, None, "c2") == Standing("tl", Role.TEAM_LEADER, "c2")


def test_logins_lock_after_the_free_tries_doubling_up_to_the_cap() -> None:
    throttle = Throttle(free_failures=5, max_lock_seconds=900, address_free_failures=20)
    assert [throttle.lock_seconds(n) for n in (4, 5, 6, 7)] == [0, 2, 4, 8]
    assert throttle.lock_seconds(40) == 900
    assert throttle.lock_seconds(19, throttle.address_free_failures) == 0
    assert throttle.lock_seconds(20, throttle.address_free_failures) == 2


def test_an_address_forgets_its_failures_after_a_quiet_window() -> None:
    throttle = Throttle(address_window_seconds=900)
    last = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert throttle.address_failures(7, last, last + timedelta(seconds=900)) == 8
    assert throttle.address_failures(7, last, last + timedelta(seconds=901)) == 1
