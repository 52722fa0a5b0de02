"""Consuming with the kit on real Redis: inbox, dead letters, reclaim, replicas."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from redis.asyncio import Redis

from shared.db import Database
from shared.events.consumer import StreamEntry
from shared.events.deadletters import list_dead_letters, replay_dead_letter
from shared.events.handlers import HandlerRegistry
from shared.runtime import ServiceDefinition, ServiceRuntime
from shared.settings import ServiceSettings
from tests.kit.support import (
    POISON,
    community_event,
    create_tables,
    effect_counts,
    effects_by_consumer,
    eventually,
    make_consumer,
    make_handlers,
    xadd_events,
)

STREAM = "registry.events"


@asynccontextmanager
async def running_service(
    database_url: str,
    redis_url: str,
    namespace: str,
    consumer_name: str,
    *,
    handlers: HandlerRegistry | None = None,
    batch_size: int = 50,
) -> AsyncIterator[ServiceRuntime]:
    """The kit's runtime (FastStream subscriber, reclaimer, relay) for a test service."""
    settings = ServiceSettings(
        service_name="kit",
        database_url=database_url,
        redis_url=redis_url,
        stream_namespace=namespace,
        consumer_name=consumer_name,
        migrate_on_start=False,
        max_deliveries=3,
        reclaim_idle_ms=300,
        reclaim_interval_ms=100,
        consume_batch_size=batch_size,
        consume_block_ms=100,
    )
    definition = ServiceDefinition(
        name="kit",
        title="kit",
        description="test service",
        migrations_dir=Path("unused"),
        handlers=handlers or make_handlers(consumer_name),
    )
    runtime = ServiceRuntime(definition, settings)
    await create_tables(runtime.db)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


async def pending_count(redis: Redis, namespace: str) -> int:
    return int((await redis.xpending(namespace + STREAM, "kit"))["pending"])


async def test_duplicate_delivery_changes_nothing(
    db: Database, redis: Redis, namespace: str
) -> None:
    envelope = community_event("兴华社区")
    # The same event twice in the stream (a relay that published twice) ...
    await xadd_events(redis, namespace, [envelope, envelope])
    consumer = make_consumer(db, redis, namespace, "c1")
    await consumer.ensure_groups()
    [(key, read)] = await redis.xreadgroup("kit", "c1", {namespace + STREAM: ">"}, count=10)
    entries = [StreamEntry(key.decode(), i.decode(), f, 1) for i, f in read]
    await consumer.process(entries)
    # ... and the same entry delivered again (a reclaim after a lost ack).
    await consumer.process(entries[:1])

    assert await effect_counts(db) == {envelope.id: 1}
    assert await pending_count(redis, namespace) == 0


async def test_group_starts_at_the_beginning_of_the_stream(
    database_url: str, redis_url: str, redis: Redis, namespace: str
) -> None:
    # Published before the consuming service ever ran.
    before = [community_event(f"early-{i}") for i in range(3)]
    await xadd_events(redis, namespace, before)
    async with running_service(database_url, redis_url, namespace, "c1") as runtime:
        await eventually(lambda: _has_effects(runtime.db, 3))


async def test_poison_event_is_dead_lettered_after_max_deliveries_while_others_flow(
    database_url: str, redis_url: str, redis: Redis, namespace: str
) -> None:
    good_before = [community_event(f"before-{i}") for i in range(5)]
    poison = community_event(POISON)
    good_after = [community_event(f"after-{i}") for i in range(5)]
    await xadd_events(redis, namespace, [*good_before, poison, *good_after])

    async with running_service(database_url, redis_url, namespace, "c1") as runtime:
        await eventually(lambda: _has_effects(runtime.db, 10))
        dead_key = namespace + "kit.dead-letters"
        await eventually(lambda: _stream_length(redis, dead_key, 1))
        await eventually(lambda: _nothing_pending(redis, namespace))

        [letter] = await list_dead_letters(redis, dead_key)
        assert letter.original["id"] == poison.id
        assert letter.deliveries == 3
        assert "ValueError: this event always fails" in letter.reason
        assert letter.stream == STREAM
        assert letter.group == "kit"
        counts = await effect_counts(runtime.db)
        assert poison.id not in counts
        assert set(counts) == {e.id for e in good_before + good_after}


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"hello": "world"}, "not a CloudEvents envelope"),
        (
            {**community_event("x").to_fields(), "type": "org.linli.registry.no_such_thing.v1"},
            "unknown event type",
        ),
        ({**community_event("x").to_fields(), "data": '{"name": 5}'}, "is invalid"),
        ({**community_event("x").to_fields(), "data": "not json"}, "not a CloudEvents envelope"),
    ],
    ids=["not-an-envelope", "unknown-type", "invalid-payload", "data-not-json"],
)
async def test_malformed_entries_go_to_dead_letters_at_once_with_a_reason(
    db: Database, redis: Redis, namespace: str, fields: dict[str, str], reason: str
) -> None:
    good = community_event("good")
    await redis.xadd(namespace + STREAM, fields)  # type: ignore[arg-type]
    await xadd_events(redis, namespace, [good])
    consumer = make_consumer(db, redis, namespace, "c1")
    await consumer.ensure_groups()
    [(key, read)] = await redis.xreadgroup("kit", "c1", {namespace + STREAM: ">"}, count=10)
    await consumer.process([StreamEntry(key.decode(), i.decode(), f, 1) for i, f in read])

    [letter] = await list_dead_letters(redis, namespace + "kit.dead-letters")
    assert reason in letter.reason
    assert letter.deliveries == 1
    assert await effect_counts(db) == {good.id: 1}
    assert await pending_count(redis, namespace) == 0


