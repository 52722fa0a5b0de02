"""The registry app in-process, on a real database and a real Redis, with test keys."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from redis.asyncio import Redis

from registry.app import create_app
from registry.domain.national_id import check_character
from registry.settings import Settings
from shared.auth import Role, TokenIssuer, generate_keypair


def national_id(serial: int, *, region: str = "110105", born: date = date(1980, 1, 1)) -> str:
    """A valid 18-character national ID number, distinct per serial (up to 999 per day)."""
    day = born + timedelta(days=serial // 999)
    first_17 = f"{region}{day:%Y%m%d}{serial % 999 + 1:03d}"
    return first_17 + check_character(first_17)


@dataclass
class Registry:
    """The running registry and what tests need around it."""

    app: FastAPI
    client: httpx.AsyncClient
    issuer: TokenIssuer
    redis: Redis
    namespace: str

    def headers(
        self, role: Role, community: str | None = None, subject: str = "tester"
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue_access(subject, role, community)}"}

    @property
    def district(self) -> dict[str, str]:
        return self.headers(Role.DISTRICT_ADMIN)

    async def events(self) -> list[dict[str, Any]]:
        """Every event the registry published so far (waits for the relay)."""
        relay = self.app.state.runtime.relay
        for _ in range(200):
            if await relay.backlog() == 0:
                break
            await asyncio.sleep(0.02)
        entries = await self.redis.xrange(self.namespace + "registry.events")
        return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in entries]

    async def event_types(self) -> list[str]:
        return [
            e["type"].removeprefix("org.linli.registry.").removesuffix(".v1")
            for e in await self.events()
        ]

    async def payloads(self, fact: str) -> list[dict[str, Any]]:
        return [
            json.loads(e["data"])
            for e in await self.events()
            if e["type"] == f"org.linli.registry.{fact}.v1"
        ]

    async def community(self, name: str = "兴华社区") -> str:
        street = await self.client.post(
            "/streets", json={"name": f"{name}街道"}, headers=self.district
        )
        assert street.status_code == 201, street.text
        created = await self.client.post(
            "/communities",
            json={"name": name, "street_id": street.json()["id"]},
            headers=self.district,
        )
        assert created.status_code == 201, created.text
        return str(created.json()["id"])


def application(serial: int, **overrides: Any) -> dict[str, Any]:
    """A complete, valid application form."""
    return {
        "name": f"志愿者{serial}",
        "gender": "female",
        "phone": f"139{serial:08d}",
        "national_id": national_id(serial),
        "party_member": serial % 2 == 0,
        "category": "resident",
        "service_area_codes": ["elderly_care", "community_work"],
        **overrides,
    }


@pytest.fixture(scope="session")
def keys() -> tuple[str, str]:
    return generate_keypair()


@asynccontextmanager
async def running_registry(
    database_url: str,
    tmp_path: Path,
    redis_url: str,
    redis: Redis,
    namespace: str,
    keys: tuple[str, str],
    **overrides: Any,
) -> AsyncIterator[Registry]:
    """The registry app on `database_url`, started, with a client in front of it."""
    private_pem, public_pem = keys
    (tmp_path / "private.pem").write_text(private_pem)
    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        stream_namespace=namespace,
        jwt_public_key=public_pem,
        jwt_private_key_file=tmp_path / "private.pem",
        national_id_keys=Fernet.generate_key().decode(),
        national_id_hash_key=Fernet.generate_key().decode(),
        relay_poll_ms=50,
        log_level="DEBUG",  # the privacy test reads every log line
        **overrides,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
            yield Registry(
                app=app,
                client=client,
                issuer=TokenIssuer(private_pem, issuer="linli-registry", audience="linli"),
                redis=redis,
                namespace=namespace,
            )


@pytest.fixture
async def registry(
    tmp_path: Path, redis_url: str, redis: Redis, namespace: str, keys: tuple[str, str]
) -> AsyncIterator[Registry]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    async with running_registry(url, tmp_path, redis_url, redis, namespace, keys) as running:
        yield running


@pytest.fixture
async def registry_on_both(
    database_url: str,
    tmp_path: Path,
    redis_url: str,
    redis: Redis,
    namespace: str,
    keys: tuple[str, str],
) -> AsyncIterator[Registry]:
    """The registry once on SQLite and once on PostgreSQL."""
    async with running_registry(
        database_url, tmp_path, redis_url, redis, namespace, keys
    ) as running:
        yield running
