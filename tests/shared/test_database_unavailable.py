"""A database that does not answer gets 503 and Retry-After, not a server error."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from shared.db import Database
from shared.errors import install_error_handlers


def app_over(db: Database) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/backend")
    async def backend() -> dict[str, int]:
        async with db.session() as session:
            pid = (await session.exec(text("SELECT pg_backend_pid()"))).one()[0]  # type: ignore[call-overload]
        return {"pid": int(pid)}

    @app.get("/refused")
    async def refused() -> None:
        raise IntegrityError("INSERT ...", {}, Exception("duplicate key"))

    return app


@pytest.fixture
async def postgres(database_url: str) -> AsyncIterator[Database]:
    if database_url.startswith("sqlite"):
        pytest.skip("a server whose connections can be cut: PostgreSQL")
    db = Database(database_url, pool_size=1)
    yield db
    await db.dispose()


async def client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_a_connection_cut_by_the_server_is_at_most_one_503_then_the_pool_recovers(
    postgres: Database,
) -> None:
    async with await client(app_over(postgres)) as http:
        first = await http.get("/backend")
        assert first.status_code == 200
        # The server ends the pooled connection, as a restart or a failover would.
        admin = Database(postgres.url)
        async with admin.engine.connect() as connection:
            await connection.execute(text(f"SELECT pg_terminate_backend({first.json()['pid']})"))
        await admin.dispose()

        # The request that finds the connection dead may not be served, but it is told
        # to try again, never a server error.
        cut = await http.get("/backend")
        if cut.status_code != 200:
            assert cut.status_code == 503
            assert cut.headers["Retry-After"] == "1"
            assert cut.json()["code"] == "database_unavailable"

        again = await http.get("/backend")
        assert again.status_code == 200
        assert again.json()["pid"] != first.json()["pid"]


async def test_an_unreachable_database_is_503() -> None:
    db = Database("postgresql+asyncpg://postgres@127.0.0.1:1/none")
    try:
        async with await client(app_over(db)) as http:
            response = await http.get("/backend")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
    finally:
        await db.dispose()


async def test_a_statement_the_database_refuses_is_still_a_server_error(
    database_url: str,
) -> None:
    db = Database(database_url)
    try:
        async with await client(app_over(db)) as http:
            assert (await http.get("/refused")).status_code == 500
    finally:
        await db.dispose()
