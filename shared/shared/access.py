"""Who may see and do what, checked the same way in every service.

Two rules hold everywhere: another community's data answers as if it did not exist (404,
checked before anything else, so a refusal never confirms that it exists), and a role
that may not act gets 403. A district admin sees and acts in every community.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from shared import messages
from shared.auth import Principal, Role, role_forbidden
from shared.errors import NotFound
from shared.messages import Message


class InCommunity(Protocol):
    """Anything that belongs to one community."""

    @property
    def community_id(self) -> str | None: ...


Thing = TypeVar("Thing", bound=InCommunity)


def authorize(principal: Principal, community_id: str | None, *roles: Role) -> None:
    """404 when `community_id` is not the caller's; 403 unless their role is one of
    `roles` (a district admin always may)."""
    if not principal.can_access_community(community_id):
        raise NotFound(messages.NOT_FOUND)
    require_role(principal, *roles)


def require_role(principal: Principal, *roles: Role) -> None:
    """403 unless the caller's role is one of `roles` (a district admin always may)."""
    if principal.role is not Role.DISTRICT_ADMIN and principal.role not in roles:
        raise role_forbidden(principal)


def visible(
    principal: Principal, thing: Thing | None, not_found: Message = messages.NOT_FOUND
) -> Thing:
    """`thing`, when it exists and is in a community the caller sees; 404 otherwise."""
    if thing is None or not principal.can_access_community(thing.community_id):
        raise NotFound(not_found)
    return thing


def list_scope(principal: Principal, community_id: str | None) -> str | None:
    """The community a list keeps to: the one asked for, which must be the caller's
    (another answers 404), or the caller's own; None (the whole district) for a district
    admin who names none."""
    if community_id is not None and not principal.can_access_community(community_id):
        raise NotFound(messages.COMMUNITY_NOT_FOUND)
    return community_id if principal.is_district_wide else principal.community
