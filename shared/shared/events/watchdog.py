"""Finding a stream's subscriber that has stopped reading while Redis answers.

FastStream's read loop for a stream can stop without its subscriber saying so: its
task cancelled (FastStream restarts a task that failed, not one that was cancelled, and
`subscriber.running` stays true), or stuck handing a batch over to an applier whose
handler never returns. Nothing more is read, and nothing else would notice. The
runtime's supervisor asks each stream's `StreamWatch` once a second, reports a stall
on `/health/ready`, and restarts the subscriber and its pipeline (see
`shared.runtime` and docs/decisions/0010-consumer-watchdog.md).

What is measured, per stream:
- the read loop: the time since it last came back from XREADGROUP, with entries, with
  none (a healthy idle loop comes back every block time) or with an error;
- while the read loop waits to hand a batch over, the applier instead: the time its
  current attempt has run (see `BatchPipeline.stuck_since`).

The reclaimer applies what it claims itself, so a handler that never returns stops it
too: its `ReclaimerWatch` measures the time its current attempt has run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from faststream.redis.subscriber.usecases.basic import CONSUME_ERROR_BACKOFF_SECONDS
from faststream.redis.subscriber.usecases.stream_subscriber import StreamBatchSubscriber

from shared import clock
from shared.events.consumer import EventConsumer
from shared.events.pipeline import BatchPipeline

#: How long a read on a connection gone silent waits before it fails (redis-py's default
#: socket timeout, which FastStream's client keeps).
_SILENT_READ_SECONDS = 5.0
#: Room for a busy machine on top of the slowest healthy round.
_MARGIN_SECONDS = 5.0


def stall_bound_seconds(block_ms: int) -> float:
    """How long a read loop may go without coming back before it counts as stalled.

    The slowest healthy round: a block that returns nothing, after a read that timed
    out on a silent connection and FastStream's back-off after that failed read, with
    a margin. Anything longer is not a slow read but a loop that no longer reads.
    """
    return block_ms / 1000 + _SILENT_READ_SECONDS + CONSUME_ERROR_BACKOFF_SECONDS + _MARGIN_SECONDS


@dataclass
class StreamWatch:
    """One stream's subscriber and pipeline, and when its reading last moved."""

    stream: str
    group: str
    subscriber: StreamBatchSubscriber
    pipeline: BatchPipeline
    #: `time.monotonic()` at which the read loop last came back from XREADGROUP.
    read_returned_at: float = field(default_factory=time.monotonic)
    #: Since when (`time.monotonic()`) the stream is reported stalled, if it is.
    stalled_since: float | None = None

    def __post_init__(self) -> None:
        self._track_reads()

    def stuck_since(self, now: float, bound_seconds: float) -> float | None:
        """Since when this stream's consuming has not moved, if it counts as stalled."""
        if self.subscriber.running and not any(not t.done() for t in self.subscriber.tasks):
            return self.read_returned_at  # the read loop has ended: nothing to wait for
        applier_stuck = self.pipeline.stuck_since(now, bound_seconds)
        if applier_stuck is not None:
            return applier_stuck
        if self.pipeline.handing_over_since is not None:
            return None  # waiting on an applier that is still moving
        if now - self.read_returned_at > bound_seconds:
            return self.read_returned_at
        return None

    def describe(self) -> str:
        """What `/health/ready` says of this stream while it is reported stalled."""
        return (
            f"stalled: group {self.group} has not read {self.stream} "
            f"since {_utc(self.stalled_since)}"
        )

    def _track_reads(self) -> None:
        # FastStream has no hook for a read that returns nothing, so the read loop's
        # step (one XREADGROUP and the hand-over of what it returned) is wrapped on
        # this subscriber. `_get_msgs` is FastStream 0.7's; a FastStream that renamed it
        # fails here at start-up, not silently (tests/kit/test_watchdog.py).
        read_once: Callable[..., Awaitable[None]] = self.subscriber._get_msgs

        async def read_and_note(*args: Any) -> None:
            try:
                await read_once(*args)
            finally:
                self.read_returned_at = time.monotonic()

        self.subscriber._get_msgs = read_and_note  # type: ignore[method-assign,assignment]


@dataclass
class ReclaimerWatch:
    """The reclaimer of a service's group, and whether it still moves."""

    consumer: EventConsumer
    task: asyncio.Task[None] | None = None
    #: Since when (`time.monotonic()`) the reclaimer is reported stalled, if it is.
    stalled_since: float | None = None

    def stuck_since(self, now: float, bound_seconds: float) -> float | None:
        """Since when the reclaimer has not moved, if it counts as stalled: one attempt
        has run longer than the bound, or its task has ended."""
        if self.task is not None and self.task.done():
            return now
        started = self.consumer.reclaiming.since
        if started is not None and now - started > bound_seconds:
            return started
        return None

    def describe(self) -> str:
        """What `/health/ready` says of the reclaimer while it is reported stalled."""
        return (
            f"stalled: the reclaimer of group {self.consumer.group} has applied one batch "
            f"since {_utc(self.stalled_since)}"
        )


def _utc(monotonic: float | None) -> str:
    """A `time.monotonic()` instant as UTC wall-clock time, to the second."""
    since = monotonic if monotonic is not None else time.monotonic()
    wall = clock.now().timestamp() - (time.monotonic() - since)
    return datetime.fromtimestamp(wall, UTC).isoformat(timespec="seconds")
