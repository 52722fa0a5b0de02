"""The kit's tests run on a database holding the kit's tables and the test's effects."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from shared.db import Database
from tests.kit.support import create_tables


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """The kit's tables and the effect table, on SQLite and on PostgreSQL."""
    database = Database(database_url)
    await create_tables(database)
    yield database
    await database.dispose()
