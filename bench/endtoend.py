"""Figure 2: end-to-end latency of a confirmed service record, HTTP to evaluation ledger.

Activities and evaluation run as processes (`python -m <service>`, defaults as
deployed) on scratch databases. Pending records are created first over HTTP; then the
load generator (`bench.loadgen`, a second process) sends `POST /records/{id}/confirm`
open-loop at a fixed rate. Meanwhile this process watches Redis: it reads
`activities.events` to learn which entry carries each record's `service_confirmed`
(the relay appends it after the HTTP transaction commits its outbox row), and polls
evaluation's consumer group (`XINFO GROUPS`, `XPENDING`): evaluation acknowledges an
entry only after the transaction that wrote the ledger, stars and inbox row committed.
A record's latency runs from the confirm request's scheduled send time to the first
poll (every ~2 ms) that sees its entry delivered to evaluation and no longer pending.

The floor, measured in the same run at the same rate: the generator's p99 against the
same activities process's `GET /health/live` (an HTTP round trip doing nothing) plus
the p99 of one Redis hop (XADD by one client, a blocked XREADGROUP of another), which
is what the path costs with no work in it; the ratio is measured / floor (lower is
better).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from redis.asyncio import Redis

from bench.memory import PeakMemory
from bench.services import COMMUNITY, load, percentile, register_volunteers, running, summary
from shared.auth import Role


@dataclass
class Step:
    """One offered rate: what the path did and what the floor was."""

    offered: float
    achieved: float
    p50: float
    p95: float
    p99: float
    lost: int
    refused: dict[int, int]  # confirm requests answered other than 2xx, by status (0: no answer)
    floor_http_p99: float
    floor_redis_p99: float

    @property
    def floor(self) -> float:
        return self.floor_http_p99 + self.floor_redis_p99


def _entry(entry_id: bytes) -> tuple[int, int]:
    ms, seq = entry_id.decode().split("-")
    return int(ms), int(seq)


class Watcher:
    """Learns each confirmation's stream entry and when evaluation acknowledged it."""

    def __init__(self, redis: Redis, namespace: str) -> None:
        self.redis = redis
        self.key = namespace + "activities.events"
        self.last = b"0"
        self.waiting: list[tuple[tuple[int, int], str]] = []  # stream order
        self.done: dict[str, float] = {}
        self.stopped = False

    async def run(self) -> None:
        while not self.stopped:
            replies: Any = await self.redis.xread({self.key: self.last}, count=2000)
            for _, entries in replies:
                for entry_id, fields in entries:
                    self.last = entry_id
                    if b"service_confirmed" in fields.get(b"type", b""):
                        record = orjson.loads(fields[b"data"])["record_id"]
                        self.waiting.append((_entry(entry_id), record))
            if self.waiting:
                await self._acknowledged()
            await asyncio.sleep(0.002)

    async def _acknowledged(self) -> None:
        groups = await self.redis.xinfo_groups(self.key)
        group = next((g for g in groups if g["name"] == b"evaluation"), None)
        if group is None:
            return
        delivered = _entry(group["last-delivered-id"])
        bound = delivered
        lowest = None
        if group["pending"]:
            lowest = (await self.redis.xpending(self.key, "evaluation"))["min"]
        if lowest is not None:  # (None: acknowledged meanwhile) done = below the lowest pending
            ms, seq = _entry(lowest)
            bound = min(bound, (ms, seq - 1) if seq else (ms - 1, 2**62))
        now = time.monotonic()
        kept = 0
        for entry, record in self.waiting:
            if entry <= bound:
                self.done[record] = now
                kept += 1
            else:
                break
        del self.waiting[:kept]


async def redis_hop_p99(redis_url: str, key: str, rate: float, count: int) -> float:
    """p99 of XADD by one client to a blocked XREADGROUP of another, at `rate`."""
    producer, consumer = Redis.from_url(redis_url), Redis.from_url(redis_url)
    latencies: list[float] = []
    try:
        await producer.xgroup_create(key, "hop", id="$", mkstream=True)

        async def read() -> None:
            while len(latencies) < count:
                reply: Any = await consumer.xreadgroup(
                    "hop", "c", {key: ">"}, count=100, block=1000
                )
                now = time.monotonic()
                for _, entries in reply or []:
                    ids = [entry_id for entry_id, _ in entries]
                    latencies.extend(now - float(f[b"t"]) for _, f in entries)
                    await consumer.xack(key, "hop", *ids)

        reader = asyncio.create_task(read())
        started = time.monotonic()
        for index in range(count):
            delay = started + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await producer.xadd(key, {"t": repr(time.monotonic())})
        await asyncio.wait_for(reader, 30)
        return percentile(latencies, 0.99)
    finally:
        await producer.aclose()
        await consumer.aclose()


