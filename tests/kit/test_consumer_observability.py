"""What the consumer tells an operator, on real Redis and the databases: the metrics the
dashboards and alerts read (handled, duplicates, handler time, failures), the log lines
with their event, the attempt clock the watchdog reads, and the handling paths those
numbers describe (a failed batch applied one by one, an event type nobody here handles).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from shared import context
from shared.contracts.registry import CommunityCreated, TeamCreated
from shared.db import Database
from shared.events.consumer import AttemptClock, ConsumerStopping, EventConsumer, StreamEntry
from shared.events.deadletters import list_dead_letters
from shared.events.envelope import Envelope
from shared.events.handlers import EventContext, HandlerRegistry
from tests.kit.support import (
    POISON,
    Effect,
    community_event,
    effect_counts,
    make_consumer,
    make_handlers,
    xadd_events,
)

STREAM = "registry.events"
TYPE = CommunityCreated.event_type


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def deliver(
    consumer: EventConsumer, redis: Redis, namespace: str, envelopes: list[Envelope]
) -> list[StreamEntry]:
    await consumer.ensure_groups()
    await xadd_events(redis, namespace, envelopes)
    key = namespace + STREAM
    [(_, read)] = await redis.xreadgroup("kit", consumer.consumer_name, {key: ">"}, count=100)
    return [StreamEntry(key, i.decode(), f, 1) for i, f in read]


class Lines(logging.Handler):
    """Log lines of the consumer with the event they were written under."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[int, str, str | None]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.levelno, record.getMessage(), context.causation_id.get()))


@contextmanager
def consumer_lines() -> Iterator[Lines]:
    logger = logging.getLogger("shared.events.consumer")
    lines, level = Lines(), logger.level
    logger.addHandler(lines)
    logger.setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        logger.removeHandler(lines)
        logger.setLevel(level)


async def test_handled_duplicates_and_handler_time_are_counted_under_the_service_and_type(
    db: Database, redis: Redis, namespace: str
) -> None:
    consumer = make_consumer(db, redis, namespace, "c1")
    first, second = community_event("一社区"), community_event("二社区")
    handled = sample("linli_events_handled_total", service="kit", type=TYPE)
    duplicates = sample("linli_events_duplicate_total", service="kit")
    timed = sample("linli_event_handler_seconds_count", service="kit", type=TYPE)
    time_sum = sample("linli_event_handler_seconds_sum", service="kit", type=TYPE)

    entries = await deliver(consumer, redis, namespace, [first, second])
    with consumer_lines() as lines:
        await consumer.process(entries)
    assert sample("linli_events_handled_total", service="kit", type=TYPE) == handled + 2
    assert sample("linli_events_duplicate_total", service="kit") == duplicates
    # One observation per call (these handlers take one event each; a batch handler's
    # is one for its run), and a handler's time is its own: not seconds since boot.
    assert sample("linli_event_handler_seconds_count", service="kit", type=TYPE) == timed + 2
    spent = sample("linli_event_handler_seconds_sum", service="kit", type=TYPE) - time_sum
    assert 0 < spent < 30
    # At debug level each event is logged as handled, under its own id.
    assert [(m, cause) for level, m, cause in lines.lines if level == logging.DEBUG] == [
        (f"handled {TYPE} {first.id}", first.id),
        (f"handled {TYPE} {second.id}", second.id),
    ]

    # The same two again (a redelivery) and one new: two duplicates, one handled.
    third = community_event("三社区")
    again = await deliver(consumer, redis, namespace, [first, second, third])
    await consumer.process(again)
    assert sample("linli_events_handled_total", service="kit", type=TYPE) == handled + 3
    assert sample("linli_events_duplicate_total", service="kit") == duplicates + 2
    assert await effect_counts(db) == {first.id: 1, second.id: 1, third.id: 1}


async def test_a_failing_batch_is_applied_one_by_one_each_attempt_timed_for_the_watchdog(
    db: Database, redis: Redis, namespace: str
) -> None:
    clock = AttemptClock()
    during: list[float | None] = []

    async def look() -> None:
        during.append(clock.since)

    consumer = make_consumer(
        db, redis, namespace, "c1", handlers=make_handlers("c1", on_handle=look)
    )
    good = community_event("好")
    entries = await deliver(consumer, redis, namespace, [good, community_event(POISON)])
    await consumer.process(entries, attempt=clock)
    # The good event ran in the batch (rolled back with the poison) and then alone.
    assert len(during) == 2
    assert all(since is not None for since in during)
    assert clock.since is None
    assert await effect_counts(db) == {good.id: 1}


async def test_a_single_event_that_fails_is_tried_once_per_delivery(
    db: Database, redis: Redis, namespace: str
) -> None:
    calls: list[str] = []
    handlers = HandlerRegistry()

    @handlers.on(CommunityCreated)
    async def failing(ctx: EventContext, event: CommunityCreated) -> None:
        calls.append(event.name)
        raise ValueError("this event always fails")

    consumer = make_consumer(db, redis, namespace, "c1", handlers=handlers)
    failed = sample("linli_events_failed_total", service="kit", type=TYPE)
    await consumer.process(await deliver(consumer, redis, namespace, [community_event("坏")]))
    assert calls == ["坏"]  # not once in a batch of one, then again alone
    assert sample("linli_events_failed_total", service="kit", type=TYPE) == failed + 1


