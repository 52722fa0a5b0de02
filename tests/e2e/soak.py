"""The soak: scenario after scenario under random faults until N faults were injected.

    DATABASE_URL=postgresql+asyncpg://... uv run python -m tests.e2e.soak --faults 100

Each scenario runs with the next seed while faults of every kind the fault tests use are
injected at random moments (kill -9 of a service the simulator is not talking to, a
second replica killed mid-batch, a consumer paused past the reclaim timeout, Redis
killed and restarted, poison events); after each scenario every invariant is checked.
It stops at the first broken invariant and says which. At the end: a table of the
faults injected, all survived.
"""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from tests.conftest import create_postgres_database, drop_postgres_database
from tests.e2e.faults import OVERRIDES, FaultBench
from tests.e2e.system import SERVICES, OwnRedis, System

app = typer.Typer(add_completion=False)


def random_fault(bench: FaultBench) -> None:
    """One fault of a random kind, fit for what the simulator is doing now."""
    kind = bench.rng.choice(("kill", "kill", "replica", "pause", "redis", "poison"))
    if kind == "kill" and bench.killable():
        bench.kill_and_restart(bench.rng.choice(bench.killable()))
    elif kind == "replica" and "evaluation" in bench.killable():
        extra = bench.system.start("evaluation")
        time.sleep(bench.rng.uniform(0.2, 2.0))
        bench.system.kill(extra)
        bench.injected["replica killed"] += 1
    elif kind == "pause":
        extra = bench.system.start("notifications")
        time.sleep(bench.rng.uniform(0.2, 1.0))
        bench.system.pause(extra)
        time.sleep(4)  # past the reclaim timeout
        bench.system.resume(extra)
        bench.injected["consumer paused past reclaim"] += 1
        time.sleep(1)
        bench.system.kill(extra)
    elif kind == "redis":
        bench.redis_server.kill()
        time.sleep(bench.rng.uniform(0.5, 3.0))
        bench.redis_server.start()
        bench.injected["redis kill -9"] += 1
    elif kind == "poison":
        bench.inject_poison()


@app.command()
def main(
    faults: Annotated[int, typer.Option(help="stop once this many faults were injected")] = 50,
    seed: Annotated[int, typer.Option(help="first scenario seed; fault choices follow it")] = 1000,
) -> None:
    """Soak the system under random faults."""
    admin_url = os.environ.get("DATABASE_URL")
    if not admin_url:
        raise typer.BadParameter(
            "set DATABASE_URL to a PostgreSQL server that may create databases"
        )
    asyncio.run(soak(admin_url, faults, seed))


async def soak(admin_url: str, faults: int, seed: int) -> None:
    console = Console()
    directory = Path(tempfile.mkdtemp(prefix="linli-soak-"))
    own_redis = OwnRedis(directory / "redis")
    own_redis.start()
    databases = {name: await create_postgres_database(admin_url) for name in SERVICES}
    system = System(
        directory, own_redis.url, f"soak-{uuid.uuid4().hex[:8]}:", databases, dict(OVERRIDES)
    )
    bench = FaultBench(system, own_redis, rng=random.Random(seed))
    started = time.monotonic()
    scenarios = duplicates = 0
    try:
        system.start_all()
        while sum(bench.injected.values()) < faults:
            thread, result = bench.play_in_background(seed + scenarios)
            bench.while_running(thread, lambda: random_fault(bench))
            played = bench.finish(thread, result)
            bench.check(played)
            scenarios += 1
            console.print(
                f"scenario {scenarios}: {sum(bench.injected.values())} faults so far, invariants hold"
            )
        duplicates = bench.duplicates_seen()
    finally:
        system.stop()
        own_redis.stop()
        for url in databases.values():
            await drop_postgres_database(admin_url, url)
    table = Table(title=f"Soak: {scenarios} scenarios in {time.monotonic() - started:.0f} s")
    table.add_column("fault")
    table.add_column("injected and survived", justify="right")
    for kind, count in sorted(bench.injected.items()):
        table.add_row(kind, str(count))
    table.add_row("(duplicates recognised by the last consumer replicas)", str(duplicates))
    console.print(table)


if __name__ == "__main__":
    app()
