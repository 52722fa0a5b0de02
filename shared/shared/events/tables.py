"""The event kit's tables, created in every service's database by its migrations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Integer, Text
from sqlmodel import Field

from shared.db import KitModel, UtcDateTime


class OutboxMessage(KitModel, table=True):
    """An event committed with the state change that caused it, waiting to be published."""

    __tablename__ = "event_outbox"
    __table_args__ = (Index("ix_event_outbox_unsent", "sent_at", "id"),)

    # The autoincrement id orders publication, so a stream keeps commit order.
    id: int | None = Field(
        default=None,
        # SQLite autoincrements only a column declared exactly INTEGER PRIMARY KEY.
        sa_column=Column(
            BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    event_id: str = Field(max_length=64, unique=True)
    event_type: str = Field(max_length=200)
    stream: str = Field(max_length=200)
    fields: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))


class InboxEntry(KitModel, table=True):
    """An event whose effect this service has committed; its key stops a second effect."""

    __tablename__ = "event_inbox"

    source: str = Field(max_length=200, primary_key=True)
    event_id: str = Field(max_length=64, primary_key=True)
    event_type: str = Field(max_length=200)
    handled_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class RelayLease(KitModel, table=True):
    """Who may publish a service's outbox now: one relay at a time keeps stream order."""

    __tablename__ = "event_relay_lease"

    name: str = Field(max_length=100, primary_key=True)
    holder: str = Field(max_length=200)
    expires_at_ms: int = Field(sa_column=Column(BigInteger, nullable=False))


#: The metadata holding the kit's tables, for each service's migrations.
kit_metadata = KitModel.metadata

# The audit trail's table lives beside the kit's, in every service's database.
from shared.audit import tables as _audit_tables  # noqa: E402, F401
