"""Events published by the activities service (stream `activities.events`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.contracts.base import EventPayload


class ActivityPublished(EventPayload):
    """An activity opened for sign-up."""

    event_type = "org.linli.activities.activity_published.v1"

    activity_id: str
    community_id: str
    title: str
    kind: str
    service_area_code: str
    scope: str
    team_id: str | None = None
    starts_at: datetime
    ends_at: datetime
    capacity: int
    series_id: str | None = None
    # How a freed place goes to the waitlist: offer (to confirm by a deadline) or promote.
    waitlist_policy: str = "offer"


class ActivityChanged(EventPayload):
    """A published activity's time, place or capacity changed."""

    event_type = "org.linli.activities.activity_changed.v1"

    activity_id: str
    community_id: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    place: str
    waitlist_policy: str = "offer"


class ActivityCancelled(EventPayload):
    """An activity was called off."""

    event_type = "org.linli.activities.activity_cancelled.v1"

    activity_id: str
    community_id: str
    reason: str


class ActivityCompleted(EventPayload):
    """An activity took place and was closed."""

    event_type = "org.linli.activities.activity_completed.v1"

    activity_id: str
    community_id: str


class SignedUp(EventPayload):
    """A volunteer got a place in an activity."""

    event_type = "org.linli.activities.signed_up.v1"

    activity_id: str
    community_id: str
    volunteer_id: str


class Waitlisted(EventPayload):
    """A volunteer joined a full activity's waitlist."""

    event_type = "org.linli.activities.waitlisted.v1"

    activity_id: str
    community_id: str
    volunteer_id: str
    position: int


class PlaceOffered(EventPayload):
    """A place freed and was offered to the next on the waitlist, to confirm in time."""

    event_type = "org.linli.activities.place_offered.v1"

    activity_id: str
    community_id: str
    volunteer_id: str
    confirm_by: datetime


class Promoted(EventPayload):
    """A waitlisted volunteer got a place: they confirmed the place offered, or (an
    activity whose waitlist policy is `promote`) it was theirs the moment it freed."""

    event_type = "org.linli.activities.promoted.v1"

    activity_id: str
    community_id: str
    volunteer_id: str
    automatically: bool = False


class SignUpCancelled(EventPayload):
    """A sign-up ended: by the volunteer, an organiser, a suspension or a lapsed offer."""

    event_type = "org.linli.activities.sign_up_cancelled.v1"

    activity_id: str
    community_id: str
    volunteer_id: str
    reason: str


class CheckedIn(EventPayload):
    """A volunteer arrived at an activity."""

    event_type = "org.linli.activities.checked_in.v1"

    activity_id: str
    community_id: str
    volunteer_id: str
    at: datetime


class CheckedOut(EventPayload):
    """A volunteer left an activity; `closed_automatically` when the check-out was forgotten."""

    event_type = "org.linli.activities.checked_out.v1"

    activity_id: str
    community_id: str
    volunteer_id: str
    at: datetime
    closed_automatically: bool = False


class CheckOutResolved(EventPayload):
    """An organiser settled a check-out the volunteer forgot (closed at the activity's end
    and flagged): the real time was given (`checked_out_at`), or the attendance does not
    count. The record it changed is announced by its own service_* events."""

    event_type = "org.linli.activities.check_out_resolved.v1"

    activity_id: str
    community_id: str
    volunteer_id: str
    sign_up_id: str
    counted: bool
    checked_out_at: datetime | None = None
    record_id: str | None = Field(default=None, description="the record that now counts, if any")


class NoShow(EventPayload):
    """A signed-up volunteer did not come."""

    event_type = "org.linli.activities.no_show.v1"

    activity_id: str
    community_id: str
    volunteer_id: str


class ServiceRecorded(EventPayload):
    """A service record entered the ledger, pending confirmation."""

    event_type = "org.linli.activities.service_recorded.v1"

    record_id: str
    volunteer_id: str
    community_id: str
    activity_id: str | None = None
    kind: str
    source: str
    service_area_code: str | None = None
    team_id: str | None = None
    started_at: datetime
    ended_at: datetime
    hours: float
    tags: list[str] = Field(default_factory=list)


class ServiceConfirmed(EventPayload):
    """The organiser confirmed a record: its hours count."""

    event_type = "org.linli.activities.service_confirmed.v1"

    record_id: str
    volunteer_id: str
    community_id: str
    activity_id: str | None = None
    service_area_code: str | None = None
    team_id: str | None = None
    started_at: datetime
    hours: float
    tags: list[str] = Field(default_factory=list)
    confirmed_by: str


