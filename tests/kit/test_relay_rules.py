"""The relay's batches and backlog, on SQLite and PostgreSQL with real Redis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis
from sqlmodel import select

from shared.db import Database
from shared.events.envelope import Envelope
from shared.events.tables import OutboxMessage
from tests.kit.support import make_relay, stage_and_commit


async def test_a_batch_is_at_most_batch_size_and_the_backlog_counts_the_unsent_only(
    db: Database, redis: Redis, namespace: str
) -> None:
    committed = await stage_and_commit(db, ["一社区", "二社区", "三社区"])
    relay = make_relay(db, redis, namespace, batch_size=2)
    assert await relay.backlog() == 3
    assert await relay.publish_pending() == 2
    assert await relay.backlog() == 1
    assert await relay.publish_pending() == 1
    assert await relay.backlog() == 0
    entries = await redis.xrange(namespace + "registry.events")
    assert [Envelope.from_fields(fields).id for _, fields in entries] == [e.id for e in committed]


async def test_a_row_is_marked_sent_at_the_time_it_was_published(
    db: Database, redis: Redis, namespace: str
) -> None:
    await stage_and_commit(db, ["一社区"])
    before = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=1)
    await make_relay(db, redis, namespace).publish_pending()
    after = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=1)
    async with db.session() as session:
        [row] = (await session.exec(select(OutboxMessage))).all()
    assert row.sent_at is not None
    sent = row.sent_at.astimezone(UTC).replace(tzinfo=None) if row.sent_at.tzinfo else row.sent_at
    assert before <= sent <= after
