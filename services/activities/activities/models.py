"""Tables of the activities service and their input and output models."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

# The states the rules in domain/ move between, named here beside the tables too.
from activities.domain.records import RecordStatus as RecordStatus
from activities.domain.signups import ActivityStatus as ActivityStatus
from activities.domain.signups import Scope as Scope
from activities.domain.signups import SignUpStatus as SignUpStatus
from activities.domain.waitlist import WaitlistPolicy
from shared.db import UtcDateTime

service_registry = registry()


def _timestamp(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UtcDateTime(), nullable=nullable, index=index)


class ActivitiesModel(SQLModel, registry=service_registry):
    """Base of the activities service's own tables."""


# -- what the registry told us ----------------------------------------------------------


class KnownVolunteer(ActivitiesModel, table=True):
    """A volunteer as learnt from registry events: who may sign up."""

    __tablename__ = "known_volunteer"

    id: str = Field(primary_key=True, max_length=26)
    community_id: str = Field(index=True, max_length=26)
    volunteer_number: str | None = Field(default=None, index=True, max_length=20)
    account_id: str | None = Field(default=None, index=True, max_length=26)
    status: str = Field(max_length=20)  # registered, suspended, withdrawn


class KnownTeamMember(ActivitiesModel, table=True):
    """Team membership as learnt from registry events."""

    __tablename__ = "known_team_member"

    team_id: str = Field(primary_key=True, max_length=26)
    volunteer_id: str = Field(primary_key=True, max_length=26)


class KnownTeam(ActivitiesModel, table=True):
    """A team as learnt from registry events."""

    __tablename__ = "known_team"

    id: str = Field(primary_key=True, max_length=26)
    community_id: str = Field(index=True, max_length=26)
    service_area_code: str = Field(max_length=40)
    leader_volunteer_id: str | None = Field(default=None, max_length=26)


# -- activities -------------------------------------------------------------------------


class Activity(ActivitiesModel, table=True):
    """An activity volunteers sign up for: a patrol, a health check, a festival visit."""

    # The list's filters each lead an index that ends in its order (start, id); the last
    # one finds what has ended and is still open, for automatic completion.
    __table_args__ = (
        Index("ix_activity_community_start", "community_id", "starts_at", "id"),
        Index("ix_activity_community_status_start", "community_id", "status", "starts_at", "id"),
        Index(
            "ix_activity_community_area_start",
            "community_id",
            "service_area_code",
            "starts_at",
            "id",
        ),
        Index("ix_activity_team_start", "team_id", "starts_at", "id"),
        Index("ix_activity_status_end", "status", "ends_at"),
        # A series' occurrences by start: its list, and what changes from a day on.
        Index("ix_activity_series_start", "series_id", "starts_at", "id"),
    )

    id: str = Field(primary_key=True, max_length=26)
    community_id: str = Field(index=True, max_length=26)
    series_id: str | None = Field(default=None, max_length=26)
    title: str = Field(max_length=100)
    kind: str = Field(max_length=40)
    service_area_code: str = Field(max_length=40)
    scope: Scope
    team_id: str | None = Field(default=None, max_length=26)
    place: str = Field(max_length=200)
    starts_at: datetime = Field(sa_column=_timestamp(index=True))
    ends_at: datetime = Field(sa_column=_timestamp())
    capacity: int
    signup_deadline: datetime = Field(sa_column=_timestamp())
    waitlist_policy: WaitlistPolicy = WaitlistPolicy.OFFER
    status: ActivityStatus = Field(index=True)
    check_in_code: str = Field(max_length=12)
    created_by: str = Field(max_length=26)
    created_at: datetime = Field(sa_column=_timestamp())


