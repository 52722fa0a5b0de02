"""A tiny service for testing the event kit: one non-idempotent effect per event.

The effect appends a row per handled event, so an effect applied twice shows up as two
rows (a projection upsert would hide it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from redis.asyncio import Redis
from sqlalchemy import func
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel, col, select

from shared.contracts.registry import CommunityCreated
from shared.db import Database
from shared.events.consumer import EventConsumer
from shared.events.envelope import Envelope
from shared.events.handlers import EventContext, HandlerRegistry
from shared.events.outbox import add_event
from shared.events.relay import OutboxRelay
from shared.events.tables import kit_metadata
from shared.settings import ServiceSettings

test_registry = registry()


class TestModel(SQLModel, registry=test_registry):
    """Base of the test tables."""


class Effect(TestModel, table=True):
    """One row per applied effect."""

    __tablename__ = "test_effect"

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(index=True)
    name: str
    handled_by: str


POISON = "poison"


def make_handlers(
    consumer_name: str,
    *,
    delay: float = 0.0,
    on_handle: Callable[[], Awaitable[None]] | None = None,
) -> HandlerRegistry:
    """Handlers that record an Effect per CommunityCreated and fail on the name 'poison'."""
    handlers = HandlerRegistry()

    @handlers.on(CommunityCreated)
    async def record(ctx: EventContext, event: CommunityCreated) -> None:
        if event.name == POISON:
            raise ValueError("this event always fails")
        if delay:
            await asyncio.sleep(delay)
        if on_handle is not None:
            await on_handle()
        ctx.session.add(Effect(event_id=ctx.envelope.id, name=event.name, handled_by=consumer_name))

    return handlers


async def create_tables(db: Database) -> None:
    """Create the kit's tables and the test effect table."""
    async with db.engine.begin() as connection:
        await connection.run_sync(kit_metadata.create_all)
        await connection.run_sync(test_registry.metadata.create_all)


def community_event(name: str) -> Envelope:
    """A CommunityCreated envelope with a fresh id."""
    return Envelope.wrap(
        CommunityCreated(community_id=f"c-{name}", name=name), subject=f"c-{name}", community=None
    )


async def xadd_events(redis: Redis, namespace: str, envelopes: list[Envelope]) -> None:
    """Append envelopes to registry.events the way the relay does."""
    pipe = redis.pipeline(transaction=False)
    for envelope in envelopes:
        pipe.xadd(namespace + "registry.events", envelope.to_fields())  # type: ignore[arg-type]
    await pipe.execute()


async def stage_and_commit(db: Database, names: list[str]) -> list[Envelope]:
    """Commit outbox rows for CommunityCreated events, as a service would."""
    async with db.session() as session:
        envelopes = [
            add_event(
                session,
                CommunityCreated(community_id=f"c-{name}", name=name),
                subject=f"c-{name}",
                community=f"c-{name}",
            )
            for name in names
        ]
        await session.commit()
    return envelopes


async def effect_counts(db: Database) -> dict[str, int]:
    """How many effects each event id has."""
    async with db.session() as session:
        rows = await session.exec(
            select(Effect.event_id, func.count()).group_by(col(Effect.event_id))
        )
        return {event_id: int(count) for event_id, count in rows.all()}


async def effects_by_consumer(db: Database) -> dict[str, int]:
    """How many effects each consumer applied."""
    async with db.session() as session:
        rows = await session.exec(
            select(Effect.handled_by, func.count()).group_by(col(Effect.handled_by))
        )
        return {name: int(count) for name, count in rows.all()}


def make_consumer(
    db: Database,
    redis: Redis,
    namespace: str,
    name: str,
    *,
    handlers: HandlerRegistry | None = None,
    max_deliveries: int = 3,
    reclaim_idle_ms: int = 300,
) -> EventConsumer:
    """An EventConsumer of group `kit` on the test namespace."""
    return EventConsumer(
        service="kit",
        db=db,
        redis=redis,
        handlers=handlers or make_handlers(name),
        consumer_name=name,
        namespace=namespace,
        max_deliveries=max_deliveries,
        reclaim_idle_ms=reclaim_idle_ms,
    )


RelayT = TypeVar("RelayT", bound=OutboxRelay)


def make_relay(
    db: Database,
    redis: Redis,
    namespace: str,
    holder: str = "relay-1",
    kind: type[RelayT] = OutboxRelay,  # type: ignore[assignment]
    **options: Any,
) -> RelayT:
    """An OutboxRelay of the `registry` stream on the test namespace, with the services'
    default settings unless `options` (such as `lease_ms`) say otherwise."""
    defaults = {name: field.default for name, field in ServiceSettings.model_fields.items()}
    settings: dict[str, Any] = {
        "batch_size": defaults["relay_batch_size"],
        "poll_ms": defaults["relay_poll_ms"],
        "lease_ms": defaults["relay_lease_ms"],
        "retention_ms": defaults["stream_retention_hours"] * 3_600_000,
        "keep_sent": timedelta(hours=defaults["outbox_keep_sent_hours"]),
    }
    return kind(
        service="registry",
        db=db,
        redis=redis,
        holder=holder,
        namespace=namespace,
        **(settings | options),
    )


async def eventually(
    check: Callable[[], Awaitable[bool]], *, timeout: float = 20.0, interval: float = 0.05
) -> None:
    """Wait until `check()` is true; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s: {check.__doc__ or check}")
        await asyncio.sleep(interval)


class ManualClock:
    """A wall clock (seconds, as `time.time`) that moves only when the test moves it, so
    a test of leases does not depend on how fast a busy machine runs."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))  # whole seconds: a test can name exact instants

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def utcnow() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)
