"""Liveness and readiness endpoints."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from shared.db import Database
from shared.runtime import ServiceRuntime

router = APIRouter(tags=["health"])

_CHECK_TIMEOUT_SECONDS = 2.0


@router.get("/health/live")
async def live() -> dict[str, str]:
    """The process is up and serving HTTP."""
    return {"status": "live"}


@router.get(
    "/health/ready",
    responses={503: {"description": "a dependency is unreachable or a consumer has stalled"}},
)
async def ready(request: Request) -> JSONResponse:
    """The database and Redis both answer and every consumer reads; 503 names what does not."""
    runtime: ServiceRuntime = request.app.state.runtime
    checks = {
        "database": await _check(lambda: _ping_database(runtime.db)),
        # A dead pooled connection is retried on a new one by the client itself (see
        # shared.runtime), so a failure here means Redis does not answer.
        "redis": await _check(runtime.redis.ping),
    }
    stalls = runtime.stalled_consumers()
    if stalls:
        checks["consumers"] = "; ".join(stalls)
    healthy = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if healthy else "not ready", "checks": checks},
        status_code=200 if healthy else 503,
    )


async def _ping_database(db: Database) -> None:
    try:
        await db.ping()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        # The pooled connection was dead (the server restarted or ended it). SQLAlchemy
        # has dropped it and every older one, so asking again uses a new connection: the
        # probe reports the database, not one stale connection (see decision 0007).
        await db.ping()


async def _check(probe: Callable[[], Awaitable[object]]) -> str:
    try:
        await asyncio.wait_for(probe(), timeout=_CHECK_TIMEOUT_SECONDS)
    except Exception as exc:
        return f"unreachable: {type(exc).__name__}"
    return "ok"
