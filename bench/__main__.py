"""`python -m bench`: measure the ceilings and the platform's figures, print a table."""

from __future__ import annotations

from typing import Annotated

import typer

from bench import bare_consumer, ceilings, consumer, endtoend, http_figures, memory, rebuild
from bench.infra import machine, scratch_database, scratch_namespace
from bench.report import Figure, table
from shared import loop
from shared.events.replay import default_batch, default_workers

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
# The 200 and 1,000 per second, and steps between to find the highest rate
# kept with p99 under 100 ms.
LATENCY_RATES = [50.0, 200.0, 300.0, 400.0, 1000.0]


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
                key = namespace + consumer.STREAM
                await consumer.fill_stream(redis, key, events)
                bare = await bare_consumer.rate(redis, key, url, batch, count)
            async with (
                scratch_namespace(redis) as namespace,
                scratch_database(kind, postgres) as url,
            ):
                rate = await consumer.throughput(url, redis, namespace, events, batch, count)
            typer.echo(
                f"{kind}, {count} replica(s): {rate:,.0f} events/s; "
                f"bare two-table loop in {count} process(es): {bare:,.0f} events/s"
            )
            replicas_text = f"{count} replica{'s' if count > 1 else ''}"
            bare_name = f"bare two-table loop, {count} process{'es' if count > 1 else ''}"
            figures += [
                Figure(
                    name="1. consumer, inbox + projection",
                    setup=f"{kind}, {replicas_text}, batch {batch}, {events:,} events",
                    value=rate,
                    unit="events/s",
                    ceiling=ceiling,
                    ceiling_name=which,
                    goal=0.5,
                ),
                # What the effects themselves allow, and how much of it the kit keeps
                # (see bench/bare_consumer.py).
                Figure(
                    name=f"1. reference: {bare_name}",
                    setup=f"{kind}, batch {batch}, {events:,} events",
                    value=bare,
                    unit="events/s",
                    ceiling=ceiling,
                    ceiling_name=which,
                ),
                Figure(
                    name="1. consumer against the reference",
                    setup=f"{kind}, {replicas_text}, batch {batch}",
                    value=rate,
                    unit="events/s",
                    ceiling=bare,
                    ceiling_name=bare_name,
                ),
            ]
    return figures


@app.command("consumer")
def consumer_command(
    redis: RedisOption = DEFAULT_REDIS,
    postgres: PostgresOption = DEFAULT_POSTGRES,
    events: Annotated[int, typer.Option(help="events drained per run")] = 50_000,
    batch: Annotated[int, typer.Option(help="entries per read and per transaction")] = 100,
    replicas: Annotated[list[int] | None, typer.Option(help="replica counts to run")] = None,
) -> None:
    """Figure 1: consumer throughput against the Redis and database ceilings."""
    figures = loop.run(consumer_figures(redis, postgres, events, batch, replicas or [1, 2]))
    typer.echo(f"\nMachine: {machine()}\n\n{table(figures)}")


async def rebuild_figures(
    redis: str,
    postgres: str,
    records: int,
    volunteers: int,
    batch: int | None,
    workers: int | None,
) -> list[Figure]:
    """Figure 3 on each database, with its ceilings measured just before."""
    figures = []
    async with scratch_namespace(redis) as namespace:
        typer.echo(f"filling the streams: {volunteers:,} volunteers, {records:,} records ...")
        await rebuild.fill_streams(redis, namespace, records, volunteers)
        for kind in _kinds(postgres):
            async with scratch_database(kind, postgres) as url:
                size = batch or default_batch(url)
                commits = await ceilings.commit_rate(url, size, 100)
            reading = await rebuild.read_rate(redis, namespace + "activities.events", size)
            async with scratch_database(kind, postgres) as url:
                processes = workers or default_workers(url)
                rate = await rebuild.rebuild_rate(url, redis, namespace, size, processes)
            ceiling = min(reading, commits * size)
            which = "XRANGE read" if reading <= commits * size else f"{kind} commits x {size}"
            typer.echo(
                f"{kind}: XRANGE {reading:,.0f}/s; {commits:,.0f} commits/s of {size} rows; "
                f"rebuild {rate:,.0f} events/s ({processes} process{'es' if processes > 1 else ''})"
            )
            figures.append(
                Figure(
                    name="3. rebuild evaluation",
                    setup=(
                        f"{kind}, {records + volunteers:,} events, batch {size}, "
                        f"{processes} process{'es' if processes > 1 else ''}"
                    ),
                    value=rate,
                    unit="events/s",
                    ceiling=ceiling,
                    ceiling_name=which,
                )
            )
    return figures


