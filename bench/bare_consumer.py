"""The least a consumer with figure 1's effects can do: a reference beside figure 1.

Each process reads the stream's CommunityCreated entries with XREADGROUP COUNT n, takes
the source, id, type, time and data of each (orjson, no validation), inserts the inbox
rows and upserts the community rows in one transaction per batch through the bare
driver, and acknowledges the batch. No framework, no envelope or payload models, no
retries, dead letters or read-ahead: the kit's effects with none of its guarantees but
the transaction. Figure 1's replicas divided by the same number of these processes
says what the kit adds; these divided by the issue's ceiling say what the effects
themselves cost against one table written with nothing read.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from datetime import UTC, datetime
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event as ProcessEvent
from typing import Any

import aiosqlite
import asyncpg
import orjson
from redis.asyncio import Redis
from sqlalchemy import make_url

from shared import loop

GROUP = "bare"
_TABLES = (
    "CREATE TABLE bare_inbox (source VARCHAR(200) NOT NULL, event_id VARCHAR(64) NOT NULL,"
    " event_type VARCHAR(200) NOT NULL, handled_at {timestamp} NOT NULL,"
    " PRIMARY KEY (source, event_id))",
    "CREATE TABLE bare_community (id VARCHAR(64) PRIMARY KEY, name VARCHAR(200) NOT NULL,"
    " updated_at {timestamp} NOT NULL)",
)
_PG_INBOX = (
    "INSERT INTO bare_inbox SELECT * FROM unnest($1::varchar[], $2::varchar[],"
    " $3::varchar[], $4::timestamptz[]) ON CONFLICT DO NOTHING RETURNING event_id"
)
_PG_COMMUNITY = (
    "INSERT INTO bare_community SELECT * FROM unnest($1::varchar[], $2::varchar[],"
    " $3::timestamptz[]) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,"
    " updated_at = EXCLUDED.updated_at"
)
_SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000")


async def rate(redis_url: str, key: str, database_url: str, batch: int, processes: int) -> float:
    """Events per second drained from `key` by `processes` bare loops."""
    redis = Redis.from_url(redis_url)
    try:
        await redis.xgroup_create(key, GROUP, id="0")
    finally:
        await redis.aclose()
    connection = await _connect(database_url)
    try:
        sqlite = isinstance(connection, aiosqlite.Connection)
        for ddl in _TABLES:
            await connection.execute(
                ddl.format(timestamp="DATETIME" if sqlite else "TIMESTAMP WITH TIME ZONE")
            )
        if sqlite:
            await connection.commit()
    finally:
        await connection.close()
    spawn = multiprocessing.get_context("spawn")
    go = spawn.Event()
    drained: Queue[int] = spawn.Queue()
    workers = [
        spawn.Process(
            target=_loop_process,
            args=(redis_url, key, database_url, batch, f"bare-{i}", go, drained),
        )
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    await asyncio.sleep(1)  # connected and waiting: the clock times the loops, not start-up
    started = time.perf_counter()
    go.set()
    total = sum([await asyncio.to_thread(drained.get, True, 300) for _ in workers])
    elapsed = time.perf_counter() - started
    for worker in workers:
        await asyncio.to_thread(worker.join, 30)
    return total / elapsed


def _loop_process(
    redis_url: str,
    key: str,
    database_url: str,
    batch: int,
    name: str,
    go: ProcessEvent,
    drained: Queue[int],
) -> None:
    drained.put(loop.run(_loop(redis_url, key, database_url, batch, name, go)))


async def _loop(
    redis_url: str, key: str, database_url: str, batch: int, name: str, go: ProcessEvent
) -> int:
    redis = Redis.from_url(redis_url)
    connection = await _connect(database_url)
    try:
        await asyncio.to_thread(go.wait)
        read = 0
        while True:
            reply: Any = await redis.xreadgroup(GROUP, name, {key: ">"}, count=batch)
            if not reply:
                return read
            entries = reply[0][1]
            now = datetime.now(UTC)
            inbox, communities = [], []
            for _, fields in entries:
                data = orjson.loads(fields[b"data"])
                inbox.append(
                    (fields[b"source"].decode(), fields[b"id"].decode(), fields[b"type"].decode())
                )
                communities.append(
                    (
                        data["community_id"],
                        data["name"],
                        datetime.fromisoformat(fields[b"time"].decode()),
                    )
                )
            if isinstance(connection, aiosqlite.Connection):
                await _sqlite_batch(connection, now, inbox, communities)
            else:
                await _postgres_batch(connection, now, inbox, communities)
            await redis.xack(key, GROUP, *[entry_id for entry_id, _ in entries])
            read += len(entries)
    finally:
        await connection.close()
        await redis.aclose()


async def _connect(database_url: str) -> Any:
    url = make_url(database_url)
    if url.drivername.startswith("sqlite"):
        connection = await aiosqlite.connect(str(url.database), timeout=30)
        for pragma in _SQLITE_PRAGMAS:
            await connection.execute(f"PRAGMA {pragma}")
        return connection
    return await asyncpg.connect(
        url.set(drivername="postgresql").render_as_string(hide_password=False)
    )


async def _postgres_batch(
    connection: asyncpg.Connection,
    now: datetime,
    inbox: list[tuple[str, str, str]],
    communities: list[tuple[str, str, datetime]],
) -> None:
    sources, ids, types = zip(*inbox, strict=True)
    async with connection.transaction():
        fresh = {
            record[0]
            for record in await connection.fetch(_PG_INBOX, sources, ids, types, [now] * len(ids))
        }
        new = [row for row, event_id in zip(communities, ids, strict=True) if event_id in fresh]
        if new:
            await connection.execute(_PG_COMMUNITY, *zip(*new, strict=True))


async def _sqlite_batch(
    connection: aiosqlite.Connection,
    now: datetime,
    inbox: list[tuple[str, str, str]],
    communities: list[tuple[str, str, datetime]],
) -> None:
    # Every event of the benchmark is new, so which inbox rows were inserted is not
    # read back here (executemany cannot return rows); the upsert runs for each.
    handled_at = now.isoformat()
    await connection.executemany(
        "INSERT OR IGNORE INTO bare_inbox VALUES (?, ?, ?, ?)",
        [(*row, handled_at) for row in inbox],
    )
    await connection.executemany(
        "INSERT INTO bare_community VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
        " name = excluded.name, updated_at = excluded.updated_at",
        [(i, n, t.isoformat()) for i, n, t in communities],
    )
    await connection.commit()
