"""Event handlers: one async function per consumed event type, keyed by payload class."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

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


Handler = Callable[[EventContext, Any], Awaitable[None]]


class HandlerRegistry:
    """The event handlers of one service, and the streams they read."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
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
