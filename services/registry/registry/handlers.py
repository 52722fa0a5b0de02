"""Event handlers of the registry: it consumes no events, it is the source of truth."""

from shared.events.handlers import HandlerRegistry

handlers = HandlerRegistry()
