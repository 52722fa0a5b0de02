"""Event handlers: one async function per consumed event type, keyed by payload class.

A handler takes one event (`HandlerRegistry.on`). A batch handler
(`HandlerRegistry.on_batch`) takes every event of its type that arrives in a row within
one delivered batch, so a projection can apply them in one statement instead of one
round trip each; it is also called with a single event when the consumer isolates a
failure. Either way it runs inside the transaction that records the events in the inbox.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from shared import context
from shared.contracts.base import EVENT_TYPES, EventPayload
from shared.events.envelope import Envelope
from shared.events.outbox import add_event

P = TypeVar("P", bound=EventPayload)


@dataclass(frozen=True)
class EventContext:
    """What a handler works with: the open transaction and the event being handled."""

    session: AsyncSession
    envelope: Envelope

    def publish(self, payload: EventPayload, *, subject: str | None) -> Envelope:
        """Stage an event caused by this one, in the same transaction and community."""
        return add_event(self.session, payload, subject=subject, community=self.envelope.community)


@dataclass(frozen=True)
class BatchItem:
    """One event of a batch handed to a batch handler: its envelope and its payload."""

    envelope: Envelope
    payload: Any


@dataclass(frozen=True)
class BatchContext:
    """What a batch handler works with: the open transaction and the events, in order."""

    session: AsyncSession
    items: Sequence[BatchItem]

    def publish(self, item: BatchItem, payload: EventPayload, *, subject: str | None) -> Envelope:
        """Stage an event caused by `item`, carrying its correlation and causation ids."""
        with event_scope(item.envelope):
            return add_event(
                self.session, payload, subject=subject, community=item.envelope.community
            )


Handler = Callable[[EventContext, Any], Awaitable[None]]
BatchHandler = Callable[[BatchContext], Awaitable[None]]


@contextlib.contextmanager
def event_scope(envelope: Envelope) -> Iterator[None]:
    """Make `envelope` the cause (and its correlation the chain) of what is done inside."""
    correlation = context.correlation_id.set(envelope.correlationid)
    causation = context.causation_id.set(envelope.id)
    try:
        yield
    finally:
        context.correlation_id.reset(correlation)
        context.causation_id.reset(causation)


class HandlerRegistry:
    """The event handlers of one service, and the streams they read."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._batch_handlers: dict[str, BatchHandler] = {}
        self._payloads: dict[str, type[EventPayload]] = {}
        self._every: list[Handler] = []
        self._composed: dict[str, Handler] = {}

    def on_every(self, function: Handler) -> Handler:
        """Register `function` for every known event type, after any type's own handler.

        For consumers of everything (webhooks for integrations): the service then reads
        every producing service's stream.
        """
        self._every.append(function)
        self._composed.clear()
        return function

    def on(
        self, payload_class: type[P]
    ) -> Callable[[Callable[[EventContext, P], Awaitable[None]]], Handler]:
        """Register the decorated function as the handler of `payload_class` events."""
        event_type = payload_class.event_type
        if not event_type:
            raise ValueError(f"{payload_class.__name__} has no event_type")

        def register(function: Callable[[EventContext, P], Awaitable[None]]) -> Handler:
            if event_type in self._handlers:
                raise ValueError(f"{event_type} already has a handler")
            self._handlers[event_type] = function
            self._payloads[event_type] = payload_class
            self._composed.clear()
            return function

        return register

    def on_batch(self, payload_class: type[EventPayload]) -> Callable[[BatchHandler], BatchHandler]:
        """Register the decorated function as the batch handler of `payload_class` events.

        It receives a `BatchContext` whose items are consecutive events of this type from
        one delivered batch, duplicates already removed, in stream order. It must give
        the same result as applying the items one by one in that order (the consumer
        falls back to one-item batches to isolate a failing event).
        """
        event_type = payload_class.event_type
        if not event_type:
            raise ValueError(f"{payload_class.__name__} has no event_type")

        def register(function: BatchHandler) -> BatchHandler:
            if event_type in self._handlers:
                raise ValueError(f"{event_type} already has a handler")

            async def one(ctx: EventContext, payload: Any) -> None:
                await function(BatchContext(ctx.session, [BatchItem(ctx.envelope, payload)]))

            self._handlers[event_type] = one
            self._batch_handlers[event_type] = function
            self._payloads[event_type] = payload_class
            self._composed.clear()
            return function

        return register

    def batch_handler_for(self, event_type: str) -> BatchHandler | None:
        """The batch handler of an event type, unless its events need one-by-one handling.

        Types that `on_every` handlers also see are handled one by one, so that those
        handlers keep running right after the type's own handler for each event.
        """
        if self._every and event_type in EVENT_TYPES:
            return None
        return self._batch_handlers.get(event_type)

    def handler_for(self, event_type: str) -> Handler | None:
        """The handler of an event type, or None when this service ignores it."""
        own = self._handlers.get(event_type)
        if not self._every or event_type not in EVENT_TYPES:
            return own
        if event_type not in self._composed:
            handlers = ([own] if own else []) + self._every

            async def all_of(ctx: EventContext, payload: Any) -> None:
                for handler in handlers:
                    await handler(ctx, payload)

            self._composed[event_type] = all_of
        return self._composed[event_type]

    @property
    def event_types(self) -> list[str]:
        """Every handled event type."""
        return sorted(set(self._handlers) | (set(EVENT_TYPES) if self._every else set()))

    @property
    def streams(self) -> list[str]:
        """The logical streams that carry the handled types, e.g. `registry.events`."""
        payloads = list(self._payloads.values()) + (
            list(EVENT_TYPES.values()) if self._every else []
        )
        return sorted({f"{cls.producer()}.events" for cls in payloads})
