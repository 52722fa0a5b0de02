"""The transactional outbox and its relay, on SQLite and PostgreSQL with real Redis."""

from __future__ import annotations

import orjson
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.contracts.registry import CommunityCreated
from shared.db import Database
from shared.events.envelope import Envelope
from shared.events.outbox import add_event
from shared.events.relay import OutboxRelay
from shared.events.tables import OutboxMessage, RelayLease
from tests.kit.support import (
    ManualClock,
    effect_counts,
    make_consumer,
    make_relay,
    stage_and_commit,
    utcnow,
)


async def stream_entries(redis: Redis, namespace: str) -> list[tuple[bytes, dict[bytes, bytes]]]:
    return await redis.xrange(namespace + "registry.events")


async def test_events_commit_with_the_state_change_or_not_at_all(db: Database) -> None:
    async with db.session() as session:
        add_event(
            session,
            CommunityCreated(community_id="c1", name="兴华社区"),
            subject="c1",
            community="c1",
        )
        await session.rollback()
    async with db.session() as session:
        assert (await session.exec(select(OutboxMessage))).all() == []


async def test_crash_between_commit_and_publish_loses_no_event(
    db: Database, redis: Redis, namespace: str
) -> None:
    # The service committed and died before any relay ran: only the outbox knows.
    committed = await stage_and_commit(db, ["东风社区", "兴华社区"])
    assert await stream_entries(redis, namespace) == []

    # A relay of a new process publishes what was committed, in commit order.
    relay = make_relay(db, redis, namespace, holder="after-restart")
    assert await relay.publish_pending() == 2

    entries = await stream_entries(redis, namespace)
    assert [Envelope.from_fields(fields).id for _, fields in entries] == [e.id for e in committed]
    assert await relay.backlog() == 0
    assert await relay.publish_pending() == 0


async def test_entries_are_plain_fields_any_redis_client_can_read(
    db: Database, redis: Redis, namespace: str
) -> None:
    [envelope] = await stage_and_commit(db, ["东风社区"])
    await make_relay(db, redis, namespace).publish_pending()

    [(_, fields)] = await stream_entries(redis, namespace)
    text = {key.decode(): value.decode() for key, value in fields.items()}
    assert text["specversion"] == "1.0"
    assert text["id"] == envelope.id
    assert text["type"] == "org.linli.registry.community_created.v1"
    assert text["source"] == "/linli/registry"
    assert text["datacontenttype"] == "application/json"
    assert text["subject"] == text["community"] == "c-东风社区"
    assert text["time"].endswith("Z")
    assert orjson.loads(text["data"])["name"] == "东风社区"
    assert "__data__" not in text


class RelayDyingAfterPublish(OutboxRelay):
    """A relay whose process dies after XADD and before marking the rows sent."""

    async def _mark_sent(self, session: AsyncSession, ids: list[int]) -> None:
        raise RuntimeError("killed between publish and marking sent")


async def test_relay_killed_between_publish_and_mark_sent_applies_once(
    db: Database, redis: Redis, namespace: str
) -> None:
    envelopes = await stage_and_commit(db, ["a", "b", "c"])
    dying = make_relay(db, redis, namespace, holder="relay-1", kind=RelayDyingAfterPublish)
    with pytest.raises(RuntimeError):
        await dying.publish_pending()
    # The same holder restarted publishes the rows again: each event is in the stream twice.
    assert await make_relay(db, redis, namespace, holder="relay-1").publish_pending() == 3
    entries = await stream_entries(redis, namespace)
    assert len(entries) == 6

    consumer = make_consumer(db, redis, namespace, "c1")
    await consumer.ensure_groups()
    batch = await redis.xreadgroup("kit", "c1", {namespace + "registry.events": ">"}, count=10)
    from shared.events.consumer import StreamEntry

    [(key, read)] = batch
    await consumer.process([StreamEntry(key.decode(), i.decode(), f, 1) for i, f in read])

    assert await effect_counts(db) == {e.id: 1 for e in envelopes}
    assert (await redis.xpending(namespace + "registry.events", "kit"))["pending"] == 0


async def test_only_the_lease_holder_publishes(db: Database, redis: Redis, namespace: str) -> None:
    await stage_and_commit(db, ["a"])
    first = make_relay(db, redis, namespace, holder="replica-1")
    second = make_relay(db, redis, namespace, holder="replica-2")
    assert await first.publish_pending() == 1
    await stage_and_commit(db, ["b"])
    # The lease is still the first relay's: the second publishes nothing, keeping order.
    assert await second.publish_pending() == 0
    assert await first.publish_pending() == 1


