"""Consuming events: idempotent inbox, ack after commit, reclaim and dead letters.

Entries reach `EventConsumer.process` from two places: the FastStream subscriber that
reads new entries of the service's consumer group, through the stream's pipeline (see
`shared.events.broker` and `shared.events.pipeline`), and the
reclaimer, which claims entries left pending too long by any consumer of the group (a
replica that died, or this one after a failed attempt). Every entry ends in exactly one
of three ways: its effect and its inbox row commit together and it is acknowledged; it
is moved to the dead-letter stream and acknowledged in one Redis transaction; or it
stays pending to be tried again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, wait_exponential

from shared import clock
from shared.contracts.base import EventPayload, payload_class
from shared.db import Database, database_unavailable, insert_new
from shared.events.backoff import backoff_seconds
from shared.events.deadletters import dead_letter_fields, dead_letter_stream
from shared.events.envelope import Envelope, MalformedEvent
from shared.events.handlers import (
    BatchContext,
    BatchHandler,
    BatchItem,
    EventContext,
    Handler,
    HandlerRegistry,
    event_scope,
)
from shared.events.tables import InboxEntry
from shared.metrics import (
    EVENTS_DEAD_LETTERED,
    EVENTS_DUPLICATE,
    EVENTS_FAILED,
    EVENTS_HANDLED,
    HANDLER_SECONDS,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


# Slotted, not frozen: a frozen dataclass sets each field through object.__setattr__,
# which makes creating one three times slower, and two are made for every event read.
@dataclass(slots=True)
class StreamEntry:
    """One entry read from a stream: its Redis key, id, raw fields and delivery count."""

    stream: str
    entry_id: str
    fields: dict[bytes, bytes]
    deliveries: int


@dataclass(slots=True)
class _Work:
    entry: StreamEntry
    envelope: Envelope
    payload: EventPayload
    handler: Handler


@dataclass
class DecodedBatch:
    """Delivered entries sorted by what is to become of them, before any of it happens."""

    work: list[_Work] = field(default_factory=list)
    unhandled: list[StreamEntry] = field(default_factory=list)  # known types to acknowledge
    malformed: list[tuple[StreamEntry, str]] = field(default_factory=list)


@dataclass
class ReplayBatch:
    """Entries decoded for a replay: the events to apply and how many were skipped."""

    work: list[_Work] = field(default_factory=list)
    skipped: int = 0


@dataclass(slots=True)
class AttemptClock:
    """When the attempt in progress to apply a batch began (`time.monotonic()`), or None
    between attempts; a watchdog reads it to tell a handler that never returns from one
    that backs off from an outage (see `shared.events.pipeline.BatchPipeline.stuck_since`)."""

    since: float | None = None

    @contextlib.contextmanager
    def timing(self) -> Iterator[None]:
        """Mark an attempt as running for the duration of a block."""
        self.since = time.monotonic()
        try:
            yield
        finally:
            self.since = None


_Claimed = list[tuple[bytes, dict[bytes, bytes] | None]]
"""What XCLAIM answers: each entry's id and fields (no fields: deleted, Redis 6.2)."""


class ConsumerStopping(Exception):
    """Raised inside a retry loop when the service stops; the entries stay pending."""


def is_transient(exc: BaseException) -> bool:
    """Whether a failure comes from the infrastructure, not from the event.

    Transient failures (database or Redis unreachable, a lock timeout) are retried in
    place and never count towards dead-lettering: an outage must not turn good events
    into dead letters.
    """
    return (
        database_unavailable(exc)
        or lost_a_race(exc)
        or isinstance(exc, RedisConnectionError | RedisTimeoutError | OSError)
    )


# PostgreSQL's deadlock_detected and serialization_failure: two replicas' transactions
# met on the same rows (batches locking ledgers in different orders); the one chosen to
# fail succeeds when run again, so it is retried like an outage, not counted against
# the event.
_RACE_SQLSTATES = frozenset({"40P01", "40001"})


