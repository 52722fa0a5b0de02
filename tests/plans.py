"""Reading PostgreSQL's plans of the statements a service's list pages send.

The list-plan tests of every service fill a scratch database with 100,000 rows
(`scratch_database`, `fill`), call each list, catch the page statement on its way to the
database (`captured`, `pages_of`), explain it with its own parameters (`explain`) and
judge the `Plan` they get back, in one of two ways: by the rows its scans read
(`reads_too_much`, `assert_pages_read_on_an_index`), or by its sorts and the rows its
filters drop (`assert_page_read_on_an_index`, `assert_two_pages_each_read_on_an_index`).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine


@asynccontextmanager
async def scratch_database(admin_url: str) -> AsyncIterator[str]:
    """A new empty PostgreSQL database on the test server for the block (its URL),
    dropped after it; a failure to drop it does not fail the test."""
    from tests.conftest import create_postgres_database, drop_postgres_database

    url = await create_postgres_database(admin_url)
    try:
        yield url
    finally:
        with suppress(Exception):
            await drop_postgres_database(admin_url, url)


Sent = tuple[str, Any]
"""A statement as sent to the database, with the parameters it was sent with."""


async def fill(url: str, *statements: str) -> None:
    """Run `statements` (SQL without parameters, several per string allowed) on the
    database at `url`, in one transaction; end with an ANALYZE so plans see the rows."""
    connection = await asyncpg.connect(str(make_url(url).set(drivername="postgresql")))
    try:
        async with connection.transaction():
            for statement in statements:
                await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def captured(engine: AsyncEngine) -> Iterator[list[Sent]]:
    """The statements `engine` sends while the block runs, in order."""
    sent: list[Sent] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", keep)


def pages_of(sent: list[Sent]) -> list[Sent]:
    """The lists' page statements among `sent`: those with a LIMIT, leaving out the
    outbox relay polling beside them."""
    return [s for s in sent if "LIMIT" in s[0] and "event_outbox" not in s[0]]


@dataclass(frozen=True)
class Plan:
    """A plan as `EXPLAIN (ANALYZE, FORMAT JSON)` answered it, with what the tests read."""

    statement: str
    root: dict[str, Any]

    @property
    def nodes(self) -> list[dict[str, Any]]:
        """Every node, the root first, init plans and subplans included."""

        def walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
            yield node
            for child in node.get("Plans", []):
                yield from walk(child)

        return list(walk(self.root))

    @property
    def kinds(self) -> list[str]:
        """The node types, sorted ("Seq Scan" for a parallel one too)."""
        return sorted({n["Node Type"] for n in self.nodes})

    @property
    def indexes(self) -> list[str]:
        """The names of the indexes scanned, sorted."""
        return sorted({n.get("Index Name", "") for n in self.nodes} - {""})

    @property
    def has_seq_scan(self) -> bool:
        return "Seq Scan" in self.kinds

    @property
    def has_index_scan(self) -> bool:
        """Whether a node scans an index (plain, index-only or bitmap)."""
        return any("Index Scan" in k or "Index Only Scan" in k for k in self.kinds)

    @property
    def rows_read(self) -> int:
        """Rows the scans returned or filtered out, bitmap index scans left out (their
        heap scan above counts the same rows)."""
        return sum(
            n.get("Actual Rows", 0) + n.get("Rows Removed by Filter", 0)
            for n in self.nodes
            if "Scan" in n["Node Type"] and "Bitmap Index" not in n["Node Type"]
        )

    @property
    def rows_removed_by_filter(self) -> int:
        """Rows the nodes read and dropped for not matching their filter."""
        return sum(n.get("Rows Removed by Filter", 0) for n in self.nodes)

    @property
    def sorted_rows(self) -> list[int]:
        """The rows each sort node (incremental ones too) was planned to sort."""
        return [n["Plan Rows"] for n in self.nodes if n["Node Type"].endswith("Sort")]

    @property
    def figures(self) -> str:
        """Rows read, node types and indexes, for a report line."""
        return f"{self.rows_read} rows read, {self.kinds} {self.indexes}"

    def __str__(self) -> str:
        return f"{self.statement}\n{json.dumps(self.root, indent=1, ensure_ascii=False)}"


async def explain(engine: AsyncEngine, statement: str, parameters: Any) -> Plan:
    """Explain (and run) `statement` with `parameters` as the service sent them."""
    async with engine.connect() as connection:
        [[answer]] = (
            await connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters
            )
        ).all()
    if isinstance(answer, str):
        answer = json.loads(answer)
    return Plan(statement, answer[0]["Plan"])


def assert_page_read_on_an_index(plan: Plan, *, most_sorted: int, most_removed: int) -> None:
    """No sequential scan, an index scanned, no sort of more than `most_sorted` rows and
    no more than `most_removed` rows read past for not matching a filter."""
    assert not plan.has_seq_scan, str(plan)
    assert all(n <= most_sorted for n in plan.sorted_rows), str(plan)
    assert plan.rows_removed_by_filter <= most_removed, str(plan)
    assert plan.has_index_scan, str(plan)


def reads_too_much(plan: Plan, *, most_read: int) -> bool:
    """Whether `plan` reads a page badly: a sequential scan, no index, or more than
    `most_read` rows read."""
    return plan.has_seq_scan or not plan.indexes or plan.rows_read > most_read


Lists = list[tuple[str, dict[str, Any], dict[str, str]]]
"""Lists to read: each a path, its query parameters and the caller's headers."""


