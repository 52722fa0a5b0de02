"""Batch handlers on real Redis, SQLite and PostgreSQL: the kit's guarantees still hold.

A batch handler receives a run of events of one type in one call; the effect table
gets a row per event, so an effect applied twice shows up as two rows.
"""

from __future__ import annotations

from redis.asyncio import Redis
from sqlmodel import select

from shared.contracts.registry import CommunityCreated, CommunityUpdated
from shared.db import Database
from shared.events.consumer import EventConsumer, StreamEntry
from shared.events.deadletters import list_dead_letters
from shared.events.envelope import Envelope
from shared.events.handlers import BatchContext, EventContext, HandlerRegistry
from shared.projections.communities import (
    KnownCommunity,
    projection_registry,
    register_community_handlers,
)
from tests.kit.support import (
    POISON,
    Effect,
    community_event,
    effect_counts,
    make_consumer,
    xadd_events,
)

STREAM = "registry.events"


def batch_handlers(calls: list[list[str]]) -> HandlerRegistry:
    """A batch handler of CommunityCreated and a one-by-one handler of CommunityUpdated.

    `calls` gets the event names of each call, to see how events were grouped.
    """
    handlers = HandlerRegistry()

    @handlers.on_batch(CommunityCreated)
    async def created(batch: BatchContext) -> None:
        names = [item.payload.name for item in batch.items]
        calls.append(names)
        if POISON in names:
            raise ValueError("this event always fails")
        batch.session.add_all(
            Effect(event_id=item.envelope.id, name=item.payload.name, handled_by="batch")
            for item in batch.items
        )

    @handlers.on(CommunityUpdated)
    async def updated(ctx: EventContext, event: CommunityUpdated) -> None:
        calls.append([event.name])
        ctx.session.add(Effect(event_id=ctx.envelope.id, name=event.name, handled_by="single"))

    return handlers


def updated_event(name: str) -> Envelope:
    return Envelope.wrap(
        CommunityUpdated(community_id=f"c-{name}", name=name), subject=f"c-{name}", community=None
    )


async def read_all(
    consumer: EventConsumer, redis: Redis, namespace: str, deliveries: int = 1
) -> list[StreamEntry]:
    await consumer.ensure_groups()
    [(key, read)] = await redis.xreadgroup(
        "kit", consumer.consumer_name, {namespace + STREAM: ">"}, count=1000
    )
    return [StreamEntry(key.decode(), i.decode(), f, deliveries) for i, f in read]


async def pending_count(redis: Redis, namespace: str) -> int:
    return int((await redis.xpending(namespace + STREAM, "kit"))["pending"])


async def effect_names_in_order(db: Database) -> list[str]:
    async with db.session() as session:
        rows = await session.exec(
            Effect.__table__.select().order_by(Effect.__table__.c.id)  # type: ignore[attr-defined]
        )
        return [row.name for row in rows.all()]


async def test_a_run_of_one_type_is_one_call_and_stream_order_is_kept(
    db: Database, redis: Redis, namespace: str
) -> None:
    envelopes = [
        community_event("a1"),
        community_event("a2"),
        updated_event("u1"),
        community_event("a3"),
        community_event("a4"),
        community_event("a5"),
    ]
    await xadd_events(redis, namespace, envelopes)
    calls: list[list[str]] = []
    consumer = make_consumer(db, redis, namespace, "c1", handlers=batch_handlers(calls))
    await consumer.process(await read_all(consumer, redis, namespace))

    assert calls == [["a1", "a2"], ["u1"], ["a3", "a4", "a5"]]
    assert await effect_names_in_order(db) == ["a1", "a2", "u1", "a3", "a4", "a5"]
    assert await pending_count(redis, namespace) == 0


async def test_batch_handler_applies_each_event_once_under_duplicates(
    db: Database, redis: Redis, namespace: str
) -> None:
    first, second = community_event("once-1"), community_event("once-2")
    # Published twice by a relay: two entries, one event id each ...
    await xadd_events(redis, namespace, [first, second, first, second])
    calls: list[list[str]] = []
    consumer = make_consumer(db, redis, namespace, "c1", handlers=batch_handlers(calls))
    entries = await read_all(consumer, redis, namespace)
    await consumer.process(entries)
    # ... and the whole batch delivered again (a reclaim after a lost ack).
    await consumer.process(entries)

    assert calls == [["once-1", "once-2"]]
    assert await effect_counts(db) == {first.id: 1, second.id: 1}
    assert await pending_count(redis, namespace) == 0


async def test_poison_event_in_a_batch_stays_pending_while_the_others_commit(
    db: Database, redis: Redis, namespace: str
) -> None:
    good = [community_event(f"good-{i}") for i in range(4)]
    poison = community_event(POISON)
    await xadd_events(redis, namespace, [good[0], good[1], poison, good[2], good[3]])
    consumer = make_consumer(
        db, redis, namespace, "c1", handlers=batch_handlers([]), max_deliveries=3
    )
    await consumer.process(await read_all(consumer, redis, namespace, deliveries=1))

    assert await effect_counts(db) == {e.id: 1 for e in good}
    assert await pending_count(redis, namespace) == 1  # only the poison, to be tried again


async def test_poison_event_in_a_batch_is_dead_lettered_at_the_last_delivery(
    db: Database, redis: Redis, namespace: str
) -> None:
    good = [community_event(f"good-{i}") for i in range(4)]
    poison = community_event(POISON)
    await xadd_events(redis, namespace, [good[0], good[1], poison, good[2], good[3]])
    consumer = make_consumer(
        db, redis, namespace, "c1", handlers=batch_handlers([]), max_deliveries=3
    )
    await consumer.process(await read_all(consumer, redis, namespace, deliveries=3))

    assert await effect_counts(db) == {e.id: 1 for e in good}
    assert await pending_count(redis, namespace) == 0
    [letter] = await list_dead_letters(redis, namespace + "kit.dead-letters")
    assert letter.original["id"] == poison.id
    assert "ValueError: this event always fails" in letter.reason


async def test_communities_projection_keeps_the_latest_fact_of_a_batch(
    db: Database, redis: Redis, namespace: str
) -> None:
    async with db.engine.begin() as connection:
        await connection.run_sync(projection_registry.metadata.create_all)
    handlers = HandlerRegistry()
    register_community_handlers(handlers)
    created = Envelope.wrap(
        CommunityCreated(community_id="c-1", name="旧名"), subject="c-1", community="c-1"
    )
    renamed = Envelope.wrap(
        CommunityUpdated(community_id="c-1", name="新名"), subject="c-1", community="c-1"
    )
    other = Envelope.wrap(
        CommunityCreated(community_id="c-2", name="兴华"), subject="c-2", community="c-2"
    )
    # Two facts about one community in one run: one statement, the later one wins.
    await xadd_events(redis, namespace, [created, renamed, other])
    consumer = make_consumer(db, redis, namespace, "c1", handlers=handlers)
    await consumer.process(await read_all(consumer, redis, namespace))

    async with db.session() as session:
        names = {c.id: c.name for c in (await session.exec(select(KnownCommunity))).all()}
    assert names == {"c-1": "新名", "c-2": "兴华"}