def lost_a_race(exc: BaseException) -> bool:
    """Whether the database gave up `exc`'s transaction for another one's sake."""
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in _RACE_SQLSTATES


class EventConsumer:
    """The consuming side of one service: its group, handlers and delivery rules."""

    def __init__(
        self,
        *,
        service: str,
        db: Database,
        redis: Redis,
        handlers: HandlerRegistry,
        consumer_name: str,
        namespace: str = "",
        max_deliveries: int = 5,
        reclaim_idle_ms: int = 30_000,
        reclaim_batch: int = 100,
    ) -> None:
        self.service = service
        self.group = service
        self.db = db
        self.redis = redis
        self.handlers = handlers
        self.consumer_name = consumer_name
        self.namespace = namespace
        self.max_deliveries = max_deliveries
        self.reclaim_idle_ms = reclaim_idle_ms
        self.reclaim_batch = reclaim_batch
        self.stopping = asyncio.Event()
        #: The reclaimer's attempt to apply what it claimed, while one runs (a watchdog
        #: reads it: the reclaimer runs handlers too, see shared.events.watchdog).
        self.reclaiming = AttemptClock()

    @property
    def stream_keys(self) -> list[str]:
        """The Redis keys of the streams this service reads."""
        return [self.namespace + stream for stream in self.handlers.streams]

    @property
    def dead_letter_key(self) -> str:
        """The Redis key of this service's dead-letter stream."""
        return self.namespace + dead_letter_stream(self.group)

    async def ensure_groups(self) -> None:
        """Create the service's group on each stream it reads, from the stream's start.

        Starting at id 0 (not `$`) means events published before this service first ran
        are still delivered to it.
        """
        for key in self.stream_keys:
            try:
                await self.redis.xgroup_create(key, self.group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def process(
        self, entries: Sequence[StreamEntry], *, attempt: AttemptClock | None = None
    ) -> None:
        """Handle a batch of entries from one or more streams; see the module docstring.

        `attempt`, if given, is set while each attempt to apply runs.
        """
        if not entries:
            return
        async with self._kept_claimed(entries):
            await self.apply_decoded(self.decode(entries), attempt=attempt)

    def decode(self, entries: Sequence[StreamEntry]) -> DecodedBatch:
        """Parse and validate delivered entries; nothing is written or acknowledged yet.

        Kept apart from `apply_decoded` so a stream's pipeline can decode the next batch
        while the current one waits for the database.
        """
        batch = DecodedBatch()
        for entry in entries:
            try:
                item = self._decode(entry)
            except MalformedEvent as exc:
                batch.malformed.append((entry, str(exc)))
                continue
            if item is None:
                batch.unhandled.append(entry)
            else:
                batch.work.append(item)
        return batch

    async def apply_decoded(
        self, batch: DecodedBatch, *, attempt: AttemptClock | None = None
    ) -> None:
        """Dead-letter, apply and acknowledge a decoded batch (the caller keeps it claimed).

        `attempt`, if given, is set while each attempt to apply runs.
        """
        for entry, reason in batch.malformed:
            await self._dead_letter(entry, reason)
        done, failed = await self._apply_isolating_failures(batch.work, attempt)
        for entry, error in failed:
            if entry.deliveries >= self.max_deliveries:
                await self._dead_letter(entry, f"{type(error).__name__}: {error}"[:2000])
        await self._ack([*batch.unhandled, *done])

    def decode_for_replay(self, entries: Sequence[StreamEntry]) -> ReplayBatch:
        """Decode entries to apply without a consumer group (rebuilding projections).

        Entries that are not valid envelopes are counted as skipped; those of known
        types this service does not handle are left out.
        """
        decoded = self.decode(entries)
        return ReplayBatch(work=decoded.work, skipped=len(decoded.malformed))

    async def apply_replay_batch(self, batch: ReplayBatch) -> tuple[int, int]:
        """Apply a decoded batch in order; returns (applied, skipped).

        Nothing is acknowledged or dead-lettered: events whose handler fails are
        skipped and counted.
        """
        _, failed = await self._apply_isolating_failures(batch.work)
        return len(batch.work) - len(failed), batch.skipped + len(failed)

    async def reclaim_once(self) -> int:
        """Claim and handle entries idle past the timeout; returns how many were claimed."""
        claimed_total = 0
        for key in self.stream_keys:
            try:
                pending = await self.redis.xpending_range(
                    key,
                    self.group,
                    min="-",
                    max="+",
                    count=self.reclaim_batch,
                    idle=self.reclaim_idle_ms,
                )
            except ResponseError as exc:
                if "NOGROUP" in str(exc):
                    log.warning("group %s missing on %s; re-creating it", self.group, key)
                    await self.ensure_groups()
                    continue
                raise
            if not pending:
                continue
            for item in pending:
                claimed_total += await self._reclaim_one(
                    key, _text(item["message_id"]), int(item["times_delivered"])
                )
        return claimed_total

    async def _reclaim_one(self, key: str, entry_id: str, delivered: int) -> int:
        """Claim one idle entry and handle it; returns 1 if it was claimed, else 0.

        One at a time, each claimed just before it is handled: a claim counts a
        delivery, and entries claimed together are applied together. Claimed with an
        event whose handler never returns, the others would hang with it, be claimed
        again with it after each restart (see shared.events.watchdog) and end in dead
        letters with it.
        """
        # The kit's clients never decode responses: ids and fields are bytes.
        claimed = cast(
            _Claimed,
            await self.redis.xclaim(
                key, self.group, self.consumer_name, self.reclaim_idle_ms, [entry_id]
            ),
        )
        if not claimed:
            return 0  # another replica claimed it meanwhile, or it was deleted
        [(_, fields)] = claimed
        entry = StreamEntry(key, entry_id, fields or {}, delivered + 1)
        if not fields:
            await self._ack([entry])  # trimmed or deleted: nothing left to handle
        elif delivered >= self.max_deliveries:
            await self._dead_letter(
                entry,
                f"delivered {delivered} times and never acknowledged: "
                "the consumer handling it stopped each time",
            )
        else:
            await self.process([entry], attempt=self.reclaiming)
        return 1

    async def run_reclaimer(self, stop: asyncio.Event, interval_ms: int) -> None:
        """Reclaim idle entries every `interval_ms` until `stop` is set.

        The first round waits one interval: at start-up nothing can be idle yet, and the
        subscriber's supervisor creates the groups meanwhile.
        """
        failures = 0
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_ms / 1000)
        while not stop.is_set():
            try:
                while await self.reclaim_once() >= self.reclaim_batch:
                    pass
                failures = 0
            except ConsumerStopping:
                return
            except Exception as exc:  # must outlive Redis and database outages
                failures += 1
                log.warning(
                    "reclaim round failed (%d in a row, next in %.1f s): %s",
                    failures,
                    backoff_seconds(failures),
                    exc,
                )
            delay = interval_ms / 1000 if failures == 0 else backoff_seconds(failures)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)

    # -- internals -------------------------------------------------------------------

    def _decode(self, entry: StreamEntry) -> _Work | None:
        envelope = Envelope.from_fields(entry.fields)
        handler = self.handlers.handler_for(envelope.type)
        if handler is None:
            if payload_class(envelope.type) is None:
                raise MalformedEvent(f"unknown event type {envelope.type!r}")
            return None
        return _Work(entry, envelope, envelope.payload(), handler)

    async def _apply_isolating_failures(
        self, work: list[_Work], attempt: AttemptClock | None = None
    ) -> tuple[list[StreamEntry], list[tuple[StreamEntry, Exception]]]:
        """Apply the batch in one transaction; if it fails, apply each event alone."""
        if not work:
            return [], []
        try:
            await self._retrying_transient(lambda: self._apply(work), attempt)
            return [item.entry for item in work], []
        except ConsumerStopping:
            raise
        except Exception as batch_error:
            if len(work) == 1:
                return [], [self._failure(work[0], batch_error)]
        # One of the batch failed: apply each alone, so the others still commit.
        done: list[StreamEntry] = []
        failed: list[tuple[StreamEntry, Exception]] = []
        for item in work:
            try:
                await self._retrying_transient(
                    lambda item=item: self._apply([item]),  # type: ignore[misc]
                    attempt,
                )
                done.append(item.entry)
            except ConsumerStopping:
                raise
            except Exception as exc:
                failed.append(self._failure(item, exc))
        return done, failed

    def _failure(self, item: _Work, exc: Exception) -> tuple[StreamEntry, Exception]:
        EVENTS_FAILED.labels(self.service, item.envelope.type).inc()
        log.warning(
            "handling %s %s failed (delivery %d of %d): %s",
            item.envelope.type,
            item.envelope.id,
            item.entry.deliveries,
            self.max_deliveries,
            exc,
        )
        return item.entry, exc

    async def _apply(self, work: list[_Work]) -> None:
        """Commit the effects of `work` and their inbox rows in one transaction."""
        async with self.db.session() as session:
            fresh = await self._record_in_inbox(session, work)
            for batch_handler, run in _runs(fresh, self.handlers):
                await self._run_handlers(session, batch_handler, run)
            await session.commit()
        for event_type, count in Counter(item.envelope.type for item in fresh).items():
            EVENTS_HANDLED.labels(self.service, event_type).inc(count)
        if len(fresh) < len(work):
            EVENTS_DUPLICATE.labels(self.service).inc(len(work) - len(fresh))

    async def _record_in_inbox(self, session: AsyncSession, work: list[_Work]) -> list[_Work]:
        """Insert the inbox rows of `work`; returns the items whose event is new.

        One statement for the batch, before any effect: an event already in the inbox
        (or earlier in this batch) is a duplicate and is left out. Inserting first,
        rather than looking up then inserting, saves a round trip and lets the unique
        index settle a race with another replica handling a redelivered copy.
        """
        unique: dict[tuple[str, str], _Work] = {}
        for item in work:
            unique.setdefault(item.envelope.key, item)
        now = clock.now()
        inserted = await insert_new(
            session,
            InboxEntry,
            [
                {
                    "source": key[0],
                    "event_id": key[1],
                    "event_type": item.envelope.type,
                    "handled_at": now,
                }
                for key, item in unique.items()
            ],
            key=["source", "event_id"],
        )
        return [item for key, item in unique.items() if key in inserted]

    async def _run_handlers(
        self, session: AsyncSession, batch_handler: BatchHandler | None, run: list[_Work]
    ) -> None:
        """Call one batch handler for `run`, or each item's own handler in turn."""
        event_type = run[0].envelope.type
        started = time.perf_counter()
        if batch_handler is not None:
            await batch_handler(
                BatchContext(session, [BatchItem(item.envelope, item.payload) for item in run])
            )
        else:
            for item in run:
                with event_scope(item.envelope):
                    await item.handler(EventContext(session, item.envelope), item.payload)
        # Per call: a batch handler's time is for its whole run of events.
        HANDLER_SECONDS.labels(self.service, event_type).observe(time.perf_counter() - started)
        if log.isEnabledFor(logging.DEBUG):
            for item in run:
                with event_scope(item.envelope):  # the log line carries its correlation id
                    log.debug("handled %s %s", item.envelope.type, item.envelope.id)

    async def _retrying_transient(
        self, attempt: Callable[[], Awaitable[T]], clock: AttemptClock | None = None
    ) -> T:
        def stop_when_stopping(_state: RetryCallState) -> bool:
            return self.stopping.is_set()

        def log_retry(state: RetryCallState) -> None:
            outcome = state.outcome
            log.warning(
                "transient failure, retrying (attempt %d): %s",
                state.attempt_number,
                outcome.exception() if outcome is not None else "",
            )

        retrying = AsyncRetrying(
            retry=retry_if_exception(is_transient),
            wait=wait_exponential(multiplier=0.1, max=5.0),
            stop=stop_when_stopping,
            before_sleep=log_retry,
            reraise=True,
        )
        try:
            async for attempt_state in retrying:
                with attempt_state, clock.timing() if clock else contextlib.nullcontext():
                    return await attempt()
        except Exception as exc:
            if is_transient(exc) and self.stopping.is_set():
                raise ConsumerStopping from exc
            raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _dead_letter(self, entry: StreamEntry, reason: str) -> None:
        fields = dead_letter_fields(
            entry.fields,
            stream=entry.stream[len(self.namespace) :],
            entry_id=entry.entry_id,
            group=self.group,
            reason=reason,
            deliveries=entry.deliveries,
        )
        # Moving to dead letters and acknowledging happen together or not at all.
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self.dead_letter_key, fields)  # type: ignore[arg-type]
            pipe.xack(entry.stream, self.group, entry.entry_id)
            await pipe.execute()
        EVENTS_DEAD_LETTERED.labels(self.service, entry.stream).inc()
        log.error(
            "entry %s of %s moved to dead letters after %d deliveries: %s",
            entry.entry_id,
            entry.stream,
            entry.deliveries,
            reason,
        )

    async def _ack(self, entries: Sequence[StreamEntry]) -> None:
        if not entries:
            return
        by_stream: dict[str, list[str]] = defaultdict(list)
        for entry in entries:
            by_stream[entry.stream].append(entry.entry_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            for stream, ids in by_stream.items():
                pipe.xack(stream, self.group, *ids)
            await pipe.execute()

    def keep_claimed(self, entries: Sequence[StreamEntry]) -> Heartbeat:
        """Keep resetting the entries' idle time until the heartbeat is stopped.

        Otherwise a batch that waits out a database outage (or waits behind one) would
        look abandoned and be claimed by another replica, each claim counting as one
        more delivery.
        """
        by_stream: dict[str, list[str]] = defaultdict(list)
        for entry in entries:
            by_stream[entry.stream].append(entry.entry_id)
        interval = self.reclaim_idle_ms / 3000
        stopped = asyncio.Event()

        async def beat() -> None:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopped.wait(), interval)
                if stopped.is_set():
                    return
                with contextlib.suppress(Exception):
                    for stream, ids in by_stream.items():
                        # JUSTID claims without counting a delivery.
                        await self.redis.xclaim(
                            stream, self.group, self.consumer_name, 0, list[Any](ids), justid=True
                        )

        return Heartbeat(asyncio.create_task(beat()), stopped)

    @contextlib.asynccontextmanager
    async def _kept_claimed(self, entries: Sequence[StreamEntry]) -> AsyncIterator[None]:
        """`keep_claimed` for the duration of a block."""
        heartbeat = self.keep_claimed(entries)
        try:
            yield
        finally:
            heartbeat.stop()


@dataclass(frozen=True)
class Heartbeat:
    """The task keeping a batch's entries claimed; see `EventConsumer.keep_claimed`."""

    task: asyncio.Task[None]
    stopped: asyncio.Event

    def stop(self) -> None:
        """End the heartbeat: at once, or after the Redis call it is in.

        A flag as well as a cancellation: redis-py (8.1, asyncio) sometimes swallows
        a cancellation that lands while a command is in flight, and the task would
        then keep claiming the entries for ever (see
        docs/decisions/0008-cancellation-and-redis-calls.md).
        """
        self.stopped.set()
        self.task.cancel()


def _runs(
    work: list[_Work], handlers: HandlerRegistry
) -> Iterator[tuple[BatchHandler | None, list[_Work]]]:
    """Split `work` into runs that keep stream order.

    Consecutive events of a type with a batch handler form one run for that handler;
    any other event is a run of its own, for its own handler.
    """
    run: list[_Work] = []
    run_handler: BatchHandler | None = None
    for item in work:
        batch_handler = handlers.batch_handler_for(item.envelope.type)
        if run and (batch_handler is None or batch_handler is not run_handler):
            yield run_handler, run
            run = []
        run_handler = batch_handler
        run.append(item)
    if run:
        yield run_handler, run


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
