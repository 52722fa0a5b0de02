"""Alembic plumbing shared by the services' migration chains."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic import context as alembic_context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shared.db import ensure_sqlite_directory, is_sqlite


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    """An Alembic config for one service's chain and database."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(migrations_dir: Path, database_url: str) -> None:
    """Apply every pending migration (blocking; run it in a worker thread)."""
    command.upgrade(alembic_config(migrations_dir, database_url), "head")


def run_env(target_metadata: Sequence[MetaData]) -> None:
    """The body of a service's `env.py`: run its migrations offline or online."""
    url = alembic_context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"
    if alembic_context.is_offline_mode():
        alembic_context.configure(
            url=url, target_metadata=list(target_metadata), literal_binds=True
        )
        with alembic_context.begin_transaction():
            alembic_context.run_migrations()
        return
    asyncio.run(_run_online(url, target_metadata))


async def _run_online(url: str, target_metadata: Sequence[MetaData]) -> None:
    ensure_sqlite_directory(url)
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_migrate, url, target_metadata)
        await connection.commit()
    await engine.dispose()


def _migrate(connection: Connection, url: str, target_metadata: Sequence[MetaData]) -> None:
    alembic_context.configure(
        connection=connection,
        target_metadata=list(target_metadata),
        render_as_batch=is_sqlite(url),  # SQLite alters tables by copying them
        compare_type=True,
    )
    with alembic_context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Replicas starting together would race to create the same tables.
            lock_key = zlib.crc32(b"linli-migrations")
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key})
        alembic_context.run_migrations()


def make_append_only(table: str) -> None:
    """Refuse every UPDATE and DELETE of `table` in the database itself (a migration step).

    The audit trail must not be edited, whoever holds the connection: the refusal is a
    trigger, not a rule of the code that writes it.
    """
    from alembic import op  # only inside a migration

    name = f"{table}_append_only"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{table} is append-only'; END $$"""
        )
        op.execute(
            f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {name}_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )


def drop_append_only(table: str) -> None:
    """Undo `make_append_only` (a downgrade step)."""
    from alembic import op

    name = f"{table}_append_only"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        return
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}_{verb}")
