"""Outages: transient failures are retried in place and never turn into dead letters;
a service whose Redis is away stays up, reports not ready, and recovers by itself."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.exc import OperationalError

from shared.contracts.registry import CommunityCreated
from shared.db import Database
from shared.events.consumer import StreamEntry
from shared.events.handlers import EventContext, HandlerRegistry
from tests.kit.support import (
    Effect,
    community_event,
    effect_counts,
    eventually,
    make_consumer,
    xadd_events,
)


async def test_a_database_outage_is_retried_in_place_and_never_dead_letters(
    db: Database, redis: Redis, namespace: str
) -> None:
    outage_left = 6  # more failures than max_deliveries allows for a real error
    handlers = HandlerRegistry()

    @handlers.on(CommunityCreated)
    async def flaky(ctx: EventContext, event: CommunityCreated) -> None:
        nonlocal outage_left
        if outage_left > 0:
            outage_left -= 1
            raise OperationalError("INSERT ...", {}, ConnectionRefusedError("database away"))
        ctx.session.add(Effect(event_id=ctx.envelope.id, name=event.name, handled_by="c1"))

    envelope = community_event("outage")
    await xadd_events(redis, namespace, [envelope])
    consumer = make_consumer(db, redis, namespace, "c1", handlers=handlers, max_deliveries=2)
    await consumer.ensure_groups()
    [(key, read)] = await redis.xreadgroup("kit", "c1", {namespace + "registry.events": ">"})
    await consumer.process([StreamEntry(key.decode(), i.decode(), f, 1) for i, f in read])

    assert outage_left == 0
    assert await effect_counts(db) == {envelope.id: 1}
    assert await redis.xlen(namespace + "kit.dead-letters") == 0
    assert (await redis.xpending(namespace + "registry.events", "kit"))["pending"] == 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A redis-server of this test's own, which the test may stop and start."""
    port = _free_port()
    yield port, tmp_path
    subprocess.run(
        ["redis-cli", "-p", str(port), "shutdown", "nosave"], check=False, capture_output=True
    )


def _start_redis(port: int, directory: Path) -> None:
    subprocess.run(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--daemonize",
            "yes",
            "--dir",
            str(directory),
            "--save",
            "",
            "--appendonly",
            "yes",
        ],
        check=True,
        capture_output=True,
    )


def _answers(port: int) -> bool:
    result = subprocess.run(
        ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() == "PONG"


async def _restart_redis(port: int, directory: Path) -> None:
    """Start the server again once the old one has let go of the port, and wait for it."""
    for _ in range(100):
        if not _answers(port):
            break
        await asyncio.sleep(0.1)
    for _ in range(50):
        _start_redis(port, directory)  # a daemonized start that could not bind just exits
        for _ in range(20):
            if _answers(port):
                return
            await asyncio.sleep(0.1)
    raise AssertionError("the test's redis-server did not come back")


async def _ready(client: httpx.AsyncClient) -> int:
    return (await client.get("/health/ready")).status_code


async def _probes(client: httpx.AsyncClient, at_once: int) -> list[httpx.Response]:
    # Probes at once hold several pooled Redis connections, as the service's own loops
    # do: after a restart some of those are ones the old server closed.
    return list(await asyncio.gather(*(client.get("/health/ready") for _ in range(at_once))))


async def test_a_service_without_redis_is_live_not_ready_and_recovers(
    own_redis: tuple[int, Path], tmp_path: Path
) -> None:
    from activities.app import create_app
    from activities.settings import Settings

    port, directory = own_redis
    _start_redis(port, directory)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'activities.db'}",
        redis_url=f"redis://127.0.0.1:{port}/0",
        log_json=False,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert {r.status_code for r in await _probes(client, at_once=8)} == {200}
            subprocess.run(
                ["redis-cli", "-p", str(port), "shutdown", "nosave"],
                check=True,
                capture_output=True,
            )
            assert (await client.get("/health/live")).status_code == 200
            not_ready = await client.get("/health/ready")
            assert not_ready.status_code == 503
            assert not_ready.json()["checks"]["redis"].startswith("unreachable")
            assert not_ready.json()["checks"]["database"] == "ok"

            await _restart_redis(port, directory)

            async def ready_again() -> bool:
                return await _ready(client) == 200

            await eventually(ready_again, timeout=30)
            # Ready once is not enough: a probe that flaps takes a healthy replica out
            # of service. Every probe over the next two seconds must answer 200.
            flaps: list[tuple[float, str]] = []
            started = time.monotonic()
            while time.monotonic() - started < 2.0:
                for response in await _probes(client, at_once=3):
                    if response.status_code != 200:
                        flaps.append((round(time.monotonic() - started, 3), response.text))
            assert not flaps, f"readiness flapped after Redis came back: {flaps}"

            # Events flow again: the registry's stream reaches the projection.
            redis = Redis.from_url(settings.redis_url)
            await redis.xadd(
                "registry.events",
                community_event("after-outage").to_fields(),  # type: ignore[arg-type]
            )
            await redis.aclose()

            async def projected() -> bool:
                """the projection caught up after Redis returned"""
                from shared.projections.communities import KnownCommunity

                async with app.state.runtime.db.session() as session:
                    return await session.get(KnownCommunity, "c-after-outage") is not None

            await eventually(projected, timeout=30)
            assert await _ready(client) == 200
