"""Events published by the registry service (stream `registry.events`).

They carry ids and the facts other services need, never contact or identity data:
no national ID, no phone, no birth date, and a volunteer's name only sealed under a
key that erasure destroys (docs/decisions/0011).
"""

from __future__ import annotations

from datetime import date

from shared.contracts.base import EventPayload


class CommunityCreated(EventPayload):
    """A community (社区) was set up under a street of the district."""

    event_type = "org.linli.registry.community_created.v1"

    community_id: str
    name: str
    street_id: str | None = None
    street_name: str | None = None


class CommunityUpdated(EventPayload):
    """A community's name or street changed; carries the whole current state."""

    event_type = "org.linli.registry.community_updated.v1"

    community_id: str
    name: str
    street_id: str | None = None
    street_name: str | None = None


class StreetCreated(EventPayload):
    """A street (街道) of the district was set up."""

    event_type = "org.linli.registry.street_created.v1"

    street_id: str
    name: str


class MemberUnitAdded(EventPayload):
    """A member unit (共建单位) joined a community's volunteer network."""

    event_type = "org.linli.registry.member_unit_added.v1"

    member_unit_id: str
    community_id: str
    name: str
    kind: str


class ServiceAreaAdded(EventPayload):
    """A community's catalogue of service areas gained an area."""

    event_type = "org.linli.registry.service_area_added.v1"

    service_area_id: str
    community_id: str
    code: str
    name: str


class TeamCreated(EventPayload):
    """A volunteer team (志愿者队伍) was formed for a service area."""

    event_type = "org.linli.registry.team_created.v1"

    team_id: str
    community_id: str
    name: str
    service_area_code: str
    leader_volunteer_id: str | None = None


class TeamLeaderAssigned(EventPayload):
    """A team got a new leader (队长)."""

    event_type = "org.linli.registry.team_leader_assigned.v1"

    team_id: str
    community_id: str
    leader_volunteer_id: str


class TeamMemberJoined(EventPayload):
    """A volunteer joined a team."""

    event_type = "org.linli.registry.team_member_joined.v1"

    team_id: str
    community_id: str
    volunteer_id: str


class TeamMemberLeft(EventPayload):
    """A volunteer left a team."""

    event_type = "org.linli.registry.team_member_left.v1"

    team_id: str
    community_id: str
    volunteer_id: str


class VolunteerApplied(EventPayload):
    """A person applied to volunteer in a community."""

    event_type = "org.linli.registry.volunteer_applied.v1"

    volunteer_id: str
    community_id: str
    service_area_codes: list[str]
    self_service: bool


class VolunteerRejected(EventPayload):
    """An application was rejected by the community."""

    event_type = "org.linli.registry.volunteer_rejected.v1"

    volunteer_id: str
    community_id: str
    reason: str
    account_id: str | None = None  # the applicant's own account, to tell them


class VolunteerRegistered(EventPayload):
    """An application was approved: the volunteer has a number and may serve."""

    event_type = "org.linli.registry.volunteer_registered.v1"

    volunteer_id: str
    volunteer_number: str
    community_id: str
    service_area_codes: list[str]
    party_member: bool
    category: str
    account_id: str | None = None
    registered_on: date
    # The one piece of personal data in events: certificates and honour rolls print it.
    # Consumers must forget it on volunteer_erased (docs/decisions/0005). No longer
    # filled in plain: the name travels in `sealed_display_name` (decision 0011).
    display_name: str | None = None
    # The name sealed under the volunteer's own key (shared.events.shredding), which the
    # registry destroys on erasure; None when it could not be sealed.
    sealed_display_name: str | None = None
    # The national ID only masked (first 3 and last 4 characters, e.g.
    # 110***********1234), never the number: the certificate prints it.
    national_id_masked: str | None = None


class VolunteerProfileChanged(EventPayload):
    """The non-personal fields of a volunteer changed; carries their current values."""

    event_type = "org.linli.registry.volunteer_profile_changed.v1"

    volunteer_id: str
    community_id: str
    service_area_codes: list[str]
    party_member: bool
    category: str


class VolunteerSuspended(EventPayload):
    """A volunteer was suspended and may not serve until reinstated."""

    event_type = "org.linli.registry.volunteer_suspended.v1"

    volunteer_id: str
    community_id: str
    reason: str


class VolunteerReinstated(EventPayload):
    """A suspended volunteer may serve again, or one who had withdrawn came back (with
    the same number and their history): either way they are registered again."""

    event_type = "org.linli.registry.volunteer_reinstated.v1"

    volunteer_id: str
    community_id: str
    # True when they came back after withdrawing, rather than after a suspension.
    returned: bool = False


class VolunteerWithdrawn(EventPayload):
    """A volunteer left the volunteer service for good."""

    event_type = "org.linli.registry.volunteer_withdrawn.v1"

    volunteer_id: str
    community_id: str
    reason: str


class VolunteerErased(EventPayload):
    """A volunteer's personal data was erased on request; number and hours stay, anonymous."""

    event_type = "org.linli.registry.volunteer_erased.v1"

    volunteer_id: str
    community_id: str
    # The person's account, so that a service that never learnt the registration (an
    # applicant erased before approval) still forgets what the account left with it.
    account_id: str | None = None


class AccountChanged(EventPayload):
    """An account's role, community or standing changed; carries its current state.

    Tokens already issued keep their claims until they expire (minutes); a disabled
    account gets no new ones, so a service that keeps accounts may stop writing to it.
    """

    event_type = "org.linli.registry.account_changed.v1"

    account_id: str
    role: str
    community_id: str | None = None
    disabled: bool


class VolunteerTransferred(EventPayload):
    """A volunteer moved to another community, keeping their id, number and history.

    From now on their new service is the new community's; what they did before stays
    with the community it was done in. Team memberships of the old community ended
    (each with its own `team_member_left`); the service areas are the new community's.
    """

    event_type = "org.linli.registry.volunteer_transferred.v1"

    volunteer_id: str
    volunteer_number: str
    from_community_id: str
    to_community_id: str
    service_area_codes: list[str]
    account_id: str | None = None
