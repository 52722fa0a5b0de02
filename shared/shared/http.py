"""HTTP middleware shared by the services."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import context
from shared.ids import new_id

CORRELATION_HEADER = "x-correlation-id"


class CorrelationIdMiddleware:
    """Take the caller's X-Correlation-ID (or make one) for logs and published events."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(CORRELATION_HEADER.encode(), b"").decode()
        # Bounded and printable, so a caller cannot stuff logs through the header.
        value = incoming if 0 < len(incoming) <= 128 and incoming.isprintable() else new_id()
        token = context.correlation_id.set(value)

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((CORRELATION_HEADER.encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_header)
        finally:
            context.correlation_id.reset(token)
