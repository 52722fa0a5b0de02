"""Rewriting a drained stream on a real Redis: ids, order and groups' places are kept."""

from __future__ import annotations

from typing import Any, cast

import pytest
from redis.asyncio import Redis

from shared.events.redaction import StreamNotDrained, rewrite_stream


async def _drain(redis: Redis, key: str, group: str) -> None:
    read = cast("list[Any]", await redis.xreadgroup(group, "c1", {key: ">"}))
    for _, entries in read:
        await redis.xack(key, group, *[entry_id for entry_id, _ in entries])


async def _redact(_entry_id: str, fields: dict[bytes, bytes]) -> dict[bytes, bytes] | None:
    if fields.get(b"name") is None:
        return None
    return {**fields, b"name": b"(sealed)"}


async def test_entries_keep_their_ids_and_groups_read_on_from_where_they_were(
    redis: Redis, namespace: str
) -> None:
    key = f"{namespace}registry.events"
    ids = [await redis.xadd(key, {"n": str(i), "name": f"王{i}"}) for i in range(3)]
    ids.append(await redis.xadd(key, {"n": "3"}))  # nothing to redact in this one
    await redis.xgroup_create(key, "evaluation", id="0")
    await _drain(redis, key, "evaluation")

    report = await rewrite_stream(redis, key, _redact, chunk=2)

    assert (report.entries, report.changed) == (4, 3)
    entries = await redis.xrange(key)
    assert [entry_id for entry_id, _ in entries] == ids
    assert [fields.get(b"name") for _, fields in entries] == [b"(sealed)"] * 3 + [None]
    [group] = await redis.xinfo_groups(key)
    assert group["last-delivered-id"] == ids[-1]
    assert int(group["pending"]) == 0
    assert int(group["lag"]) == 0
    # The group reads on: what comes after the rewrite, and nothing before it again.
    later = await redis.xadd(key, {"n": "4"})
    assert int((await redis.xinfo_groups(key))[0]["lag"]) == 1
    read = cast("list[Any]", await redis.xreadgroup("evaluation", "c1", {key: ">"}))
    assert [entry_id for entry_id, _ in read[0][1]] == [later]


async def test_a_group_behind_or_holding_entries_stops_the_rewrite(
    redis: Redis, namespace: str
) -> None:
    key = f"{namespace}registry.events"
    await redis.xadd(key, {"name": "王一"})
    await redis.xgroup_create(key, "evaluation", id="0")
    with pytest.raises(StreamNotDrained, match="has not read"):
        await rewrite_stream(redis, key, _redact)
    await redis.xreadgroup("evaluation", "c1", {key: ">"})  # read, not acknowledged
    with pytest.raises(StreamNotDrained, match="pending"):
        await rewrite_stream(redis, key, _redact)
    assert [fields[b"name"] for _, fields in await redis.xrange(key)] == ["王一".encode()]


async def test_a_stream_that_changes_meanwhile_is_left_as_it_was(
    redis: Redis, namespace: str
) -> None:
    key = f"{namespace}registry.events"
    first = await redis.xadd(key, {"name": "王一"})

    async def append_meanwhile(entry_id: str, fields: dict[bytes, bytes]) -> dict[bytes, bytes]:
        await redis.xadd(key, {"name": "李二"})  # a producer that was not stopped
        return {b"name": b"(sealed)"}

    with pytest.raises(StreamNotDrained, match="changed during the rewrite"):
        await rewrite_stream(redis, key, append_meanwhile)
    entries = await redis.xrange(key)
    assert entries[0] == (first, {b"name": "王一".encode()})
    assert len(entries) == 2
    assert not await redis.exists(f"{key}:rewrite")
