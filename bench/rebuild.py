"""Figure 3: rebuilding the evaluation service's projections from the streams.

The streams hold a district's volunteers (`volunteer_registered`) and their confirmed
service records (`service_confirmed`, with four-ones tags now and then); the evaluation
rebuild replays them into an empty, migrated database. Events per second counts every
entry replayed, from the first read to the last commit.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.asyncio import Redis

from bench.services import registration
from evaluation.app import DEFINITION
from evaluation.cli import rebuild_into
from shared.contracts.activities import ServiceConfirmed
from shared.events.envelope import Envelope
from shared.heap import settle_after_startup
from shared.migrations import upgrade_to_head

_TAGS = ["good_deed", "public_welfare", "conversation", "problem_solved"]
_START = datetime(2026, 1, 1, 8, tzinfo=UTC)


async def fill_streams(redis_url: str, namespace: str, records: int, volunteers: int) -> None:
    """`volunteers` registrations on registry.events, then `records` confirmations."""
    rng = random.Random(8)
    redis = Redis.from_url(redis_url)
    try:
        pipe = redis.pipeline(transaction=False)
        for number in range(volunteers):
            envelope = registration(number, f"c{number % 40:03d}", party_member=number % 5 == 0)
            pipe.xadd(namespace + "registry.events", envelope.to_fields())  # type: ignore[arg-type]
        await pipe.execute()
        for start in range(0, records, 1000):
            pipe = redis.pipeline(transaction=False)
            for number in range(start, min(start + 1000, records)):
                volunteer = rng.randrange(volunteers)
                community = f"c{volunteer % 40:03d}"
                envelope = Envelope.wrap(
                    ServiceConfirmed(
                        record_id=f"r{number:09d}",
                        volunteer_id=f"v{volunteer:06d}",
                        community_id=community,
                        activity_id=f"a{number // 20:07d}",
                        service_area_code="elderly_care",
                        team_id=f"t{volunteer % 300:04d}",
                        started_at=_START + timedelta(minutes=number),
                        hours=rng.choice([1.0, 2.0, 2.5, 3.0, 4.0]),
                        tags=rng.sample(_TAGS, rng.choice([0, 0, 1, 2])),
                        confirmed_by="organiser",
                    ),
                    subject=f"r{number:09d}",
                    community=community,
                )
                pipe.xadd(namespace + "activities.events", envelope.to_fields())  # type: ignore[arg-type]
            await pipe.execute()
    finally:
        await redis.aclose()


async def read_rate(redis_url: str, key: str, chunk: int) -> float:
    """Entries per second read by XRANGE in chunks, nothing decoded: the replay's Redis side."""
    redis = Redis.from_url(redis_url)
    try:
        start, read = "-", 0
        started = time.perf_counter()
        while True:
            batch: Any = await redis.xrange(key, min=start, max="+", count=chunk)
            read += len(batch)
            if len(batch) < chunk:
                break
            start = "(" + batch[-1][0].decode()
        return read / (time.perf_counter() - started)
    finally:
        await redis.aclose()


async def rebuild_rate(
    database_url: str, redis_url: str, namespace: str, batch: int, workers: int | None
) -> float:
    """Entries per second replayed into the empty database at `database_url`, the way
    `python -m evaluation.cli rebuild` does it (one process per core on PostgreSQL)."""
    await asyncio.to_thread(upgrade_to_head, DEFINITION.migrations_dir, database_url)
    settle_after_startup()  # as the rebuild command does before replaying
    started = time.perf_counter()
    report = await rebuild_into(database_url, redis_url, namespace, batch, workers)
    elapsed = time.perf_counter() - started
    if report.skipped:
        raise RuntimeError(f"the rebuild skipped {report.skipped} entries")
    return report.entries / elapsed
