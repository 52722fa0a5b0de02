"""Event contracts of every Linli service. Importing this package registers all types."""

from shared.contracts import activities, evaluation, notifications, registry
from shared.contracts.base import EVENT_TYPES, EventPayload, payload_class

__all__ = [
    "EVENT_TYPES",
    "EventPayload",
    "activities",
    "evaluation",
    "notifications",
    "payload_class",
    "registry",
]
