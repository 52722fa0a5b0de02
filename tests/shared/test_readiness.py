"""Readiness reports the database, not one stale pooled connection to it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy import text

from shared.db import Database
from shared.health import router as health_router


@dataclass
class _Runtime:
    """What the readiness probe asks: the real database and Redis, no consumers."""

    db: Database
    redis: Redis

    def stalled_consumers(self) -> list[str]:
        return []


@pytest.fixture
async def postgres(database_url: str) -> AsyncIterator[Database]:
    if database_url.startswith("sqlite"):
        pytest.skip("a server whose connections can be cut: PostgreSQL")
    db = Database(database_url, pool_size=1)
    yield db
    await db.dispose()


async def _backend_pids(db: Database) -> set[int]:
    admin = Database(db.url)
    try:
        async with admin.engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            return {int(row[0]) for row in rows}
    finally:
        await admin.dispose()


async def test_a_pooled_connection_the_server_ended_does_not_flap_readiness(
    postgres: Database, redis: Redis
) -> None:
    app = FastAPI()
    app.include_router(health_router)
    app.state.runtime = _Runtime(postgres, redis)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/health/ready")).status_code == 200
        # The server ends the probe's pooled connection, as a restart or failover would.
        pids = await _backend_pids(postgres)
        assert pids, "the probe's connection should be pooled"
        admin = Database(postgres.url)
        async with admin.engine.connect() as connection:
            for pid in pids:
                await connection.execute(text(f"SELECT pg_terminate_backend({pid})"))
        await admin.dispose()

        answers = []
        started = time.monotonic()
        while time.monotonic() - started < 1.0:
            response = await client.get("/health/ready")
            answers.append((response.status_code, response.json()["checks"]))
        assert {status for status, _ in answers} == {200}, answers[:3]
