"""Figure 1: consumer throughput of the event kit with real effects.

A stream is filled with CommunityCreated events; then one or two replicas (separate
processes, as deployed) of a service whose only handler is the communities projection
drain it through the kit: FastStream batch subscriber, inbox rows and projection
upserts committed per batch, acknowledgement after commit. The clock runs from the
moment the replicas are told to start until every event's effect is committed.

The end is watched in Redis, where it is cheap: an entry is acknowledged only after its
transaction commits, so once the group has read every entry and none is pending, every
effect is committed (checked once more in the database). Counting the projection's rows
every few milliseconds instead cost the database and this process a tenth of the two
cores the replicas need.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
from multiprocessing.synchronize import Event as ProcessEvent
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import func
from sqlmodel import select

from shared import loop
from shared.contracts.registry import CommunityCreated
from shared.db import Database
from shared.events.envelope import Envelope
from shared.events.handlers import HandlerRegistry
from shared.events.tables import kit_metadata
from shared.projections.communities import (
    KnownCommunity,
    projection_registry,
    register_community_handlers,
)
from shared.runtime import ServiceDefinition, ServiceRuntime
from shared.settings import ServiceSettings

STREAM = "registry.events"


def sample_fields(number: int) -> dict[str, str]:
    """The stream fields of one CommunityCreated event, as the relay writes them."""
    return Envelope.wrap(
        CommunityCreated(community_id=f"c{number}", name=f"社区{number}"),
        subject=f"c{number}",
        community=f"c{number}",
    ).to_fields()


async def fill_stream(redis_url: str, key: str, events: int) -> None:
    """Append `events` distinct CommunityCreated events to `key`."""
    redis = Redis.from_url(redis_url)
    try:
        for start in range(0, events, 1000):
            pipe = redis.pipeline(transaction=False)
            for number in range(start, min(start + 1000, events)):
                pipe.xadd(key, sample_fields(number))  # type: ignore[arg-type]
            await pipe.execute()
    finally:
        await redis.aclose()


async def create_tables(database_url: str) -> None:
    """The kit's tables and the communities projection, in an empty database."""
    db = Database(database_url)
    async with db.engine.begin() as connection:
        await connection.run_sync(kit_metadata.create_all)
        await connection.run_sync(projection_registry.metadata.create_all)
    await db.dispose()


async def committed(db: Database) -> int:
    """How many events' effects are committed (one projection row per event)."""
    async with db.session() as session:
        return int((await session.exec(select(func.count()).select_from(KnownCommunity))).one())


async def all_acknowledged(redis: Redis, key: str, group: str, events: int) -> bool:
    """Whether `group` has read all `events` entries of `key` and acknowledged each."""
    for info in await redis.xinfo_groups(key):
        if info["name"].decode() == group:
            return int(info["entries-read"] or 0) >= events and int(info["pending"]) == 0
    return False  # the replicas have not created their group yet


async def throughput(
    database_url: str, redis_url: str, namespace: str, events: int, batch: int, replicas: int
) -> float:
    """Events per second drained by `replicas` replica processes."""
    await create_tables(database_url)
    await fill_stream(redis_url, namespace + STREAM, events)
    spawn = multiprocessing.get_context("spawn")
    ready = [spawn.Event() for _ in range(replicas)]
    go, stop = spawn.Event(), spawn.Event()
    processes = [
        spawn.Process(
            target=replica_process,
            args=(database_url, redis_url, namespace, f"replica-{i}", batch, ready[i], go, stop),
        )
        for i in range(replicas)
    ]
    for process in processes:
        process.start()
    db = Database(database_url)
    redis = Redis.from_url(redis_url)
    try:
        for event in ready:
            await asyncio.to_thread(event.wait, 120)
        started = time.perf_counter()
        go.set()
        while not await all_acknowledged(redis, namespace + STREAM, "bench", events):  # noqa: ASYNC110 - polling other processes' work
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
        if (done := await committed(db)) != events:
            raise RuntimeError(f"{events} events acknowledged but {done} effects committed")
        return events / elapsed
    finally:
        stop.set()
        for process in processes:
            await asyncio.to_thread(process.join, 30)
        await redis.aclose()
        await db.dispose()


def replica_process(
    database_url: str,
    redis_url: str,
    namespace: str,
    name: str,
    batch: int,
    ready: ProcessEvent,
    go: ProcessEvent,
    stop: ProcessEvent,
) -> None:
    """One replica: the kit's runtime with the communities projection, until `stop`."""
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("faststream").setLevel(logging.WARNING)
    handlers = HandlerRegistry()
    register_community_handlers(handlers)
    settings = ServiceSettings(
        service_name="bench",
        database_url=database_url,
        redis_url=redis_url,
        stream_namespace=namespace,
        consumer_name=name,
        migrate_on_start=False,
        consume_batch_size=batch,
        consume_block_ms=100,
    )
    definition = ServiceDefinition(
        name="bench", title="bench", description="", migrations_dir=Path("."), handlers=handlers
    )

    async def run() -> None:
        runtime = ServiceRuntime(definition, settings)
        ready.set()
        await asyncio.to_thread(go.wait)
        await runtime.start()
        await asyncio.to_thread(stop.wait)
        await runtime.stop()

    loop.run(run())
