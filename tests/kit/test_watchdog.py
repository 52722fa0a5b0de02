"""A subscriber that has stopped reading while Redis answers is reported and restarted.

The service here is the kit's test service (one effect row per event, so an event
applied twice shows) run as a real runtime on real Redis and a real database, with a
short stall bound so the tests need not wait the default.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from prometheus_client import REGISTRY
from redis.asyncio import Redis
from sqlalchemy.exc import OperationalError

from shared.app import create_service_app
from shared.contracts.registry import CommunityCreated
from shared.db import Database
from shared.events.envelope import Envelope
from shared.events.handlers import EventContext, HandlerRegistry
from shared.runtime import ServiceDefinition, ServiceRuntime
from shared.settings import ServiceSettings
from tests.kit.support import (
    Effect,
    community_event,
    create_tables,
    effect_counts,
    eventually,
    xadd_events,
)

STALL_SECONDS = 2.0
STREAM = "registry.events"


@dataclass
class KitService:
    app: FastAPI
    http: httpx.AsyncClient
    runtime: ServiceRuntime
    redis: Redis
    namespace: str

    async def ready(self) -> httpx.Response:
        return await self.http.get("/health/ready")

    async def publish(self, name: str) -> Envelope:
        envelope = community_event(name)
        await xadd_events(self.redis, self.namespace, [envelope])
        return envelope

    def restarts(self, of: str = "") -> float:
        """How often the watchdog restarted the stream's subscriber (or `of`: 'reclaimer')."""
        value = REGISTRY.get_sample_value(
            "linli_consumer_restarts_total",
            {"service": "kit", "stream": of or self.namespace + STREAM},
        )
        return value or 0.0


@contextlib.asynccontextmanager
async def kit_service(
    database_url: str,
    redis_url: str,
    redis: Redis,
    namespace: str,
    handle: Callable[[EventContext, CommunityCreated], Awaitable[None]],
    max_deliveries: int = 5,
) -> AsyncIterator[KitService]:
    handlers = HandlerRegistry()
    handlers.on(CommunityCreated)(handle)
    settings = ServiceSettings(
        service_name="kit",
        database_url=database_url,
        redis_url=redis_url,
        stream_namespace=namespace,
        consumer_name="watched",
        migrate_on_start=False,
        consume_batch_size=1,  # one event a batch: hand-overs queue up behind a stuck one
        consume_block_ms=100,
        consumer_stall_ms=int(STALL_SECONDS * 1000),
        reclaim_idle_ms=1000,
        reclaim_interval_ms=300,
        max_deliveries=max_deliveries,
        log_json=False,
    )
    definition = ServiceDefinition(
        name="kit",
        title="kit",
        description="the kit's test service",
        migrations_dir=Path("unused"),
        handlers=handlers,
    )
    app = create_service_app(definition, settings)
    runtime: ServiceRuntime = app.state.runtime
    await create_tables(runtime.db)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            service = KitService(app, http, runtime, redis, namespace)

            async def reading() -> bool:
                """the service started reading"""
                return runtime._broker_started and (await service.ready()).status_code == 200

            await eventually(reading)
            yield service


def _record(ctx: EventContext, event: CommunityCreated) -> None:
    ctx.session.add(Effect(event_id=ctx.envelope.id, name=event.name, handled_by="watched"))


async def _applied_once(db: Database, envelopes: list[Envelope]) -> None:
    async def all_applied() -> bool:
        """every event applied"""
        return set(await effect_counts(db)) >= {e.id for e in envelopes}

    await eventually(all_applied, timeout=30)
    counts = await effect_counts(db)
    assert {e.id: counts.get(e.id) for e in envelopes} == {e.id: 1 for e in envelopes}


async def _settled(service: KitService) -> None:
    async def nothing_pending() -> bool:
        """every entry acknowledged"""
        info = await service.redis.xpending(service.namespace + STREAM, "kit")
        return int(info["pending"]) == 0

    await eventually(nothing_pending, timeout=30)
    assert await service.redis.xlen(service.namespace + "kit.dead-letters") == 0


async def _stall_report(service: KitService, of: str = "") -> dict[str, Any]:
    report: dict[str, Any] = {}

    async def reported() -> bool:
        """the stall reported on /health/ready"""
        response = await service.ready()
        checks = response.json()["checks"]
        if response.status_code == 503 and of in checks.get("consumers", []):
            report.update(response.json()["checks"])
            return True
        return False

    # The bound, a round of the supervisor to see it, and room for a busy machine.
    await eventually(reported, timeout=STALL_SECONDS + 15, interval=0.02)
    return report


