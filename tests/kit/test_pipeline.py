"""A stream's batches are applied one at a time in delivery order while the next is
read; a batch waiting its turn is kept claimed, so an outage never dead-letters it."""

from __future__ import annotations

import asyncio
import contextlib
import time

from redis.asyncio import Redis
from sqlalchemy.exc import OperationalError

from shared.contracts.registry import CommunityCreated
from shared.db import Database
from shared.events.consumer import EventConsumer, StreamEntry
from shared.events.handlers import EventContext, HandlerRegistry
from shared.events.pipeline import BatchPipeline
from tests.kit.support import (
    Effect,
    community_event,
    effect_counts,
    eventually,
    make_consumer,
    make_handlers,
    xadd_events,
)

STREAM = "registry.events"


async def deliver(consumer: EventConsumer, redis: Redis, namespace: str) -> list[StreamEntry]:
    """Read what the group has not delivered yet, as the consumer's subscriber would."""
    await consumer.ensure_groups()
    [(key, read)] = await redis.xreadgroup(
        consumer.group, consumer.consumer_name, {namespace + STREAM: ">"}, count=100
    )
    return [StreamEntry(key.decode(), i.decode(), f, 1) for i, f in read]


async def test_batches_are_applied_one_at_a_time_in_delivery_order(
    db: Database, redis: Redis, namespace: str
) -> None:
    consumer = make_consumer(db, redis, namespace, "c1", handlers=make_handlers("c1", delay=0.01))
    pipeline = BatchPipeline(consumer)
    names = [f"n{i}" for i in range(9)]
    for start in range(0, 9, 3):
        await xadd_events(redis, namespace, [community_event(n) for n in names[start : start + 3]])
        await pipeline.submit(await deliver(consumer, redis, namespace))
    await pipeline.close(grace_seconds=10)

    async with db.session() as session:
        rows = await session.exec(Effect.__table__.select().order_by(Effect.__table__.c.id))  # type: ignore[attr-defined]
        assert [row.name for row in rows.all()] == names
    assert (await redis.xpending(namespace + STREAM, "kit"))["pending"] == 0


async def test_a_batch_waiting_behind_an_outage_is_kept_claimed_and_never_dead_lettered(
    db: Database, redis: Redis, namespace: str
) -> None:
    database_away = True
    handlers = HandlerRegistry()

    @handlers.on(CommunityCreated)
    async def flaky(ctx: EventContext, event: CommunityCreated) -> None:
        if database_away:
            raise OperationalError("INSERT ...", {}, ConnectionRefusedError("database away"))
        ctx.session.add(Effect(event_id=ctx.envelope.id, name=event.name, handled_by="c1"))

    # A reclaim idle time of a second: the heartbeat renews the claim every third of
    # it, so a busy machine may delay a beat by most of a second before a replica could
    # claim (at 300 ms, a beat late by 200 ms was enough).
    idle_ms = 1000
    consumer = make_consumer(
        db, redis, namespace, "c1", handlers=handlers, max_deliveries=2, reclaim_idle_ms=idle_ms
    )
    other = make_consumer(  # another replica
        db, redis, namespace, "c2", max_deliveries=2, reclaim_idle_ms=idle_ms
    )
    pipeline = BatchPipeline(consumer)
    first, second = community_event("first"), community_event("second")
    await xadd_events(redis, namespace, [first])
    await pipeline.submit(await deliver(consumer, redis, namespace))  # applying, stuck
    await xadd_events(redis, namespace, [second])
    await pipeline.submit(await deliver(consumer, redis, namespace))  # waiting its turn

    # Over three reclaim idle times, the other replica never finds anything to claim.
    deadline = time.monotonic() + 3 * idle_ms / 1000
    while time.monotonic() < deadline:
        assert await other.reclaim_once() == 0
        await asyncio.sleep(0.1)

    database_away = False
    await pipeline.close(grace_seconds=15)

    assert await effect_counts(db) == {first.id: 1, second.id: 1}
    assert await redis.xlen(namespace + "kit.dead-letters") == 0
    assert (await redis.xpending(namespace + STREAM, "kit"))["pending"] == 0


async def test_a_hand_over_cancelled_while_waiting_leaves_its_batch_to_be_reclaimed(
    db: Database, redis: Redis, namespace: str
) -> None:
    # FastStream cancels a subscriber's handler when the subscriber stops; a batch
    # whose hand-over was waiting for room must then look abandoned (idle past the
    # reclaim time), not be kept claimed by a heartbeat nobody stops.
    idle_ms = 1000  # beats every third of it: room for a busy machine's late beat
    release = asyncio.Event()
    handlers = HandlerRegistry()

    @handlers.on(CommunityCreated)
    async def slow(ctx: EventContext, event: CommunityCreated) -> None:
        await release.wait()
        ctx.session.add(Effect(event_id=ctx.envelope.id, name=event.name, handled_by="c1"))

    consumer = make_consumer(db, redis, namespace, "c1", handlers=handlers, reclaim_idle_ms=idle_ms)
    pipeline = BatchPipeline(consumer)
    try:
        for name in ("applying", "queued"):
            await xadd_events(redis, namespace, [community_event(name)])
            await pipeline.submit(await deliver(consumer, redis, namespace))
        await xadd_events(redis, namespace, [community_event("cancelled")])
        [cancelled] = await deliver(consumer, redis, namespace)
        waiting = asyncio.create_task(pipeline.submit([cancelled]))

        async def waiting_for_room() -> bool:
            """the third hand-over waits for room"""
            return pipeline.handing_over_since is not None

        await eventually(waiting_for_room, timeout=10, interval=0.01)
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting

        async def idle_times() -> dict[str, int]:
            pending = await redis.xpending_range(namespace + STREAM, "kit", "-", "+", 10)
            return {p["message_id"].decode(): p["time_since_delivered"] for p in pending}

        # Until the cancelled entry is idle past the reclaim time (another replica may
        # claim it), the two handed over stay claimed, at every look on the way.
        async def cancelled_is_abandoned() -> bool:
            """the cancelled hand-over's entry is idle past the reclaim time"""
            idle = await idle_times()
            abandoned = idle.pop(cancelled.entry_id) >= idle_ms
            assert all(ms < idle_ms for ms in idle.values()), idle
            return abandoned

        await eventually(cancelled_is_abandoned, timeout=4 * idle_ms / 1000)
    finally:
        release.set()
        await pipeline.close(grace_seconds=15)
    assert sorted((await effect_counts(db)).values()) == [1, 1]


async def test_a_heartbeat_stops_even_when_stopped_in_the_middle_of_a_claim(
    db: Database, redis: Redis, namespace: str
) -> None:
    # redis-py sometimes swallows a cancellation that lands while a command is in
    # flight; a heartbeat stopped then must still end, or it claims its entries for
    # ever. A claim every millisecond puts most stops in the middle of one.
    consumer = make_consumer(db, redis, namespace, "c1", reclaim_idle_ms=3)
    await xadd_events(redis, namespace, [community_event("claimed")])
    entries = await deliver(consumer, redis, namespace)
    for attempt in range(30):
        heartbeat = consumer.keep_claimed(entries)
        await asyncio.sleep(0.002 + (attempt % 7) * 0.0007)
        heartbeat.stop()
        # It ends after the claim it is in: a deadline a busy machine cannot outrun,
        # while a heartbeat that swallowed its cancellation would never end.
        await asyncio.wait({heartbeat.task}, timeout=5)
        assert heartbeat.task.done(), f"still claiming after stop (attempt {attempt})"
