"""The relay's loop (`OutboxRelay.run`), on SQLite and PostgreSQL with real Redis.

The services run this loop; these tests run it alone: polling, the wake-up on commit,
the back-off after a failed round, the clean-up of old sent rows and stopping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import orjson
import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis
from sqlmodel import col, select

from shared.db import Database
from shared.events.backoff import backoff_seconds
from shared.events.envelope import Envelope
from shared.events.relay import OutboxRelay
from shared.events.tables import OutboxMessage, RelayLease
from shared.metrics import OUTBOX_BACKLOG
from tests.kit.support import (
    community_event,
    eventually,
    make_relay,
    stage_and_commit,
    utcnow,
)

# A poll so long that nothing in a test is published by it: what is published came
# from a wake-up or from going straight on after a full batch.
NEVER_MS = 600_000
DAY_MS = 86_400_000


class Running:
    """A relay's `run` as a task, which the test may stop; a crash of the loop fails the
    test at the next check instead of hiding behind a timeout."""

    def __init__(self, relay: OutboxRelay) -> None:
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(relay.run(self.stop))

    def alive(self) -> None:
        if self.task.done():
            raise AssertionError(f"the relay's loop ended: {self.task!r}")

    async def until(self, condition: str, check: object, timeout: float = 20.0) -> None:
        async def met() -> bool:
            self.alive()
            return bool(await check())  # type: ignore[operator]

        met.__doc__ = condition
        await eventually(met, timeout=timeout)


class FailedRounds(logging.Handler):
    """The relay's "round failed" warnings, as they are logged."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("outbox relay round failed"):
            self.records.append(record)


@contextlib.asynccontextmanager
async def running(relay: OutboxRelay, *, failing: bool = False) -> AsyncIterator[Running]:
    """Run the relay's loop for the block. Unless the test makes rounds fail on purpose
    (`failing`), none may: a round that fails after publishing still lets events through,
    so only this check sees it."""
    loop = Running(relay)
    failed = FailedRounds()
    logger = logging.getLogger("shared.events.relay")
    logger.addHandler(failed)
    try:
        yield loop
    finally:
        # As the services' runtime does: a loop waiting out a long poll is cancelled.
        loop.stop.set()
        loop.task.cancel()
        await asyncio.gather(loop.task, return_exceptions=True)
        logger.removeHandler(failed)
    if not failing:
        assert [r.getMessage() for r in failed.records] == []


async def commit_without_wakeup(
    db: Database, names: list[str], *, sent_at: datetime | None = None
) -> list[Envelope]:
    """Commit outbox rows the way another process would: this process's relay is not
    woken (only `add_event` in this process wakes it)."""
    envelopes = [community_event(name) for name in names]
    async with db.session() as session:
        for envelope in envelopes:
            session.add(
                OutboxMessage(
                    event_id=envelope.id,
                    event_type=envelope.type,
                    stream="registry.events",
                    fields=orjson.dumps(envelope.to_fields()).decode(),
                    created_at=utcnow(),
                    sent_at=sent_at,
                )
            )
        await session.commit()
    return envelopes


async def published_ids(redis: Redis, namespace: str) -> list[str]:
    entries = await redis.xrange(namespace + "registry.events")
    return [Envelope.from_fields(fields).id for _, fields in entries]


async def unsent_ids(db: Database) -> set[str]:
    async with db.session() as session:
        rows = await session.exec(
            select(OutboxMessage.event_id).where(col(OutboxMessage.sent_at).is_(None))
        )
        return set(rows.all())


async def row_ids(db: Database) -> set[str]:
    async with db.session() as session:
        return set((await session.exec(select(OutboxMessage.event_id))).all())


async def lease_taken(db: Database) -> bool:
    async with db.session() as session:
        return await session.get(RelayLease, "registry") is not None


def published_metric() -> float:
    value = REGISTRY.get_sample_value("linli_events_published_total", {"service": "registry"})
    return value or 0.0


async def test_rows_committed_while_it_runs_are_published_by_the_poll(
    db: Database, redis: Redis, namespace: str
) -> None:
    relay = make_relay(db, redis, namespace, poll_ms=50)
    counted_before = published_metric()
    async with running(relay) as loop:
        await loop.until("the relay took its lease", lambda: lease_taken(db))
        first = await commit_without_wakeup(db, ["一社区", "二社区"])

        async def both_sent() -> bool:
            return not await unsent_ids(db)

        await loop.until("the polled rows are marked sent", both_sent)
        # And again on a later poll: the loop goes on after an idle round.
        second = await commit_without_wakeup(db, ["三社区"])
        await loop.until("the second row is marked sent", both_sent)
    assert await published_ids(redis, namespace) == [e.id for e in first + second]
    assert published_metric() - counted_before == 3


