"""A Redis connection that goes silent without closing does not stop a service's reading.

After a partition, a NAT or load-balancer timeout, or a peer that died without its
kernel answering, a TCP connection can stay open on the client's side while nothing
comes through it. A blocking XREADGROUP on such a connection must not wait forever
with the subscriber looking alive: the read times out (FastStream's Redis client reads
with a 5 s socket timeout), FastStream reads again on a new connection, and the service
catches up. This guards that against a change of client, library or settings.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from redis.asyncio import Redis

from shared.projections.communities import KnownCommunity
from tests.kit.support import community_event, xadd_events


@dataclass
class _Link:
    """One client connection through the proxy; silent, it forwards nothing either way."""

    silent: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class SilencingProxy:
    """A TCP proxy to Redis whose open connections can be made silent (never closed)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.links: list[_Link] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    def silence(self) -> None:
        """From now on the connections open so far carry nothing; new ones work."""
        for link in self.links:
            link.silent = True

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for link in self.links:
            for task in link.tasks:
                task.cancel()
        for link in self.links:
            for task in link.tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        link = _Link()
        self.links.append(link)
        link.tasks = [
            asyncio.create_task(self._pump(reader, upstream_writer, link)),
            asyncio.create_task(self._pump(upstream_reader, writer, link)),
        ]

    @staticmethod
    async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter, link: _Link) -> None:
        while data := await source.read(65536):
            if not link.silent:
                sink.write(data)
                await sink.drain()
        sink.close()


@pytest.fixture
async def proxy(redis_url: str) -> AsyncIterator[SilencingProxy]:
    target = urlparse(redis_url)
    silencing = SilencingProxy(target.hostname or "127.0.0.1", target.port or 6379)
    yield silencing
    await silencing.close()


async def _projected(app: object, community_id: str, seconds: float) -> bool:
    runtime = app.state.runtime  # type: ignore[attr-defined]
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        async with runtime.db.session() as session:
            if await session.get(KnownCommunity, community_id) is not None:
                return True
        await asyncio.sleep(0.1)
    return False


async def test_a_silent_redis_connection_is_given_up_and_reading_resumes(
    proxy: SilencingProxy, redis: Redis, namespace: str, tmp_path: Path
) -> None:
    from activities.app import create_app
    from activities.settings import Settings

    port = await proxy.start()
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'activities.db'}",
        redis_url=f"redis://127.0.0.1:{port}/0",
        stream_namespace=namespace,
        consume_block_ms=200,
        log_json=False,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await xadd_events(redis, namespace, [community_event("before")])
        assert await _projected(app, "c-before", 20), "the service never read the stream"

        proxy.silence()
        await xadd_events(redis, namespace, [community_event("after")])

        # Each read on a silenced connection times out; a new connection through the
        # proxy works, and the subscriber reads the entry on it.
        assert await _projected(app, "c-after", 40), "reading never resumed"