@app.command("rebuild")
def rebuild_command(
    redis: RedisOption = DEFAULT_REDIS,
    postgres: PostgresOption = DEFAULT_POSTGRES,
    records: Annotated[
        int, typer.Option(help="service_confirmed events (the issue's figure: 1,000,000)")
    ] = 100_000,
    volunteers: Annotated[int, typer.Option(help="volunteer_registered events")] = 5_000,
    batch: Annotated[
        int | None, typer.Option(help="entries per transaction; the rebuild command's default")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="rebuild processes; the rebuild command's default")
    ] = None,
) -> None:
    """Figure 3: replay activities events into an empty evaluation database."""
    figures = loop.run(rebuild_figures(redis, postgres, records, volunteers, batch, workers))
    typer.echo(f"\nMachine: {machine()}\n\n{table(figures)}")


def memory_figure(service: str, setup: str, mib: float) -> Figure:
    """A figure 5 row: one service's resident memory against the machine's."""
    return Figure(
        name=f"5. memory, {service}",
        setup=setup,
        value=mib,
        unit="MiB",
        ceiling=memory.total_mib(),
        ceiling_name="machine memory",
    )


def memory_under_load(kind: str, peaks: dict[str, float], load: str) -> list[Figure]:
    """Figure 5 rows: each service's peak memory while an HTTP figure's load ran."""
    for service, peak in peaks.items():
        typer.echo(f"{kind}, {service}: {peak:,.0f} MiB peak under {load}")
    return [
        memory_figure(service, f"{kind}, peak under {load}", peak)
        for service, peak in peaks.items()
    ]


async def memory_figures(redis: str, postgres: str, records: int) -> list[Figure]:
    """Figure 5: each service's RSS at rest and draining events, per database."""
    figures = []
    for kind in _kinds(postgres):
        async with scratch_namespace(redis) as namespace:
            measured = await memory.measure(kind, postgres, redis, namespace, records)
        for service, (at_rest, peak) in measured.items():
            typer.echo(f"{kind}, {service}: {at_rest:,.0f} MiB at rest, {peak:,.0f} MiB peak")
            figures.append(memory_figure(service, f"{kind}, at rest", at_rest))
            figures.append(memory_figure(service, f"{kind}, draining {records:,} records", peak))
    return figures


@app.command("memory")
def memory_command(
    redis: RedisOption = DEFAULT_REDIS,
    postgres: PostgresOption = DEFAULT_POSTGRES,
    records: Annotated[int, typer.Option(help="service_confirmed events to drain")] = 20_000,
) -> None:
    """Figure 5: resident memory of each service process at rest and draining events
    (`latency` and `http` add its rows under HTTP load)."""
    figures = loop.run(memory_figures(redis, postgres, records))
    typer.echo(f"\nMachine: {machine()}\n\n{table(figures)}")


async def latency_figures(
    redis: str, postgres: str, rates: list[float], seconds: float
) -> list[Figure]:
    """Figure 2: latency at each offered rate, and the highest rate with p99 < 100 ms."""
    kind = "PostgreSQL" if postgres else "SQLite"
    async with scratch_namespace(redis) as namespace:
        steps, peaks = await endtoend.measure(kind, postgres, redis, namespace, rates, seconds)
    figures = memory_under_load(kind, peaks, "figure 2's confirmations")
    for step in steps:
        typer.echo(
            f"offered {step.offered:,.0f}/s, achieved {step.achieved:,.0f}/s: p50 "
            f"{step.p50 * 1000:,.1f} ms, p95 {step.p95 * 1000:,.1f} ms, p99 "
            f"{step.p99 * 1000:,.1f} ms, {step.lost} not in the ledger 30 s after the last request"
            f"{f' (HTTP {step.refused})' if step.refused else ''}; floor p99: HTTP "
            f"{step.floor_http_p99 * 1000:,.1f} ms + Redis hop {step.floor_redis_p99 * 1000:,.1f} ms"
        )
        for name, value in (("p50", step.p50), ("p95", step.p95), ("p99", step.p99)):
            figures.append(
                Figure(
                    name=f"2. confirm to ledger, {name}",
                    setup=(
                        f"{kind}, offered {step.offered:,.0f}/s, achieved "
                        f"{step.achieved:,.0f}/s, {seconds:g} s"
                    ),
                    value=value * 1000,
                    unit="ms",
                    ceiling=step.floor * 1000,
                    ceiling_name="floor: HTTP null p99 + Redis hop p99; ratio = times the floor",
                )
            )
    sustained = [s for s in steps if s.p99 < 0.1 and s.lost == 0 and s.achieved >= 0.9 * s.offered]
    best = max(sustained, key=lambda s: s.offered) if sustained else None
    figures.append(
        Figure(
            name="2. highest rate with p99 < 100 ms",
            setup=f"{kind}, of offered rates {', '.join(f'{r:g}' for r in rates)}/s",
            value=best.achieved if best else 0.0,
            unit="records/s",
            ceiling=max(rates),
            ceiling_name="highest rate offered",
        )
    )
    return figures


