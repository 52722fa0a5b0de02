"""Events published by the evaluation service (stream `evaluation.events`)."""

from __future__ import annotations

from datetime import date, datetime

from shared.contracts.base import EventPayload


class StarReached(EventPayload):
    """A volunteer reached a national star level (星级) for the first time."""

    event_type = "org.linli.evaluation.star_reached.v1"

    volunteer_id: str
    community_id: str
    level: int
    threshold_hours: int
    total_hours: float


class PeriodOpened(EventPayload):
    """A half-year evaluation period opened for a community."""

    event_type = "org.linli.evaluation.period_opened.v1"

    period_id: str
    community_id: str
    label: str
    starts_on: date
    ends_on: date
    quota: int


class PeriodAdvanced(EventPayload):
    """A period moved to its next phase."""

    event_type = "org.linli.evaluation.period_advanced.v1"

    period_id: str
    community_id: str
    phase: str


class ReviewSubmitted(EventPayload):
    """A volunteer rated a colleague (志愿服务互评); the rating itself stays in evaluation."""

    event_type = "org.linli.evaluation.review_submitted.v1"

    period_id: str
    community_id: str
    reviewer_volunteer_id: str
    reviewed_volunteer_id: str


class VolunteerNominated(EventPayload):
    """A community nominated a volunteer for commendation (first round)."""

    event_type = "org.linli.evaluation.volunteer_nominated.v1"

    nomination_id: str
    period_id: str
    community_id: str
    volunteer_id: str
    score: float


class NominationDecided(EventPayload):
    """The district approved or rejected a nomination (second round)."""

    event_type = "org.linli.evaluation.nomination_decided.v1"

    nomination_id: str
    period_id: str
    community_id: str
    volunteer_id: str
    approved: bool
    reason: str


class HonourRollPublished(EventPayload):
    """A period's honour roll was published: public and final."""

    event_type = "org.linli.evaluation.honour_roll_published.v1"

    period_id: str
    community_id: str
    label: str
    volunteer_ids: list[str]


class FourOnesMonthClosed(EventPayload):
    """A party-member volunteer's four ones (四个一) for a month, at its close."""

    event_type = "org.linli.evaluation.four_ones_month_closed.v1"

    volunteer_id: str
    community_id: str
    month: str  # YYYY-MM
    done: list[str]
    missing: list[str]


class FourOnesReminderDue(EventPayload):
    """A party-member volunteer still has items of the month's four ones (四个一) open.

    Raised once per member and month, some days before the month ends in the
    district's calendar, only for a member with at least one item open.
    """

    event_type = "org.linli.evaluation.four_ones_reminder_due.v1"

    volunteer_id: str
    community_id: str
    month: str  # YYYY-MM
    open_items: list[str]  # of good_deed, public_welfare, conversation, problem_solved
    month_ends_on: date  # the month's last day in the district's calendar


class CertificateIssued(EventPayload):
    """A certificate of service (志愿服务证明) was issued."""

    event_type = "org.linli.evaluation.certificate_issued.v1"

    certificate_number: str
    volunteer_id: str
    community_id: str
    hours: float
    date_from: date
    date_to: date


class StarThresholdsChanged(EventPayload):
    """The district set the hours each star level needs (its audit: who, when, from what)."""

    event_type = "org.linli.evaluation.star_thresholds_changed.v1"

    thresholds: list[int]  # hours of levels 1 to 5
    previous: list[int]
    changed_by: str  # the account id of the district admin
    changed_at: datetime
    levels_changed: int  # volunteers whose current level moved with the change
