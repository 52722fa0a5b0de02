"""The activities service in-process on a real database and Redis, beside the registry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from activities.app import create_app
from activities.models import KnownVolunteer
from activities.settings import Settings
from shared.auth import Role, TokenIssuer


@dataclass
class Activities:
    """The running activities service and helpers around it."""

    app: FastAPI
    client: httpx.AsyncClient
    issuer: TokenIssuer
    redis: Redis
    namespace: str

    def headers(
        self, role: Role, community: str | None, subject: str = "organiser"
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue_access(subject, role, community)}"}

    async def volunteers(
        self, community: str, count: int, prefix: str = "v"
    ) -> list[KnownVolunteer]:
        """Registered volunteers put straight into the projection (no registry needed)."""
        made = [
            KnownVolunteer(
                id=f"{prefix}{i}",
                community_id=community,
                volunteer_number=f"1101052600{i:05d}",
                account_id=f"acct-{prefix}{i}",
                status="registered",
            )
            for i in range(count)
        ]
        async with self.app.state.runtime.db.session() as session:
            session.add_all(made)
            await session.commit()
        return made

    def as_volunteer(self, volunteer: KnownVolunteer) -> dict[str, str]:
        assert volunteer.account_id is not None
        return self.headers(Role.VOLUNTEER, volunteer.community_id, subject=volunteer.account_id)

    async def activity(
        self,
        community: str,
        *,
        capacity: int = 10,
        starts_in: timedelta = timedelta(days=2),
        hours: float = 2.0,
        publish: bool = True,
        **extra: Any,
    ) -> dict[str, Any]:
        starts = datetime.now(UTC) + starts_in
        body = {
            "title": "治安巡逻",
            "kind": "patrol",
            "service_area_code": "community_work",
            "place": "兴华社区东门",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=hours)).isoformat(),
            "capacity": capacity,
            **extra,
        }
        response = await self.client.post(
            f"/communities/{community}/activities",
            params={"publish": publish},
            json=body,
            headers=self.headers(Role.COMMUNITY_ADMIN, community),
        )
        assert response.status_code == 201, response.text
        return dict(response.json()[0])

    async def events(self, fact: str | None = None) -> list[dict[str, str]]:
        relay = self.app.state.runtime.relay
        for _ in range(200):
            if await relay.backlog() == 0:
                break
            await asyncio.sleep(0.02)
        entries = await self.redis.xrange(self.namespace + "activities.events")
        decoded = [{k.decode(): v.decode() for k, v in f.items()} for _, f in entries]
        if fact is None:
            return decoded
        return [e for e in decoded if e["type"] == f"org.linli.activities.{fact}.v1"]


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    """Wait until `check()` holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


@pytest.fixture
def activities_settings(
    tmp_path: Path, redis_url: str, namespace: str, keys: tuple[str, str]
) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'activities.db'}",
        redis_url=redis_url,
        stream_namespace=namespace,
        jwt_public_key=keys[1],
        relay_poll_ms=50,
        consume_block_ms=100,
    )


@pytest.fixture(scope="session")
def keys() -> tuple[str, str]:
    from shared.auth import generate_keypair

    return generate_keypair()


@asynccontextmanager
async def running(
    settings: Settings, redis: Redis, keys: tuple[str, str]
) -> AsyncIterator[Activities]:
    """The activities app started with `settings`, and a client for it."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://activities", timeout=60
        ) as client:
            yield Activities(
                app=app,
                client=client,
                issuer=TokenIssuer(keys[0], issuer="linli-registry", audience="linli"),
                redis=redis,
                namespace=settings.stream_namespace,
            )


@pytest.fixture
async def service(
    activities_settings: Settings, redis: Redis, keys: tuple[str, str]
) -> AsyncIterator[Activities]:
    async with running(activities_settings, redis, keys) as activities:
        yield activities


@pytest.fixture
async def on_postgres(
    activities_settings: Settings, postgres_admin_url: str
) -> AsyncIterator[Settings]:
    """The test's settings, on a database of its own on the PostgreSQL server."""
    from tests.conftest import create_postgres_database, drop_postgres_database

    url = await create_postgres_database(postgres_admin_url)
    activities_settings.database_url = url
    yield activities_settings
    await drop_postgres_database(postgres_admin_url, url)


@pytest.fixture
async def pg_service(
    on_postgres: Settings, redis: Redis, keys: tuple[str, str]
) -> AsyncIterator[Activities]:
    """The activities service on PostgreSQL."""
    async with running(on_postgres, redis, keys) as activities:
        yield activities
