"""Who may manage which account, what a change of role or community comes to, and how
failed logins slow down: plain rules over plain data, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.auth import Role
from shared.errors import Conflict, DomainError, NotFound

# Roles a community admin may give; an administrator's account is the district's to change.
COMMUNITY_GRANTS = frozenset({Role.TEAM_LEADER, Role.VOLUNTEER, Role.RESIDENT})


class Forbidden(DomainError):
    """The caller's role may not do this to this account."""

    status_code = 403


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
        raise Conflict("you cannot change your own account this way; ask another administrator")
    if actor.role is Role.DISTRICT_ADMIN:
        return
    if actor.role is not Role.COMMUNITY_ADMIN:
        raise Forbidden(f"role {actor.role} may not manage accounts")
    if target.role not in COMMUNITY_GRANTS:
        raise Forbidden("a community admin may not change an administrator's account")


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
        raise Conflict(
            f"this account has no community (a district admin's): a {new_role.value} "
            "account needs one, give community_id"
        )
    if actor.role is Role.COMMUNITY_ADMIN:
        if new_role not in COMMUNITY_GRANTS:
            raise Forbidden(f"a community admin may not make anyone a {new_role.value}")
        if new_community != actor.community_id:
            raise NotFound(f"community {new_community} not found")
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
