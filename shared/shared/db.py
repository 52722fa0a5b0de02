"""Database wiring: one async engine per service, SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Dialect,
    String,
    Table,
    any_,
    event,
    func,
    literal,
    literal_column,
    make_url,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import registry
from sqlalchemy.types import TypeDecorator, TypeEngine
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

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SqliteUtcText(timezone=True))  # type: ignore[no-untyped-call]
        return super().load_dialect_impl(dialect)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _SqliteUtcText(sqlite.DATETIME):
    """SQLite's DATETIME for values `UtcDateTime` has already put in UTC.

    It writes the same text as SQLAlchemy's own ("YYYY-MM-DD HH:MM:SS.ffffff"), which
    formats through a dict per value: a tenth of a batch write's time.
    """

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        def process(value: datetime | None) -> str | None:
            # 26 characters, then the offset, which is +00:00 here.
            return None if value is None else value.isoformat(" ", "microseconds")[:26]

        return process


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
    table = model.__table__  # type: ignore[attr-defined]
    statement = _dialect_insert(session.get_bind().dialect)(table).values(**values)
    updates = {name: statement.excluded[name] for name in values if name not in key}
    if not updates or not update:  # the row is all key: inserting it once is the whole effect
        await session.exec(statement.on_conflict_do_nothing(index_elements=list(key)))
        return
    await session.exec(statement.on_conflict_do_update(index_elements=list(key), set_=updates))


def _dialect_insert(dialect: Dialect) -> Callable[[Table], Any]:
    """The INSERT construct with ON CONFLICT of the dialect (SQLite's or PostgreSQL's)."""
    return sqlite_insert if dialect.name == "sqlite" else postgresql_insert


async def upsert_many(
    session: AsyncSession,
    model: type[SQLModel],
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
    insert_only: Sequence[str] = (),
) -> None:
    """`upsert` for many rows in one statement.

    Rows are applied in order, so where two rows share a key the later one wins, as if
    each had been upserted alone. Every row must carry the same columns. Columns named
    in `insert_only` are written when a row is new and left as they are otherwise (a
    value another writer owns, which this one may have read before it changed).
    """
    if not rows:
        return
    updates = [name for name in rows[0] if name not in key and name not in insert_only]
    if updates:  # PostgreSQL may not update a row twice in one statement: keep the last
        key_of = operator.itemgetter(*key)
        rows = list({key_of(row): row for row in rows}.values())
    await _batch_insert(session, model.__table__, rows, key, updates=updates)  # type: ignore[attr-defined]


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
    table = model.__table__  # type: ignore[attr-defined]
    returned = await _batch_insert(session, table, rows, key, returning=True)
    return {tuple(record) for record in returned}


async def _batch_insert(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    key: Sequence[str],
    *,
    updates: Sequence[str] = (),
    returning: bool = False,
) -> list[Any]:
    """INSERT ... ON CONFLICT with the whole batch in one statement.

    The rows travel as the driver's own parameters, after the column types'
    conversions: on PostgreSQL one array per column (`unnest`), on SQLite one
    multi-row VALUES. SQLAlchemy's per-row parameter handling cost about three times
    the database's own time, and an executemany runs one insert per row in the server.
    """
    dialect = session.get_bind().dialect
    columns = tuple(rows[0])
    values = [
        [row[name] for row in rows] if convert is None else [convert(row[name]) for row in rows]
        for name, convert in zip(columns, _converters(table, columns, dialect), strict=True)
    ]
    sql_for = functools.partial(
        _batch_statement, table, columns, tuple(key), tuple(updates), returning, dialect
    )
    await session.flush()
    # The driver's SQL as it is: SQLAlchemy neither compiles it nor touches the values,
    # but still opens the session's transaction and reports errors as its own.
    connection = await session.connection()
    if dialect.name != "sqlite":
        result = await connection.exec_driver_sql(sql_for(0), tuple(values))
        return list(result.all()) if returning else []
    returned: list[Any] = []
    by_row = list(zip(*values, strict=True))
    most = _SQLITE_MAX_VARIABLES // len(columns)
    for start in range(0, len(by_row), most):
        part = by_row[start : start + most]
        flat = tuple(value for row in part for value in row)
        result = await connection.exec_driver_sql(sql_for(len(part)), flat)
        returned += result.all() if returning else []
    return returned


# SQLite's limit on a statement's parameters (SQLITE_MAX_VARIABLE_NUMBER since 3.32).
_SQLITE_MAX_VARIABLES = 32_766


@functools.lru_cache(maxsize=512)
def _batch_statement(
    table: Table,
    columns: tuple[str, ...],
    key: tuple[str, ...],
    updates: tuple[str, ...],
    returning: bool,
    dialect: Dialect,
    rows: int,
) -> str:
    """The SQL of a batch insert: on SQLite of `rows` rows, whose VALUES it lists; on
    PostgreSQL of any number of rows (pass 0), one array parameter per column."""
    quote = dialect.identifier_preparer.quote
    if dialect.name == "sqlite":
        row = "(" + ", ".join(["?"] * len(columns)) + ")"
        source = "VALUES " + ", ".join([row] * rows)
    else:
        # Array element types without their length: casting to varchar(26) would
        # silently cut a longer value, where the insert itself refuses it as any
        # insert would.
        types = [
            re.sub(r"\(.*?\)", "", table.c[name].type.compile(dialect=dialect)) for name in columns
        ]
        arrays = ", ".join(f"${number}::{type_}[]" for number, type_ in enumerate(types, 1))
        source = f"SELECT * FROM unnest({arrays})"  # noqa: S608
    names = ", ".join(quote(name) for name in columns)
    keys = ", ".join(quote(name) for name in key)
    # Only the model's table and column names, quoted by the dialect; values are parameters.
    sql = f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({names}) "
    sql += f"{source} ON CONFLICT ({keys}) "
    if updates:
        sql += "DO UPDATE SET " + ", ".join(f"{quote(n)} = EXCLUDED.{quote(n)}" for n in updates)
    else:
        sql += "DO NOTHING"
    if returning:
        sql += f" RETURNING {keys}"
    return sql


@functools.cache
def _converters(
    table: Table, columns: tuple[str, ...], dialect: Dialect
) -> tuple[Callable[[Any], Any] | None, ...]:
    """Each column's conversion of its values into the driver's, for batch parameters."""
    return tuple(
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    )


def one_of(column: Any, values: Collection[str | int], dialect: Dialect) -> ColumnElement[bool]:
    """`column IN values` with all the values in one parameter: on PostgreSQL one array
    (`= ANY($1)`), on SQLite one JSON array (`IN (SELECT value FROM json_each(?))`).

    SQLAlchemy's `in_` renders one parameter per value at every execution, each with its
    cast on PostgreSQL: reading by a rebuild batch's 2,000 ids cost 7.4 ms of CPU per
    query that way against 1.1 ms with one array (SQLite: 2.2 against 1.0 ms).
    For keys (text or integers), not for values whose JSON form differs from their SQL one.
    """
    if dialect.name == "postgresql":
        # The element type without its length: a longer value cast to varchar(64) would
        # be cut, and then equal the 64-character key it starts with. The column is seen
        # as that type too, or SQLAlchemy would cast the array to the column's own type.
        stored = getattr(column.type, "impl", column.type)  # under a TypeDecorator (AutoString)
        element = String() if isinstance(stored, String) else stored
        return type_coerce(column, element) == any_(literal(list(values), ARRAY(element)))
    as_json = orjson.dumps(list(values)).decode()
    return column.in_(select(literal_column("value")).select_from(func.json_each(as_json)))  # type: ignore[no-any-return]


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database could not be reached or could not answer in time
    (connection refused or lost, no pooled connection free, a lock timeout), rather
    than that it refused the statement itself."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(
        exc,
        OperationalError | InterfaceError | PoolTimeoutError | ConnectionError | TimeoutError,
    )


def is_sqlite(url: str) -> bool:
    """Whether a SQLAlchemy URL names a SQLite database."""
    return url.startswith("sqlite")


class Database:
    """An async engine and a session factory for one service's database."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        # No pre-ping: on asyncpg it is BEGIN, SELECT 1 and ROLLBACK at every checkout,
        # three round trips per request (figure 2 went from ~270 to ~330 confirmations a
        # second without it). A connection found dead raises instead; SQLAlchemy then
        # drops every pooled connection older than it, and HTTP answers that one request
        # 503 (shared.errors), the consumers retry it (shared.events.consumer).
        # A failed statement's error names its parameters by default, and the kit logs
        # errors: a national ID or a phone number would reach the logs with it.
        kwargs: dict[str, Any] = {"hide_parameters": True}
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
