"""Fixtures for tests against real infrastructure.

Redis and PostgreSQL come from `REDIS_URL` / `DATABASE_URL` when set (a PostgreSQL URL
whose user may create databases), else from testcontainers when a Docker engine
answers, else the test run stops and says what to set.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

MISSING = (
    "{what} is needed: set {var} (e.g. {example}) or make a Docker engine available "
    "for testcontainers"
)


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env().ping()
    except Exception:
        return False
    return True


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The URL of a real Redis server for the whole run."""
    if url := os.environ.get("REDIS_URL"):
        yield url
        return
    if _docker_answers():
        from testcontainers.redis import RedisContainer

        with RedisContainer("redis:7.2-alpine") as container:
            host = container.get_container_host_ip()
            yield f"redis://{host}:{container.get_exposed_port(6379)}/0"
        return
    pytest.exit(
        MISSING.format(what="Redis", var="REDIS_URL", example="redis://127.0.0.1:6379/0"),
        returncode=2,
    )


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """An asyncpg URL of a real PostgreSQL server on which test databases are created."""
    if url := os.environ.get("DATABASE_URL"):
        yield str(make_url(url).set(drivername="postgresql+asyncpg"))
        return
    if _docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver="asyncpg") as container:
            yield container.get_connection_url()
        return
    pytest.exit(
        MISSING.format(
            what="PostgreSQL",
            var="DATABASE_URL",
            example="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
        ),
        returncode=2,
    )


@pytest.fixture
def namespace() -> str:
    """A key prefix unique to one test, so tests never see each other's streams."""
    return f"test-{uuid.uuid4().hex[:12]}:"


@pytest.fixture
async def redis(redis_url: str, namespace: str) -> AsyncIterator[Redis]:
    """A client of the test Redis; the test's keys are deleted afterwards."""
    client = Redis.from_url(redis_url)
    yield client
    keys = [key async for key in client.scan_iter(match=f"{namespace}*", count=1000)]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def create_postgres_database(admin_url: str) -> str:
    """Create an empty database on the test server and return its URL."""
    name = f"linli_test_{uuid.uuid4().hex[:12]}"
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return str(make_url(admin_url).set(database=name))


async def drop_postgres_database(admin_url: str, url: str) -> None:
    """Drop a database made by `create_postgres_database`, closing its connections."""
    name = make_url(url).database
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database, once SQLite and once PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    url = await create_postgres_database(admin_url)
    try:
        yield url
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(drop_postgres_database(admin_url, url), timeout=30)
