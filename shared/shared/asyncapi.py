"""The AsyncAPI document of a service: the streams it publishes to and reads from."""

from __future__ import annotations

from typing import Any, Union

from faststream import FastStream
from faststream.redis import RedisBroker
from faststream.specification import AsyncAPI

from shared.asyncapi_page import render_asyncapi_page
from shared.contracts.base import EVENT_TYPES
from shared.messages import Language


def declare_publications(broker: RedisBroker, service: str, stream_key: str) -> None:
    """Describe the service's stream and the payloads on it, for the document only.

    Events are written by the outbox relay with plain XADD, not by this publisher.
    """
    payloads = [cls for cls in EVENT_TYPES.values() if cls.producer() == service]
    if not payloads:
        return
    schema: Any = payloads[0] if len(payloads) == 1 else Union[tuple(payloads)]  # noqa: UP007
    broker.publisher(
        stream=stream_key,
        title=f"{stream_key}:publish",
        description=(
            "CloudEvents envelopes as plain stream fields (see docs/events.md); "
            "`data` holds one of these payloads, named by `type`: "
            + ", ".join(sorted(cls.event_type for cls in payloads))
        ),
        schema=schema,
    )


def asyncapi_document(broker: RedisBroker, *, title: str, description: str) -> dict[str, Any]:
    """The AsyncAPI 3 document FastStream generates from the broker's declarations."""
    app = FastStream(broker, specification=AsyncAPI(title=title, description=description))
    document: dict[str, Any] = app.schema.to_specification().to_jsonable()
    return document


def asyncapi_html(broker: RedisBroker, *, title: str, description: str, language: Language) -> str:
    """The `/asyncapi` page: the same document, as HTML built here (no script, nothing
    fetched from elsewhere; shared.asyncapi_page says why)."""
    document = asyncapi_document(broker, title=title, description=description)
    return render_asyncapi_page(document, language)
