"""The four services as separate processes (uvicorn) on loopback ports."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from redis.asyncio import Redis

from shared.auth import Role, TokenIssuer, generate_keypair
from tests.conftest import create_postgres_database, drop_postgres_database

SERVICES = ("registry", "activities", "evaluation", "notifications")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningSystem:
    """Base URLs of the running services and a way to mint tokens for them."""

    urls: dict[str, str]
    issuer: TokenIssuer
    redis_url: str
    namespace: str
    processes: dict[str, subprocess.Popen[bytes]]
    logs: Path

    def token(self, role: Role, community: str | None = None, subject: str = "tester") -> str:
        return self.issuer.issue_access(subject, role, community)

    def headers(self, role: Role, community: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, community)}"}


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready:\n{log.read_text()[-3000:]}")


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=["sqlite", "postgres"])
async def system(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, redis_url: str
) -> AsyncIterator[RunningSystem]:
    """The four services started once per module and database kind."""
    tmp_path = tmp_path_factory.mktemp(f"system-{request.param}")
    namespace = f"test-e2e-{uuid.uuid4().hex[:12]}:"
    private_pem, public_pem = generate_keypair()
    (tmp_path / "public.pem").write_text(public_pem)
    databases: dict[str, str] = {}
    admin_url = ""
    if request.param == "postgres":
        admin_url = request.getfixturevalue("postgres_admin_url")
        for name in SERVICES:
            databases[name] = await create_postgres_database(admin_url)
    urls: dict[str, str] = {}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name in SERVICES:
            port = free_port()
            env = {
                **os.environ,
                "PORT": str(port),
                "REDIS_URL": redis_url,
                "STREAM_NAMESPACE": namespace,
                "DATA_DIR": str(tmp_path / "data"),
                "DATABASE_URL": databases.get(name, ""),
                "JWT_PUBLIC_KEY_FILE": str(tmp_path / "public.pem"),
                "CONSUME_BLOCK_MS": "100",
                "LOG_LEVEL": "DEBUG",
            }
            log = tmp_path / f"{name}.log"
            processes[name] = subprocess.Popen(
                [sys.executable, "-m", name],
                env=env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
            urls[name] = f"http://127.0.0.1:{port}"
        for name in SERVICES:
            await asyncio.to_thread(
                _wait_ready, urls[name], processes[name], tmp_path / f"{name}.log"
            )
        yield RunningSystem(
            urls=urls,
            issuer=TokenIssuer(private_pem, issuer="linli-registry", audience="linli"),
            redis_url=redis_url,
            namespace=namespace,
            processes=processes,
            logs=tmp_path,
        )
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for url in databases.values():
            await drop_postgres_database(admin_url, url)
        cleanup = Redis.from_url(redis_url)
        keys = [key async for key in cleanup.scan_iter(match=f"{namespace}*")]
        if keys:
            await cleanup.delete(*keys)
        await cleanup.aclose()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client
