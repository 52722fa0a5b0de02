"""Batch writes (`upsert_many`, `insert_new`) behave as the same rows written one by one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel, select

import shared.db
from shared.db import Database, UtcDateTime, insert_new, one_of, upsert_many

BEIJING = timezone(timedelta(hours=8))
table_registry = registry()


class BatchModel(SQLModel, registry=table_registry):
    """Base of this test's own table."""


class Tally(BatchModel, table=True):
    group: str = Field(primary_key=True, max_length=10)
    name: str = Field(primary_key=True, max_length=10)
    hours: float
    counts: bool = True
    note: str | None = Field(default=None, max_length=10)
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class Numbered(BatchModel, table=True):
    id: int = Field(primary_key=True)


AT = datetime(2026, 11, 24, 9, 0, tzinfo=BEIJING)


def tally(name: str, hours: float, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {"group": "g", "name": name, "hours": hours, "counts": True}
    return row | {"note": None, "at": AT} | changes


async def rows(db: Database) -> dict[str, Tally]:
    async with db.session() as session:
        return {row.name: row for row in (await session.exec(select(Tally))).all()}


@pytest.fixture
async def db(database_url: str) -> Database:
    database = Database(database_url)
    async with database.engine.begin() as connection:
        await connection.run_sync(table_registry.metadata.create_all)
    yield database  # type: ignore[misc]
    await database.dispose()


async def test_upsert_many_later_rows_win_and_values_keep_their_types(db: Database) -> None:
    async with db.session() as session:
        await upsert_many(session, Tally, [tally("a", 1.0), tally("b", 2.0)], key=["group", "name"])
        await session.commit()
    async with db.session() as session:
        # "a" twice in one batch: applied in order, the last one is what stays.
        await upsert_many(
            session,
            Tally,
            [tally("a", 3.0), tally("c", 0.5, counts=False, note="x"), tally("a", 4.5)],
            key=["group", "name"],
        )
        await session.commit()
    found = await rows(db)
    assert {name: row.hours for name, row in found.items()} == {"a": 4.5, "b": 2.0, "c": 0.5}
    assert found["c"].counts is False
    assert found["c"].note == "x"
    assert found["a"].note is None
    assert found["a"].at == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


async def test_insert_new_returns_only_the_keys_it_inserted(db: Database) -> None:
    async with db.session() as session:
        first = await insert_new(session, Tally, [tally("a", 1.0)], key=["group", "name"])
        await session.commit()
    async with db.session() as session:
        second = await insert_new(
            session, Tally, [tally("a", 9.0), tally("b", 2.0)], key=["group", "name"]
        )
        await session.commit()
    assert first == {("g", "a")}
    assert second == {("g", "b")}
    assert (await rows(db))["a"].hours == 1.0  # kept as it was


async def test_a_value_too_long_for_its_column_is_refused_not_cut(
    db: Database, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite does not enforce lengths")
    async with db.session() as session:
        with pytest.raises(DBAPIError, match="too long"):
            await upsert_many(
                session, Tally, [tally("a", 1.0, note="x" * 11)], key=["group", "name"]
            )
    assert await rows(db) == {}


async def test_batch_writes_belong_to_the_session_transaction(db: Database) -> None:
    async with db.session() as session:
        await insert_new(session, Tally, [tally("a", 1.0)], key=["group", "name"])
        await upsert_many(session, Tally, [tally("b", 2.0)], key=["group", "name"])
        await session.rollback()
    assert await rows(db) == {}


async def test_batch_times_are_stored_as_the_orm_stores_them(db: Database) -> None:
    # On SQLite a time is text and compared as text: a batch that wrote another format
    # than the ORM's would make equal moments unequal and ranges wrong.
    moments = [
        datetime(2026, 11, 24, 9, 0, tzinfo=BEIJING),  # whole seconds, an offset
        datetime(2026, 11, 24, 2, 0, 0, 123456, tzinfo=UTC),
        datetime(2026, 11, 24, 3, 0),  # naive, taken as UTC
    ]
    async with db.session() as session:
        for number, moment in enumerate(moments):
            await upsert_many(
                session, Tally, [tally(f"batch{number}", 1.0, at=moment)], key=["group", "name"]
            )
            session.add(Tally(**tally(f"orm{number}", 1.0, at=moment)))
        await session.commit()
    async with db.session() as session:
        for number, moment in enumerate(moments):
            same = await session.exec(select(Tally.name).where(Tally.at == moment))
            assert sorted(same.all()) == [f"batch{number}", f"orm{number}"]
        later = await session.exec(select(Tally.name).where(Tally.at > moments[1]))
        assert sorted(later.all()) == ["batch2", "orm2"]
    if db.is_sqlite:  # and the text is SQLAlchemy's own format, as rows written before
        async with db.session() as session:
            stored = await session.exec(text("SELECT DISTINCT at FROM tally ORDER BY at"))  # type: ignore[call-overload]
            assert [row[0] for row in stored.all()] == [
                "2026-11-24 01:00:00.000000",
                "2026-11-24 02:00:00.123456",
                "2026-11-24 03:00:00.000000",
            ]


async def test_a_batch_larger_than_one_sqlite_statement_holds_is_written_whole(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite builds limit a statement's parameters (32,766 by default, more in some):
    # a larger batch goes in several statements of one transaction. A limit of 60
    # makes that 10 rows of 6 columns a statement here.
    monkeypatch.setattr(shared.db, "_SQLITE_MAX_VARIABLES", 60)
    batch = [tally(f"n{number}", float(number)) for number in range(25)]
    async with db.session() as session:
        inserted = await insert_new(session, Tally, batch, key=["group", "name"])
        await upsert_many(
            session, Tally, [tally(f"n{n}", -1.0) for n in range(5, 25)], key=["group", "name"]
        )
        await session.commit()
    assert inserted == {("g", f"n{number}") for number in range(25)}
    found = await rows(db)
    assert {name: row.hours for name, row in found.items()} == {
        f"n{number}": float(number) if number < 5 else -1.0 for number in range(25)
    }


async def test_one_of_selects_the_rows_whose_key_is_among_the_values(db: Database) -> None:
    async with db.session() as session:
        await upsert_many(
            session,
            Tally,
            [tally(name, 1.0) for name in ("a", "b", "abcdefghij")],
            key=["group", "name"],
        )
        await upsert_many(session, Numbered, [{"id": n} for n in (1, 2, 3)], key=["id"])
        await session.commit()
    async with db.session() as session:
        dialect = session.get_bind().dialect

        async def names(values: list[str]) -> set[str]:
            query = select(Tally.name).where(one_of(Tally.name, values, dialect))
            return set((await session.exec(query)).all())

        assert await names(["a", "abcdefghij", "zz"]) == {"a", "abcdefghij"}
        assert await names([]) == set()
        # Longer than the column: it must not be cut to the ten characters it starts with.
        assert await names(["abcdefghijk"]) == set()
        query = select(Numbered.id).where(one_of(Numbered.id, {3, 1, 9}, dialect))
        assert set((await session.exec(query)).all()) == {1, 3}
