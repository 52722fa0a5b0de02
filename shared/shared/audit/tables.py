"""The audit trail's table, created in every service's database by its migrations.

One row per state-changing request that committed, written in the same transaction as
the change, so the trail has neither a change without its entry nor an entry without its
change. Rows are never updated or deleted: the migrations put triggers on the table that
refuse both.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field

from shared.db import KitModel, UtcDateTime


class AuditEntry(KitModel, table=True):
    """Who did what to which object, when, from which address, in which request."""

    __tablename__ = "audit_entry"
    # The trail is read newest first, for one community, one actor or one object.
    __table_args__ = (
        Index("ix_audit_entry_at", "at", "id"),
        Index("ix_audit_entry_community_at", "community_id", "at", "id"),
        Index("ix_audit_entry_actor_at", "actor_id", "at", "id"),
        Index("ix_audit_entry_object_at", "object_id", "at", "id"),
    )

    id: str = Field(primary_key=True, max_length=26)
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    # The account that acted; null for an anonymous request (an application, a login).
    actor_id: str | None = Field(default=None, max_length=26)
    actor_role: str | None = Field(default=None, max_length=32)
    # The community the change happened in (null: district-wide).
    community_id: str | None = Field(default=None, max_length=26)
    # The operation, as method and route: "POST /activities/{activity_id}/signups".
    action: str = Field(max_length=200)
    object_type: str | None = Field(default=None, max_length=64)
    object_id: str | None = Field(default=None, max_length=64)
    # The route's path parameters and the events the change published, as JSON.
    details: str = Field(sa_column=Column(Text, nullable=False))
    status_code: int
    address: str | None = Field(default=None, max_length=64)
    # As long as `CorrelationIdMiddleware` takes one from the caller.
    correlation_id: str | None = Field(default=None, max_length=128)
