"""The evaluation service in-process on a real database and Redis, fed with events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from evaluation.app import create_app
from evaluation.settings import Settings
from shared.auth import Role, TokenIssuer, generate_keypair
from shared.contracts.activities import ServiceConfirmed
from shared.contracts.base import EventPayload
from shared.contracts.registry import VolunteerRegistered
from shared.events.envelope import Envelope


@dataclass
class Evaluation:
    app: FastAPI
    client: httpx.AsyncClient
    issuer: TokenIssuer
    redis: Redis
    namespace: str

    def headers(self, role: Role, community: str | None, subject: str = "admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue_access(subject, role, community)}"}

    def volunteer(self, volunteer_id: str, community: str) -> dict[str, str]:
        return self.headers(Role.VOLUNTEER, community, subject=f"acct-{volunteer_id}")

    async def publish(self, stream: str, payloads: list[EventPayload]) -> None:
        for payload in payloads:
            envelope = Envelope.wrap(payload, subject=None, community=None)
            await self.redis.xadd(self.namespace + stream, envelope.to_fields())  # type: ignore[arg-type]


@asynccontextmanager
async def running(
    database_url: str, redis_url: str, redis: Redis, namespace: str
) -> AsyncIterator[Evaluation]:
    """The service on `database_url`, with a client and a token issuer."""
    private_pem, public_pem = generate_keypair()
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        stream_namespace=namespace,
        consume_block_ms=100,
        jwt_public_key=public_pem,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://evaluation") as client:
            yield Evaluation(
                app,
                client,
                TokenIssuer(private_pem, issuer="linli-registry", audience="linli"),
                redis,
                namespace,
            )


@pytest.fixture
async def evaluation(
    tmp_path: Path, redis_url: str, redis: Redis, namespace: str
) -> AsyncIterator[Evaluation]:
    async with running(
        f"sqlite+aiosqlite:///{tmp_path / 'evaluation.db'}", redis_url, redis, namespace
    ) as service:
        yield service


@pytest.fixture
async def evaluation_db(
    database_url: str, redis_url: str, redis: Redis, namespace: str
) -> AsyncIterator[Evaluation]:
    """The service on SQLite and on PostgreSQL (each test runs on both)."""
    async with running(database_url, redis_url, redis, namespace) as service:
        yield service


IN_PERIOD = datetime(2026, 3, 10, 9, tzinfo=UTC)


def registered(volunteer: str, community: str) -> VolunteerRegistered:
    return VolunteerRegistered(
        volunteer_id=volunteer,
        volunteer_number=f"N-{volunteer}",
        community_id=community,
        service_area_codes=["elderly_care"],
        party_member=False,
        category="resident",
        account_id=f"acct-{volunteer}",
        registered_on=date(2026, 1, 5),
        display_name=f"志愿者{volunteer}",
    )


def served(
    volunteer: str, community: str, activity: str, hours: float, day: int = 0
) -> ServiceConfirmed:
    return ServiceConfirmed(
        record_id=f"r-{volunteer}-{activity}",
        volunteer_id=volunteer,
        community_id=community,
        activity_id=activity,
        started_at=IN_PERIOD + timedelta(days=day),
        hours=hours,
        confirmed_by="admin",
    )


async def settle(evaluation: Evaluation) -> None:
    """Wait until the service has read and acknowledged everything published so far."""
    for _ in range(400):
        caught_up = True
        for stream in ("registry.events", "activities.events"):
            key = evaluation.namespace + stream
            if not await evaluation.redis.exists(key):
                continue
            groups = {g["name"]: g for g in await evaluation.redis.xinfo_groups(key)}
            group = groups.get(b"evaluation")
            last = await evaluation.redis.xrevrange(key, count=1)
            read_all = group is not None and (not last or group["last-delivered-id"] == last[0][0])
            if not read_all or group is None or group["pending"] != 0:
                caught_up = False
        if caught_up:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("evaluation did not catch up")
