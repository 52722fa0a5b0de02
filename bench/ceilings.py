"""What this machine can do without the platform: the ceilings every figure is divided by.

- Redis: pipelined XADD, and a null-handler loop (XREADGROUP COUNT n, one multi-id XACK
  per batch, nothing decoded) over the entries just added;
- the database: commits per second, each inserting `rows` inbox-like rows through the
  bare driver (aiosqlite with the kit's pragmas, or asyncpg), no SQLAlchemy.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import aiosqlite
import asyncpg
from redis.asyncio import Redis
from sqlalchemy import make_url

_PIPELINE = 500
_CEILING_TABLE = (
    "CREATE TABLE bench_ceiling (source VARCHAR(200) NOT NULL, event_id VARCHAR(64) NOT NULL,"
    " event_type VARCHAR(200) NOT NULL, handled_at {timestamp} NOT NULL,"
    " PRIMARY KEY (source, event_id))"
)


async def xadd_rate(redis_url: str, key: str, fields: Mapping[str, str], entries: int) -> float:
    """Entries per second appended by one client pipelining XADD."""
    redis = Redis.from_url(redis_url)
    try:
        started = time.perf_counter()
        for start in range(0, entries, _PIPELINE):
            pipe = redis.pipeline(transaction=False)
            for _ in range(min(_PIPELINE, entries - start)):
                pipe.xadd(key, dict(fields))  # type: ignore[arg-type]
            await pipe.execute()
        return entries / (time.perf_counter() - started)
    finally:
        await redis.aclose()


async def null_handler_rate(redis_url: str, key: str, count: int) -> float:
    """Entries per second read by a group consumer that only acknowledges them."""
    redis = Redis.from_url(redis_url)
    try:
        await redis.xgroup_create(key, "ceiling", id="0")
        read = 0
        started = time.perf_counter()
        while True:
            reply: Any = await redis.xreadgroup("ceiling", "null", {key: ">"}, count=count)
            if not reply:
                break
            ids = [entry_id for entry_id, _ in reply[0][1]]
            await redis.xack(key, "ceiling", *ids)
            read += len(ids)
        return read / (time.perf_counter() - started)
    finally:
        await redis.aclose()


async def commit_rate(database_url: str, rows: int, commits: int) -> float:
    """Commits per second, each inserting `rows` rows, through the bare driver."""
    url = make_url(database_url)
    now = datetime.now(UTC)
    batches = [
        [("/linli/bench", f"{c:08d}-{r:04d}", "org.linli.bench.v1", now) for r in range(rows)]
        for c in range(commits)
    ]
    if url.drivername.startswith("sqlite"):
        return await _sqlite_commits(str(url.database), batches)
    return await _postgres_commits(url.set(drivername="postgresql"), batches)


async def _sqlite_commits(path: str, batches: list[list[tuple[Any, ...]]]) -> float:
    async with aiosqlite.connect(path, timeout=30) as connection:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
            await connection.execute(f"PRAGMA {pragma}")
        await connection.execute(_CEILING_TABLE.format(timestamp="DATETIME"))
        await connection.commit()
        started = time.perf_counter()
        for batch in batches:
            await connection.executemany(
                "INSERT INTO bench_ceiling VALUES (?, ?, ?, ?)",
                [(s, e, t, h.isoformat()) for s, e, t, h in batch],
            )
            await connection.commit()
        elapsed = time.perf_counter() - started
        await connection.execute("DROP TABLE bench_ceiling")
        await connection.commit()
    return len(batches) / elapsed


async def _postgres_commits(url: Any, batches: list[list[tuple[Any, ...]]]) -> float:
    connection = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await connection.execute(_CEILING_TABLE.format(timestamp="TIMESTAMP WITH TIME ZONE"))
        started = time.perf_counter()
        for batch in batches:
            async with connection.transaction():
                await connection.executemany(
                    "INSERT INTO bench_ceiling VALUES ($1, $2, $3, $4)", batch
                )
        elapsed = time.perf_counter() - started
        await connection.execute("DROP TABLE bench_ceiling")
    finally:
        await connection.close()
    return len(batches) / elapsed
