"""`python -m bench`: measure the ceilings and the platform's figures, print a table."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from bench import ceilings, consumer
from bench.infra import machine, scratch_database, scratch_namespace
from bench.report import Figure, table

app = typer.Typer(help=__doc__, no_args_is_help=True)

RedisOption = Annotated[str, typer.Option("--redis", envvar="REDIS_URL")]
PostgresOption = Annotated[
    str,
    typer.Option(
        "--postgres",
        envvar="DATABASE_URL",
        help="PostgreSQL URL whose user may create databases; empty skips PostgreSQL",
    ),
]
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


@app.callback()
def main() -> None:
    """Each command measures its ceilings in the same run and prints ratios to them."""


def _kinds(postgres: str) -> list[str]:
    return ["SQLite", "PostgreSQL"] if postgres else ["SQLite"]


async def consumer_figures(
    redis: str, postgres: str, events: int, batch: int, replicas: list[int]
) -> list[Figure]:
    """Figure 1 on each database, with its ceilings measured just before."""
    figures = []
    for kind in _kinds(postgres):
        async with scratch_namespace(redis) as namespace:
            key = namespace + "ceiling"
            xadd = await ceilings.xadd_rate(redis, key, consumer.sample_fields(0), events)
            null_loop = await ceilings.null_handler_rate(redis, key, batch)
        async with scratch_database(kind, postgres) as url:
            commits = await ceilings.commit_rate(url, batch, max(50, min(300, events // batch)))
        ceiling = min(null_loop, commits * batch)
        which = "null-handler loop" if null_loop <= commits * batch else f"{kind} commits x {batch}"
        typer.echo(
            f"{kind}: XADD pipelined {xadd:,.0f}/s; null-handler loop {null_loop:,.0f}/s; "
            f"{commits:,.0f} commits/s of {batch} rows = {commits * batch:,.0f} rows/s"
        )
        for count in replicas:
            async with (
                scratch_namespace(redis) as namespace,
                scratch_database(kind, postgres) as url,
            ):
                rate = await consumer.throughput(url, redis, namespace, events, batch, count)
            typer.echo(f"{kind}, {count} replica(s): {rate:,.0f} events/s")
            figures.append(
                Figure(
                    name="1. consumer, inbox + projection",
                    setup=f"{kind}, {count} replica{'s' if count > 1 else ''}, batch {batch}, {events:,} events",
                    value=rate,
                    unit="events/s",
                    ceiling=ceiling,
                    ceiling_name=which,
                    goal=0.5,
                )
            )
    return figures


@app.command("consumer")
def consumer_command(
    redis: RedisOption = DEFAULT_REDIS,
    postgres: PostgresOption = DEFAULT_POSTGRES,
    events: Annotated[int, typer.Option(help="events drained per run")] = 20_000,
    batch: Annotated[int, typer.Option(help="entries per read and per transaction")] = 100,
    replicas: Annotated[list[int] | None, typer.Option(help="replica counts to run")] = None,
) -> None:
    """Figure 1: consumer throughput against the Redis and database ceilings."""
    figures = asyncio.run(consumer_figures(redis, postgres, events, batch, replicas or [1, 2]))
    typer.echo(f"\nMachine: {machine()}\n\n{table(figures)}")


if __name__ == "__main__":
    app()
