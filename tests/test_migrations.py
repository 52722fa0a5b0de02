"""Each service's Alembic chain builds exactly the tables its models declare."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import create_async_engine

from shared.events.tables import kit_metadata
from shared.migrations import upgrade_to_head
from shared.projections.communities import projection_registry

SERVICES = ("registry", "activities", "evaluation", "notifications")


def _metadata(service: str) -> list[MetaData]:
    models = importlib.import_module(f"{service}.models")
    own: MetaData = models.service_registry.metadata
    if service == "registry":
        return [kit_metadata, own]
    return [kit_metadata, projection_registry.metadata, own]


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_the_models(service: str, database_url: str) -> None:
    app_module = importlib.import_module(f"{service}.app")
    await asyncio.to_thread(upgrade_to_head, app_module.DEFINITION.migrations_dir, database_url)
    # Running it again is harmless (a restarted replica does exactly that).
    await asyncio.to_thread(upgrade_to_head, app_module.DEFINITION.migrations_dir, database_url)

    engine = create_async_engine(database_url)
    metadata = _metadata(service)

    def differences(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with engine.connect() as connection:
        diff = await connection.run_sync(differences)
    await engine.dispose()
    assert diff == [], f"{service}: models and migrations differ; make migration SERVICE={service}"
