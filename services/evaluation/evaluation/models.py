"""Tables of the evaluation service (its communities projection lives in shared.projections)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from evaluation.domain.periods import Phase as Phase  # the rules own it; tables store it
from shared.db import UtcDateTime

service_registry = registry()


class EvaluationModel(SQLModel, registry=service_registry):
    """Base of the evaluation service's own tables."""


class CountedRecord(EvaluationModel, table=True):
    """A confirmed service record as the hour ledger counts it.

    One row per record id. A correction replaces a row (the old one stops counting),
    a void stops it counting; totals are sums over the rows that count, so an event
    handled twice or a correction arriving after its void cannot skew them.
    """

    __tablename__ = "counted_record"
    __table_args__ = (Index("ix_counted_record_volunteer", "volunteer_id", "counts"),)

    record_id: str = Field(primary_key=True, max_length=26)
    volunteer_id: str = Field(max_length=26)
    community_id: str = Field(index=True, max_length=26)
    team_id: str | None = Field(default=None, index=True, max_length=26)
    service_area_code: str | None = Field(default=None, max_length=40)
    activity_id: str | None = Field(default=None, max_length=26)
    started_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False, index=True))
    hours: float
    counts: bool = True
    tags: str = Field(default="", max_length=200)


class VolunteerLedger(EvaluationModel, table=True):
    """A volunteer's running total and star levels."""

    __tablename__ = "volunteer_ledger"

    volunteer_id: str = Field(primary_key=True, max_length=26)
    community_id: str = Field(index=True, max_length=26)
    total_hours: float = 0.0
    star_level: int = 0
    highest_star_announced: int = 0


class KnownVolunteer(EvaluationModel, table=True):
    """A volunteer as learnt from registry events."""

    __tablename__ = "known_volunteer"

    id: str = Field(primary_key=True, max_length=26)
    community_id: str = Field(index=True, max_length=26)
    volunteer_number: str | None = Field(default=None, max_length=20)
    account_id: str | None = Field(default=None, index=True, max_length=26)
    party_member: bool = False
    status: str = Field(default="registered", max_length=20)
    # The name in plain only from events published before names were sealed; now the
    # sealed name, opened when printed (evaluation.names), which erasure makes unopenable.
    display_name: str | None = Field(default=None, max_length=50)
    sealed_name: str | None = Field(default=None, max_length=400)
    # The national ID as people may see it (the registry never sends the number), for
    # the certificate to print; forgotten on erasure with the name.
    national_id_masked: str | None = Field(default=None, max_length=18)


# A known volunteer's statuses that no longer count among a community's volunteers
# (its star chart): they left, or their personal data was erased.
NOT_VOLUNTEERS = ("withdrawn", "erased")


class PairingMembership(EvaluationModel, table=True):
    """Volunteers of a pairing: colleagues for peer review."""

    __tablename__ = "pairing_membership"

    pairing_id: str = Field(primary_key=True, max_length=26)
    volunteer_id: str = Field(primary_key=True, max_length=26)


class Period(EvaluationModel, table=True):
    """A community's half-year evaluation period (每半年一次评比)."""

    # The list's orders (newest first, in a community or a phase) run on these.
    __table_args__ = (
        UniqueConstraint("community_id", "label"),
        Index("ix_period_community_starts", "community_id", "starts_on", "id"),
        Index("ix_period_phase_starts", "phase", "starts_on", "id"),
        Index("ix_period_starts", "starts_on", "id"),
    )

    id: str = Field(primary_key=True, max_length=26)
    community_id: str = Field(index=True, max_length=26)
    label: str = Field(max_length=20)
    starts_on: date
    ends_on: date
    quota: int
    phase: Phase
    published_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )


class Review(EvaluationModel, table=True):
    """One volunteer's rating of a colleague in a period."""

    __table_args__ = (
        UniqueConstraint("period_id", "reviewer_volunteer_id", "reviewed_volunteer_id"),
        Index("ix_review_period_id_id", "period_id", "id"),  # the paged list's order
    )

    id: str = Field(primary_key=True, max_length=26)
    period_id: str = Field(foreign_key="period.id", index=True, max_length=26)
    reviewer_volunteer_id: str = Field(max_length=26)
    reviewed_volunteer_id: str = Field(index=True, max_length=26)
    rating: int
    comment: str = Field(default="", max_length=500)
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class NominationStatus(StrEnum):
    """Where a nomination is in the two rounds."""

    NOMINATED = "nominated"
    APPROVED = "approved"
    REJECTED = "rejected"


