"""Rebuilding a service's projections by replaying streams from their first entry."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis
from sqlalchemy import update
from sqlmodel import col

from shared.db import Database
from shared.events.consumer import EventConsumer, ReplayBatch, StreamEntry
from shared.events.handlers import HandlerRegistry
from shared.events.tables import OutboxMessage


@dataclass
class ReplayReport:
    """What a replay did."""

    entries: int = 0
    applied: int = 0
    skipped: int = 0


async def _entries(redis: Redis, key: str, chunk: int) -> AsyncIterator[StreamEntry]:
    start = "-"
    while True:
        batch = cast(
            "list[tuple[bytes, dict[bytes, bytes]]]",
            await redis.xrange(key, min=start, max="+", count=chunk),
        )
        for entry_id, fields in batch:
            yield StreamEntry(key, entry_id.decode(), fields, 1)
        if len(batch) < chunk:
            return
        start = "(" + batch[-1][0].decode()


async def _merged(streams: list[AsyncIterator[StreamEntry]]) -> AsyncIterator[StreamEntry]:
    """The entries of several streams in entry-id order (each stream is in order)."""
    heap: list[tuple[tuple[int, int], int, StreamEntry]] = []
    for index, stream in enumerate(streams):
        first = await anext(stream, None)
        if first is not None:
            heapq.heappush(heap, (_order(first), index, first))
    while heap:
        _, index, entry = heapq.heappop(heap)
        yield entry
        following = await anext(streams[index], None)
        if following is not None:
            heapq.heappush(heap, (_order(following), index, following))


def _order(entry: StreamEntry) -> tuple[int, int]:
    millis, _, seq = entry.entry_id.partition("-")
    return int(millis), int(seq)


async def replay(
    *,
    service: str,
    db: Database,
    redis: Redis,
    handlers: HandlerRegistry,
    namespace: str = "",
    batch: int = 500,
) -> ReplayReport:
    """Apply every entry of the streams `handlers` read, merged in entry-id order.

    Merging by id replays events in the order they were appended across streams, as
    the live service roughly saw them. Reading and decoding the next batch goes on
    while the database applies the current one. Events the handlers publish are marked
    sent at the end: they were published when the facts first happened.
    """
    consumer = EventConsumer(
        service=service,
        db=db,
        redis=redis,
        handlers=handlers,
        consumer_name="replay",
        namespace=namespace,
    )
    report = ReplayReport()
    # The reader hands over decoded batches, then None at the end, or what it raised.
    decoded: asyncio.Queue[tuple[int, ReplayBatch] | Exception | None] = asyncio.Queue(2)

    async def read() -> None:
        try:
            pending: list[StreamEntry] = []
            streams = [_entries(redis, key, batch) for key in consumer.stream_keys]
            async for entry in _merged(streams):
                pending.append(entry)
                if len(pending) >= batch:
                    await decoded.put((len(pending), consumer.decode_for_replay(pending)))
                    pending = []
            if pending:
                await decoded.put((len(pending), consumer.decode_for_replay(pending)))
            await decoded.put(None)
        except Exception as exc:
            await decoded.put(exc)

    reader = asyncio.create_task(read())
    try:
        while (item := await decoded.get()) is not None:
            if isinstance(item, Exception):
                raise item
            entries, work = item
            applied, skipped = await consumer.apply_replay_batch(work)
            report.entries += entries
            report.applied += applied
            report.skipped += skipped
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
    async with db.session() as session:
        await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.sent_at).is_(None))
            .values(sent_at=OutboxMessage.created_at)
        )
        await session.commit()
    return report