async def measure(
    kind: str, postgres: str, redis_url: str, namespace: str, rates: list[float], seconds: float
) -> tuple[list[Step], dict[str, float]]:
    """One step per offered rate, each `seconds` long, with its floor; and each
    service's peak memory (MiB) while the rates ran."""
    volunteers = 1000
    total = sum(int(rate * seconds) for rate in rates)
    steps = []
    async with running(kind, postgres, redis_url, namespace, ("activities", "evaluation")) as s:
        await register_volunteers(redis_url, namespace, volunteers)
        base = s.urls["activities"]
        admin = s.token(Role.COMMUNITY_ADMIN)
        # Four eyes: a second worker confirms what the first one recorded.
        checker = s.token(Role.COMMUNITY_ADMIN, subject="bench-checker")
        day = (datetime.now(UTC) - timedelta(days=1)).replace(
            hour=9, minute=0, second=0, microsecond=0
        )
        bodies = [
            {
                "volunteer_id": f"v{n % volunteers:06d}",
                "kind": "other",
                "service_area_code": "elderly_care",
                "place": "bench",
                # One hour a day per volunteer: no overlap, under the daily cap.
                "started_at": (day - timedelta(days=n // volunteers)).isoformat(),
                "ended_at": (day - timedelta(days=n // volunteers, hours=-1)).isoformat(),
            }
            for n in range(total)
        ]
        created = await load(
            base,
            [["POST", f"/communities/{COMMUNITY}/records", admin, b] for b in bodies],
            concurrency=16,
        )
        if any(status != 201 for _, _, status in created["results"]):
            statuses = sorted({status for _, _, status in created["results"]})
            raise RuntimeError(f"records were not created: HTTP {statuses}")
        records = await _pending(base, admin, total)
        redis = Redis.from_url(redis_url)
        try:
            async with PeakMemory(s.processes) as memory:
                for rate in rates:
                    mine, records = records[: int(rate * seconds)], records[int(rate * seconds) :]
                    steps.append(
                        await _offer(base, checker, redis, redis_url, namespace, rate, mine)
                    )
        finally:
            await redis.aclose()
    return steps, memory.peak


async def _offer(
    base: str,
    token: str,
    redis: Redis,
    redis_url: str,
    namespace: str,
    rate: float,
    records: list[str],
) -> Step:
    """Confirm `records` open loop at `rate`; the floor measured at the same rate first."""
    health = [["GET", "/health/live", None, None]] * len(records)
    http_p99 = summary(await load(base, health, rate=rate))[3]
    hop = await redis_hop_p99(
        redis_url, namespace + f"hop-{rate:g}", rate, min(len(records), int(rate * 2))
    )
    watcher = Watcher(redis, namespace)
    watching = asyncio.create_task(watcher.run())
    confirms = [["POST", f"/records/{r}/confirm", token, None] for r in records]
    answer = await load(base, confirms, rate=rate)
    deadline = time.monotonic() + 30
    while len(watcher.done) < len(records) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    watcher.stopped = True
    await watching
    latencies, last = [], answer["started"]
    for record, (sent, _, status) in zip(records, answer["results"], strict=True):
        if 200 <= status < 300 and record in watcher.done:
            latencies.append(watcher.done[record] - sent)
            last = max(last, watcher.done[record])
    return Step(
        offered=rate,
        achieved=len(latencies) / (last - answer["started"]) if latencies else 0.0,
        p50=percentile(latencies, 0.5),
        p95=percentile(latencies, 0.95),
        p99=percentile(latencies, 0.99),
        lost=len(records) - len(latencies),
        refused=dict(
            Counter(status for _, _, status in answer["results"] if not 200 <= status < 300)
        ),
        floor_http_p99=http_p99,
        floor_redis_p99=hop,
    )


async def _pending(base: str, token: str, total: int) -> list[str]:
    import httpx

    found: list[str] = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        params: dict[str, Any] = {"status": "pending", "limit": 200}
        while len(found) < total:
            response = await client.get(
                f"/communities/{COMMUNITY}/records",
                headers={"Authorization": f"Bearer {token}"},
                params=params,
            )
            response.raise_for_status()
            page: dict[str, Any] = response.json()
            found += [item["id"] for item in page["items"]]
            if page["next_cursor"] is None:
                break
            params["cursor"] = page["next_cursor"]
    return found