@app.command("latency")
def latency_command(
    redis: RedisOption = DEFAULT_REDIS,
    postgres: PostgresOption = DEFAULT_POSTGRES,
    rates: Annotated[
        list[float] | None, typer.Option("--rate", help="offered rates, records/s")
    ] = None,
    seconds: Annotated[float, typer.Option(help="seconds of load at each rate")] = 2.0,
) -> None:
    """Figure 2: confirm over HTTP to the evaluation ledger, open loop at fixed rates."""
    figures = loop.run(latency_figures(redis, postgres, rates or LATENCY_RATES, seconds))
    typer.echo(f"\nMachine: {machine()}\n\n{table(figures)}")


async def http_figures_run(
    redis: str, postgres: str, volunteers: int, activities: int, concurrency: int
) -> list[Figure]:
    """Figure 4: sign-ups and check-ins per second against the same generator's ceiling."""
    kind = "PostgreSQL" if postgres else "SQLite"
    async with scratch_namespace(redis) as namespace:
        found, peaks = await http_figures.measure(
            kind, postgres, redis, namespace, volunteers, activities, concurrency
        )
    ceiling, ceiling_p99, _ = found["health"]
    figures = memory_under_load(kind, peaks, "figure 4's sign-ups and check-ins")
    for name in ("sign-up", "check-in"):
        rate, p99, failures = found[name]
        typer.echo(
            f"{name}: {rate:,.0f}/s, p99 {p99 * 1000:,.1f} ms, {failures} failed; "
            f"/health/live {ceiling:,.0f}/s, p99 {ceiling_p99 * 1000:,.1f} ms"
        )
        figures.append(
            Figure(
                name=f"4. HTTP {name}",
                setup=(
                    f"{kind}, {volunteers * activities:,} requests, {concurrency} in flight, "
                    f"p99 {p99 * 1000:,.0f} ms (health p99 {ceiling_p99 * 1000:,.0f} ms)"
                    + (f", {failures} failed" if failures else "")
                ),
                value=rate,
                unit="requests/s",
                ceiling=ceiling,
                ceiling_name="same generator, GET /health/live",
            )
        )
    return figures


@app.command("http")
def http_command(
    redis: RedisOption = DEFAULT_REDIS,
    postgres: PostgresOption = DEFAULT_POSTGRES,
    volunteers: Annotated[
        int, typer.Option(help="volunteers, each signing up to each activity")
    ] = 500,
    activities: Annotated[int, typer.Option(help="published activities")] = 4,
    concurrency: Annotated[int, typer.Option(help="requests in flight")] = 32,
) -> None:
    """Figure 4: HTTP sign-ups and check-ins per second, load from a second process."""
    figures = loop.run(http_figures_run(redis, postgres, volunteers, activities, concurrency))
    typer.echo(f"\nMachine: {machine()}\n\n{table(figures)}")


@app.command("all")
def all_command(
    redis: RedisOption = DEFAULT_REDIS,
    postgres: PostgresOption = DEFAULT_POSTGRES,
    events: Annotated[int, typer.Option(help="figure 1: events drained per run")] = 50_000,
    batch: Annotated[int, typer.Option(help="figure 1: entries per read and transaction")] = 100,
    records: Annotated[int, typer.Option(help="figure 3: service_confirmed events")] = 100_000,
    volunteers: Annotated[int, typer.Option(help="figure 3: volunteer_registered events")] = 5_000,
    rebuild_batch: Annotated[
        int | None,
        typer.Option(help="figure 3: entries per transaction; the rebuild command's default"),
    ] = None,
    memory_records: Annotated[int, typer.Option(help="figure 5: records drained")] = 20_000,
) -> None:
    """Every measured figure (1 to 4, and 5 in part) in one table, with their defaults."""

    async def run() -> list[Figure]:
        figures = await consumer_figures(redis, postgres, events, batch, [1, 2])
        figures += await latency_figures(redis, postgres, LATENCY_RATES, 2.0)
        figures += await rebuild_figures(redis, postgres, records, volunteers, rebuild_batch, None)
        figures += await http_figures_run(redis, postgres, 500, 4, 32)
        return figures + await memory_figures(redis, postgres, memory_records)

    figures = loop.run(run())
    typer.echo(f"\nMachine: {machine()}\n\n{table(figures)}")


if __name__ == "__main__":
    app()
