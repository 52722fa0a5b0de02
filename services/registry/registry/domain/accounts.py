"""Who may manage which account, what a change of role or community comes to, and how
failed logins slow down: plain rules over plain data, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from registry import messages
from shared import messages as common
from shared.auth import Role
from shared.errors import Conflict, Forbidden, NotFound

# Roles a community admin may give; an administrator's account is the district's to change.
COMMUNITY_GRANTS = frozenset({Role.TEAM_LEADER, Role.VOLUNTEER, Role.RESIDENT})


@dataclass(frozen=True)
class Standing:
    """An account as these rules see it: who, with which role, of which community."""

    account_id: str
    role: Role
    community_id: str | None


def check_may_manage(actor: Standing, target: Standing) -> None:
    """Refuse unless `actor` may change `target` (the target is one the actor can see).

    Nobody changes their own account here: an admin could lock themself out, or raise
    themself. A community admin changes only team leaders, volunteers and residents.
    """
    if target.account_id == actor.account_id:
        raise Conflict(messages.OWN_ACCOUNT)
    if actor.role is Role.DISTRICT_ADMIN:
        return
    if actor.role is not Role.COMMUNITY_ADMIN:
        raise Forbidden(messages.ROLE_MAY_NOT_MANAGE_ACCOUNTS, role=common.ROLE_NAMES[actor.role])
    if target.role not in COMMUNITY_GRANTS:
        raise Forbidden(messages.ADMIN_ACCOUNT_IS_DISTRICTS)


def changed_standing(
    actor: Standing, target: Standing, role: Role | None, community_id: str | None
) -> Standing:
    """The target's role and community after the change asked for (None: keep it).

    A district admin belongs to no community, every other role to one. A community
    admin keeps to their own community and raises nobody to an administrator; the
    community they name answers as unknown when it is not theirs.
    """
    check_may_manage(actor, target)
    new_role = role or target.role
    new_community = None if new_role.is_district_wide else community_id or target.community_id
    if not new_role.is_district_wide and new_community is None:
        raise Conflict(messages.ACCOUNT_HAS_NO_COMMUNITY, role=common.ROLE_NAMES[new_role])
    if actor.role is Role.COMMUNITY_ADMIN:
        if new_role not in COMMUNITY_GRANTS:
            raise Forbidden(
                messages.COMMUNITY_ADMIN_MAY_NOT_GRANT, role=common.ROLE_NAMES[new_role]
            )
        if new_community != actor.community_id:
            raise NotFound(common.COMMUNITY_NOT_FOUND)
    return Standing(target.account_id, new_role, new_community)


@dataclass(frozen=True)
class Throttle:
    """How failed logins slow down: free tries, then a lock doubling up to a cap.

    Counted per username and per client address. An address has more free tries (a
    community office logs many people in from one address) and forgets its failures
    after `address_window_seconds` without one, since a success never clears it.
    """

    free_failures: int = 5
    max_lock_seconds: int = 900
    address_free_failures: int = 20
    address_window_seconds: int = 900

    def lock_seconds(self, failures: int, free_failures: int | None = None) -> int:
        """How long to refuse logins after `failures` consecutive failures."""
        free = self.free_failures if free_failures is None else free_failures
        if failures < free:
            return 0
        return int(min(2 ** (failures - free + 1), self.max_lock_seconds))

    def address_failures(self, failures: int, last_failure_at: datetime, now: datetime) -> int:
        """An address's count once one more failure happens at `now`."""
        if last_failure_at + timedelta(seconds=self.address_window_seconds) < now:
            return 1
        return failures + 1
