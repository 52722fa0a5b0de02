"""Tables of the evaluation service (its communities projection lives in shared.projections)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Index
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

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
    started_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )
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
