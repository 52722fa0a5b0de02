"""Scratch databases and stream namespaces for one benchmark run, removed afterwards."""

from __future__ import annotations

import os
import platform
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine


@asynccontextmanager
async def scratch_database(kind: str, postgres_admin_url: str) -> AsyncIterator[str]:
    """An empty database of `kind` ("SQLite" or "PostgreSQL"), dropped on exit."""
    if kind == "SQLite":
        with tempfile.TemporaryDirectory(prefix="linli-bench-") as directory:
            yield f"sqlite+aiosqlite:///{directory}/bench.db"
        return
    name = f"linli_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(make_url(postgres_admin_url).set(database=name))
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@asynccontextmanager
async def scratch_namespace(redis_url: str) -> AsyncIterator[str]:
    """A key prefix for one run's streams; its keys are deleted on exit."""
    namespace = f"bench-{uuid.uuid4().hex[:8]}:"
    try:
        yield namespace
    finally:
        redis = Redis.from_url(redis_url)
        keys = [key async for key in redis.scan_iter(match=f"{namespace}*", count=1000)]
        for start in range(0, len(keys), 500):
            await redis.delete(*keys[start : start + 500])
        await redis.aclose()


def machine() -> str:
    """One line about the machine: CPU model and count, memory, OS, Python."""
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    return (
        f"{os.cpu_count()} x {cpu}{memory}, {platform.platform()}, "
        f"Python {platform.python_version()}, {_server_versions()}"
    )


def _server_versions() -> str:
    found = []
    for command in (["redis-server", "--version"], ["psql", "--version"]):
        try:
            found.append(subprocess.run(command, capture_output=True, text=True).stdout.strip())
        except OSError:
            continue
    return "; ".join(found)
