"""Tables of the notifications service (its communities projection lives in shared.projections)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.db import UtcDateTime

service_registry = registry()


class NotificationsModel(SQLModel, registry=service_registry):
    """Base of the notifications service's own tables."""


class Recipient(NotificationsModel, table=True):
    """A volunteer's account, as the registry announced it: who to notify for a volunteer id."""

    volunteer_id: str = Field(primary_key=True, max_length=26)
    account_id: str | None = Field(default=None, index=True, max_length=26)
    community_id: str = Field(index=True, max_length=26)


class Participant(NotificationsModel, table=True):
    """Who holds a place in an activity, to tell them when it changes or is cancelled."""

    activity_id: str = Field(primary_key=True, max_length=26)
    volunteer_id: str = Field(primary_key=True, max_length=26)


class Team(NotificationsModel, table=True):
    """A team and its community, as the registry announced it: a team id in a request is
    checked against the caller's community with it."""

    team_id: str = Field(primary_key=True, max_length=26)
    community_id: str = Field(index=True, max_length=26)


class TeamMember(NotificationsModel, table=True):
    """Team membership, for team activities and requests assigned to a team."""

    __tablename__ = "team_member"

    team_id: str = Field(primary_key=True, max_length=26)
    volunteer_id: str = Field(primary_key=True, max_length=26)


class Preference(NotificationsModel, table=True):
    """A person's choices: language, channels beside the inbox, and quiet hours.

    Contact addresses are given here by the person themself: registry events carry no
    contact data. The role and community are the caller's, as their token said when they
    last saved their choices and as the registry announces them since (account_changed):
    an announcement to a community's residents reaches by e-mail and SMS those who
    chose a channel with them.
    """

    __table_args__ = (Index("ix_preference_audience", "community_id", "role"),)

    account_id: str = Field(primary_key=True, max_length=26)
    language: str = Field(default="zh", max_length=5)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=20)
    channels: str = Field(default="", max_length=40)  # comma-separated: email, sms
    quiet_from_hour: int | None = None  # local hours; e.g. 22 to 7
    quiet_to_hour: int | None = None
    role: str | None = Field(default=None, max_length=20)
    community_id: str | None = Field(default=None, max_length=26)
    # The registry disabled the account: nothing goes out on its channels meanwhile.
    disabled: bool = False


class InboxEntry(NotificationsModel, table=True):
    """One notification in an inbox.

    Addressed to a volunteer or a team (resolved to accounts when the inbox is read, so
    an event arriving before the registration or team membership it depends on still
    reaches the right people), to an account, or to a role in a community (every
    community admin, every volunteer).
    `dedupe_key` (event id and addressee) is unique: an event handled twice cannot
    notify anyone twice.
    """

    __tablename__ = "inbox_entry"
    __table_args__ = (
        # The inbox is read newest first by (created_at, id), by each way of addressing.
        Index("ix_inbox_account", "account_id", "created_at", "id"),
        Index("ix_inbox_role", "community_id", "role", "created_at", "id"),
        Index("ix_inbox_volunteer_listed", "volunteer_id", "created_at", "id"),
        Index("ix_inbox_team_listed", "team_id", "created_at", "id"),
        Index("ix_inbox_event", "event_id"),  # an announcement's entries
    )

    id: str = Field(primary_key=True, max_length=26)
    dedupe_key: str = Field(unique=True, max_length=120)
    volunteer_id: str | None = Field(default=None, index=True, max_length=26)
    team_id: str | None = Field(default=None, index=True, max_length=26)
    account_id: str | None = Field(default=None, max_length=26)
    community_id: str | None = Field(default=None, max_length=26)
    role: str | None = Field(default=None, max_length=20)
    event_id: str = Field(max_length=80)  # an event id, or a marker for a service's own notice
    event_type: str = Field(max_length=200)
    template: str = Field(max_length=60)
    # JSON, rendered per reader language; an announcement's body alone may be 4,000
    # characters, so no length bound.
    params: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    channels_done: bool = Field(default=False, index=True)
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class InboxRead(NotificationsModel, table=True):
    """An account has read an entry (per account, also for role-addressed entries)."""

    __tablename__ = "inbox_read"

    entry_id: str = Field(primary_key=True, max_length=26)
    account_id: str = Field(primary_key=True, max_length=26)


