"""Whether a volunteer may sign up for an activity, cancel, or take a place offered.

Plain rules over plain data: the service module (`activities/signups.py`) loads the
activity (under its lock), the volunteer and their sign-up, asks these rules, then
stages the change and its events. A refusal is the Conflict the API answers with.

Signing up is refused, in this order, when:

- the activity is not published (a draft, cancelled or completed);
- its sign-up deadline has passed;
- the volunteer is not registered (applied, suspended, withdrawn, ...);
- the activity is for one community's volunteers and they are another's, or for one
  team's members and they are not one;
- they are already signed up (confirmed, waitlisted or offered a place; a cancelled
  sign-up may sign up again).

Otherwise they take a place while the places held are fewer than the capacity, else
the next place on the waitlist. A sign-up may be cancelled until its volunteer has
checked in, unless it has already ended (cancelled, or a no-show).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from activities import messages
from shared.errors import Conflict


class ActivityStatus(StrEnum):
    """Where an activity is in its life."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class Scope(StrEnum):
    """Who may sign up."""

    COMMUNITY = "community"  # the community's volunteers
    DISTRICT = "district"  # any volunteer of the district
    TEAM = "team"  # one team's members


class SignUpStatus(StrEnum):
    """A sign-up's state."""

    CONFIRMED = "confirmed"  # has a place
    WAITLISTED = "waitlisted"
    OFFERED = "offered"  # a place is held for them until offered_until
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


# The sign-ups that count against the capacity.
HOLDS_A_PLACE = (SignUpStatus.CONFIRMED, SignUpStatus.OFFERED)
# A sign-up in these states is over: it cannot be cancelled again.
ENDED = (SignUpStatus.CANCELLED, SignUpStatus.NO_SHOW)
# The registry's volunteer status that may sign up.
REGISTERED = "registered"


@dataclass(frozen=True)
class Opening:
    """What the rules read of an activity: its state, deadline and audience."""

    status: ActivityStatus
    signup_deadline: datetime
    scope: Scope
    community_id: str


@dataclass(frozen=True)
class Applicant:
    """What the rules read of a volunteer: their registry status, their community, and
    whether they are a member of the activity's team (only read for a team activity)."""

    status: str
    community_id: str
    in_team: bool = False


def check_eligible(activity: Opening, volunteer: Applicant) -> None:
    """Raise unless the volunteer's status and the activity's audience let them sign up."""
    if volunteer.status != REGISTERED:
        raise Conflict(
            messages.VOLUNTEER_MAY_NOT_SIGN_UP, status=messages.standing(volunteer.status)
        )
    if activity.scope == Scope.COMMUNITY and volunteer.community_id != activity.community_id:
        raise Conflict(messages.OWN_COMMUNITY_ONLY)
    if activity.scope == Scope.TEAM and not volunteer.in_team:
        raise Conflict(messages.OWN_TEAM_ONLY)


def check_sign_up(
    activity: Opening,
    volunteer: Applicant,
    *,
    existing: SignUpStatus | None,
    now: datetime,
) -> None:
    """Raise unless the volunteer may sign up now; `existing` is the state of their
    earlier sign-up for the activity (None: they have none)."""
    if activity.status != ActivityStatus.PUBLISHED:
        raise Conflict(messages.SIGN_UP_CLOSED, status=messages.ACTIVITY_STATUS[activity.status])
    if now > activity.signup_deadline:
        raise Conflict(messages.SIGN_UP_DEADLINE_PASSED)
    check_eligible(activity, volunteer)
    if existing is not None and existing != SignUpStatus.CANCELLED:
        raise Conflict(messages.ALREADY_SIGNED_UP, status=messages.SIGN_UP_STATUS[existing])


def takes_a_place(*, capacity: int, places_held: int) -> bool:
    """Whether a new sign-up takes a place (True) or goes on the waitlist (False)."""
    return places_held < capacity


def next_waitlist_position(last: int | None) -> int:
    """The position after the last one given on the activity's waitlist (None: none yet)."""
    return (last or 0) + 1


def check_cancel(status: SignUpStatus, *, checked_in: bool) -> None:
    """Raise unless a sign-up in `status` may be cancelled: not ended, not checked in."""
    if status in ENDED:
        raise Conflict(messages.SIGN_UP_ALREADY_ENDED, status=messages.SIGN_UP_STATUS[status])
    if checked_in:
        raise Conflict(messages.CHECKED_IN_CANNOT_CANCEL)


def check_take_offer(
    status: SignUpStatus, *, offered_until: datetime | None, now: datetime
) -> None:
    """Raise unless the place offered may be taken now: one is offered, and in time."""
    if status != SignUpStatus.OFFERED:
        raise Conflict(messages.NO_PLACE_OFFERED, status=messages.SIGN_UP_STATUS[status])
    if offered_until is not None and now > offered_until:
        raise Conflict(messages.OFFER_LAPSED)
