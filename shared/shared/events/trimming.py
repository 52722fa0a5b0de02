"""Stream trimming that never drops an entry some consumer group has not yet read."""

from __future__ import annotations

import time

from redis.asyncio import Redis


def _parse_id(entry_id: bytes | str) -> tuple[int, int]:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    millis, _, seq = text.partition("-")
    return int(millis), int(seq or 0)


async def safe_trim_floor(redis: Redis, stream: str) -> tuple[int, int] | None:
    """The lowest entry id some group still needs, or None when nothing may be trimmed.

    A group needs every entry after its last-delivered id, and every entry still
    pending (delivered, not acknowledged). A stream without groups is not trimmed:
    nobody has said what they have read.
    """
    groups = await redis.xinfo_groups(stream)
    if not groups:
        return None
    floor: tuple[int, int] | None = None
    for group in groups:
        last_delivered = _parse_id(group["last-delivered-id"])
        # Entries up to and including last-delivered have been read; the next one is needed.
        needed = (last_delivered[0], last_delivered[1] + 1)
        if int(group["pending"]) > 0:
            summary = await redis.xpending(stream, group["name"])
            if summary["min"] is not None:
                needed = min(needed, _parse_id(summary["min"]))
        floor = needed if floor is None else min(floor, needed)
    return floor


async def trim_stream(redis: Redis, stream: str, *, retention_ms: int) -> int:
    """Trim entries older than `retention_ms` that every group has read; returns the count.

    Approximate MINID trimming (`~`) only removes whole internal nodes below the given
    id, so it removes at most what exact trimming would, never an entry at or above it.
    """
    if retention_ms <= 0:
        return 0
    floor = await safe_trim_floor(redis, stream)
    if floor is None:
        return 0
    cutoff = (int(time.time() * 1000) - retention_ms, 0)
    min_id = min(floor, cutoff)
    removed: int = await redis.xtrim(stream, minid=f"{min_id[0]}-{min_id[1]}", approximate=True)
    return removed