class WebhookSubscription(NotificationsModel, table=True):
    """An integration's subscription: which events, of which community, go to which URL."""

    __tablename__ = "webhook_subscription"
    __table_args__ = (
        Index("ix_webhook_subscription_owner", "owner_account_id", "created_at", "id"),
    )

    id: str = Field(primary_key=True, max_length=26)
    owner_account_id: str = Field(max_length=26)
    community_id: str | None = Field(default=None, index=True, max_length=26)  # None: district
    url: str = Field(max_length=500)
    secret: str = Field(max_length=100)
    event_types: str = Field(default="*", max_length=4000)  # comma-separated, or *
    active: bool = Field(default=True, index=True)
    consecutive_failures: int = 0
    disabled_reason: str | None = Field(default=None, max_length=500)
    catch_up_from: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class WebhookDelivery(NotificationsModel, table=True):
    """One event for one subscription: delivered once accepted, retried with back-off till then."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        # The delivery log, newest first, whole or by outcome.
        Index("ix_webhook_delivery_log", "subscription_id", "created_at", "id"),
        Index("ix_webhook_delivery_outcome", "subscription_id", "status", "created_at", "id"),
    )

    id: str = Field(primary_key=True, max_length=26)
    subscription_id: str = Field(foreign_key="webhook_subscription.id", index=True, max_length=26)
    event_id: str = Field(max_length=26)
    event_type: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))  # the CloudEvents envelope, JSON
    status: str = Field(max_length=12)  # pending, delivered, dead
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class Announcement(NotificationsModel, table=True):
    """An announcement to the district, a community or a team, now or at a set time."""

    __table_args__ = (
        # The list, latest publication first: the district's whole, or one community's.
        Index("ix_announcement_listed", "publish_at", "id"),
        Index("ix_announcement_community_listed", "community_id", "publish_at", "id"),
        # Scheduled or published; also how the publisher finds those whose time has come.
        Index("ix_announcement_status_listed", "published", "publish_at", "id"),
    )

    id: str = Field(primary_key=True, max_length=26)
    author_account_id: str = Field(max_length=26)
    audience: str = Field(max_length=10)  # district, community, team
    community_id: str | None = Field(default=None, max_length=26)
    team_id: str | None = Field(default=None, max_length=26)
    title: str = Field(max_length=100)
    body: str = Field(max_length=4000)
    publish_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    published: bool = False


class ChannelDelivery(NotificationsModel, table=True):
    """One notification sent to one person over e-mail or SMS; each channel on its own."""

    __tablename__ = "channel_delivery"
    __table_args__ = (
        UniqueConstraint("entry_id", "account_id", "channel"),
        Index("ix_channel_delivery_due", "status", "next_attempt_at"),
    )

    id: str = Field(primary_key=True, max_length=26)
    entry_id: str = Field(max_length=26)
    account_id: str = Field(max_length=26)
    channel: str = Field(max_length=10)
    address: str = Field(max_length=200)
    subject: str = Field(max_length=200)
    text: str = Field(max_length=4000)
    status: str = Field(max_length=12)  # pending, sent, dead
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    last_error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))


class UpcomingActivity(NotificationsModel, table=True):
    """An activity's start, to remind those signed up once before it."""

    __tablename__ = "upcoming_activity"

    activity_id: str = Field(primary_key=True, max_length=26)
    title: str = Field(max_length=100)
    starts_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False, index=True))
    cancelled: bool = False
    reminded: bool = Field(default=False, index=True)
