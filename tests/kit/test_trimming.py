"""Trimming keeps every entry a consumer group has not yet read."""

from __future__ import annotations

import time

from redis.asyncio import Redis

from shared.events.trimming import trim_stream

DAY_MS = 86_400_000


async def fill(redis: Redis, key: str, count: int, start_ms: int) -> list[bytes]:
    pipe = redis.pipeline(transaction=False)
    for i in range(count):
        pipe.xadd(key, {"n": str(i)}, id=f"{start_ms + i}-0")
    return [entry_id for entry_id in await pipe.execute()]


async def test_trimming_never_drops_entries_a_group_has_not_read(
    redis: Redis, namespace: str
) -> None:
    key = namespace + "registry.events"
    old = int(time.time() * 1000) - 10 * DAY_MS
    ids = await fill(redis, key, 2000, old)
    await redis.xgroup_create(key, "fast", id="0")
    await redis.xgroup_create(key, "slow", id="0")
    fast = await redis.xreadgroup("fast", "f", {key: ">"}, count=2000)
    await redis.xack(key, "fast", *[entry_id for entry_id, _ in fast[0][1]])
    read = await redis.xreadgroup("slow", "s", {key: ">"}, count=1200)
    slow_ids = [entry_id for entry_id, _ in read[0][1]]
    await redis.xack(key, "slow", *slow_ids[:1000])  # 200 still pending for "slow"

    removed = await trim_stream(redis, key, retention_ms=DAY_MS)

    remaining = [entry_id for entry_id, _ in await redis.xrange(key)]
    assert removed > 0
    # Everything from the slow group's oldest pending entry on is still there.
    first_needed = ids.index(slow_ids[1000])
    assert remaining[-(2000 - first_needed) :] == ids[first_needed:]


async def test_entries_within_the_retention_are_kept_even_when_read(
    redis: Redis, namespace: str
) -> None:
    key = namespace + "registry.events"
    ids = await fill(redis, key, 1000, int(time.time() * 1000) - 60_000)
    await redis.xgroup_create(key, "g", id="$")  # has read everything
    assert await trim_stream(redis, key, retention_ms=DAY_MS) == 0
    assert len(await redis.xrange(key)) == len(ids)


async def test_a_stream_without_groups_or_retention_is_not_trimmed(
    redis: Redis, namespace: str
) -> None:
    key = namespace + "registry.events"
    await fill(redis, key, 1000, int(time.time() * 1000) - 10 * DAY_MS)
    assert await trim_stream(redis, key, retention_ms=DAY_MS) == 0
    await redis.xgroup_create(key, "g", id="$")
    assert await trim_stream(redis, key, retention_ms=0) == 0
    assert await redis.xlen(key) == 1000
