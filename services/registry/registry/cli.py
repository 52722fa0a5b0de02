"""`python -m registry.cli`: operator commands of the registry."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from redis.asyncio import Redis
from sqlmodel import col, select

from registry import legacy_names
from registry.accounts import create_account
from registry.app import DEFINITION
from registry.identity import NationalIdVault, generate_keys
from registry.models import Volunteer
from registry.settings import Settings
from shared import loop
from shared.auth import Role
from shared.db import Database
from shared.events.redaction import RewriteReport, StreamNotDrained
from shared.events.shredding import SubjectKeys
from shared.migrations import upgrade_to_head

app = typer.Typer(help="Registry operator commands.", no_args_is_help=True)


@app.command("bootstrap-admin")
def bootstrap_admin(
    username: Annotated[str, typer.Option(help="the first district admin's username")],
    password: Annotated[
        str | None,
        typer.Option(envvar="LINLI_ADMIN_PASSWORD", help="asked for when not given"),
    ] = None,
) -> None:
    """Create the first district admin account (migrating the database first)."""
    settings = Settings()
    secret = password or getpass.getpass("password for the district admin: ")
    if len(secret) < 10:
        typer.echo("the password needs at least 10 characters", err=True)
        raise typer.Exit(2)

    async def run() -> str:
        db = Database(settings.resolved_database_url())
        try:
            async with db.session() as session:
                account = await create_account(
                    session,
                    username=username,
                    password=secret,
                    role=Role.DISTRICT_ADMIN,
                    community_id=None,
                )
                return account.id
        finally:
            await db.dispose()

    upgrade_to_head(DEFINITION.migrations_dir, settings.resolved_database_url())
    try:
        account_id = loop.run(run())
    except Exception as exc:  # a taken username, an unreachable database: say so plainly
        typer.echo(f"could not create the account: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"district admin {username} created ({account_id})")


@app.command("generate-keys")
def generate_national_id_keys(
    directory: Annotated[Path, typer.Option("--dir", help="where to write the key files")],
) -> None:
    """Write national ID encryption and hash keys (kept if they exist)."""
    keys, hash_key = generate_keys(directory)
    typer.echo(f"keys in {keys} and {hash_key}")


@app.command("rotate-national-id-key")
def rotate() -> None:
    """Re-encrypt every stored national ID under the newest key (list it first)."""
    settings = Settings()
    vault = NationalIdVault(settings.encryption_keys(), settings.hash_key())

    async def run() -> int:
        db = Database(settings.resolved_database_url())
        rotated = 0
        try:
            async with db.session() as session:
                rows = await session.exec(
                    select(Volunteer).where(col(Volunteer.national_id_cipher).is_not(None))
                )
                for volunteer in rows.all():
                    assert volunteer.national_id_cipher is not None
                    volunteer.national_id_cipher = vault.rotate(volunteer.national_id_cipher)
                    session.add(volunteer)
                    rotated += 1
                await session.commit()
        finally:
            await db.dispose()
        return rotated

    typer.echo(f"re-encrypted {loop.run(run())} national ID numbers")


@app.command("seal-plain-names")
def seal_plain_names() -> None:
    """Seal the names that registrations published in plain before decision 0011.

    For a maintenance window: stop every service first, so that `registry.events` has
    no unread or pending entries; the stream is rewritten with its ids kept.
    """
    settings = Settings()

    async def run() -> RewriteReport:
        db = Database(settings.resolved_database_url())
        redis = Redis.from_url(settings.redis_url)
        try:
            keys = SubjectKeys(redis, settings.stream_namespace)
            return await legacy_names.seal_plain_names(db, redis, keys, settings.stream_namespace)
        finally:
            await redis.aclose()
            await db.dispose()

    try:
        report = loop.run(run())
    except StreamNotDrained as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{report.changed} of {report.entries} entries of registry.events sealed")


if __name__ == "__main__":
    app()
