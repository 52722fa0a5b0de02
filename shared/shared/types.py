"""Field types of request models and query parameters shared by the services."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


def _text_not_number(value: Any) -> Any:
    # Pydantic's lax mode reads a number (or numeric text) as a Unix timestamp; the
    # OpenAPI schema promises ISO 8601 text, so a number is refused, not guessed at.
    if isinstance(value, int | float):  # bool is an int too
        raise ValueError("give ISO 8601 text, not a number")
    if isinstance(value, str) and _NUMBER.match(value):
        raise ValueError("give ISO 8601 text, not a number")
    return value


def _representable_in_utc(value: datetime) -> datetime:
    # 0001-01-01T00:00+03:00 is a valid date-time, but a moment before year 1 in UTC,
    # which Python and the database (times are stored in UTC) cannot hold: it used to
    # be a 500. Such a time, within hours of year 1 or of year 9999, is read as the
    # nearest moment that has a UTC form; as a filter's bound it means the same.
    if value.tzinfo is not None:
        try:
            value.astimezone(UTC)
        except OverflowError:
            return (
                datetime.min.replace(tzinfo=UTC)
                if value.year == 1
                else datetime.max.replace(tzinfo=UTC)
            )
    return value


Timestamp = Annotated[
    datetime, BeforeValidator(_text_not_number), AfterValidator(_representable_in_utc)
]
"""A date and time given as ISO 8601 text, e.g. 2026-03-10T09:00:00+08:00."""

Day = Annotated[date, BeforeValidator(_text_not_number)]
"""A calendar day given as ISO 8601 text, e.g. 2026-03-10."""


def _json_integer(value: Any) -> Any:
    # Lax validation reads true as 1 and "3" as 3, which the document's `integer`
    # refuses; 3.0 it allows (JSON Schema counts it an integer), and so does this.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("give a whole number, not text or a boolean")
    return value


Integer = Annotated[int, BeforeValidator(_json_integer)]
"""A whole number in a request body, as JSON writes it: 3 or 3.0, never true or "3"."""

Id = Annotated[str, StringConstraints(min_length=1, max_length=26)]
"""The id of a record (a ULID: 26 characters), as a request names it."""

MAX_LIST_LIMIT = 500

ListLimit = Annotated[
    int,
    Query(
        ge=1, le=MAX_LIST_LIMIT, description=f"at most this many items ({MAX_LIST_LIMIT} at most)"
    ),
]
"""The `limit` query parameter of a list endpoint: bounded, so no answer is unbounded."""


class Input(BaseModel):
    """The base of a request body: a field it does not declare is refused, not dropped.

    The OpenAPI document says so (`additionalProperties: false`), a misspelt field is
    an error the caller sees instead of a value silently ignored, and nothing the
    model does not know reaches the rules. Numbers and booleans in a body are taken
    as JSON gives them: declare them `Integer` and `StrictBool`, so `false` is not
    read as 0 nor `"3"` as 3 (the document promises a JSON type).
    """

    model_config = ConfigDict(extra="forbid")


def _no_default_in_schema(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


OMITTABLE = Field(json_schema_extra=_no_default_in_schema)
"""Metadata of an update's field that may be left out but not given as null.

Typed `X | SkipJsonSchema[None]` with `= None` and this, the document shows plain `X`
(no null, no default), so clients are not told null is a value; the model still
receives None when the field is left out, and its validator refuses an explicit null.
"""