def _since(report: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(report["consumers"].rsplit(" since ", 1)[1])


async def test_a_handler_that_never_returns_is_reported_then_restarted_and_nothing_is_lost(
    database_url: str, redis_url: str, redis: Redis, namespace: str
) -> None:
    hung = asyncio.Event()
    calls: dict[str, int] = {}

    async def handle(ctx: EventContext, event: CommunityCreated) -> None:
        calls[event.name] = calls.get(event.name, 0) + 1
        if event.name == "hangs" and calls[event.name] == 1:
            hung.set()
            await asyncio.Event().wait()  # a deadlock: only a cancellation ends it
        _record(ctx, event)

    async with kit_service(database_url, redis_url, redis, namespace, handle) as service:
        before = await service.publish("before")
        await _applied_once(service.runtime.db, [before])
        restarts = service.restarts()

        hangs = await service.publish("hangs")
        await asyncio.wait_for(hung.wait(), timeout=20)
        stuck_at, stuck_wall = time.monotonic(), datetime.now(UTC)
        # Behind it: one batch waiting its turn, one hand-over waiting for room.
        behind = [await service.publish("queued"), await service.publish("blocked")]

        report = await _stall_report(service)
        assert time.monotonic() - stuck_at >= STALL_SECONDS - 0.5, "reported before the bound"
        assert "group kit" in report["consumers"]
        assert f"{namespace}{STREAM}" in report["consumers"]
        assert abs((_since(report) - stuck_wall).total_seconds()) < 2, report
        assert report["database"] == "ok"
        assert report["redis"] == "ok"

        async def ready_again() -> bool:
            """ready again after the restart"""
            return (await service.ready()).status_code == 200

        await eventually(ready_again, timeout=20)
        assert service.restarts() == restarts + 1

        after = await service.publish("after")
        # The stuck batch rolled back and was reclaimed; the ones behind it too.
        await _applied_once(service.runtime.db, [before, hangs, *behind, after])
        await _settled(service)
        assert calls["hangs"] == 2


async def test_a_read_loop_whose_task_was_cancelled_is_restarted(
    database_url: str, redis_url: str, redis: Redis, namespace: str
) -> None:
    async def handle(ctx: EventContext, event: CommunityCreated) -> None:
        _record(ctx, event)

    async with kit_service(database_url, redis_url, redis, namespace, handle) as service:
        first = await service.publish("first")
        await _applied_once(service.runtime.db, [first])
        restarts = service.restarts()

        [subscriber] = service.runtime._subscribers
        # FastStream restarts a read loop that failed, not one that was cancelled, and the
        # subscriber still says it runs.
        # Cancelled until it ends: redis-py may swallow a cancellation (decision 0008).
        loop_tasks = list(subscriber.tasks)
        while not all(task.done() for task in loop_tasks):
            for task in loop_tasks:
                task.cancel()
            await asyncio.wait(loop_tasks, timeout=0.5)
        assert subscriber.running
        meanwhile = await service.publish("meanwhile")

        report = await _stall_report(service)
        assert "group kit" in report["consumers"]

        async def ready_again() -> bool:
            """ready again after the restart"""
            return (await service.ready()).status_code == 200

        await eventually(ready_again, timeout=20)
        assert service.restarts() == restarts + 1
        after = await service.publish("after")
        await _applied_once(service.runtime.db, [first, meanwhile, after])
        await _settled(service)


async def test_an_idle_consumer_or_one_waiting_out_an_outage_is_never_reported_stalled(
    database_url: str, redis_url: str, redis: Redis, namespace: str
) -> None:
    outage = {"until": 0.0}

    async def handle(ctx: EventContext, event: CommunityCreated) -> None:
        if time.monotonic() < outage["until"]:
            raise OperationalError("INSERT ...", {}, ConnectionRefusedError("database away"))
        _record(ctx, event)

    async with kit_service(database_url, redis_url, redis, namespace, handle) as service:
        restarts = service.restarts()
        answers: list[tuple[float, int, str]] = []
        started = time.monotonic()

        async def probe_for(seconds: float) -> None:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                response = await service.ready()
                answers.append((time.monotonic() - started, response.status_code, response.text))
                await asyncio.sleep(0.05)

        # Idle: no event at all for three times the bound.
        await probe_for(3 * STALL_SECONDS)
        # An outage the applier waits out in place for twice the bound, with batches
        # waiting behind it: slow, not stalled.
        outage["until"] = time.monotonic() + 2 * STALL_SECONDS
        envelopes = [await service.publish(f"during-{n}") for n in range(3)]
        await probe_for(2 * STALL_SECONDS + 1)
        await _applied_once(service.runtime.db, envelopes)

        assert [a for a in answers if a[1] != 200] == []
        assert service.restarts() == restarts
        await _settled(service)


async def test_an_event_whose_handler_never_returns_ends_in_dead_letters_and_the_rest_flows(
    database_url: str, redis_url: str, redis: Redis, namespace: str
) -> None:
    # The subscriber's applier hangs on it first, then the reclaimer that claims it
    # again: each is reported and restarted, and the delivery count this costs sends
    # the event to dead letters instead of stopping the service's consuming for ever.
    calls: dict[str, int] = {}

    async def handle(ctx: EventContext, event: CommunityCreated) -> None:
        calls[event.name] = calls.get(event.name, 0) + 1
        if event.name == "deadlocks":
            await asyncio.Event().wait()
        _record(ctx, event)

    async with kit_service(
        database_url, redis_url, redis, namespace, handle, max_deliveries=2
    ) as service:
        before = await service.publish("before")
        await _applied_once(service.runtime.db, [before])
        stream_restarts, reclaimer_restarts = service.restarts(), service.restarts("reclaimer")

        deadlocks = await service.publish("deadlocks")
        behind = await service.publish("behind")
        await _stall_report(service, of=f"has not read {namespace}{STREAM}")
        report = await _stall_report(service, of="the reclaimer of group kit")
        assert _since(report) <= datetime.now(UTC)

        async def dead_lettered() -> bool:
            """the event whose handler never returns is in dead letters"""
            return await redis.xlen(namespace + "kit.dead-letters") == 1

        await eventually(dead_lettered, timeout=60)
        [(_, letter)] = await redis.xrange(namespace + "kit.dead-letters")
        assert letter[b"id"] == deadlocks.id.encode()

        after = await service.publish("after")
        await _applied_once(service.runtime.db, [before, behind, after])
        assert deadlocks.id not in await effect_counts(service.runtime.db)
        assert calls["deadlocks"] == 2  # read once, reclaimed once, then given up
        assert service.restarts() == stream_restarts + 1
        assert service.restarts("reclaimer") == reclaimer_restarts + 1

        async def ready_again() -> bool:
            """ready again"""
            return (await service.ready()).status_code == 200

        await eventually(ready_again, timeout=20)
