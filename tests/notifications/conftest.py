"""The notifications service in-process on a real database and Redis, fed with events."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from redis.asyncio import Redis

from notifications.app import create_app
from notifications.settings import Settings
from shared.auth import Role, TokenIssuer, generate_keypair
from shared.contracts.base import EventPayload
from shared.events.envelope import Envelope


@dataclass
class Notifications:
    app: Any
    client: httpx.AsyncClient
    issuer: TokenIssuer
    redis: Redis
    namespace: str

    def person(
        self, account: str, role: Role = Role.VOLUNTEER, community: str = "c1"
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue_access(account, role, community)}"}

    async def publish(self, *payloads: EventPayload) -> list[Envelope]:
        envelopes = []
        for payload in payloads:
            envelope = Envelope.wrap(payload, subject=None, community="c1")
            stream = f"{payload.producer()}.events"
            await self.redis.xadd(self.namespace + stream, envelope.to_fields())  # type: ignore[arg-type]
            envelopes.append(envelope)
        return envelopes

    async def settle(self) -> None:
        for _ in range(400):
            done = True
            for stream in ("registry.events", "activities.events", "evaluation.events"):
                key = self.namespace + stream
                if not await self.redis.exists(key):
                    continue
                groups = {g["name"]: g for g in await self.redis.xinfo_groups(key)}
                group = groups.get(b"notifications")
                last = await self.redis.xrevrange(key, count=1)
                if (
                    group is None
                    or group["pending"]
                    or (last and group["last-delivered-id"] != last[0][0])
                ):
                    done = False
            if done:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("notifications did not catch up")

    async def titles(self, headers: dict[str, str]) -> list[str]:
        return [
            n["title"] for n in (await self.client.get("/inbox", headers=headers)).json()["items"]
        ]


class Inbox:
    """An SMTP handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def subject_of(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


@pytest.fixture
def overrides() -> dict[str, Any]:
    """Settings a test module changes (intervals, ports); override this fixture."""
    return {}


@pytest.fixture
async def service(
    tmp_path: Path, redis_url: str, redis: Redis, namespace: str, overrides: dict[str, Any]
) -> AsyncIterator[Notifications]:
    private_pem, public_pem = generate_keypair()
    settings = Settings(
        redis_url=redis_url,
        stream_namespace=namespace,
        consume_block_ms=100,
        jwt_public_key=public_pem,
        # SQLite unless a module runs on `database_url` (SQLite and PostgreSQL). The
        # tests' receivers listen on this machine; a test of the address rule overrides it.
        **{
            "database_url": f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}",
            "webhook_allowed_hosts": ["localhost", "127.0.0.1"],
            **overrides,
        },
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://notifications"
        ) as client:
            yield Notifications(
                app,
                client,
                TokenIssuer(private_pem, issuer="linli-registry", audience="linli"),
                redis,
                namespace,
            )