async def assert_pages_read_on_an_index(
    client: httpx.AsyncClient, engine: AsyncEngine, lists: Lists, *, limit: int, most_read: int
) -> None:
    """Read the first page of each list and the page its cursor leads to, `limit` items
    each. Each request answers a full page and sends one page statement, whose plan has
    no sequential scan, scans an index and reads at most `most_read` rows; every page's
    timing and figures are printed, and every page that reads badly is reported."""
    problems, figures = [], []
    for path, params, headers in lists:
        query = {**params, "limit": limit}
        for page in ("first", "second"):
            with captured(engine) as sent:
                started = time.perf_counter()
                response = await client.get(path, params=query, headers=headers)
                took = time.perf_counter() - started
            assert response.status_code == 200, (path, response.text)
            body = response.json()
            assert len(body["items"]) == limit, (path, body["total"])
            pages = pages_of(sent)
            assert len(pages) == 1, pages
            [(statement, parameters)] = pages
            plan = await explain(engine, statement, parameters)
            figures.append(f"{path} {params} {page}: {took * 1000:.0f} ms, {plan.figures}")
            if reads_too_much(plan, most_read=most_read):
                problems.append(f"{path} {params} ({page} page): {figures[-1]}")
            query["cursor"] = body["next_cursor"]
    print("\n".join(figures))
    assert not problems, "\n".join(problems)


async def assert_two_pages_each_read_on_an_index(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    lists: Lists,
    *,
    most_sorted: int,
    most_removed: int,
    key: Callable[[dict[str, Any]], Any] = itemgetter("id"),
) -> None:
    """Read the first page of each list (its default size) and the page its cursor leads
    to (`two_pages`); then every one of those page statements, and no other, must be
    read as `assert_page_read_on_an_index` says. The two pages' timings are printed."""
    timings = []
    with captured(engine) as sent:
        for path, params, headers in lists:
            took = await two_pages(client, path, params, headers, key)
            timings.append((path, params, took))
    pages = pages_of(sent)
    assert len(pages) == 2 * len(lists)
    for statement, parameters in pages:
        plan = await explain(engine, statement, parameters)
        assert_page_read_on_an_index(plan, most_sorted=most_sorted, most_removed=most_removed)
    for path, params, seconds in timings:
        print(f"{path} {params}: two pages in {seconds * 1000:.0f} ms")


async def two_pages(
    client: httpx.AsyncClient,
    path: str,
    params: dict[str, Any],
    headers: dict[str, str],
    key: Callable[[dict[str, Any]], Any] = itemgetter("id"),
) -> float:
    """Ask for the first page of a list and the page its cursor leads to: both answer
    200, the first has a cursor, and no item (told apart by `key`) is on both. Answers
    the seconds both took."""
    started = time.perf_counter()
    first = await client.get(path, params=params, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["next_cursor"] is not None, (path, params)
    second = await client.get(
        path, params={**params, "cursor": first.json()["next_cursor"]}, headers=headers
    )
    assert second.status_code == 200, second.text
    took = time.perf_counter() - started
    assert not {key(i) for i in first.json()["items"]} & {key(i) for i in second.json()["items"]}
    return took
