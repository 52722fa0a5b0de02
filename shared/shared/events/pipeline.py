"""Applying a stream's delivered batches one after another, while the next is read.

FastStream reads a stream's next batch only once the handler of the previous one has
returned. Handing each batch to an applier task instead lets that read, the wait for
Redis and the decoding of the entries overlap the current batch's transaction; batches
are still applied one at a time in the order they were delivered, so a stream's order
holds within a replica.
At most one batch waits its turn (the hand-over blocks otherwise), and it is kept
claimed while it waits: a batch queued behind one that waits out a database outage
must not look abandoned, or every reclaim would count as a delivery until it is
dead-lettered.

The pipeline also says when it last moved, for the runtime's watchdog (see
`shared.events.watchdog`): since when the read loop has waited to hand a batch over,
and since when the applier's current attempt has run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence

from shared.events.consumer import (
    AttemptClock,
    ConsumerStopping,
    DecodedBatch,
    EventConsumer,
    Heartbeat,
    StreamEntry,
)

log = logging.getLogger(__name__)


class BatchPipeline:
    """The applier of one stream's batches for one consumer."""

    def __init__(self, consumer: EventConsumer) -> None:
        self.consumer = consumer
        self._queue: asyncio.Queue[tuple[DecodedBatch, Heartbeat]] = asyncio.Queue(maxsize=1)
        self._applier: asyncio.Task[None] | None = None
        #: The applier's attempt in progress (`time.monotonic()` it began), if any.
        self.attempt = AttemptClock()
        #: Since when (`time.monotonic()`) a hand-over has waited for room, if one waits.
        self.handing_over_since: float | None = None

    async def submit(self, entries: Sequence[StreamEntry]) -> None:
        """Decode and queue a delivered batch; returns once it is queued, not applied."""
        if not entries:
            return
        if self._applier is None or self._applier.done():
            self._applier = asyncio.create_task(self._apply_in_order(), name="batch-applier")
        heartbeat = self.consumer.keep_claimed(entries)
        self.handing_over_since = time.monotonic()
        try:
            await self._queue.put((self.consumer.decode(entries), heartbeat))
        except BaseException:
            # Not handed over (FastStream cancels the handler of a subscriber it stops):
            # the entries must look abandoned again, to be reclaimed.
            heartbeat.stop()
            raise
        finally:
            self.handing_over_since = None

    def stuck_since(self, now: float, bound_seconds: float) -> float | None:
        """Since when the applier has not moved, if for longer than `bound_seconds`.

        Stuck: one attempt has run that long (a handler that never returns), or a
        hand-over has waited that long on an applier that is no longer running. A
        hand-over waiting on a live applier between attempts (backing off from an
        outage) is not stuck: each new attempt restarts its clock.
        """
        started = self.attempt.since
        if started is not None and now - started > bound_seconds:
            return started
        waiting = self.handing_over_since
        if (
            waiting is not None
            and now - waiting > bound_seconds
            and (self._applier is None or self._applier.done())
        ):
            return waiting
        return None

    async def reset(self) -> None:
        """Stop the applier and forget the batches handed over, at once.

        For a restart after a stall: what was applying rolls back, and every entry
        handed over stays pending in Redis, no longer kept claimed, to be reclaimed.
        """
        await self._end_applier()
        self._queue = asyncio.Queue(maxsize=1)
        self.attempt = AttemptClock()

    async def close(self, grace_seconds: float) -> None:
        """Let the batches handed over finish within `grace_seconds`, then stop; what is
        left stays pending in Redis, to be reclaimed."""
        if self._applier is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), grace_seconds)
        await self._end_applier()

    async def _end_applier(self) -> None:
        applier = self._applier
        if applier is not None:
            # Cancelled until it ends: a cancellation that lands in a Redis call may be
            # swallowed by redis-py (see Heartbeat.stop), and the applier would then wait
            # on its queue for ever.
            while not applier.done():
                applier.cancel()
                await asyncio.wait({applier}, timeout=1)
        while not self._queue.empty():
            _, heartbeat = self._queue.get_nowait()
            heartbeat.stop()

    async def _apply_in_order(self) -> None:
        queue, attempt = self._queue, self.attempt
        while True:
            batch, heartbeat = await queue.get()
            try:
                await self.consumer.apply_decoded(batch, attempt=attempt)
            except ConsumerStopping:
                return
            except Exception as exc:  # its entries stay pending and are reclaimed
                log.warning("a batch was not handled: %s", exc)
            finally:
                heartbeat.stop()
                queue.task_done()
