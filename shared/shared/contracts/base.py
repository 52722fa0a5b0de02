"""The base of every event payload and the catalogue of known event types.

An event type names its producer, the fact and its version:
`org.linli.<service>.<fact>.v<N>`. A payload class is defined once, here in `shared`,
and imported by producer and consumers alike. Changing a payload in a way that could
break a consumer (removing, retyping or newly requiring a field) needs a new class with
the version bumped; `tests/contracts` enforces it against the committed JSON Schemas.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

TYPE_PATTERN = re.compile(
    r"^org\.linli\.(?P<service>[a-z]+)\.(?P<fact>[a-z_]+)\.v(?P<version>\d+)$"
)

EVENT_TYPES: dict[str, type[EventPayload]] = {}


class EventPayload(BaseModel):
    """Base class of event payloads; subclasses set the class variable `event_type`."""

    # Consumers ignore fields they do not know, so a producer may add optional fields
    # without a version bump.
    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str] = ""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if not cls.event_type:
            return
        if not TYPE_PATTERN.match(cls.event_type):
            raise ValueError(f"{cls.__name__}: bad event type {cls.event_type!r}")
        if cls.event_type in EVENT_TYPES:
            raise ValueError(f"event type {cls.event_type!r} is defined twice")
        EVENT_TYPES[cls.event_type] = cls

    @classmethod
    def producer(cls) -> str:
        """The service that publishes this event type."""
        match = TYPE_PATTERN.match(cls.event_type)
        assert match is not None
        return match["service"]


def payload_class(event_type: str) -> type[EventPayload] | None:
    """The payload class of a known event type, or None."""
    return EVENT_TYPES.get(event_type)
