"""The FastAPI application factory every service uses: one wiring point per service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_fastapi_instrumentator import Instrumentator

from shared.api_docs import install_api_docs
from shared.asyncapi import asyncapi_document, asyncapi_html, declare_publications
from shared.audit.api import router as audit_router
from shared.audit.recording import AuditMiddleware
from shared.auth import TokenVerifier, install_auth
from shared.errors import ERROR_RESPONSES, install_error_handlers
from shared.health import router as health_router
from shared.http import (
    AllowHeaderMiddleware,
    BodyLimitMiddleware,
    CorrelationIdMiddleware,
    TextWithoutNulMiddleware,
    document_text_without_nul,
)
from shared.logging import configure_logging
from shared.messages import negotiate
from shared.runtime import ServiceDefinition, ServiceRuntime
from shared.settings import ServiceSettings


def create_service_app(
    definition: ServiceDefinition,
    settings: ServiceSettings,
    routers: Sequence[APIRouter] = (),
    body_limits: Mapping[str, int] | None = None,
) -> FastAPI:
    """Build a service's app: routes, health, metrics, API and event docs, the event runtime.

    Request bodies are limited to `settings.max_request_body_bytes`; `body_limits`
    maps path patterns (regular expressions) to larger limits, for uploads.
    """
    configure_logging(definition.name, level=settings.log_level, json=settings.log_json)
    runtime = ServiceRuntime(definition, settings)
    declare_publications(
        runtime.broker, definition.name, settings.stream_key(f"{definition.name}.events")
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
        # /docs is served by install_api_docs instead, from the service's own files;
        # no /redoc (shared.api_docs says why).
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.settings = settings
    public_key = settings.public_key_pem()
    install_auth(
        app,
        TokenVerifier(public_key, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
        if public_key
        else None,
    )
    install_error_handlers(app)
    # Innermost, so the scope it hands on is the one the router fills in (route, path
    # parameters) and the principal is kept in.
    app.add_middleware(AuditMiddleware)
    app.add_middleware(TextWithoutNulMiddleware)
    app.add_middleware(
        BodyLimitMiddleware, limit=settings.max_request_body_bytes, overrides=body_limits or {}
    )
    app.add_middleware(AllowHeaderMiddleware)
    app.add_middleware(CorrelationIdMiddleware)
    Instrumentator(excluded_handlers=["/metrics", "/health/.*"]).instrument(app)
    app.include_router(health_router)
    app.include_router(audit_router)
    for router in routers:
        app.include_router(router)

    install_api_docs(app)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/asyncapi.json", tags=["events"], summary="AsyncAPI document of this service")
    async def asyncapi_json() -> dict[str, object]:
        return asyncapi_document(
            runtime.broker, title=definition.title, description=definition.description
        )

    @app.get("/asyncapi", tags=["events"], include_in_schema=False)
    async def asyncapi_page(request: Request) -> HTMLResponse:
        language = negotiate(request.headers.get("accept-language"))
        return HTMLResponse(
            asyncapi_html(
                runtime.broker,
                title=definition.title,
                description=definition.description,
                language=language,
            ),
            headers={"Content-Language": language.value, "Vary": "Accept-Language"},
        )

    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        return document_text_without_nul(generate_openapi())

    app.openapi = openapi  # type: ignore[method-assign]
    return app
