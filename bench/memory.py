"""Figure 5: resident memory of each service at rest, draining events, under HTTP load.

The four services run as processes (`python -m <service>`, as deployed) on SQLite or
PostgreSQL. "At rest" is after start-up with nothing to do; "draining" is the peak
while evaluation and notifications consume a backlog of confirmed service records
(the event load of figure 3). Under HTTP load, `PeakMemory` samples the processes of
figures 2 and 4 while their load runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import subprocess
import time
from pathlib import Path

from redis.asyncio import Redis

from bench.rebuild import fill_streams
from bench.services import drained, running

SERVICES = ("registry", "activities", "evaluation", "notifications")


def rss_mib(pid: int) -> float:
    """The resident set size of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@functools.cache
def total_mib() -> float:
    """The machine's memory, in MiB."""
    return int(Path("/proc/meminfo").read_text().split()[1]) / 1024


class PeakMemory:
    """The highest RSS of some processes while a block runs, sampled every 50 ms."""

    def __init__(self, processes: dict[str, subprocess.Popen[bytes]]) -> None:
        self.processes = processes
        self.peak = {name: 0.0 for name in processes}

    async def __aenter__(self) -> PeakMemory:
        self._sampling = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *_: object) -> None:
        self._sampling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._sampling
        self._record()

    async def _sample(self) -> None:
        while True:
            self._record()
            await asyncio.sleep(0.05)

    def _record(self) -> None:
        for name, process in self.processes.items():
            self.peak[name] = max(self.peak[name], rss_mib(process.pid))


async def measure(
    kind: str, postgres: str, redis_url: str, namespace: str, records: int
) -> dict[str, tuple[float, float]]:
    """Each service's RSS at rest and its peak while draining `records` confirmations."""
    async with running(kind, postgres, redis_url, namespace, SERVICES) as system:
        processes = system.processes
        await asyncio.sleep(2)  # let start-up work (migrations, first reads) settle
        at_rest = {name: rss_mib(p.pid) for name, p in processes.items()}
        peak = dict(at_rest)
        await fill_streams(redis_url, namespace, records, max(1, records // 20))
        redis = Redis.from_url(redis_url)
        try:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                for name, process in processes.items():
                    peak[name] = max(peak[name], rss_mib(process.pid))
                if await drained(redis, namespace + "activities.events"):
                    break
                await asyncio.sleep(0.2)
        finally:
            await redis.aclose()
    return {name: (at_rest[name], peak[name]) for name in SERVICES}
