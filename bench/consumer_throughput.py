"""Consumer throughput of the event kit with a real effect, on SQLite and PostgreSQL.

Appends N CommunityCreated events to a fresh stream, then times one service runtime
(FastStream batch subscriber, inbox and projection upsert committed per batch, acks)
until every event's effect is committed. Prints events per second.

    uv run python bench/consumer_throughput.py --events 20000 \\
        --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import select

from shared.contracts.registry import CommunityCreated
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


async def run(database_url: str, redis_url: str, events: int, batch: int) -> float:
    namespace = f"bench-{uuid.uuid4().hex[:8]}:"
    redis = Redis.from_url(redis_url)
    pipe = redis.pipeline(transaction=False)
    for i in range(events):
        envelope = Envelope.wrap(
            CommunityCreated(community_id=f"c{i}", name=f"社区{i}"),
            subject=f"c{i}",
            community=f"c{i}",
        )
        pipe.xadd(namespace + "registry.events", envelope.to_fields())  # type: ignore[arg-type]
        if i % 1000 == 999:
            await pipe.execute()
    await pipe.execute()
    handlers = HandlerRegistry()
    register_community_handlers(handlers)
    settings = ServiceSettings(
        service_name="bench",
        database_url=database_url,
        redis_url=redis_url,
        stream_namespace=namespace,
        migrate_on_start=False,
        consume_batch_size=batch,
        consume_block_ms=50,
        log_level="WARNING",
    )
    runtime = ServiceRuntime(
        ServiceDefinition(
            name="bench", title="bench", description="", migrations_dir=Path("."), handlers=handlers
        ),
        settings,
    )
    async with runtime.db.engine.begin() as connection:
        await connection.run_sync(kit_metadata.create_all)
        await connection.run_sync(projection_registry.metadata.create_all)
    started = time.perf_counter()
    await runtime.start()
    while True:
        async with runtime.db.session() as session:
            done = (await session.exec(select(func.count()).select_from(KnownCommunity))).one()
        if done >= events:
            break
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    await runtime.stop()
    keys = [k async for k in redis.scan_iter(match=f"{namespace}*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()
    return events / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--postgres", default="")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        rate = await run(
            f"sqlite+aiosqlite:///{directory}/bench.db", args.redis, args.events, args.batch
        )
        rows.append(("SQLite", rate))
    if args.postgres:
        name = f"linli_bench_{uuid.uuid4().hex[:8]}"
        admin = create_async_engine(args.postgres, isolation_level="AUTOCOMMIT")
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = args.postgres.rsplit("/", 1)[0] + f"/{name}"
        try:
            rows.append(("PostgreSQL", await run(url, args.redis, args.events, args.batch)))
        finally:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()
    print("| database | events | batch | events/s |\n|---|---|---|---|")
    for database, rate in rows:
        print(f"| {database} | {args.events} | {args.batch} | {rate:,.0f} |")


if __name__ == "__main__":
    asyncio.run(main())
