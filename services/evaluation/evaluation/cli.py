"""`python -m evaluation.cli`: operator commands of the evaluation service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from evaluation.handlers import replay_key
from evaluation.settings import Settings
from shared import loop
from shared.events.replay import (
    ReplayReport,
    default_workers,
    replay_in_parallel,
    replay_urls,
)
from shared.heap import settle_after_startup

if TYPE_CHECKING:
    from shared.runtime import ServiceDefinition

app = typer.Typer(help="Evaluation operator commands.", no_args_is_help=True)


def _definition() -> ServiceDefinition:
    # The web app and the migrations are imported when a command runs, not with this
    # module: a parallel rebuild's worker processes import this module again
    # (multiprocessing's spawn imports the main module) and need only the handlers.
    # Importing the rest cost each of them over a second before it could start.
    from evaluation.app import DEFINITION

    return DEFINITION


@app.callback()
def main() -> None:
    """Evaluation operator commands."""
    # With one command and no callback, Typer makes the app that command itself, and
    # `python -m evaluation.cli rebuild ...` (as documented) fails on "rebuild".


@app.command()
def rebuild(
    database_url: Annotated[
        str | None, typer.Option(help="an EMPTY database to rebuild into; DATABASE_URL by default")
    ] = None,
    batch: Annotated[
        int | None,
        typer.Option(help="entries applied per transaction; 10,000 on SQLite, 2,000 on PostgreSQL"),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="processes replaying shares of the events; one per core on PostgreSQL"),
    ] = None,
) -> None:
    """Rebuild every projection by replaying registry.events and activities.events."""
    from shared.migrations import upgrade_to_head  # see _definition

    settings = Settings()
    url = database_url or settings.resolved_database_url()
    upgrade_to_head(_definition().migrations_dir, url)
    settle_after_startup()  # a process that only replays: see shared.heap
    report = loop.run(
        rebuild_into(
            url,
            settings.redis_url,
            settings.stream_namespace,
            batch,
            workers,
        )
    )
    typer.echo(
        f"replayed {report.entries} entries: {report.applied} applied, {report.skipped} skipped"
    )


async def rebuild_into(
    database_url: str,
    redis_url: str,
    namespace: str,
    batch: int | None = None,
    workers: int | None = None,
) -> ReplayReport:
    """Replay the streams into the migrated, empty database at `database_url`; with
    more than one worker, each share in a process of its own. Batch size and workers
    default to the database's (`default_batch`, `default_workers`)."""
    definition = _definition()
    await _restore_star_thresholds(database_url, redis_url, namespace)
    workers = workers or default_workers(database_url)
    if workers > 1:
        return await replay_in_parallel(
            service=definition.name,
            database_url=database_url,
            redis_url=redis_url,
            handlers="evaluation.handlers:handlers",
            key=replay_key,
            workers=workers,
            namespace=namespace,
            batch=batch,
        )
    return await replay_urls(
        service=definition.name,
        database_url=database_url,
        redis_url=redis_url,
        handlers=definition.handlers,
        namespace=namespace,
        batch=batch,
    )


async def _restore_star_thresholds(database_url: str, redis_url: str, namespace: str) -> None:
    # The district's thresholds are configuration, not a projection of the replayed
    # streams: read back from their last announcement before anything is counted.
    from redis.asyncio import Redis

    from evaluation import star_thresholds
    from shared.db import Database

    redis = Redis.from_url(redis_url)
    try:
        change = await star_thresholds.last_announced(redis, f"{namespace}evaluation.events")
    finally:
        await redis.aclose()
    if change is None:
        return
    db = Database(database_url)
    try:
        async with db.session() as session:
            await star_thresholds.restore(session, change)
    finally:
        await db.dispose()


if __name__ == "__main__":
    app()