async def test_a_handler_s_long_error_is_cut_to_2000_characters_in_the_dead_letter(
    db: Database, redis: Redis, namespace: str
) -> None:
    handlers = HandlerRegistry()

    @handlers.on(CommunityCreated)
    async def failing(ctx: EventContext, event: CommunityCreated) -> None:
        raise ValueError("长" * 3000)

    consumer = make_consumer(db, redis, namespace, "c1", handlers=handlers, max_deliveries=1)
    await consumer.process(await deliver(consumer, redis, namespace, [community_event("坏")]))
    [letter] = await list_dead_letters(redis, consumer.dead_letter_key)
    assert letter.reason == ("ValueError: " + "长" * 3000)[:2000]


async def test_a_known_event_type_nobody_here_handles_is_acknowledged_not_dead_lettered(
    db: Database, redis: Redis, namespace: str
) -> None:
    consumer = make_consumer(db, redis, namespace, "c1")  # handles community_created only
    team = Envelope.wrap(
        TeamCreated(team_id="t1", community_id="c1", name="巡逻队", service_area_code="x"),
        subject="t1",
        community="c1",
    )
    await consumer.process(await deliver(consumer, redis, namespace, [team]))
    assert await list_dead_letters(redis, consumer.dead_letter_key) == []
    assert (await redis.xpending(namespace + STREAM, "kit"))["pending"] == 0


async def test_a_transient_failure_is_retried_in_place_and_its_cause_logged(
    db: Database, redis: Redis, namespace: str
) -> None:
    handlers = HandlerRegistry()
    attempts: list[float] = []

    @handlers.on(CommunityCreated)
    async def flaky(ctx: EventContext, event: CommunityCreated) -> None:
        attempts.append(time.monotonic())
        if len(attempts) == 1:
            raise ConnectionRefusedError("the database went away for a moment")
        ctx.session.add(Effect(event_id=ctx.envelope.id, name=event.name, handled_by="c1"))

    consumer = make_consumer(db, redis, namespace, "c1", handlers=handlers)
    event = community_event("一社区")
    with consumer_lines() as lines:
        await consumer.process(await deliver(consumer, redis, namespace, [event]))
    assert len(attempts) == 2
    assert attempts[1] - attempts[0] >= 0.09  # backed off (0.1 s first), not spun
    assert await effect_counts(db) == {event.id: 1}
    assert (
        logging.WARNING,
        "transient failure, retrying (attempt 1): the database went away for a moment",
    ) in [(level, message) for level, message, _ in lines.lines]


@pytest.fixture(autouse=True)
def _no_leftover_context() -> Iterator[None]:
    # The log lines above read the event context; none may leak out of a handler.
    yield
    assert context.causation_id.get() is None


async def test_a_replay_applies_what_it_can_and_counts_the_rest_without_touching_the_group(
    db: Database, redis: Redis, namespace: str
) -> None:
    # Rebuilding a projection reads a stream from its start, with no group: nothing is
    # acknowledged or dead-lettered, and what cannot be applied is counted as skipped.
    consumer = make_consumer(db, redis, namespace, "c1")
    good = [community_event("一社区"), community_event("二社区")]
    team = Envelope.wrap(
        TeamCreated(team_id="t1", community_id="c1", name="巡逻队", service_area_code="x"),
        subject="t1",
        community="c1",
    )
    key = namespace + STREAM
    await xadd_events(redis, namespace, [good[0], community_event(POISON), team, good[1]])
    await redis.xadd(key, {"hello": "world"})  # not an envelope
    entries = [StreamEntry(key, i.decode(), f, 0) for i, f in await redis.xrange(key)]

    batch = consumer.decode_for_replay(entries)
    assert batch.skipped == 1  # the malformed entry; the team event is left out, not skipped
    assert [item.envelope.id for item in batch.work] == [
        good[0].id,
        entries[1].fields[b"id"].decode(),
        good[1].id,
    ]
    assert await consumer.apply_replay_batch(batch) == (2, 2)  # the poison fails: skipped
    assert await effect_counts(db) == {e.id: 1 for e in good}
    assert await list_dead_letters(redis, consumer.dead_letter_key) == []
    assert await redis.exists(consumer.dead_letter_key) == 0


async def test_a_transient_failure_while_stopping_leaves_the_entries_pending(
    db: Database, redis: Redis, namespace: str
) -> None:
    handlers = HandlerRegistry()

    @handlers.on(CommunityCreated)
    async def unreachable(ctx: EventContext, event: CommunityCreated) -> None:
        raise ConnectionRefusedError("the database is not answering")

    consumer = make_consumer(db, redis, namespace, "c1", handlers=handlers)
    entries = await deliver(consumer, redis, namespace, [community_event("一社区")])
    consumer.stopping.set()  # the service is shutting down: no more retries
    with pytest.raises(ConsumerStopping):
        await consumer.process(entries)
    assert (await redis.xpending(namespace + STREAM, "kit"))["pending"] == 1
    assert await list_dead_letters(redis, consumer.dead_letter_key) == []