class Nomination(EvaluationModel, table=True):
    """A community's nomination of a volunteer, and the district's decision."""

    # The list (what the district has to decide: by status, in a community or period)
    # pages on these, oldest first.
    __table_args__ = (
        UniqueConstraint("period_id", "volunteer_id"),
        Index("ix_nomination_status_id", "status", "id"),
        Index("ix_nomination_community_status_id", "community_id", "status", "id"),
        Index("ix_nomination_community_id_id", "community_id", "id"),
        Index("ix_nomination_period_status_id", "period_id", "status", "id"),
    )

    id: str = Field(primary_key=True, max_length=26)
    period_id: str = Field(foreign_key="period.id", index=True, max_length=26)
    community_id: str = Field(index=True, max_length=26)
    volunteer_id: str = Field(max_length=26)
    score: float
    reason: str = Field(max_length=500)
    status: NominationStatus
    decision_reason: str | None = Field(default=None, max_length=500)


class FourOnesMark(EvaluationModel, table=True):
    """One of the four ones done by a volunteer in a month, and what showed it."""

    __tablename__ = "four_ones_mark"

    volunteer_id: str = Field(primary_key=True, max_length=26)
    month: str = Field(primary_key=True, max_length=7)  # YYYY-MM in the district's time zone
    tag: str = Field(primary_key=True, max_length=20)
    source_id: str = Field(primary_key=True, max_length=26)  # a record or a request
    community_id: str = Field(index=True, max_length=26)


class FourOnesClosedMonth(EvaluationModel, table=True):
    """A month whose four-ones result was announced for a volunteer: once only."""

    __tablename__ = "four_ones_closed_month"

    volunteer_id: str = Field(primary_key=True, max_length=26)
    month: str = Field(primary_key=True, max_length=7)


#: The only identity document the registry takes: an 18-character resident ID card.
ID_TYPE = "居民身份证"


class Certificate(EvaluationModel, table=True):
    """A certificate of service as issued: what it printed stays as printed."""

    # The list pages newest number first, in a community or of one volunteer.
    __table_args__ = (
        Index("ix_certificate_community_number", "community_id", "number"),
        Index("ix_certificate_volunteer_number", "volunteer_id", "number"),
    )

    number: str = Field(primary_key=True, max_length=20)
    verification_code: str = Field(max_length=12)
    volunteer_id: str = Field(index=True, max_length=26)
    community_id: str = Field(index=True, max_length=26)
    volunteer_number: str = Field(max_length=20)
    name: str = Field(max_length=50)
    date_from: date
    date_to: date
    hours: float
    service_content: str = Field(max_length=500)
    issuer: str = Field(max_length=100, description="the issuing organisation (出具单位)")
    issued_on: date
    # The national certificate's other fields (志愿服务记录证明), as printed.
    id_type: str = Field(
        default=ID_TYPE,
        max_length=20,
        sa_column_kwargs={"server_default": ID_TYPE},
        description="证件类型",
    )
    national_id_masked: str | None = Field(
        default=None, max_length=18, description="证件号码, only masked"
    )
    hours_by_area: dict[str, float] = Field(
        default_factory=dict,
        sa_column=Column(JSON, nullable=False, server_default="{}"),
        description="confirmed hours by service area (服务内容)",
    )
    person_in_charge: str | None = Field(default=None, max_length=50, description="负责人")
    handler: str | None = Field(default=None, max_length=50, description="经办人")
    contact_phone: str | None = Field(default=None, max_length=30, description="联系电话")
    seal_id: str | None = Field(default=None, max_length=26, description="the seal it printed")
    time_zone: str = Field(
        default="Asia/Shanghai",
        max_length=50,
        sa_column_kwargs={"server_default": "Asia/Shanghai"},
        description="the zone its dates are days of",
    )


class Counter(EvaluationModel, table=True):
    """A counter that only grows (certificate numbers)."""

    name: str = Field(primary_key=True, max_length=50)
    value: int = 0


class StarThresholdSetting(EvaluationModel, table=True):
    """The star thresholds the district set (one row; the national ones while there is none)."""

    __tablename__ = "star_threshold_setting"

    id: str = Field(primary_key=True, max_length=20)  # always DISTRICT_SETTING
    hours: list[int] = Field(sa_column=Column(JSON, nullable=False))
    changed_by: str = Field(max_length=64)
    changed_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class CertificateIssuerSetting(EvaluationModel, table=True):
    """Who the district's certificates name as issuer (one row; settings' default while none)."""

    __tablename__ = "certificate_issuer_setting"

    id: str = Field(primary_key=True, max_length=20)  # always DISTRICT_SETTING
    organisation: str = Field(max_length=100)
    person_in_charge: str | None = Field(default=None, max_length=50)
    handler: str | None = Field(default=None, max_length=50)
    contact_phone: str | None = Field(default=None, max_length=30)
    seal_id: str | None = Field(default=None, max_length=26)
    changed_by: str = Field(max_length=64)
    changed_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class CertificateSeal(EvaluationModel, table=True):
    """A seal image as uploaded; never changed, so a certificate prints the seal it had."""

    __tablename__ = "certificate_seal"

    id: str = Field(primary_key=True, max_length=26)
    media_type: str = Field(max_length=20)
    image: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    width: int
    height: int
    uploaded_by: str = Field(max_length=64)
    uploaded_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
