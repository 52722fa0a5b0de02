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
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from shared.events.consumer import (
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

    async def submit(self, entries: Sequence[StreamEntry]) -> None:
        """Decode and queue a delivered batch; returns once it is queued, not applied."""
        if not entries:
            return
        if self._applier is None or self._applier.done():
            self._applier = asyncio.create_task(self._apply_in_order(), name="batch-applier")
        heartbeat = self.consumer.keep_claimed(entries)
        try:
            await self._queue.put((self.consumer.decode(entries), heartbeat))
        except BaseException:
            # Not handed over (FastStream cancels the handler of a subscriber it stops):
            # the entries must look abandoned again, to be reclaimed.
            heartbeat.stop()
            raise

    async def close(self, grace_seconds: float) -> None:
        """Let the batches handed over finish within `grace_seconds`, then stop; what is
        left stays pending in Redis, to be reclaimed."""
        if self._applier is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), grace_seconds)
        # Cancelled until it ends: a cancellation that lands in a Redis call may be
        # swallowed by redis-py (see Heartbeat.stop), and the applier would then wait
        # on its queue for ever.
        while not self._applier.done():
            self._applier.cancel()
            await asyncio.wait({self._applier}, timeout=1)
        while not self._queue.empty():
            _, heartbeat = self._queue.get_nowait()
            heartbeat.stop()

    async def _apply_in_order(self) -> None:
        while True:
            batch, heartbeat = await self._queue.get()
            try:
                await self.consumer.apply_decoded(batch)
            except ConsumerStopping:
                return
            except Exception as exc:  # its entries stay pending and are reclaimed
                log.warning("a batch was not handled: %s", exc)
            finally:
                heartbeat.stop()
                self._queue.task_done()
