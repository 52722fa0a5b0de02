"""Liveness and readiness endpoints."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from shared.runtime import ServiceRuntime

router = APIRouter(tags=["health"])

_CHECK_TIMEOUT_SECONDS = 2.0


@router.get("/health/live")
async def live() -> dict[str, str]:
    """The process is up and serving HTTP."""
    return {"status": "live"}


@router.get("/health/ready", responses={503: {"description": "a dependency is unreachable"}})
async def ready(request: Request) -> JSONResponse:
    """The database and Redis both answer; 503 names whichever does not."""
    runtime: ServiceRuntime = request.app.state.runtime
    checks = {
        "database": await _check(runtime.db.ping()),
        "redis": await _check(runtime.redis.ping()),
    }
    healthy = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if healthy else "not ready", "checks": checks},
        status_code=200 if healthy else 503,
    )


async def _check(probe: object) -> str:
    try:
        await asyncio.wait_for(probe, timeout=_CHECK_TIMEOUT_SECONDS)  # type: ignore[arg-type]
    except Exception as exc:
        return f"unreachable: {type(exc).__name__}"
    return "ok"
