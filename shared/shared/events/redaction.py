"""Rewriting a drained stream: every entry keeps its id, every group keeps its place.

Stream entries cannot be edited, and deleting or re-appending them breaks ordering,
pending lists and rebuilds (docs/decisions/0011). This is the one safe way to change
what old entries say, for a one-off job in a maintenance window. Decision 0011 uses it
to seal names that entries written before it carry in plain.

The entries are copied, in order and with their own ids, into a fresh key, each passed
through `transform`. In one MULTI, the copy is renamed over the stream and the groups
are created again at their last-delivered ids. A WATCH on the stream makes that step
fail if anything changed the stream meanwhile: an entry appended, read or acknowledged.
The stream must be drained first: producers stopped, every group's last-delivered id
at the stream's last id, and nothing pending, because a pending list cannot be
re-created.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import WatchError

#: Given an entry's id and fields, the fields it should have, or None to keep them.
Transform = Callable[[str, dict[bytes, bytes]], Awaitable[dict[bytes, bytes] | None]]


class StreamNotDrained(RuntimeError):
    """The stream has readers behind, pending entries, or changed during the rewrite."""


@dataclass
class RewriteReport:
    """What a rewrite did."""

    entries: int = 0
    changed: int = 0


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _check_drained(key: str, last_id: str, groups: list[dict[Any, Any]]) -> None:
    for group in groups:
        name = _text(group["name"])
        if int(group["pending"]):
            raise StreamNotDrained(f"group {name} of {key} has {group['pending']} pending entries")
        if _text(group["last-delivered-id"]) != last_id:
            raise StreamNotDrained(f"group {name} of {key} has not read up to {last_id}")


async def rewrite_stream(
    redis: Redis, key: str, transform: Transform, *, chunk: int = 500
) -> RewriteReport:
    """Rewrite every entry of the drained stream `key` through `transform`, ids kept."""
    report = RewriteReport()
    copy = f"{key}:rewrite"
    async with redis.pipeline(transaction=True) as pipe:
        await pipe.watch(key)
        if not await pipe.exists(key):
            return report
        info = cast("dict[Any, Any]", await pipe.xinfo_stream(key))
        groups = cast("list[dict[Any, Any]]", await pipe.xinfo_groups(key))
        last_id = _text(info["last-generated-id"])
        _check_drained(key, last_id, groups)
        await redis.delete(copy)
        start = "-"
        while True:
            batch = cast(
                "list[tuple[bytes, dict[bytes, bytes]]]",
                await redis.xrange(key, min=start, max="+", count=chunk),
            )
            for raw_id, fields in batch:
                entry_id = raw_id.decode()
                changed = await transform(entry_id, fields)
                report.entries += 1
                report.changed += changed is not None
                await redis.xadd(copy, changed if changed is not None else fields, id=entry_id)  # type: ignore[arg-type]
            if len(batch) < chunk:
                break
            start = "(" + batch[-1][0].decode()
        if report.changed == 0:
            await redis.delete(copy)
            return report
        # The copy continues the stream's own counters: ids after the last one, and the
        # lag of each group (entries added minus entries read) as it was.
        await redis.execute_command(  # type: ignore[no-untyped-call]
            "XSETID",
            copy,
            last_id,
            "ENTRIESADDED",
            int(info["entries-added"]),
            "MAXDELETEDID",
            _text(info["max-deleted-entry-id"]),
        )
        pipe.multi()  # type: ignore[no-untyped-call]
        pipe.rename(copy, key)
        for group in groups:
            pipe.xgroup_create(
                key,
                _text(group["name"]),
                id=_text(group["last-delivered-id"]),
                entries_read=group.get("entries-read"),
            )
        try:
            await pipe.execute()
        except WatchError as exc:
            await redis.delete(copy)
            raise StreamNotDrained(
                f"{key} changed during the rewrite; nothing was replaced, stop its producers "
                "and consumers and run again"
            ) from exc
    return report
