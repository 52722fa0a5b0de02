"""The four services together in one process, on PostgreSQL and a real Redis.

They run in the event loop thread that schemathesis uses for ASGI apps, so the same
running apps serve schemathesis and the plain `requests` clients (schemathesis's
`ASGIClient`) the other security tests use. Their event consumers read each other's
streams under one namespace: what the registry publishes reaches activities,
evaluation and notifications as in production.

The lifespans are ours, not schemathesis's: its pytest plugin ends every lifespan it
started after each test, and a service's runtime does not start twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from redis import Redis
from schemathesis.python.asgi import ASGIClient, _get_portal
from starlette.types import Receive, Scope, Send

from shared.auth import Role, TokenIssuer, generate_keypair
from shared.ids import new_id
from tests.conftest import create_postgres_database, drop_postgres_database

SERVICES = ("registry", "activities", "evaluation", "notifications")


@dataclass
class System:
    """The running services, a client for each, and a way to mint tokens."""

    apps: dict[str, FastAPI]
    clients: dict[str, ASGIClient]
    issuer: TokenIssuer
    private_pem: str
    public_pem: str
    namespace: str

    def token(self, role: Role, community: str | None = None, subject: str | None = None) -> str:
        # Real subjects are account ids (26 characters), and services store them.
        return self.issuer.issue_access(subject or new_id(), role, community)

    def headers(
        self, role: Role, community: str | None = None, subject: str | None = None
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, community, subject)}"}

    @property
    def district(self) -> dict[str, str]:
        return self.headers(Role.DISTRICT_ADMIN)


def _settings(name: str, database_url: str, redis_url: str, namespace: str, tmp: Path) -> Any:
    common: dict[str, Any] = {
        "database_url": database_url,
        "redis_url": redis_url,
        "stream_namespace": namespace,
        "consume_block_ms": 100,
        "relay_poll_ms": 50,
        "data_dir": tmp / "data",
        "log_level": "WARNING",
    }
    if name == "registry":
        from registry.settings import Settings as RegistrySettings

        return RegistrySettings(
            **common,
            jwt_private_key_file=tmp / "private.pem",
            national_id_keys=Fernet.generate_key().decode(),
            national_id_hash_key=Fernet.generate_key().decode(),
            login_free_failures=1000,  # fuzzing logs in wrongly many times
            login_address_free_failures=1000,  # and all from one address
        )
    if name == "activities":
        from activities.settings import Settings as ActivitiesSettings

        return ActivitiesSettings(**common)
    if name == "evaluation":
        from evaluation.settings import Settings as EvaluationSettings

        return EvaluationSettings(**common)
    from notifications.settings import Settings as NotificationsSettings

    return NotificationsSettings(
        **common,
        sms_outbox_file=tmp / "sms.jsonl",
        smtp_port=1,
        webhook_allowed_hosts=["127.0.0.1"],  # the world's webhook is a local address
    )


def _factory(name: str) -> Callable[[Any], FastAPI]:
    if name == "registry":
        from registry.app import create_app as registry_app

        return registry_app
    if name == "activities":
        from activities.app import create_app as activities_app

        return activities_app
    if name == "evaluation":
        from evaluation.app import create_app as evaluation_app

        return evaluation_app
    from notifications.app import create_app as notifications_app

    return notifications_app


@pytest.fixture(scope="session")
def system(
    redis_url: str, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[System]:
    """The four services, started once for the security tests."""
    tmp = tmp_path_factory.mktemp("security")
    namespace = f"test-security-{uuid.uuid4().hex[:12]}:"
    private_pem, public_pem = generate_keypair()
    (tmp / "private.pem").write_text(private_pem)
    databases = {
        name: asyncio.run(create_postgres_database(postgres_admin_url)) for name in SERVICES
    }
    apps: dict[str, FastAPI] = {}
    clients: dict[str, ASGIClient] = {}
    portal = _get_portal()  # the loop schemathesis's ASGI requests run in
    try:
        with contextlib.ExitStack() as lifespans:
            for name in SERVICES:
                settings = _settings(name, databases[name], redis_url, namespace, tmp)
                settings.jwt_public_key = public_pem
                apps[name] = app = _factory(name)(settings)
                lifespans.enter_context(
                    portal.wrap_async_context_manager(app.router.lifespan_context(app))
                )
                # Never entered: entering would make schemathesis manage the lifespan.
                clients[name] = ASGIClient(app, base_url=f"http://{name}")
            yield System(
                apps=apps,
                clients=clients,
                issuer=TokenIssuer(private_pem, issuer="linli-registry", audience="linli"),
                private_pem=private_pem,
                public_pem=public_pem,
                namespace=namespace,
            )
    finally:
        for url in databases.values():
            asyncio.run(drop_postgres_database(postgres_admin_url, url))
        cleanup = Redis.from_url(redis_url)
        keys = list(cleanup.scan_iter(match=f"{namespace}*"))
        if keys:
            cleanup.delete(*keys)
        cleanup.close()


class WithoutLifespan:
    """A running app's HTTP side only, for schemathesis to call.

    Some checks (ignored_auth) send their probes through a client of schemathesis's
    own, which starts the app's lifespan, and its pytest plugin ends it after the
    test: that would start a running service's runtime a second time, then stop it.
    This wrapper answers the lifespan itself and passes requests on.
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


def eventually(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """Wait until `check()` holds (an event has travelled between services)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not in time: {what}")
        time.sleep(0.05)