async def test_a_commit_wakes_the_relay_without_waiting_for_the_poll(
    db: Database, redis: Redis, namespace: str
) -> None:
    relay = make_relay(db, redis, namespace, poll_ms=NEVER_MS)
    async with running(relay) as loop:
        # The first round finds nothing, and the loop then waits: only a wake-up ends that.
        await loop.until("the relay took its lease", lambda: lease_taken(db))
        [waited] = await stage_and_commit(db, ["一社区"])

        async def sent() -> bool:
            return waited.id not in await unsent_ids(db) and await relay.backlog() == 0

        await loop.until("the committed row is published on its wake-up", sent)
        [later] = await stage_and_commit(db, ["二社区"])
        await loop.until("a second commit wakes it again", sent)
    assert await published_ids(redis, namespace) == [waited.id, later.id]


async def test_after_a_full_batch_it_goes_straight_on_to_the_next(
    db: Database, redis: Redis, namespace: str
) -> None:
    committed = await commit_without_wakeup(db, ["1", "2", "3", "4", "5"])
    relay = make_relay(db, redis, namespace, batch_size=2, poll_ms=NEVER_MS)
    async with running(relay) as loop:

        async def all_sent() -> bool:
            return await relay.backlog() == 0

        await loop.until("five rows in batches of two are all sent, without a poll", all_sent)
    assert await published_ids(redis, namespace) == [e.id for e in committed]


def _round_failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith("outbox relay round failed")]


async def test_a_failing_round_backs_off_longer_each_time_and_recovery_loses_nothing(
    db: Database, redis: Redis, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="shared.events.relay")
    stream = namespace + "registry.events"
    await redis.set(stream, "not a stream")  # every XADD to it fails (WRONGTYPE)
    committed = await stage_and_commit(db, ["一社区", "二社区"])
    relay = make_relay(db, redis, namespace, poll_ms=50)
    async with running(relay, failing=True) as loop:

        async def three_failures() -> bool:
            return len(_round_failures(caplog)) >= 3

        await loop.until("three rounds failed", three_failures)
        messages = [r.getMessage() for r in _round_failures(caplog)[:3]]
        assert [m.split(": ", 1)[0] for m in messages] == [
            "outbox relay round failed (1 in a row, next in 0.4 s)",
            "outbox relay round failed (2 in a row, next in 0.8 s)",
            "outbox relay round failed (3 in a row, next in 1.6 s)",
        ]
        assert all("WRONGTYPE" in m for m in messages)  # the cause, for the operator
        first, second, third = (r.created for r in _round_failures(caplog)[:3])
        # 0.4 s after the first failure, 0.8 s after the second (timers may fire a
        # millisecond early); the upper bounds leave a busy machine more than a second.
        assert 0.39 <= second - first < 0.4 + 1.5
        assert 0.79 <= third - second < 0.8 + 1.5
        assert await relay.backlog() == 2  # nothing marked sent that was not published

        await redis.delete(stream)

        async def recovered() -> bool:
            return await relay.backlog() == 0

        await loop.until("the rows are published once Redis takes them again", recovered)
        assert await published_ids(redis, namespace) == [e.id for e in committed]
        # After a good round the count starts again: the next failure waits 0.4 s, not 3.2 s.
        failures_before = len(_round_failures(caplog))
        await redis.delete(stream)  # the string put there replaces the stream
        await redis.set(stream, "not a stream")
        [third] = await stage_and_commit(db, ["三社区"])

        async def two_more_failures() -> bool:
            return len(_round_failures(caplog)) >= failures_before + 2

        await loop.until("two rounds failed again", two_more_failures)
        again = _round_failures(caplog)[failures_before:]
        restarted = "outbox relay round failed (1 in a row, next in 0.4 s)"
        assert again[0].getMessage().startswith(restarted)
        assert 0.39 <= again[1].created - again[0].created < 0.4 + 1.5
        await redis.delete(stream)
        await loop.until("the third row is published too", recovered)
    assert await published_ids(redis, namespace) == [third.id]


async def test_a_stop_during_the_back_off_ends_the_loop_at_once(
    db: Database, redis: Redis, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="shared.events.relay")
    await redis.set(namespace + "registry.events", "not a stream")
    await stage_and_commit(db, ["一社区"])
    relay = make_relay(db, redis, namespace, poll_ms=50)
    loop = Running(relay)
    try:

        async def four_failures() -> bool:
            return len(_round_failures(caplog)) >= 4

        await loop.until("four rounds failed", four_failures)
        # The fourth failure is followed by 3.2 s of back-off; a stop cuts it short.
        loop.stop.set()
        asked = time.monotonic()
        await asyncio.wait_for(loop.task, timeout=30)
        assert time.monotonic() - asked < 2.0
    finally:
        loop.stop.set()
        await asyncio.wait_for(loop.task, timeout=30)


