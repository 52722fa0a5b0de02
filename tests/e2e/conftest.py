"""The four services as separate processes (uvicorn) on loopback ports."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio
from redis.asyncio import Redis

from tests.conftest import create_postgres_database, drop_postgres_database
from tests.e2e.system import SERVICES, System


async def forget(redis_url: str, namespace: str) -> None:
    """Delete every stream key of a namespace."""
    cleanup = Redis.from_url(redis_url)
    keys = [key async for key in cleanup.scan_iter(match=f"{namespace}*")]
    if keys:
        await cleanup.delete(*keys)
    await cleanup.aclose()


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=["sqlite", "postgres"])
async def system(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, redis_url: str
) -> AsyncIterator[System]:
    """The four services started once per module and database kind."""
    directory = tmp_path_factory.mktemp(f"system-{request.param}")
    namespace = f"test-e2e-{uuid.uuid4().hex[:12]}:"
    databases: dict[str, str] = {}
    admin_url = ""
    if request.param == "postgres":
        admin_url = request.getfixturevalue("postgres_admin_url")
        for name in SERVICES:
            databases[name] = await create_postgres_database(admin_url)
    running = System(directory, redis_url, namespace, databases)
    try:
        running.start_all()
        yield running
    finally:
        running.stop()
        for url in databases.values():
            await drop_postgres_database(admin_url, url)
        await forget(redis_url, namespace)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client
