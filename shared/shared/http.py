"""HTTP middleware shared by the services."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import context, messages
from shared.errors import error_response
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


class RequestTooLarge(HTTPException):
    """The body grew past the limit while it was read: an HTTPException, since FastAPI
    turns anything else raised while it reads a body into a 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, {"limit": limit})
        self.limit = limit


def _too_large(scope: Scope, limit: int) -> JSONResponse:
    return error_response(Request(scope), 413, messages.BODY_TOO_LARGE, {"limit": limit})


class BodyLimitMiddleware:
    """Answer 413 when a request body is larger than the limit of its path.

    Checked on Content-Length first, then on the bytes as they arrive, so a chunked
    body (no Content-Length) is stopped too once it passes the limit. `overrides`
    maps path patterns (regular expressions, matched whole) to larger limits, for
    uploads.
    """

    def __init__(self, app: ASGIApp, limit: int, overrides: Mapping[str, int] = {}) -> None:
        self.app = app
        self.limit = limit
        self.overrides = [(re.compile(pattern), size) for pattern, size in overrides.items()]

    def _limit_for(self, path: str) -> int:
        for pattern, size in self.overrides:
            if pattern.fullmatch(path):
                return size
        return self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(scope, limit)(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except RequestTooLarge as exc:
            # Raised outside the app's exception handlers (in a middleware reading ahead).
            if started:
                raise
            await _too_large(scope, exc.limit)(scope, receive, send)


class TextWithoutNulMiddleware:
    """Answer 422 when the path, the query or a JSON body carries a NUL character.

    PostgreSQL text cannot hold U+0000: such input used to travel to the database and
    fail there as a 500 (SQLite stored it). JSON bodies are read whole to look for a
    `\\u0000` escape, which the body size limit keeps bounded.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").lower()
        if "\x00" in scope["path"] or b"%00" in query or b"\x00" in query:
            await _refuse_nul(scope, receive, send)
            return
        content_type = dict(scope["headers"]).get(b"content-type", b"").lower()
        if b"json" not in content_type:
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        while True:
            message = await receive()  # BodyLimitMiddleware stops an oversized body
            messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
        if _JSON_NUL.search(body):
            await _refuse_nul(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


# `\u0000` as a JSON escape, not an escaped backslash followed by "u0000".
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


# What the OpenAPI document says of text, since TextWithoutNulMiddleware refuses NUL.
TEXT_WITHOUT_NUL = r"^[^\x00]*$"


def document_text_without_nul(document: dict[str, Any]) -> dict[str, Any]:
    """Give every free text of the requests in an OpenAPI document the pattern that
    excludes NUL, so the document says what TextWithoutNulMiddleware refuses.

    Text with a pattern of its own, a format (dates, e-mail addresses, files) or a
    fixed set of values is left as it is: none of them can hold a NUL.
    """
    for schema in (document.get("components") or {}).get("schemas", {}).values():
        _exclude_nul(schema)
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                _exclude_nul(parameter.get("schema"))
            for media in (operation.get("requestBody") or {}).get("content", {}).values():
                _exclude_nul(media.get("schema"))
    return document


def _exclude_nul(schema: Any) -> None:
    if isinstance(schema, list):
        for item in schema:
            _exclude_nul(item)
        return
    if not isinstance(schema, dict):
        return
    types = schema.get("type")
    is_text = types == "string" or (isinstance(types, list) and "string" in types)
    if is_text and not {"pattern", "format", "enum", "const", "contentMediaType"} & schema.keys():
        schema["pattern"] = TEXT_WITHOUT_NUL
    for key, value in schema.items():
        if key in {"properties", "patternProperties", "$defs"} and isinstance(value, dict):
            for child in value.values():
                _exclude_nul(child)
        elif key in {"items", "additionalProperties", "anyOf", "oneOf", "allOf", "prefixItems"}:
            _exclude_nul(value)


async def _refuse_nul(scope: Scope, receive: Receive, send: Send) -> None:
    response = error_response(Request(scope), 422, messages.TEXT_WITH_NUL)
    await response(scope, receive, send)


class AllowHeaderMiddleware:
    """Make a 405's `Allow` list every method the path supports.

    FastAPI makes one route per method, and the router answers a wrong method with the
    methods of the first route whose path matched only: `POST /streets` hides
    `GET /streets`. Clients (and RFC 9110) read `Allow` as the whole list.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                allowed = ", ".join(sorted(_methods_of_path(scope)))
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
                message["headers"] = [*headers, (b"allow", allowed.encode())]
            await send(message)

        await self.app(scope, receive, send_with_allow)


def _methods_of_path(scope: Scope) -> set[str]:
    methods: set[str] = set()
    for route in scope["app"].router.routes:
        match, _ = route.matches(scope)
        if match is not Match.NONE and isinstance(getattr(route, "methods", None), set):
            methods |= route.methods
    return methods