async def test_replayed_dead_letter_is_handled_once_it_can_be(
    db: Database, redis: Redis, namespace: str
) -> None:
    poison = community_event(POISON)
    await xadd_events(redis, namespace, [poison])
    failing = make_consumer(db, redis, namespace, "c1", max_deliveries=1)
    await failing.ensure_groups()
    [(key, read)] = await redis.xreadgroup("kit", "c1", {namespace + STREAM: ">"}, count=10)
    await failing.process([StreamEntry(key.decode(), i.decode(), f, 1) for i, f in read])
    dead_key = namespace + "kit.dead-letters"
    [letter] = await list_dead_letters(redis, dead_key)

    # The operator fixes the cause (here: a handler that accepts it) and replays.
    await replay_dead_letter(redis, dead_key, letter.id, namespace=namespace)
    assert await list_dead_letters(redis, dead_key) == []
    fixed_consumer = make_consumer(db, redis, namespace, "c1", handlers=_accepting_poison())
    [(key, read)] = await redis.xreadgroup("kit", "c1", {namespace + STREAM: ">"}, count=10)
    await fixed_consumer.process([StreamEntry(key.decode(), i.decode(), f, 1) for i, f in read])
    assert await effect_counts(db) == {poison.id: 1}


def _accepting_poison() -> HandlerRegistry:
    from shared.contracts.registry import CommunityCreated
    from shared.events.handlers import EventContext
    from tests.kit.support import Effect

    handlers = HandlerRegistry()

    @handlers.on(CommunityCreated)
    async def record(ctx: EventContext, event: CommunityCreated) -> None:
        ctx.session.add(Effect(event_id=ctx.envelope.id, name=event.name, handled_by="fixed"))

    return handlers


async def test_two_replicas_split_the_work_and_apply_each_effect_once(
    database_url: str, redis_url: str, redis: Redis, namespace: str
) -> None:
    envelopes = [community_event(f"n{i}") for i in range(400)]
    async with (
        running_service(database_url, redis_url, namespace, "replica-1", batch_size=10) as one,
        running_service(database_url, redis_url, namespace, "replica-2", batch_size=10),
    ):
        await xadd_events(redis, namespace, envelopes)
        await eventually(lambda: _has_effects(one.db, 400))
        await eventually(lambda: _nothing_pending(redis, namespace))
        counts = await effect_counts(one.db)
        assert counts == {e.id: 1 for e in envelopes}
        split = await effects_by_consumer(one.db)
        assert set(split) == {"replica-1", "replica-2"}, split


async def test_group_deleted_under_a_running_service_is_recreated_and_reading_resumes(
    database_url: str, redis_url: str, redis: Redis, namespace: str
) -> None:
    async with running_service(database_url, redis_url, namespace, "c1") as runtime:
        await xadd_events(redis, namespace, [community_event("first")])
        await eventually(lambda: _has_effects(runtime.db, 1))
        # As if Redis lost its data: the stream and its group are gone.
        await redis.delete(namespace + STREAM)
        await xadd_events(redis, namespace, [community_event("second")])
        await eventually(lambda: _has_effects(runtime.db, 2))


async def _has_effects(db: Database, count: int) -> bool:
    return sum((await effect_counts(db)).values()) >= count


async def _stream_length(redis: Redis, key: str, length: int) -> bool:
    return int(await redis.xlen(key)) >= length


async def _nothing_pending(redis: Redis, namespace: str) -> bool:
    return await pending_count(redis, namespace) == 0