class ServiceCorrected(EventPayload):
    """A confirmed record was replaced by a corrected one, confirmed at once by the
    district admin who corrected it (`confirmed_by`): `hours` replace the old hours.

    Anyone else's correction of a confirmed record is `service_voided` followed by a
    pending `service_recorded`, which a second person confirms (four eyes).
    """

    event_type = "org.linli.activities.service_corrected.v1"

    record_id: str
    corrects_record_id: str
    volunteer_id: str
    community_id: str
    activity_id: str | None = None
    service_area_code: str | None = None
    team_id: str | None = None
    started_at: datetime
    hours: float
    previous_hours: float
    tags: list[str] = Field(default_factory=list)
    reason: str
    # Absent in events written before four eyes (the corrector confirmed then, unnamed).
    confirmed_by: str | None = None


class ServiceVoided(EventPayload):
    """A record was voided: its hours no longer count."""

    event_type = "org.linli.activities.service_voided.v1"

    record_id: str
    volunteer_id: str
    community_id: str
    hours: float
    was_confirmed: bool
    reason: str


class PairingCreated(EventPayload):
    """Volunteers were paired with a beneficiary (结对帮扶) with a visit cadence."""

    event_type = "org.linli.activities.pairing_created.v1"

    pairing_id: str
    community_id: str
    kind: str  # one_helps_one, many_help_one
    beneficiary_category: str
    volunteer_ids: list[str]
    cadence_days: int
    # Absent in events written before beneficiaries were told (whom to ask, if anyone).
    beneficiary_account_id: str | None = None


class VisitRecorded(EventPayload):
    """A pairing visit was recorded; it counts once confirmed as a service record."""

    event_type = "org.linli.activities.visit_recorded.v1"

    pairing_id: str
    community_id: str
    record_id: str
    volunteer_id: str
    visited_at: datetime
    # Absent in events written before beneficiaries were told (whom to ask, if anyone).
    beneficiary_account_id: str | None = None


class PairingVisitOverdue(EventPayload):
    """A pairing's next visit is overdue; raised once per lapse."""

    event_type = "org.linli.activities.pairing_visit_overdue.v1"

    pairing_id: str
    community_id: str
    volunteer_ids: list[str]
    due_at: datetime


class PairingEnded(EventPayload):
    """A pairing ended."""

    event_type = "org.linli.activities.pairing_ended.v1"

    pairing_id: str
    community_id: str
    reason: str


class RequestOpened(EventPayload):
    """A resident filed a service request ("走进家门，了解家情，解决家难")."""

    event_type = "org.linli.activities.request_opened.v1"

    request_id: str
    community_id: str
    category: str
    due_at: datetime
    # Absent in events written before residents were told (whom to tell, if anyone).
    resident_account_id: str | None = None


class RequestAssigned(EventPayload):
    """A request was assigned to a volunteer or a team."""

    event_type = "org.linli.activities.request_assigned.v1"

    request_id: str
    community_id: str
    category: str
    volunteer_id: str | None = None
    team_id: str | None = None
    routed_automatically: bool = False
    # Absent in events written before residents were told (whom to tell, if anyone).
    resident_account_id: str | None = None


class RequestResolved(EventPayload):
    """A request was resolved; counts as "problem solved" for `credited_volunteer_id`."""

    event_type = "org.linli.activities.request_resolved.v1"

    request_id: str
    community_id: str
    category: str
    credited_volunteer_id: str | None = None
    resolved_at: datetime
    # Absent in events written before residents were told (whom to tell, if anyone).
    resident_account_id: str | None = None


class RequestClosed(EventPayload):
    """A request was closed without (further) resolution."""

    event_type = "org.linli.activities.request_closed.v1"

    request_id: str
    community_id: str
    reason: str
    # Absent in events written before residents were told (whom to tell, if anyone).
    resident_account_id: str | None = None


class RequestOverdue(EventPayload):
    """A request missed its response-time target; raised once."""

    event_type = "org.linli.activities.request_overdue.v1"

    request_id: str
    community_id: str
    category: str
    due_at: datetime
    volunteer_id: str | None = None
    team_id: str | None = None


class ResponseTargetsChanged(EventPayload):
    """The district set the response target of each request category, in hours (its
    audit: who, when, from what); requests opened afterwards are due by them."""

    event_type = "org.linli.activities.response_targets_changed.v1"

    targets: dict[str, int]
    previous: dict[str, int]
    changed_by: str  # the account id of the district admin
    changed_at: datetime


class BackfillWindowChanged(EventPayload):
    """The district set how many days back a record may start when it is entered."""

    event_type = "org.linli.activities.backfill_window_changed.v1"

    days: int
    previous: int
    changed_by: str  # the account id of the district admin
    changed_at: datetime
