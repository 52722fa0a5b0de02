"""Request and event context carried through logs and into published events."""

from __future__ import annotations

from contextvars import ContextVar

#: The correlation id of the request or event chain being handled.
correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
#: The id of the event being handled, the cause of any event published meanwhile.
causation_id: ContextVar[str | None] = ContextVar("causation_id", default=None)