async def test_a_stop_while_idle_ends_the_loop_within_a_poll(
    db: Database, redis: Redis, namespace: str
) -> None:
    relay = make_relay(db, redis, namespace, poll_ms=200)
    loop = Running(relay)
    [envelope] = await stage_and_commit(db, ["一社区"])

    async def sent() -> bool:
        return await relay.backlog() == 0

    await loop.until("the row is sent", sent)
    loop.stop.set()
    await asyncio.wait_for(loop.task, timeout=10)
    # A stopped relay is no longer woken by commits, nor does it poll.
    await stage_and_commit(db, ["二社区"])
    await commit_without_wakeup(db, ["三社区"])
    assert relay._wakeup.is_set() is False
    assert await published_ids(redis, namespace) == [envelope.id]


async def test_sent_rows_older_than_the_keep_window_are_cleaned_and_newer_kept(
    db: Database, redis: Redis, namespace: str
) -> None:
    old = await commit_without_wakeup(db, ["旧"], sent_at=utcnow() - timedelta(days=2))
    recent = await commit_without_wakeup(db, ["新"], sent_at=utcnow() - timedelta(hours=1))
    unsent = await commit_without_wakeup(db, ["未发"])
    relay = make_relay(db, redis, namespace, poll_ms=NEVER_MS, keep_sent=timedelta(days=1))
    async with running(relay) as loop:

        async def old_gone() -> bool:
            return old[0].id not in await row_ids(db)

        await loop.until("the sent row older than a day is deleted", old_gone)
        assert await row_ids(db) == {recent[0].id, unsent[0].id}
        assert await relay.backlog() == 0  # the unsent row was published, and kept

        # The clean-up runs once a minute, not every round: a row that is old now stays
        # until then, though rounds go on.
        older = await commit_without_wakeup(db, ["又旧"], sent_at=utcnow() - timedelta(days=3))
        for name in ["甲", "乙"]:  # once the second is sent, the first's round has ended
            [woken] = await stage_and_commit(db, [name])

            async def sent(event_id: str = woken.id) -> bool:
                return event_id not in await unsent_ids(db)

            await loop.until(f"{name} is sent", sent)
        assert older[0].id in await row_ids(db)


async def test_the_backlog_gauge_counts_what_a_relay_without_the_lease_cannot_send(
    db: Database, redis: Redis, namespace: str
) -> None:
    await stage_and_commit(db, ["一社区"])
    assert await make_relay(db, redis, namespace, holder="other").publish_pending() == 1
    await stage_and_commit(db, ["二社区", "三社区"])
    relay = make_relay(db, redis, namespace, holder="standby", poll_ms=50)
    OUTBOX_BACKLOG.labels("registry").set(-1)  # not what an earlier test's relay left
    async with running(relay) as loop:

        async def gauge_shows_two() -> bool:
            value = REGISTRY.get_sample_value("linli_outbox_backlog", {"service": "registry"})
            return value == 2

        await loop.until("the gauge shows the two rows the other replica holds", gauge_shows_two)
    assert await relay.backlog() == 2


def test_the_back_off_doubles_from_0_4_s_up_to_5_s() -> None:
    assert [backoff_seconds(n) for n in range(1, 8)] == [0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0]


async def test_the_stream_is_trimmed_to_its_retention_once_every_group_has_read_it(
    db: Database, redis: Redis, namespace: str
) -> None:
    stream = namespace + "registry.events"
    old_ms = int(time.time() * 1000) - 10 * DAY_MS
    pipe = redis.pipeline(transaction=False)
    for i in range(2000):  # many internal nodes: approximate trimming drops whole ones
        pipe.xadd(stream, {"n": str(i)}, id=f"{old_ms + i}-0")
    await pipe.execute()
    await redis.xgroup_create(stream, "reader", id="$")  # has read all of them
    relay = make_relay(db, redis, namespace, poll_ms=NEVER_MS, retention_ms=DAY_MS)
    async with running(relay) as loop:
        [fresh] = await stage_and_commit(db, ["一社区"])

        async def trimmed() -> bool:
            return await redis.xlen(stream) < 2000 and await relay.backlog() == 0

        await loop.until("the old entries are trimmed and the new one published", trimmed)
    [(_, last)] = await redis.xrevrange(stream, count=1)
    assert Envelope.from_fields(last).id == fresh.id
