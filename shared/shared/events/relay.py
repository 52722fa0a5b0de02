"""The outbox relay: publishes committed outbox rows to the service's stream."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta

import orjson
from redis.asyncio import Redis
from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared import clock
from shared.db import Database, one_of
from shared.events.backoff import backoff_seconds
from shared.events.outbox import register_relay_wakeup, unregister_relay_wakeup
from shared.events.tables import OutboxMessage, RelayLease
from shared.events.trimming import trim_stream
from shared.metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG

log = logging.getLogger(__name__)

_BACKLOG_GAUGE_SECONDS = 5.0
_HOUSEKEEPING_SECONDS = 60.0


class OutboxRelay:
    """Publishes outbox rows in commit order and marks them sent.

    Publishing and marking are two steps: a relay that dies between them publishes
    those rows again when it (or another replica) takes over. That is the price of
    never losing an event; consumers drop the copy by its event id.
    """

    def __init__(
        self,
        *,
        service: str,
        db: Database,
        redis: Redis,
        holder: str,
        namespace: str,
        batch_size: int,
        poll_ms: int,
        lease_ms: int,
        retention_ms: int,
        keep_sent: timedelta,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """The settings have no defaults here: the service's settings hold them, once.
        `clock` gives the wall-clock time in seconds that leases are written in (every
        replica's lease is compared with every other's); tests pass one they move."""
        self.service = service
        self.db = db
        self.redis = redis
        self.holder = holder
        self.namespace = namespace
        self.batch_size = batch_size
        self.poll_seconds = poll_ms / 1000
        self.lease_ms = lease_ms
        self.retention_ms = retention_ms
        self.keep_sent = keep_sent
        self._clock = clock
        self._wakeup = asyncio.Event()
        self._lease_until_ms = 0  # when the lease this relay last wrote runs out
        self._next_gauge = 0.0
        self._next_housekeeping = 0.0

    async def publish_pending(self) -> int:
        """Publish one batch of unsent rows if this relay holds the lease; returns the count."""
        if not await self._hold_lease():
            return 0
        async with self.db.session() as session:
            rows = (
                await session.exec(
                    select(OutboxMessage)
                    .where(col(OutboxMessage.sent_at).is_(None))
                    .order_by(col(OutboxMessage.id))
                    .limit(self.batch_size)
                )
            ).all()
            if not rows:
                return 0
            pipe = self.redis.pipeline(transaction=False)
            for row in rows:
                pipe.xadd(self.namespace + row.stream, orjson.loads(row.fields))
            await pipe.execute()
            await self._mark_sent(session, [row.id for row in rows if row.id is not None])
        EVENTS_PUBLISHED.labels(self.service).inc(len(rows))
        return len(rows)

    async def _mark_sent(self, session: AsyncSession, ids: list[int]) -> None:
        await session.exec(
            update(OutboxMessage)
            .where(one_of(OutboxMessage.id, ids, session.get_bind().dialect))
            .values(sent_at=clock.now())
        )
        await session.commit()

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until `stop` is set, waking on commits and polling as a fallback."""
        register_relay_wakeup(self._wakeup)
        failures = 0
        try:
            while not stop.is_set():
                try:
                    published = await self.publish_pending()
                    await self._housekeeping()
                    failures = 0
                except Exception as exc:  # the relay must outlive Redis and database outages
                    failures += 1
                    delay = backoff_seconds(failures)
                    log.warning(
                        "outbox relay round failed (%d in a row, next in %.1f s): %s",
                        failures,
                        delay,
                        exc,
                    )
                    await _sleep_or_stop(stop, delay)
                    continue
                if published < self.batch_size:
                    await self._wait_for_work()
        finally:
            unregister_relay_wakeup(self._wakeup)

    async def backlog(self) -> int:
        """How many committed rows are not yet published."""
        async with self.db.session() as session:
            count = await session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(col(OutboxMessage.sent_at).is_(None))
            )
            return int(count.one())

    async def _wait_for_work(self) -> None:
        # A stop while idle is seen within one poll; the runtime cancels the task anyway.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout=self.poll_seconds)
        self._wakeup.clear()

    async def _hold_lease(self) -> bool:
        now_ms = int(self._clock() * 1000)
        # Renewing is a committed write; doing it every round cost a commit (an fsync)
        # per published batch, on the path of every event. Until a third of the lease
        # has gone by, the lease this relay wrote is still its own: another relay takes
        # over only once it has run out.
        if now_ms < self._lease_until_ms - 2 * self.lease_ms // 3:
            return True
        expires = now_ms + self.lease_ms
        held = await self._write_lease(now_ms, expires)
        self._lease_until_ms = expires if held else 0
        return held

    async def _write_lease(self, now_ms: int, expires: int) -> bool:
        """Take or renew the lease until `expires`, unless another holder's is running."""
        async with self.db.session() as session:
            result = await session.exec(
                update(RelayLease)
                .where(col(RelayLease.name) == self.service)
                .where(
                    (col(RelayLease.holder) == self.holder)
                    | (col(RelayLease.expires_at_ms) < now_ms)
                )
                .values(holder=self.holder, expires_at_ms=expires)
            )
            if result.rowcount == 1:
                await session.commit()
                return True
            await session.rollback()
            if await session.get(RelayLease, self.service) is not None:
                return False
            session.add(RelayLease(name=self.service, holder=self.holder, expires_at_ms=expires))
            try:
                await session.commit()
            except IntegrityError:
                return False
            return True

    async def _housekeeping(self) -> None:
        """Keep the backlog gauge fresh; now and then drop old sent rows and trim."""
        now = time.monotonic()
        if now >= self._next_gauge:
            self._next_gauge = now + _BACKLOG_GAUGE_SECONDS
            OUTBOX_BACKLOG.labels(self.service).set(await self.backlog())
        if now < self._next_housekeeping:
            return
        self._next_housekeeping = now + _HOUSEKEEPING_SECONDS
        async with self.db.session() as session:
            await session.exec(
                delete(OutboxMessage).where(
                    col(OutboxMessage.sent_at) < clock.now() - self.keep_sent
                )
            )
            await session.commit()
        stream = f"{self.namespace}{self.service}.events"
        if await self.redis.exists(stream):
            await trim_stream(self.redis, stream, retention_ms=self.retention_ms)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
