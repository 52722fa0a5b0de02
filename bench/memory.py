"""Figure 5 (in part): resident memory of each service at rest and draining events.

The four services run as processes (`python -m <service>`, as deployed) on SQLite or
PostgreSQL. "At rest" is after start-up with nothing to do; "draining" is the peak
while evaluation and notifications consume a backlog of confirmed service records
(the event load of figure 3). Memory under HTTP load (figures 2 and 4) is not measured.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from redis.asyncio import Redis

from bench.infra import scratch_database
from bench.rebuild import fill_streams
from shared.auth import generate_keypair

SERVICES = ("registry", "activities", "evaluation", "notifications")


def rss_mib(pid: int) -> float:
    """The resident set size of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def total_mib() -> float:
    """The machine's memory, in MiB."""
    return int(Path("/proc/meminfo").read_text().split()[1]) / 1024


@contextlib.asynccontextmanager
async def running_services(
    kind: str, postgres: str, redis_url: str, namespace: str
) -> AsyncIterator[dict[str, subprocess.Popen[bytes]]]:
    """The four services as processes, each on its own scratch database, until exit."""
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as directory:
        _write_public_key(Path(directory, "public.pem"))
        async with contextlib.AsyncExitStack() as stack:
            urls = {
                name: await stack.enter_async_context(scratch_database(kind, postgres))
                for name in SERVICES
            }
            processes: dict[str, subprocess.Popen[bytes]] = {}
            try:
                ports = {}
                for name in SERVICES:
                    ports[name] = _free_port()
                    env = {
                        **os.environ,
                        "PORT": str(ports[name]),
                        "REDIS_URL": redis_url,
                        "STREAM_NAMESPACE": namespace,
                        "DATA_DIR": str(Path(directory, "data")),
                        "DATABASE_URL": urls[name] if kind == "PostgreSQL" else "",
                        "JWT_PUBLIC_KEY_FILE": str(Path(directory, "public.pem")),
                        "LOG_LEVEL": "WARNING",
                    }
                    processes[name] = _start(name, env, Path(directory, f"{name}.log"))
                for name in SERVICES:
                    await asyncio.to_thread(_wait_ready, f"http://127.0.0.1:{ports[name]}")
                yield processes
            finally:
                for process in processes.values():
                    process.terminate()
                for process in processes.values():
                    try:
                        await asyncio.to_thread(process.wait, 20)
                    except subprocess.TimeoutExpired:
                        process.kill()


async def measure(
    kind: str, postgres: str, redis_url: str, namespace: str, records: int
) -> dict[str, tuple[float, float]]:
    """Each service's RSS at rest and its peak while draining `records` confirmations."""
    async with running_services(kind, postgres, redis_url, namespace) as processes:
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
                if await _drained(redis, namespace + "activities.events"):
                    break
                await asyncio.sleep(0.2)
        finally:
            await redis.aclose()
    return {name: (at_rest[name], peak[name]) for name in SERVICES}


async def _drained(redis: Redis, key: str) -> bool:
    """Whether every group on `key` has read and acknowledged every entry."""
    last = await redis.xrevrange(key, count=1)
    groups = await redis.xinfo_groups(key)
    return bool(last) and all(
        g["pending"] == 0 and g["last-delivered-id"] == last[0][0] for g in groups
    )


def _write_public_key(path: Path) -> None:
    # Tokens are not needed here, only a key for the services to start with.
    path.write_text(generate_keypair()[1])


def _start(name: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", name], env=env, stdout=output, stderr=subprocess.STDOUT
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/health/ready", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not become ready")
