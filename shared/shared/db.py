"""Database wiring: one async engine per service, SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import DateTime, Dialect, event, make_url, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import registry
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

# The kit's own tables (outbox, inbox, relay lease) live in their own metadata so each
# service's Alembic chain can include them beside its own tables, and so the services'
# tables never mix even when all four are imported into one test process.
kit_registry = registry()


class UtcDateTime(TypeDecorator[datetime]):
    """A moment stored in UTC and read back timezone-aware, on SQLite as on PostgreSQL.

    SQLite keeps no offset: a datetime given as 09:00+08:00 would be stored as 09:00
    with the offset dropped and read back as 09:00 UTC, eight hours late. Converting to
    UTC on the way in (naive values are taken as UTC) and marking UTC on the way out
    makes both databases agree, in columns and in comparisons against them.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class KitModel(SQLModel, registry=kit_registry):
    """Base of the event kit's tables."""


async def upsert(
    session: AsyncSession,
    model: type[SQLModel],
    values: dict[str, Any],
    *,
    key: Sequence[str],
    update: bool = True,
) -> None:
    """Insert a row or update it where `key` matches, in one statement.

    Projections apply facts without reading first: one round trip per event instead of
    a SELECT and an INSERT or UPDATE. With `update=False` an existing row is kept as
    it is (insert once).
    """
    bind = session.get_bind()
    insert = sqlite_insert if bind.dialect.name == "sqlite" else postgresql_insert
    table = model.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(**values)
    updates = {name: statement.excluded[name] for name in values if name not in key}
    if not updates or not update:  # the row is all key: inserting it once is the whole effect
        await session.exec(statement.on_conflict_do_nothing(index_elements=list(key)))
        return
    await session.exec(statement.on_conflict_do_update(index_elements=list(key), set_=updates))


async def upsert_many(
    session: AsyncSession,
    model: type[SQLModel],
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
) -> None:
    """`upsert` for many rows in one executemany: one compiled statement, one call.

    Rows are applied in order, so where two rows share a key the later one wins, as if
    each had been upserted alone. Every row must carry the same columns.
    """
    if not rows:
        return
    bind = session.get_bind()
    insert = sqlite_insert if bind.dialect.name == "sqlite" else postgresql_insert
    statement = insert(model.__table__)  # type: ignore[attr-defined]
    updates = {name: statement.excluded[name] for name in rows[0] if name not in key}
    if updates:
        upserting = statement.on_conflict_do_update(index_elements=list(key), set_=updates)
    else:
        upserting = statement.on_conflict_do_nothing(index_elements=list(key))
    if bind.dialect.driver == "asyncpg":
        sql, converters = _asyncpg_statement(upserting, bind.dialect, tuple(rows[0]))
        # SQLAlchemy's per-row parameter handling cost ~3x the database's own time for a
        # batch; asyncpg takes the values as they are, after the types' own conversions.
        await session.flush()
        connection = await (await session.connection()).get_raw_connection()
        try:
            await connection.driver_connection.executemany(  # type: ignore[union-attr]
                sql,
                [
                    tuple(
                        row[name] if convert is None else convert(row[name])
                        for name, convert in converters
                    )
                    for row in rows
                ],
            )
        except (asyncpg.InterfaceError, asyncpg.PostgresConnectionError, OSError) as exc:
            # As SQLAlchemy would raise it, so callers see an outage as transient.
            raise OperationalError(sql, None, exc) from exc
        return
    await session.exec(upserting, params=list(rows))


_Converters = tuple[tuple[str, Callable[[Any], Any] | None], ...]
_asyncpg_statements: dict[tuple[str, ...], tuple[str, _Converters]] = {}


def _asyncpg_statement(
    statement: Any, dialect: Any, columns: tuple[str, ...]
) -> tuple[str, _Converters]:
    """The SQL of an INSERT for asyncpg, and each parameter's name and type conversion."""
    compiled = statement.compile(dialect=dialect, column_keys=list(columns))
    cache_key = (compiled.string, *columns)
    if cache_key not in _asyncpg_statements:
        table = statement.table
        _asyncpg_statements[cache_key] = (
            compiled.string,
            tuple(
                (name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
                for name in compiled.positiontup or ()
            ),
        )
    return _asyncpg_statements[cache_key]


async def insert_new(
    session: AsyncSession,
    model: type[SQLModel],
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
) -> set[tuple[Any, ...]]:
    """Insert the rows whose `key` is not taken yet; returns the keys it inserted.

    One statement with ON CONFLICT DO NOTHING: the unique index decides, so a row that
    another transaction is inserting makes this one wait for it and then skip.
    """
    if not rows:
        return set()
    bind = session.get_bind()
    insert = sqlite_insert if bind.dialect.name == "sqlite" else postgresql_insert
    table = model.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .on_conflict_do_nothing(index_elements=list(key))
        .returning(*(table.c[name] for name in key))
    )
    result = await session.exec(statement, params=list(rows))
    return {tuple(row) for row in result.all()}


def is_sqlite(url: str) -> bool:
    """Whether a SQLAlchemy URL names a SQLite database."""
    return url.startswith("sqlite")


class Database:
    """An async engine and a session factory for one service's database."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if is_sqlite(url):
            ensure_sqlite_directory(url)
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size)
            if make_url(url).drivername.endswith("asyncpg"):
                # asyncpg prepares every statement. After five runs PostgreSQL may switch
                # to a generic plan that ignores the values: for `IN (<500 ids>)` on a
                # table without statistics yet (a rebuild, a new deployment) that is a
                # sequential scan per batch, seconds each once the table has grown.
                kwargs["connect_args"] = {
                    "server_settings": {"plan_cache_mode": "force_custom_plan"}
                }
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if is_sqlite(url):
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )

    @property
    def is_sqlite(self) -> bool:
        """Whether this database is SQLite (no SKIP LOCKED, one writer at a time)."""
        return is_sqlite(self.url)

    def session(self) -> AsyncSession:
        """A new session; use it as `async with db.session() as session:`."""
        return self._sessions()

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def ensure_sqlite_directory(url: str) -> None:
    """Create the directory of a SQLite database file if it is missing."""
    if not is_sqlite(url):
        return
    path = url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets HTTP readers work while the consumer or relay writes; the busy timeout
    # makes concurrent writers wait for the lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