class SignUp(ActivitiesModel, table=True):
    """A volunteer's sign-up for an activity, and their attendance."""

    __tablename__ = "sign_up"
    __table_args__ = (
        UniqueConstraint("activity_id", "volunteer_id"),
        Index("ix_sign_up_activity_status", "activity_id", "status"),
        Index("ix_sign_up_activity_created", "activity_id", "created_at", "id"),
        Index("ix_sign_up_review_created", "needs_review", "created_at", "id"),
    )

    id: str = Field(primary_key=True, max_length=26)
    activity_id: str = Field(foreign_key="activity.id", max_length=26)
    volunteer_id: str = Field(index=True, max_length=26)
    status: SignUpStatus
    waitlist_position: int | None = None
    offered_until: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    checked_in_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    checked_out_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    needs_review: bool = False
    created_at: datetime = Field(sa_column=_timestamp())


# -- the ledger -------------------------------------------------------------------------


class RecordSource(StrEnum):
    """Where a record came from."""

    ATTENDANCE = "attendance"
    MANUAL = "manual"
    BACKFILL = "backfill"


class ServiceKind(StrEnum):
    """What the service was."""

    ACTIVITY = "activity"
    HOME_VISIT = "home_visit"
    GOOD_DEED = "good_deed"
    OTHER = "other"


class FourOnes(StrEnum):
    """The four ones (四个一) a record can count towards."""

    GOOD_DEED = "good_deed"
    PUBLIC_WELFARE = "public_welfare"
    CONVERSATION = "conversation"
    PROBLEM_SOLVED = "problem_solved"


class ServiceRecord(ActivitiesModel, table=True):
    """One entry of the service-record ledger (做好记录)."""

    __tablename__ = "service_record"
    __table_args__ = (
        Index("ix_service_record_volunteer_time", "volunteer_id", "started_at"),
        Index("ix_service_record_community_start", "community_id", "started_at", "id"),
        Index(
            "ix_service_record_community_status_start",
            "community_id",
            "status",
            "started_at",
            "id",
        ),
    )

    id: str = Field(primary_key=True, max_length=26)
    volunteer_id: str = Field(max_length=26)
    community_id: str = Field(index=True, max_length=26)
    activity_id: str | None = Field(default=None, index=True, max_length=26)
    pairing_id: str | None = Field(default=None, index=True, max_length=26)
    kind: ServiceKind
    source: RecordSource
    service_area_code: str | None = Field(default=None, max_length=40)
    team_id: str | None = Field(default=None, max_length=26)
    place: str = Field(default="", max_length=200)
    started_at: datetime = Field(sa_column=_timestamp())
    ended_at: datetime = Field(sa_column=_timestamp())
    hours: float
    tags: str = Field(default="", max_length=200)  # comma-separated FourOnes values
    status: RecordStatus = Field(index=True)
    corrects_id: str | None = Field(default=None, max_length=26)
    reason: str | None = Field(default=None, max_length=500)
    recorded_by: str = Field(max_length=26)
    confirmed_by: str | None = Field(default=None, max_length=26)
    created_at: datetime = Field(sa_column=_timestamp())


# -- pairings ---------------------------------------------------------------------------


class BeneficiaryCategory(StrEnum):
    """Who a pairing helps."""

    EMPTY_NEST_ELDER = "empty_nest_elder"  # 空巢老人
    POOR_FAMILY = "poor_family"  # 困难家庭
    DISABLED = "disabled"  # 残疾人
    PATIENT = "patient"  # 病人
    POOR_STUDENT = "poor_student"  # 贫困学生


class PairingKind(StrEnum):
    """一帮一 or 多帮一."""

    ONE_HELPS_ONE = "one_helps_one"
    MANY_HELP_ONE = "many_help_one"


class Pairing(ActivitiesModel, table=True):
    """Volunteers paired with a vulnerable resident, with a visit cadence."""

    __table_args__ = (
        Index("ix_pairing_community_created", "community_id", "created_at", "id"),
        Index("ix_pairing_community_due", "community_id", "active", "next_visit_due_at", "id"),
    )

    id: str = Field(primary_key=True, max_length=26)
    community_id: str = Field(index=True, max_length=26)
    kind: PairingKind
    beneficiary_label: str = Field(max_length=50)  # how the volunteers know them, e.g. 王奶奶
    beneficiary_category: BeneficiaryCategory
    beneficiary_account_id: str | None = Field(default=None, max_length=26)
    cadence_days: int
    active: bool = Field(default=True, index=True)
    last_visit_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    # The last visit (or the pairing's start) plus the cadence, kept as a column so that
    # "which pairings are overdue" is a range on an index, not arithmetic on every row.
    next_visit_due_at: datetime = Field(sa_column=_timestamp())
    # The due date an overdue event was raised for: one event per lapse, not per check.
    overdue_raised_for: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    created_at: datetime = Field(sa_column=_timestamp())


