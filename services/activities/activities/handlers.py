"""Event handlers of the activities service: one function per consumed event type."""

from shared.events.handlers import HandlerRegistry
from shared.projections.communities import register_community_handlers

handlers = HandlerRegistry()
register_community_handlers(handlers)