async def lease_expiry(db: Database) -> int:
    async with db.session() as session:
        lease = await session.get(RelayLease, "registry")
        assert lease is not None
        return lease.expires_at_ms


async def test_the_lease_is_written_again_only_once_a_third_of_it_has_gone_by(
    db: Database, redis: Redis, namespace: str
) -> None:
    # Renewing is a committed write: every round would cost a commit per batch.
    clock = ManualClock()
    relay = make_relay(db, redis, namespace, lease_ms=3_000, clock=clock)
    await stage_and_commit(db, ["a"])
    assert await relay.publish_pending() == 1
    written = await lease_expiry(db)
    clock.advance(0.99)  # just short of a third
    await stage_and_commit(db, ["b"])
    assert await relay.publish_pending() == 1
    assert await lease_expiry(db) == written
    clock.advance(0.02)  # just past a third
    assert await relay.publish_pending() == 0
    assert await lease_expiry(db) > written


async def test_a_lease_runs_exactly_lease_ms_and_is_renewed_at_exactly_a_third(
    db: Database, redis: Redis, namespace: str
) -> None:
    clock = ManualClock()
    start_ms = int(clock() * 1000)
    first = make_relay(db, redis, namespace, holder="replica-1", lease_ms=3_000, clock=clock)
    second = make_relay(db, redis, namespace, holder="replica-2", lease_ms=3_000, clock=clock)
    await stage_and_commit(db, ["a"])
    assert await first.publish_pending() == 1
    assert await lease_expiry(db) == start_ms + 3_000
    clock.advance(1.0)  # exactly a third gone by: renewed from now
    assert await first.publish_pending() == 0
    assert await lease_expiry(db) == start_ms + 1_000 + 3_000
    # The lease holds through its last millisecond; the other takes over only after it.
    clock.advance(3.0)
    await stage_and_commit(db, ["b"])
    assert await second.publish_pending() == 0
    clock.advance(0.002)  # 1 or 2 ms past it, as the float of the clock rounds
    assert await second.publish_pending() == 1


async def test_a_relay_past_its_lease_publishes_nothing_once_another_took_over(
    db: Database, redis: Redis, namespace: str
) -> None:
    clock = ManualClock()  # both replicas' leases are compared on one clock
    first, second = (
        make_relay(db, redis, namespace, holder=holder, lease_ms=300, clock=clock)
        for holder in ("replica-1", "replica-2")
    )
    await stage_and_commit(db, ["a"])
    assert await first.publish_pending() == 1
    clock.advance(0.301)  # the first relay stalls past its lease
    await stage_and_commit(db, ["b"])
    assert await second.publish_pending() == 1
    await stage_and_commit(db, ["c"])
    # It must not go on trusting the lease it once wrote.
    assert await first.publish_pending() == 0
    assert await second.publish_pending() == 1
    # Nor, once refused, the lease it failed to write.
    await stage_and_commit(db, ["d"])
    assert await first.publish_pending() == 0
    assert await second.publish_pending() == 1
    # Once the second's lease has run out in turn, the first may take over again.
    clock.advance(0.301)
    await stage_and_commit(db, ["e"])
    assert await first.publish_pending() == 1
    assert await second.publish_pending() == 0


async def test_outbox_rows_are_ordered_by_commit(db: Database) -> None:
    await stage_and_commit(db, ["1", "2", "3"])
    async with db.session() as session:
        rows = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    assert [orjson.loads(orjson.loads(r.fields)["data"])["name"] for r in rows] == ["1", "2", "3"]


async def test_rows_are_published_in_id_order_even_where_the_table_keeps_them_otherwise(
    db: Database, redis: Redis, namespace: str
) -> None:
    # PostgreSQL writes an updated row as a new version after the others, and a table
    # scan without ORDER BY returns it there; only the relay's ORDER BY keeps commit
    # order. Without the index on unsent rows (which happens to yield id order) the
    # scan is what PostgreSQL does. (SQLite keeps its rowid order either way.)
    committed = await stage_and_commit(db, ["1", "2", "3"])
    async with db.session() as session:
        await session.exec(text("DROP INDEX ix_event_outbox_unsent"))  # type: ignore[call-overload]
        await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.event_id) == committed[0].id)
            .values(created_at=utcnow())
        )
        await session.commit()
    assert await make_relay(db, redis, namespace).publish_pending() == 3
    entries = await stream_entries(redis, namespace)
    assert [Envelope.from_fields(fields).id for _, fields in entries] == [e.id for e in committed]
