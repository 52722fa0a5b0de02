"""Services as processes for the HTTP figures (2 and 4), tokens for them, and the
load generator (`bench.loadgen`) run in a second process."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis

from bench.infra import scratch_database
from shared.auth import Role, TokenIssuer, generate_keypair
from shared.contracts.registry import VolunteerRegistered
from shared.events.envelope import Envelope

COMMUNITY = "c000"


@dataclass
class Running:
    """Running services, their base URLs, and a token issuer they trust."""

    urls: dict[str, str]
    issuer: TokenIssuer
    processes: dict[str, subprocess.Popen[bytes]]

    def token(self, role: Role, subject: str = "bench") -> str:
        return str(self.issuer.issue_access(subject, role, COMMUNITY))


@contextlib.asynccontextmanager
async def running(
    kind: str, postgres: str, redis_url: str, namespace: str, services: tuple[str, ...]
) -> AsyncIterator[Running]:
    """`services` as processes (`python -m <service>`), each on a scratch database."""
    private_pem, public_pem = generate_keypair()
    issuer = TokenIssuer(private_pem, issuer="linli-registry", audience="linli")
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as directory:
        Path(directory, "public.pem").write_text(public_pem)  # noqa: ASYNC240
        async with contextlib.AsyncExitStack() as stack:
            urls = {
                name: await stack.enter_async_context(scratch_database(kind, postgres))
                for name in services
            }
            processes: dict[str, subprocess.Popen[bytes]] = {}
            ports = {name: _free_port() for name in services}
            try:
                for name in services:
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
                for name in services:
                    await asyncio.to_thread(_wait_ready, f"http://127.0.0.1:{ports[name]}")
                yield Running(
                    {n: f"http://127.0.0.1:{p}" for n, p in ports.items()}, issuer, processes
                )
            finally:
                for process in processes.values():
                    process.terminate()
                for process in processes.values():
                    try:
                        await asyncio.to_thread(process.wait, 20)
                    except subprocess.TimeoutExpired:
                        process.kill()


def registration(
    number: int, community: str, *, account_id: str | None = None, party_member: bool = False
) -> Envelope:
    """Volunteer `v<number>`'s volunteer_registered event, as the registry publishes it."""
    return Envelope.wrap(
        VolunteerRegistered(
            volunteer_id=f"v{number:06d}",
            community_id=community,
            volunteer_number=f"110105260{number:06d}",
            service_area_codes=["elderly_care"],
            party_member=party_member,
            category="resident",
            account_id=account_id,
            registered_on=date(2026, 1, 1),
            display_name=f"志愿者{number}",
        ),
        subject=f"v{number:06d}",
        community=community,
    )


async def register_volunteers(redis_url: str, namespace: str, count: int) -> None:
    """`count` volunteer_registered events (with accounts `a<n>`) on registry.events,
    as the registry would publish them; waits until every group has consumed them."""
    redis = Redis.from_url(redis_url)
    try:
        pipe = redis.pipeline(transaction=False)
        for number in range(count):
            envelope = registration(number, COMMUNITY, account_id=f"a{number:06d}")
            pipe.xadd(namespace + "registry.events", envelope.to_fields())  # type: ignore[arg-type]
        await pipe.execute()
        deadline = time.monotonic() + 120
        while not await drained(redis, namespace + "registry.events"):
            if time.monotonic() > deadline:
                raise RuntimeError("the services did not consume the registrations")
            await asyncio.sleep(0.2)
    finally:
        await redis.aclose()


async def load(
    base_url: str,
    requests: list[list[Any]],
    *,
    rate: float | None = None,
    concurrency: int | None = None,
) -> dict[str, Any]:
    """Run `bench.loadgen` in a second process; its answer (see that module)."""
    plan = {"base_url": base_url, "requests": requests, "rate": rate, "concurrency": concurrency}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.loadgen",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    stdout, _ = await process.communicate(json.dumps(plan).encode())
    if process.returncode:
        raise RuntimeError(f"the load generator failed ({process.returncode})")
    answer: dict[str, Any] = json.loads(stdout)
    return answer


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of `values` (0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def summary(answer: dict[str, Any]) -> tuple[float, float, float, float, int]:
    """Completed requests per second, p50, p95, p99 (seconds) and the failures."""
    results = answer["results"]
    latencies = [latency for _, latency, status in results if 200 <= status < 300]
    failures = len(results) - len(latencies)
    elapsed = answer["finished"] - answer["started"]
    return (
        len(latencies) / elapsed if elapsed else 0.0,
        percentile(latencies, 0.50),
        percentile(latencies, 0.95),
        percentile(latencies, 0.99),
        failures,
    )


async def drained(redis: Redis, key: str) -> bool:
    """Whether every group on `key` has read and acknowledged every entry."""
    last: Any = await redis.xrevrange(key, count=1)
    groups = await redis.xinfo_groups(key)
    return bool(last) and all(
        g["pending"] == 0 and g["last-delivered-id"] == last[0][0] for g in groups
    )


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
