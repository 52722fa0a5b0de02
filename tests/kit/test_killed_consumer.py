"""A replica killed with SIGKILL mid-batch: another replica takes its pending entries."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from tests.kit.support import community_event, effect_counts, eventually, xadd_events
from tests.kit.test_consumer import running_service

STREAM = "registry.events"


async def test_entries_pending_on_a_killed_consumer_are_taken_over_by_another_replica(
    database_url: str, redis_url: str, redis: Redis, namespace: str
) -> None:
    envelopes = [community_event(f"n{i}") for i in range(20)]
    await xadd_events(redis, namespace, envelopes)
    script = Path(__file__).with_name("consumer_process.py")
    doomed = subprocess.Popen(
        [sys.executable, str(script), database_url, redis_url, namespace, "doomed"],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path.cwd())},
    )
    try:

        async def doomed_holds_entries() -> bool:
            """the doomed replica has read entries it has not acknowledged"""
            try:
                consumers = await redis.xinfo_consumers(namespace + STREAM, "kit")
            except ResponseError:  # the replica has not created its group yet
                return False
            return any(c["name"] == b"doomed" and c["pending"] > 0 for c in consumers)

        await eventually(doomed_holds_entries, timeout=30)
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()
    left_pending = next(
        c["pending"]
        for c in await redis.xinfo_consumers(namespace + STREAM, "kit")
        if c["name"] == b"doomed"
    )
    assert left_pending > 0

    async with running_service(database_url, redis_url, namespace, "survivor") as runtime:

        async def all_applied() -> bool:
            """every event has its effect"""
            return len(await effect_counts(runtime.db)) == len(envelopes)

        await eventually(all_applied, timeout=30)

        async def all_acknowledged() -> bool:
            """every entry acknowledged: no handler can still apply one a second time"""
            return (await redis.xpending(namespace + STREAM, "kit"))["pending"] == 0

        await eventually(all_acknowledged, timeout=30)
        assert await effect_counts(runtime.db) == {e.id: 1 for e in envelopes}
