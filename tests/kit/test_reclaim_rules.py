"""The reclaimer's rules, one round at a time (`EventConsumer.reclaim_once`), on real Redis
and the databases: what is idle enough to claim, what a claim counts, when a claimed entry
is dead-lettered instead of handled, and a stream whose group is gone.

The running reclaimer is tested in test_consumer.py, test_pipeline.py and
test_killed_consumer.py; these tests name the exact numbers those leave loose.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from shared.contracts.activities import ActivityCancelled
from shared.db import Database
from shared.events.consumer import AttemptClock, EventConsumer, StreamEntry, is_transient
from shared.events.deadletters import list_dead_letters
from shared.events.envelope import Envelope
from shared.events.handlers import EventContext
from tests.kit.support import (
    POISON,
    community_event,
    effect_counts,
    eventually,
    make_consumer,
    make_handlers,
    xadd_events,
)

REGISTRY_STREAM = "registry.events"
ACTIVITIES_STREAM = "activities.events"
IDLE_MS = 200


def two_stream_consumer(db: Database, redis: Redis, namespace: str, name: str) -> EventConsumer:
    """A consumer of activities.events (handled, no effect) and registry.events (effects)."""
    handlers = make_handlers(name)

    @handlers.on(ActivityCancelled)
    async def cancelled(_ctx: EventContext, _event: ActivityCancelled) -> None:
        return None

    consumer = make_consumer(db, redis, namespace, name, handlers=handlers, reclaim_idle_ms=IDLE_MS)
    # Read in this order: a round that stopped at the first would miss the second.
    assert consumer.stream_keys == [namespace + ACTIVITIES_STREAM, namespace + REGISTRY_STREAM]
    return consumer


def cancellation() -> Envelope:
    return Envelope.wrap(
        ActivityCancelled(activity_id="a1", community_id="c1", reason="雨天"),
        subject="a1",
        community="c1",
    )


async def read_without_ack(redis: Redis, namespace: str, consumer: str, stream: str) -> None:
    """Deliver every new entry of `stream` to `consumer` and never acknowledge them, as a
    replica that died with its batch in hand."""
    await redis.xreadgroup("kit", consumer, {namespace + stream: ">"}, count=100)


async def idle_past(redis: Redis, namespace: str, stream: str, ms: int) -> None:
    async def idle() -> bool:
        pending = await redis.xpending_range(namespace + stream, "kit", min="-", max="+", count=100)
        return bool(pending) and all(int(p["time_since_delivered"]) >= ms for p in pending)

    idle.__doc__ = f"the pending entries of {stream} are idle for {ms} ms"
    await eventually(idle)


async def test_a_round_claims_only_what_is_idle_and_counts_every_claim_on_every_stream(
    db: Database, redis: Redis, namespace: str
) -> None:
    dead = two_stream_consumer(db, redis, namespace, "dead")
    other = two_stream_consumer(db, redis, namespace, "other")
    await dead.ensure_groups()
    communities = [community_event(f"社区{i}") for i in range(3)]
    await xadd_events(redis, namespace, communities)
    await read_without_ack(redis, namespace, "dead", REGISTRY_STREAM)

    # Just delivered: nothing is idle long enough to be another replica's to take.
    assert await other.reclaim_once() == 0
    assert await effect_counts(db) == {}

    # The first stream (activities) has nothing pending; the second's are claimed all
    # the same, and each claim is counted.
    await idle_past(redis, namespace, REGISTRY_STREAM, IDLE_MS)
    assert await other.reclaim_once() == 3
    assert await effect_counts(db) == {e.id: 1 for e in communities}
    assert (await redis.xpending(namespace + REGISTRY_STREAM, "kit"))["pending"] == 0

    await redis.xadd(namespace + ACTIVITIES_STREAM, cancellation().to_fields())  # type: ignore[arg-type]
    await read_without_ack(redis, namespace, "dead", ACTIVITIES_STREAM)
    await idle_past(redis, namespace, ACTIVITIES_STREAM, IDLE_MS)
    assert await other.reclaim_once() == 1
    assert (await redis.xpending(namespace + ACTIVITIES_STREAM, "kit"))["pending"] == 0
    assert await other.reclaim_once() == 0  # nothing left, and nothing counted twice


async def test_an_entry_claimed_by_another_replica_first_is_not_counted(
    db: Database, redis: Redis, namespace: str
) -> None:
    consumer = two_stream_consumer(db, redis, namespace, "c2")
    await consumer.ensure_groups()
    [event] = [community_event("一社区")]
    await xadd_events(redis, namespace, [event])
    await read_without_ack(redis, namespace, "dead", REGISTRY_STREAM)
    await idle_past(redis, namespace, REGISTRY_STREAM, IDLE_MS)
    [pending] = await redis.xpending_range(
        namespace + REGISTRY_STREAM, "kit", min="-", max="+", count=1
    )
    entry_id = pending["message_id"].decode()
    # A third replica claims it between this one's XPENDING and its XCLAIM.
    await redis.xclaim(namespace + REGISTRY_STREAM, "kit", "c3", IDLE_MS, [entry_id])
    assert await consumer._reclaim_one(namespace + REGISTRY_STREAM, entry_id, 1) == 0
    assert await effect_counts(db) == {}


async def test_a_claimed_entry_counts_the_claim_as_a_delivery_and_is_dead_lettered_at_the_limit(
    db: Database, redis: Redis, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="shared.events.consumer")
    # max_deliveries is 3: an entry delivered twice and never acknowledged is handled on
    # its third delivery (the claim); one delivered three times goes to dead letters.
    consumer = two_stream_consumer(db, redis, namespace, "c2")
    await consumer.ensure_groups()
    twice, thrice = community_event("两次"), community_event("三次")
    await xadd_events(redis, namespace, [twice, thrice])
    key = namespace + REGISTRY_STREAM
    read = await redis.xreadgroup("kit", "dead", {key: ">"}, count=2)
    [twice_id, thrice_id] = [entry_id.decode() for entry_id, _ in read[0][1]]
    await redis.xclaim(key, "kit", "dead", 0, [twice_id, thrice_id])  # the second delivery
    await redis.xclaim(key, "kit", "dead", 0, [thrice_id])  # the third
    await idle_past(redis, namespace, REGISTRY_STREAM, IDLE_MS)

    dead_labels = {"service": "kit", "stream": key}
    dead_before = REGISTRY.get_sample_value("linli_events_dead_lettered_total", dead_labels)

    assert await consumer.reclaim_once() == 2
    assert await effect_counts(db) == {twice.id: 1}
    dead_after = REGISTRY.get_sample_value("linli_events_dead_lettered_total", dead_labels)
    assert dead_after == (dead_before or 0.0) + 1
    reason = "delivered 3 times and never acknowledged: the consumer handling it stopped each time"
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [
        f"entry {thrice_id} of {key} moved to dead letters after 4 deliveries: {reason}"
    ]
    [letter] = await list_dead_letters(redis, consumer.dead_letter_key)
    assert letter.original["id"] == thrice.id
    assert letter.deliveries == 4  # the three before, and this claim
    assert letter.reason == reason
    assert (await redis.xpending(key, "kit"))["pending"] == 0


async def test_a_claimed_entry_that_fails_is_retried_with_its_delivery_count(
    db: Database, redis: Redis, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="shared.events.consumer")
    consumer = two_stream_consumer(db, redis, namespace, "c2")
    await consumer.ensure_groups()
    poison = community_event(POISON)
    await xadd_events(redis, namespace, [poison])
    await read_without_ack(redis, namespace, "dead", REGISTRY_STREAM)
    await idle_past(redis, namespace, REGISTRY_STREAM, IDLE_MS)
    labels = {"service": "kit", "type": poison.type}
    failed_before = REGISTRY.get_sample_value("linli_events_failed_total", labels) or 0.0

    assert await consumer.reclaim_once() == 1
    # Delivered once, claimed once: the second of three deliveries failed, and it stays
    # pending (claimed by this replica) for the next.
    [message] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("handling ")]
    assert message == (
        f"handling {poison.type} {poison.id} failed (delivery 2 of 3): this event always fails"
    )
    assert REGISTRY.get_sample_value("linli_events_failed_total", labels) == failed_before + 1
    [pending] = await redis.xpending_range(
        namespace + REGISTRY_STREAM, "kit", min="-", max="+", count=1
    )
    assert pending["consumer"] == b"c2"
    assert await list_dead_letters(redis, consumer.dead_letter_key) == []


async def test_a_trimmed_entry_is_dropped_not_handled(
    db: Database, redis: Redis, namespace: str
) -> None:
    consumer = two_stream_consumer(db, redis, namespace, "c2")
    await consumer.ensure_groups()
    [event] = [community_event("删了")]
    await xadd_events(redis, namespace, [event])
    key = namespace + REGISTRY_STREAM
    read = await redis.xreadgroup("kit", "dead", {key: ">"}, count=1)
    await redis.xdel(key, read[0][1][0][0])  # gone from the stream, still pending
    await idle_past(redis, namespace, REGISTRY_STREAM, IDLE_MS)

    # Redis 7 answers the claim of a deleted entry with nothing and drops it from the
    # pending list (6.2 answered it with no fields, and the kit acknowledges those).
    assert await consumer.reclaim_once() == 0
    assert (await redis.xpending(key, "kit"))["pending"] == 0
    assert await effect_counts(db) == {}
    assert await list_dead_letters(redis, consumer.dead_letter_key) == []


async def test_a_missing_group_is_recreated_and_the_other_streams_still_reclaimed(
    db: Database, redis: Redis, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="shared.events.consumer")
    consumer = two_stream_consumer(db, redis, namespace, "c2")
    await consumer.ensure_groups()
    [event] = [community_event("一社区")]
    await xadd_events(redis, namespace, [event])
    await read_without_ack(redis, namespace, "dead", REGISTRY_STREAM)
    await idle_past(redis, namespace, REGISTRY_STREAM, IDLE_MS)
    await redis.xadd(namespace + ACTIVITIES_STREAM, cancellation().to_fields())  # type: ignore[arg-type]
    await redis.xgroup_destroy(namespace + ACTIVITIES_STREAM, "kit")  # the first stream's

    assert await consumer.reclaim_once() == 1  # the registry's entry, after NOGROUP
    assert await effect_counts(db) == {event.id: 1}
    messages = [r.getMessage() for r in caplog.records]
    assert f"group kit missing on {namespace}{ACTIVITIES_STREAM}; re-creating it" in messages
    groups = await redis.xinfo_groups(namespace + ACTIVITIES_STREAM)
    assert [g["name"] for g in groups] == [b"kit"]


async def test_another_redis_error_is_not_taken_for_a_missing_group(
    db: Database, redis: Redis, namespace: str
) -> None:
    consumer = two_stream_consumer(db, redis, namespace, "c2")
    await redis.set(namespace + ACTIVITIES_STREAM, "not a stream")
    with pytest.raises(Exception, match="WRONGTYPE"):
        await consumer.reclaim_once()


def test_a_database_that_does_not_answer_is_transient_and_a_handler_s_bug_is_not() -> None:
    from sqlalchemy.exc import OperationalError

    unreachable = OperationalError("connect", {}, ConnectionRefusedError("connection refused"))
    assert is_transient(unreachable)
    assert is_transient(ConnectionRefusedError("redis"))
    assert not is_transient(ValueError("this event always fails"))


async def test_an_attempt_to_apply_is_timed_for_the_watchdog_while_it_runs(
    db: Database, redis: Redis, namespace: str
) -> None:
    # The watchdog (shared.events.watchdog) tells a handler that never returns by the
    # attempt clock: the reclaimer's own, or the one the subscriber passes to process().
    seen: list[tuple[float | None, float | None]] = []
    given = AttemptClock()
    consumer: EventConsumer

    async def look() -> None:
        seen.append((consumer.reclaiming.since, given.since))

    consumer = make_consumer(
        db,
        redis,
        namespace,
        "c2",
        handlers=make_handlers("c2", on_handle=look),
        reclaim_idle_ms=IDLE_MS,
    )
    await consumer.ensure_groups()
    key = namespace + REGISTRY_STREAM
    await xadd_events(redis, namespace, [community_event("读到")])
    [(_, read)] = await redis.xreadgroup("kit", "c2", {key: ">"}, count=1)
    await consumer.process([StreamEntry(key, i.decode(), f, 1) for i, f in read], attempt=given)
    await xadd_events(redis, namespace, [community_event("认领")])
    await read_without_ack(redis, namespace, "dead", REGISTRY_STREAM)
    await idle_past(redis, namespace, REGISTRY_STREAM, IDLE_MS)
    assert await consumer.reclaim_once() == 1

    [
        (reclaimer_during_process, given_during_process),
        (reclaimer_during_claim, given_during_claim),
    ] = seen
    assert given_during_process is not None  # the subscriber's attempt, timed
    assert reclaimer_during_process is None
    assert reclaimer_during_claim is not None  # the reclaimer's attempt, timed
    assert given_during_claim is None
    assert consumer.reclaiming.since is None  # and cleared once it ended
    assert given.since is None


async def test_a_failing_reclaim_round_backs_off_longer_each_time_and_starts_again_after_a_good_one(
    db: Database, redis: Redis, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="shared.events.consumer")
    consumer = two_stream_consumer(db, redis, namespace, "c2")
    broken = namespace + ACTIVITIES_STREAM
    await redis.set(broken, "not a stream")  # every round's XPENDING on it fails

    def failures() -> list[str]:
        return [
            r.getMessage().split(": ", 1)[0]
            for r in caplog.records
            if r.getMessage().startswith("reclaim round failed")
        ]

    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run_reclaimer(stop, interval_ms=50))
    try:

        async def failed(times: int) -> bool:
            assert not task.done(), task
            return len(failures()) >= times

        await eventually(lambda: failed(3))
        assert failures()[:3] == [
            "reclaim round failed (1 in a row, next in 0.4 s)",
            "reclaim round failed (2 in a row, next in 0.8 s)",
            "reclaim round failed (3 in a row, next in 1.6 s)",
        ]
        failed_rounds = [
            r for r in caplog.records if r.getMessage().startswith("reclaim round failed")
        ]
        assert all("WRONGTYPE" in r.getMessage() for r in failed_rounds)  # the cause
        # It waited the back-off, not the 50 ms interval (a wait never ends early by
        # more than a timer's millisecond; how much later it ends is the machine's).
        first, second, third = (r.created for r in failed_rounds[:3])
        assert second - first >= 0.39
        assert third - second >= 0.79
        # A good round (the group is recreated on the repaired stream) resets the count.
        await redis.delete(broken)
        await redis.xadd(broken, cancellation().to_fields())  # type: ignore[arg-type]

        async def group_back() -> bool:
            return (
                bool(await redis.exists(broken))
                and await redis.type(broken) == b"stream"
                and bool(await redis.xinfo_groups(broken))
            )

        await eventually(group_back)
        seen = len(failures())
        await redis.delete(broken)
        await redis.set(broken, "not a stream")
        await eventually(lambda: failed(seen + 1))
        assert failures()[seen] == "reclaim round failed (1 in a row, next in 0.4 s)"
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)


async def test_a_transaction_postgresql_gives_up_in_a_deadlock_is_transient(
    postgres_admin_url: str,
) -> None:
    # Two replicas' batches locking the same ledgers in different orders: PostgreSQL
    # breaks the deadlock by failing one, which succeeds when run again.
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.ext.asyncio import create_async_engine

    from tests.conftest import create_postgres_database, drop_postgres_database

    url = await create_postgres_database(postgres_admin_url)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as setup:
            await setup.execute(text("CREATE TABLE ledger (id int PRIMARY KEY, hours int)"))
            await setup.execute(text("INSERT INTO ledger VALUES (1, 0), (2, 0)"))
        first_locked, second_locked = asyncio.Event(), asyncio.Event()
        mark = text("UPDATE ledger SET hours = 1 WHERE id = :id")

        async def batch(
            mine: int, theirs: int, locked: asyncio.Event, other: asyncio.Event
        ) -> None:
            async with engine.begin() as connection:
                await connection.execute(mark, {"id": mine})
                locked.set()
                await other.wait()
                await connection.execute(mark, {"id": theirs})

        outcomes = await asyncio.gather(
            batch(1, 2, first_locked, second_locked),
            batch(2, 1, second_locked, first_locked),
            return_exceptions=True,
        )
        [given_up] = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        assert isinstance(given_up, DBAPIError)
        assert is_transient(given_up)
        assert not is_transient(DBAPIError("UPDATE", {}, ValueError("a constraint")))
    finally:
        await engine.dispose()
        await drop_postgres_database(postgres_admin_url, url)
