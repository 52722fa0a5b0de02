"""Tables of the activities service and their input and output models."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, Index, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

service_registry = registry()


def _timestamp(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


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


class Activity(ActivitiesModel, table=True):
    """An activity volunteers sign up for: a patrol, a health check, a festival visit."""

    id: str = Field(primary_key=True, max_length=26)
    community_id: str = Field(index=True, max_length=26)
    series_id: str | None = Field(default=None, index=True, max_length=26)
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
    status: ActivityStatus = Field(index=True)
    check_in_code: str = Field(max_length=12)
    created_by: str = Field(max_length=26)
    created_at: datetime = Field(sa_column=_timestamp())


class SignUpStatus(StrEnum):
    """A sign-up's state."""

    CONFIRMED = "confirmed"  # has a place
    WAITLISTED = "waitlisted"
    OFFERED = "offered"  # a place is held for them until offered_until
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class SignUp(ActivitiesModel, table=True):
    """A volunteer's sign-up for an activity, and their attendance."""

    __tablename__ = "sign_up"
    __table_args__ = (
        UniqueConstraint("activity_id", "volunteer_id"),
        Index("ix_sign_up_activity_status", "activity_id", "status"),
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


class RecordStatus(StrEnum):
    """A service record's state; corrections and voids are new entries, never edits."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    SUPERSEDED = "superseded"  # replaced by a correction
    VOIDED = "voided"


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
    __table_args__ = (Index("ix_service_record_volunteer_time", "volunteer_id", "started_at"),)

    id: str = Field(primary_key=True, max_length=26)
    volunteer_id: str = Field(max_length=26)
    community_id: str = Field(index=True, max_length=26)
    activity_id: str | None = Field(default=None, index=True, max_length=26)
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
