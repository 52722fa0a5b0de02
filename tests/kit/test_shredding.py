"""Crypto-shredding on a real Redis: sealed values open until their subject's key is shredded."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from shared.events.shredding import KEYS_HASH, KeyStoreUnavailable, SubjectKeys


async def test_a_value_opens_until_its_subject_is_shredded(redis: Redis, namespace: str) -> None:
    keys = SubjectKeys(redis, namespace)
    sealed = await keys.seal({"v1": "王小红", "v2": "李明"})
    assert set(sealed) == {"v1", "v2"}
    assert all("王小红" not in token and "李明" not in token for token in sealed.values())
    assert await keys.open(sealed) == {"v1": "王小红", "v2": "李明"}

    await keys.shred("v1")
    assert await keys.open(sealed) == {"v2": "李明"}
    # What is left in Redis is the other subject's key, nothing of the values.
    stored = await redis.hgetall(namespace + KEYS_HASH)
    assert set(stored) == {b"v2"}


async def test_a_subject_keeps_its_first_key_and_a_new_key_opens_no_old_seal(
    redis: Redis, namespace: str
) -> None:
    keys = SubjectKeys(redis, namespace)
    first = await keys.seal({"v1": "王小红"})
    again = await keys.seal({"v1": "王小红"})
    assert await keys.open(first) == await keys.open(again) == {"v1": "王小红"}

    await keys.shred("v1")
    await keys.seal({"v1": "someone else"})  # a key made anew after shredding
    assert await keys.open(first) == {}


async def test_without_redis_nothing_is_sealed_and_the_caller_is_told(namespace: str) -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    keys = SubjectKeys(unreachable, namespace)
    try:
        with pytest.raises(KeyStoreUnavailable, match="nothing was changed"):
            await keys.seal({"v1": "王小红"})
        with pytest.raises(KeyStoreUnavailable):
            await keys.shred("v1")
    finally:
        await unreachable.aclose()
