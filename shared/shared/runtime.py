"""The running parts of a service beside its HTTP routes: database, Redis, relay, consumer.

Nothing here stops the HTTP process when Redis or the database is away: every loop
retries with back-off, `/health/ready` reports what is missing, and work resumes by
itself when they return.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from faststream.redis import RedisBroker
from faststream.redis.subscriber.usecases.stream_subscriber import StreamBatchSubscriber
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from shared.db import Database
from shared.events.broker import subscribe_consumer
from shared.events.consumer import EventConsumer
from shared.events.handlers import HandlerRegistry
from shared.events.pipeline import BatchPipeline
from shared.events.relay import OutboxRelay
from shared.events.watchdog import ReclaimerWatch, StreamWatch, stall_bound_seconds
from shared.heap import settle_after_startup
from shared.metrics import CONSUMER_LAG, CONSUMER_PENDING, CONSUMER_RESTARTS, DEAD_LETTERS
from shared.migrations import upgrade_to_head
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

_SUPERVISE_SECONDS = 1.0
_GAUGES_SECONDS = 5.0


def _stale_connection_retry() -> Retry:
    """Try a command again on a new connection when its pooled one turns out dead.

    `Redis.from_url` gives its connections no retry at all (unlike `Redis()`): after
    Redis restarted, a command on a pooled connection the old server had closed failed
    at once with "Connection closed by server", and `/health/ready` answered 503 between
    two 200s. The failed connection is dropped and the next attempt opens a new one.
    Only connection errors: a timeout is not retried (it would double a long wait), and
    the loops above already back off from an outage.
    """
    return Retry(
        ExponentialWithJitterBackoff(base=0.01, cap=0.1),
        retries=2,
        supported_errors=(RedisConnectionError,),
    )


@dataclass(frozen=True)
class PeriodicTask:
    """Work a service does on a clock (lapsed offers, overdue checks), not on an event."""

    name: str
    interval_seconds: float
    run: Callable[[ServiceRuntime], Awaitable[None]]


@dataclass
class ServiceDefinition:
    """What makes one service: its name, handlers, periodic tasks and migration chain."""

    name: str
    title: str
    description: str
    migrations_dir: Path
    handlers: HandlerRegistry = field(default_factory=HandlerRegistry)
    periodic: list[PeriodicTask] = field(default_factory=list)
    #: Called once the service has stopped, to release what the service opened itself
    #: (an HTTP client's pooled connections, for example).
    on_stop: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


class ServiceRuntime:
    """Owns the connections and background loops of one service process."""

    def __init__(self, definition: ServiceDefinition, settings: ServiceSettings) -> None:
        self.definition = definition
        self.settings = settings
        self.db = Database(settings.resolved_database_url())
        self.redis: Redis = Redis.from_url(
            settings.redis_url,
            socket_connect_timeout=2,
            socket_timeout=10,
            health_check_interval=15,
            retry=_stale_connection_retry(),
        )
        self.broker = RedisBroker(
            settings.redis_url,
            logger=logging.getLogger("faststream"),
            graceful_timeout=10,
            # A pooled connection the server closed (Redis restarted) is tried again on a
            # new one, instead of a read error and FastStream's 5 s back-off. Not
            # `retry_on_error`: that would retry timeouts too, doubling a silent read's
            # wait (the watchdog's bound counts one, see shared.events.watchdog).
            retry=_stale_connection_retry(),
            # No argument injection: the kit's handler takes the decoded body only.
            # Resolving `Context("message")` ran in a worker thread for every batch,
            # a thread hop and a wake-up of the event loop each time.
            apply_types=False,
        )
        self.relay = OutboxRelay(
            service=definition.name,
            db=self.db,
            redis=self.redis,
            holder=settings.consumer_name,
            namespace=settings.stream_namespace,
            batch_size=settings.relay_batch_size,
            poll_ms=settings.relay_poll_ms,
            lease_ms=settings.relay_lease_ms,
            retention_ms=settings.stream_retention_hours * 3_600_000,
            keep_sent=timedelta(hours=settings.outbox_keep_sent_hours),
        )
        self.consumer: EventConsumer | None = None
        self._subscribers: list[StreamBatchSubscriber] = []
        self._pipelines: list[BatchPipeline] = []
        self._watches: list[StreamWatch] = []
        self._reclaimer: ReclaimerWatch | None = None
        self._stall_seconds = (
            settings.consumer_stall_ms / 1000
            if settings.consumer_stall_ms > 0
            else stall_bound_seconds(settings.consume_block_ms)
        )
        if definition.handlers.streams:
            self.consumer = EventConsumer(
                service=definition.name,
                db=self.db,
                redis=self.redis,
                handlers=definition.handlers,
                consumer_name=settings.consumer_name,
                namespace=settings.stream_namespace,
                max_deliveries=settings.max_deliveries,
                reclaim_idle_ms=settings.reclaim_idle_ms,
            )
            self._subscribers, self._pipelines = subscribe_consumer(
                self.broker,
                self.consumer,
                batch_size=settings.consume_batch_size,
                block_ms=settings.consume_block_ms,
            )
            self._watches = [
                StreamWatch(key, self.consumer.group, subscriber, pipeline)
                for key, subscriber, pipeline in zip(
                    self.consumer.stream_keys, self._subscribers, self._pipelines, strict=True
                )
            ]
            self._reclaimer = ReclaimerWatch(self.consumer)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._broker_started = False

    async def start(self) -> None:
        """Migrate the database if configured, then start the background loops."""
        if self.settings.migrate_on_start:
            await asyncio.to_thread(upgrade_to_head, self.definition.migrations_dir, self.db.url)
        self._tasks.append(asyncio.create_task(self.relay.run(self._stop), name="relay"))
        for task in self.definition.periodic:
            self._tasks.append(asyncio.create_task(self._every(task), name=task.name))
        if self.consumer is not None:
            self._start_reclaimer()
            self._tasks.append(asyncio.create_task(self._supervise_broker(), name="broker"))
            self._tasks.append(asyncio.create_task(self._update_gauges(), name="gauges"))
        settle_after_startup()

    async def stop(self) -> None:
        """Stop reading, let handlers in flight finish, close connections."""
        self._stop.set()
        if self.consumer is not None:
            self.consumer.stopping.set()
        if self._broker_started:
            with contextlib.suppress(Exception):
                await self.broker.stop()
        for pipeline in self._pipelines:  # batches already read: finish them if quick
            await pipeline.close(grace_seconds=10)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for release in self.definition.on_stop:
            try:
                await release()
            except Exception as exc:  # one failing release must not keep the rest open
                log.warning("releasing %s at stop failed: %s", release, exc)
        await self.redis.aclose()
        await self.db.dispose()

    def stalled_consumers(self) -> list[str]:
        """What `/health/ready` reports of the streams (or the reclaimer) that stalled."""
        return [watch.describe() for watch in self._watched() if watch.stalled_since is not None]

    def _watched(self) -> list[StreamWatch | ReclaimerWatch]:
        reclaimer = [self._reclaimer] if self._reclaimer is not None else []
        return [*self._watches, *reclaimer]

    def _start_reclaimer(self) -> None:
        assert self.consumer is not None
        assert self._reclaimer is not None
        task = asyncio.create_task(
            self.consumer.run_reclaimer(self._stop, self.settings.reclaim_interval_ms),
            name="reclaimer",
        )
        self._reclaimer.task = task
        self._tasks.append(task)

    async def _supervise_broker(self) -> None:
        """Start the FastStream subscribers once Redis answers; restart any that stopped.

        FastStream stops a subscriber for good when its group vanishes (NOGROUP, e.g.
        Redis lost its data); the group is re-created from id 0 and reading resumes.
        A subscriber that still runs but no longer reads is the watchdog's (see
        `_watch_reading`).
        """
        assert self.consumer is not None
        while not self._stop.is_set():
            try:
                if not self._broker_started:
                    await self.consumer.ensure_groups()
                    await self.broker.start()
                    self._broker_started = True
                    self._reading_from_now()
                else:
                    for subscriber in self._subscribers:
                        if not subscriber.running:
                            log.warning("subscriber %s stopped; restarting it", subscriber)
                            await self.consumer.ensure_groups()
                            await subscriber.start()
                            self._reading_from_now(subscriber)
                    await self._watch_reading()
            except Exception as exc:  # keep trying until Redis is back
                log.warning("event subscribers not running yet: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=_SUPERVISE_SECONDS)

    def _reading_from_now(self, subscriber: StreamBatchSubscriber | None = None) -> None:
        # A read loop just started has read nothing yet; its bound runs from now, not
        # from when the runtime was built (Redis may have been away for minutes).
        for watch in self._watches:
            if subscriber is None or watch.subscriber is subscriber:
                watch.read_returned_at = time.monotonic()

    async def _watch_reading(self) -> None:
        """Report a stream whose reading has stalled; restart it a round later.

        Reported first, restarted on the next round if it has still not moved: a probe
        sees the stall, and a stream that moves again by itself is left alone.
        """
        now = time.monotonic()
        for watch in self._watched():
            stuck_since = watch.stuck_since(now, self._stall_seconds)
            if stuck_since is None:
                watch.stalled_since = None
            elif watch.stalled_since is None:
                watch.stalled_since = stuck_since
                log.error("%s; restarting it", watch.describe())
            elif isinstance(watch, StreamWatch):
                await self._restart_reading(watch)
            else:
                await self._restart_reclaimer(watch)

    async def _restart_reading(self, watch: StreamWatch) -> None:
        """A new read loop and a new applier for one stream; what was in hand is reclaimed.

        The read loop is ended first (cancelled until it ends, see decision 0008):
        FastStream's `stop()` alone would wait its graceful timeout for a hand-over that
        cannot finish. The pipeline's reset rolls back what was applying and leaves every
        entry in hand pending in Redis, no longer kept claimed: the reclaimer applies
        them after the idle time, and the inbox drops any already applied.
        """
        assert self.consumer is not None
        subscriber = watch.subscriber
        for task in list(subscriber.tasks):
            while not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=1)
        await subscriber.stop()
        await watch.pipeline.reset()
        CONSUMER_RESTARTS.labels(self.consumer.service, watch.stream).inc()
        await self.consumer.ensure_groups()
        await subscriber.start()
        self._reading_from_now(subscriber)
        log.warning("restarted the subscriber of %s for group %s", watch.stream, watch.group)

    async def _restart_reclaimer(self, watch: ReclaimerWatch) -> None:
        """End the reclaimer (cancelled until it ends) and start a new one.

        What it was applying rolls back and stays pending, no longer kept claimed; the
        new reclaimer claims it again after the idle time, one more delivery counted, so
        an event whose handler never returns ends in dead letters after `max_deliveries`.
        """
        assert self.consumer is not None
        task = watch.task
        if task is not None:
            while not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=1)
            self._tasks.remove(task)
        CONSUMER_RESTARTS.labels(self.consumer.service, "reclaimer").inc()
        self._start_reclaimer()
        log.warning("restarted the reclaimer of group %s", self.consumer.group)

    async def _every(self, task: PeriodicTask) -> None:
        # Every replica runs the task; each must be safe to run concurrently (they lock
        # the rows they change), so no leader election is needed.
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=task.interval_seconds)
            if self._stop.is_set():
                return
            try:
                await task.run(self)
            except Exception as exc:  # a failed round is retried on the next tick
                log.warning("periodic task %s failed: %s", task.name, exc)

    async def _update_gauges(self) -> None:
        assert self.consumer is not None
        consumer = self.consumer
        while not self._stop.is_set():
            with contextlib.suppress(Exception):
                for key in consumer.stream_keys:
                    for group in await self.redis.xinfo_groups(key):
                        name = group["name"]
                        if (name.decode() if isinstance(name, bytes) else name) != consumer.group:
                            continue
                        if group.get("lag") is not None:
                            CONSUMER_LAG.labels(consumer.service, key).set(int(group["lag"]))
                        CONSUMER_PENDING.labels(consumer.service, key).set(int(group["pending"]))
                DEAD_LETTERS.labels(consumer.service).set(
                    await self.redis.xlen(consumer.dead_letter_key)
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=_GAUGES_SECONDS)
