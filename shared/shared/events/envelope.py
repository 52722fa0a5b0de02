"""The CloudEvents 1.0 envelope and its plain layout in a Redis stream entry.

Layout of one stream entry (every field a UTF-8 string, readable from any Redis client):

| field             | CloudEvents attribute | example                                  |
|-------------------|-----------------------|------------------------------------------|
| `specversion`     | specversion           | `1.0`                                    |
| `id`              | id (ULID, sortable)   | `01JD3X7F4N6Q8R9S0T1V2W3X4Y`             |
| `source`          | source                | `/linli/registry`                        |
| `type`            | type                  | `org.linli.registry.community_created.v1`|
| `time`            | time (RFC 3339, UTC)  | `2026-11-28T20:41:00.123456Z`            |
| `subject`         | subject (optional)    | the aggregate id                         |
| `datacontenttype` | datacontenttype       | `application/json`                       |
| `community`       | extension (optional)  | the tenant's community id                |
| `correlationid`   | extension             | the id of the originating request        |
| `causationid`     | extension (optional)  | the id of the event that caused this one |
| `data`            | data                  | the payload as JSON text                 |

Optional attributes without a value are left out of the entry. See docs/events.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared import clock
from shared.contracts.base import EventPayload, payload_class
from shared.ids import new_id

SOURCE_PREFIX = "/linli/"
_ATTRIBUTES = (
    "specversion",
    "id",
    "source",
    "type",
    "time",
    "subject",
    "datacontenttype",
    "community",
    "correlationid",
    "causationid",
)


class MalformedEvent(ValueError):
    """A stream entry that is not a valid envelope of a known type; never retried."""


class Envelope(BaseModel):
    """A CloudEvents 1.0 event with Linli's extension attributes."""

    model_config = ConfigDict(frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    time: datetime
    subject: str | None = None
    datacontenttype: Literal["application/json"] = "application/json"
    community: str | None = None
    correlationid: str = Field(min_length=1)
    causationid: str | None = None
    data: dict[str, Any]

    @classmethod
    def wrap(
        cls,
        payload: EventPayload,
        *,
        subject: str | None,
        community: str | None,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> Envelope:
        """Put a payload into a new envelope with a fresh id and the current time."""
        event_id = new_id()
        return cls(
            id=event_id,
            source=SOURCE_PREFIX + payload.producer(),
            type=payload.event_type,
            time=clock.now(),
            subject=subject,
            community=community,
            # An event that starts a chain correlates with itself.
            correlationid=correlation_id or event_id,
            causationid=causation_id,
            data=payload.model_dump(mode="json"),
        )

    @property
    def key(self) -> tuple[str, str]:
        """The identity of the event for de-duplication: (source, id)."""
        return (self.source, self.id)

    def payload(self) -> EventPayload:
        """The data validated against the payload class of this event's type."""
        cls = payload_class(self.type)
        if cls is None:
            raise MalformedEvent(f"unknown event type {self.type!r}")
        try:
            return cls.model_validate(self.data)
        except ValidationError as exc:
            raise MalformedEvent(f"payload of {self.type} is invalid: {describe(exc)}") from exc

    def to_fields(self) -> dict[str, str]:
        """The stream-entry fields of this envelope (see the module docstring)."""
        fields: dict[str, str] = {}
        for name in _ATTRIBUTES:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, datetime):
                value = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
            fields[name] = str(value)
        fields["data"] = orjson.dumps(self.data).decode()
        return fields

    @classmethod
    def from_fields(cls, fields: Mapping[bytes, bytes] | Mapping[str, str]) -> Envelope:
        """Parse a stream entry; raises MalformedEvent when it is not an envelope."""
        try:
            # Redis hands out bytes. This runs for every event a consumer reads, and its
            # share of a consumer's time is visible: one comprehension decodes them all
            # (fields outside the envelope are ignored by the model), and the model's
            # validator is called without `model_validate`'s wrapper.
            raw: dict[str, Any] = (
                {key.decode(): value.decode() for key, value in fields.items()}  # type: ignore[union-attr]
                if fields and isinstance(next(iter(fields)), bytes)
                else dict(fields)  # type: ignore[arg-type]
            )
            raw["data"] = orjson.loads(raw["data"]) if "data" in raw else None
            return cls.__pydantic_validator__.validate_python(raw)  # type: ignore[no-any-return]
        except (ValidationError, orjson.JSONDecodeError, UnicodeDecodeError) as exc:
            reason = describe(exc) if isinstance(exc, ValidationError) else str(exc)
            raise MalformedEvent(f"not a CloudEvents envelope: {reason}") from exc


def describe(error: ValidationError) -> str:
    """A validation error as text without the offending values, which may be personal."""
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or '(entry)'}: {item['msg']}"
        for item in error.errors(include_input=False, include_url=False)
    )
