"""A consumer replica as its own process, for tests that kill it.

Usage: python consumer_process.py DATABASE_URL REDIS_URL NAMESPACE CONSUMER_NAME
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from shared.runtime import ServiceDefinition, ServiceRuntime
from shared.settings import ServiceSettings
from tests.kit.support import create_tables, make_handlers


async def main(database_url: str, redis_url: str, namespace: str, name: str) -> None:
    settings = ServiceSettings(
        service_name="kit",
        database_url=database_url,
        redis_url=redis_url,
        stream_namespace=namespace,
        consumer_name=name,
        migrate_on_start=False,
        reclaim_idle_ms=60_000,
        consume_batch_size=5,
        consume_block_ms=100,
        log_json=False,
    )
    definition = ServiceDefinition(
        name="kit",
        title="kit",
        description="a slow replica",
        migrations_dir=Path("unused"),
        handlers=make_handlers(name, delay=0.3),
    )
    runtime = ServiceRuntime(definition, settings)
    await create_tables(runtime.db)
    await runtime.start()
    print("READY", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