class PairingMember(ActivitiesModel, table=True):
    """A volunteer of a pairing."""

    __tablename__ = "pairing_member"

    pairing_id: str = Field(foreign_key="pairing.id", primary_key=True, max_length=26)
    volunteer_id: str = Field(primary_key=True, max_length=26)


# -- resident requests ------------------------------------------------------------------


class RequestCategory(StrEnum):
    """The categories of resident requests."""

    EMPLOYMENT = "employment"  # 就业
    SOCIAL_ASSISTANCE = "social_assistance"  # 社会救助
    MEDICAL_CARE = "medical_care"  # 医疗
    RIGHTS_PROTECTION = "rights_protection"  # 维权
    FAMILY_PLANNING = "family_planning"  # 计生
    CHILD_HEALTH = "child_health"  # 儿童保健
    POLICY_CONSULTATION = "policy_consultation"  # 政策咨询
    PUBLIC_SECURITY = "public_security"  # 治安
    HOUSEKEEPING = "housekeeping"  # 家政
    TELECOM = "telecom"  # 通讯


class RequestStatus(StrEnum):
    """Where a request is."""

    OPEN = "open"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"
    CLOSED = "closed"


class ResidentRequest(ActivitiesModel, table=True):
    """A resident's service request."""

    __tablename__ = "resident_request"
    __table_args__ = (
        Index("ix_resident_request_community_due", "community_id", "due_at", "id"),
        Index("ix_resident_request_community_status_due", "community_id", "status", "due_at", "id"),
        Index(
            "ix_resident_request_community_category_due", "community_id", "category", "due_at", "id"
        ),
        Index("ix_resident_request_resident_opened", "resident_account_id", "opened_at", "id"),
    )

    id: str = Field(primary_key=True, max_length=26)
    community_id: str = Field(index=True, max_length=26)
    resident_account_id: str = Field(index=True, max_length=26)
    category: RequestCategory
    description: str = Field(max_length=2000)
    status: RequestStatus = Field(index=True)
    assignee_volunteer_id: str | None = Field(default=None, max_length=26)
    assignee_team_id: str | None = Field(default=None, max_length=26)
    opened_at: datetime = Field(sa_column=_timestamp())
    due_at: datetime = Field(sa_column=_timestamp(index=True))
    overdue_raised: bool = False
    resolved_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    resolution: str | None = Field(default=None, max_length=2000)


class RequestStep(ActivitiesModel, table=True):
    """One step of a request's progress, as its resident follows it: opened, assigned
    (each reassignment a step), resolved, closed. Appended, never changed."""

    __tablename__ = "request_step"
    __table_args__ = (Index("ix_request_step_request_at", "request_id", "at", "id"),)

    id: str = Field(primary_key=True, max_length=26)
    request_id: str = Field(foreign_key="resident_request.id", max_length=26)
    status: str = Field(max_length=20)  # a RequestStatus value
    at: datetime = Field(sa_column=_timestamp())
    team_id: str | None = Field(default=None, max_length=26)
    volunteer_id: str | None = Field(default=None, max_length=26)
    note: str | None = Field(default=None, max_length=2000)


# -- what the district configures ------------------------------------------------------


class DistrictSetting(ActivitiesModel, table=True):
    """A setting the district admin chose (response targets, backfill window); while a
    key has no row, the service's default is in force."""

    __tablename__ = "district_setting"

    key: str = Field(primary_key=True, max_length=40)
    value: Any = Field(sa_column=Column(JSON, nullable=False))
    changed_by: str = Field(max_length=64)
    changed_at: datetime = Field(sa_column=_timestamp())
