"""Moments keep their meaning through the database, whatever offset they were given in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Column
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel, col, select

from shared.db import Database, UtcDateTime

BEIJING = timezone(timedelta(hours=8))
table_registry = registry()


class TimeModel(SQLModel, registry=table_registry):
    """Base of this test's own table."""


class Moment(TimeModel, table=True):
    id: int = Field(primary_key=True)
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


async def test_a_moment_given_in_beijing_time_reads_back_as_the_same_instant(
    database_url: str,
) -> None:
    db = Database(database_url)
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(table_registry.metadata.create_all)
        nine_in_beijing = datetime(2026, 11, 24, 9, 0, tzinfo=BEIJING)
        async with db.session() as session:
            session.add(Moment(id=1, at=nine_in_beijing))
            session.add(Moment(id=2, at=datetime(2026, 11, 24, 2, 0, tzinfo=UTC)))
            await session.commit()
        async with db.session() as session:
            first = await session.get(Moment, 1)
            assert first is not None
            assert first.at == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
            assert first.at.tzinfo is not None
            # Comparisons in SQL see instants too: 09:30 in Beijing is after 01:00 UTC
            # and before 02:00 UTC, so only the second row starts later.
            later = await session.exec(
                select(Moment.id).where(
                    col(Moment.at) > datetime(2026, 11, 24, 9, 30, tzinfo=BEIJING)
                )
            )
            assert later.all() == [2]
    finally:
        await db.dispose()
