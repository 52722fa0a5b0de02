"""`python -m evaluation.cli`: operator commands of the evaluation service."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from redis.asyncio import Redis

from evaluation.app import DEFINITION
from evaluation.settings import Settings
from shared.db import Database
from shared.events.replay import replay
from shared.heap import settle_after_startup
from shared.migrations import upgrade_to_head

app = typer.Typer(help="Evaluation operator commands.", no_args_is_help=True)


@app.command()
def rebuild(
    database_url: Annotated[
        str | None, typer.Option(help="an EMPTY database to rebuild into; DATABASE_URL by default")
    ] = None,
    batch: Annotated[int, typer.Option(help="entries applied per transaction")] = 500,
) -> None:
    """Rebuild every projection by replaying registry.events and activities.events."""
    settings = Settings()
    url = database_url or settings.resolved_database_url()
    upgrade_to_head(DEFINITION.migrations_dir, url)

    async def run() -> None:
        settle_after_startup()
        db = Database(url)
        redis = Redis.from_url(settings.redis_url)
        try:
            report = await replay(
                service=DEFINITION.name,
                db=db,
                redis=redis,
                handlers=DEFINITION.handlers,
                namespace=settings.stream_namespace,
                batch=batch,
            )
        finally:
            await redis.aclose()
            await db.dispose()
        typer.echo(
            f"replayed {report.entries} entries: {report.applied} applied, {report.skipped} skipped"
        )

    asyncio.run(run())


if __name__ == "__main__":
    app()
