"""Who manages which account, what a change comes to, how logins slow down: no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from registry import messages
from registry.domain.accounts import (
    Standing,
    Throttle,
    changed_standing,
    check_may_manage,
)
from shared import messages as common
from shared.auth import Role
from shared.errors import Conflict, Forbidden, NotFound
from shared.messages import Language

DISTRICT = Standing("da", Role.DISTRICT_ADMIN, None)
ADMIN = Standing("ca", Role.COMMUNITY_ADMIN, "c1")
LEADER = Standing("tl", Role.TEAM_LEADER, "c1")


def test_nobody_changes_their_own_account() -> None:
    # The message is the body of the 409 a person reads: the very one, not a look-alike.
    with pytest.raises(Conflict) as district:
        check_may_manage(DISTRICT, DISTRICT)
    assert district.value.message is messages.OWN_ACCOUNT
    with pytest.raises(Conflict) as community:
        check_may_manage(ADMIN, ADMIN)
    assert community.value.message is messages.OWN_ACCOUNT


@pytest.mark.parametrize("role", [Role.DISTRICT_ADMIN, Role.COMMUNITY_ADMIN])
def test_a_community_admin_leaves_administrators_alone(role: Role) -> None:
    with pytest.raises(Forbidden) as refused:
        check_may_manage(ADMIN, Standing("x", role, "c1"))
    assert refused.value.message is messages.ADMIN_ACCOUNT_IS_DISTRICTS
    check_may_manage(DISTRICT, Standing("x", role, "c1"))


@pytest.mark.parametrize("role", [Role.TEAM_LEADER, Role.VOLUNTEER, Role.RESIDENT])
def test_only_administrators_manage_accounts(role: Role) -> None:
    with pytest.raises(Forbidden) as refused:
        check_may_manage(Standing("me", role, "c1"), Standing("re", Role.RESIDENT, "c1"))
    assert refused.value.message is messages.ROLE_MAY_NOT_MANAGE_ACCOUNTS
    assert refused.value.params == {"role": common.ROLE_NAMES[role]}


@pytest.mark.parametrize("role", [Role.DISTRICT_ADMIN, Role.COMMUNITY_ADMIN])
def test_a_community_admin_raises_nobody_to_an_administrator(role: Role) -> None:
    with pytest.raises(Forbidden) as refused:
        changed_standing(ADMIN, LEADER, role, None)
    assert refused.value.message is messages.COMMUNITY_ADMIN_MAY_NOT_GRANT
    assert refused.value.params == {"role": common.ROLE_NAMES[role]}


def test_a_community_admin_keeps_to_their_community() -> None:
    with pytest.raises(NotFound) as unknown:
        changed_standing(ADMIN, LEADER, None, "c2")
    # Another community answers as an unknown one would.
    assert unknown.value.message is common.COMMUNITY_NOT_FOUND
    assert changed_standing(ADMIN, LEADER, Role.VOLUNTEER, None) == Standing(
        "tl", Role.VOLUNTEER, "c1"
    )


def test_a_district_admin_has_no_community_and_the_others_one() -> None:
    raised = changed_standing(DISTRICT, LEADER, Role.DISTRICT_ADMIN, None)
    assert raised == Standing("tl", Role.DISTRICT_ADMIN, None)
    with pytest.raises(Conflict) as lowered:  # lowered without naming a community
        changed_standing(DISTRICT, raised, Role.RESIDENT, None)
    refusal = lowered.value
    assert refusal.message is messages.ACCOUNT_HAS_NO_COMMUNITY
    assert refusal.message.render(Language.EN, refusal.params) == (
        "this account has no community (a district admin's): a resident "
        "account needs one, give community_id"
    )
    assert refusal.message.render(Language.ZH, refusal.params) == (
        "该账号（区级管理员）没有社区：改为居民须同时给出 community_id"
    )
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
