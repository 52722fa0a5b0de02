"""Every operation of the four services, against every kind of caller (see `matrix.py`).

The expected outcomes are the committed table `authorisation_matrix.md`; each of its
rows runs here against the four services on PostgreSQL and Redis. An operation the
services document and the table does not name (or the other way round) fails, so the
table cannot fall behind the API.

`MATRIX_WRITE=1 pytest tests/security/test_authorisation_matrix.py` writes what the
services answer today into the table instead of checking it: for a new operation's
row, which must then be read and corrected by hand before it is committed.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import pytest
from schemathesis.python.asgi import _get_portal

from shared.auth import Role
from shared.ids import new_id
from tests.security.conftest import System
from tests.security.matrix import (
    COLUMNS,
    OTHER,
    SERVICES,
    TABLE,
    Row,
    outcome,
    placeholders,
    read_table,
    write_table,
)
from tests.security.matrix_world import matrix_world
from tests.security.operations import CALLS, Call

MISSING = "01HZZZZZZZZZZZZZZZZZZZZZZZ"  # a well-formed id that names nothing
# Well-formed values that name nothing, where an id is not of the usual shape.
MISSING_VALUES = {"volunteer_number": "99999999999999", "certificate": "ZS99999999"}
ROLES = {
    "DA": Role.DISTRICT_ADMIN,
    "CA": Role.COMMUNITY_ADMIN,
    "TL": Role.TEAM_LEADER,
    "VO": Role.VOLUNTEER,
    "RE": Role.RESIDENT,
}
WRITING = os.environ.get("MATRIX_WRITE") == "1"


@pytest.fixture(scope="module")
def worlds(system: System) -> tuple[dict[str, Any], dict[str, Any]]:
    return matrix_world(system, "矩阵甲社区", 9100), matrix_world(system, "矩阵乙社区", 9200)


def _documented(system: System) -> list[tuple[str, str]]:
    return [
        (service, f"{method.upper()} {path}")
        for service in SERVICES
        for path, operations in system.apps[service].openapi()["paths"].items()
        for method in operations
    ]


def _fill(value: Any, ids: dict[str, Any], n: int) -> Any:
    if callable(value):
        return value(ids, n)
    if isinstance(value, str):
        return value.format(**{key: item for key, item in ids.items() if isinstance(item, str)})
    if isinstance(value, dict):
        return {key: _fill(item, ids, n) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids, n) for item in value]
    return value


async def _stream_status(app: Any, path: str, headers: dict[str, str]) -> int:
    """The status an endless event stream starts with; the connection then closes."""
    started: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await started
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and not started.done():
            started.set_result(message["status"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(key.lower().encode(), value.encode()) for key, value in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("notifications", 80),
    }
    task = asyncio.create_task(app(scope, receive, send))
    try:
        return await asyncio.wait_for(asyncio.shield(started), timeout=10)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


class Cells:
    """Runs the cells of one operation's row, on the two worlds' records."""

    def __init__(self, system: System, own: dict[str, Any], other: dict[str, Any]) -> None:
        self.system, self.own, self.other = system, own, other
        self.n = 0

    def headers(self, column: str) -> dict[str, str]:
        role = column.removesuffix("✗")
        world = self.other if column.endswith("✗") and role != "ids" else self.own
        if role == "anon":
            return {}
        if role == "DA":
            return self.system.district
        if role == "VO":
            return dict(world["as_volunteer"])  # the volunteer's own login
        return self.system.headers(ROLES[role], world["community"], subject=new_id())

    def request(
        self, service: str, operation: str, ids: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, Any]:
        """Status and JSON body (None when it is not JSON) of one request."""
        self.n += 1
        method, _ = operation.split(" ", 1)
        call = CALLS[operation]
        if call.prepare is not None:
            ids = dict(ids, **(call.prepare(self.system, ids) or {}))
        path = _fill(call.path, ids, self.n)
        if call.stream:
            status = _get_portal().call(_stream_status, self.system.apps[service], path, headers)
            return status, None
        kwargs: dict[str, Any] = {"headers": headers, "params": _fill(call.query, ids, self.n)}
        if call.body is not None:
            kwargs["json"] = _fill(call.body, ids, self.n)
        if call.files is not None:
            kwargs["files"] = call.files()
        response = self.system.clients[service].request(method, path, **kwargs)
        is_json = response.headers.get("content-type", "").startswith("application/json")
        return response.status_code, response.json() if is_json and response.content else None

    def run(self, service: str, operation: str, column: str, actor: str | None) -> str:
        """The outcome of one cell, or a problem when a 404 differs from an unknown id's."""
        call = CALLS[operation]
        if column == "ids✗":
            if not call.foreign or actor is None:
                return "-"
            # Each reference on its own: every one of them must be checked.
            results = {
                self._cell(service, operation, self.headers(actor), {name}, self.other, True)
                for name in call.foreign
            }
            return results.pop() if len(results) == 1 else " / ".join(sorted(results))
        named = set(_named(call))
        return self._cell(
            service, operation, self.headers(column), named, self.own, column in OTHER
        )

    def _cell(
        self,
        service: str,
        operation: str,
        headers: dict[str, str],
        replaced: set[str],
        source: dict[str, Any],
        compare: bool,
    ) -> str:
        """Call with the `replaced` ids taken from `source`; when `compare`, a 404 must
        read as an unknown id's does."""
        swapped = dict(self.own, **{key: source[key] for key in replaced})
        status, body = self.request(service, operation, swapped, headers)
        result = outcome(status)
        if result == "404" and compare:
            absent = dict(self.own, **_missing(replaced))
            missing_status, missing_body = self.request(service, operation, absent, headers)
            # The same words, but for the id itself where the message names it.
            theirs = _without(body, {swapped[key] for key in replaced})
            unknown = _without(missing_body, set(_missing(replaced).values()))
            if (missing_status, unknown) != (status, theirs):
                return f"404 {body}, but {missing_status} {missing_body} for an unknown id"
        return result


def _without(body: Any, ids: set[Any]) -> str:
    text = json.dumps(body, ensure_ascii=False)
    for value in ids:
        if isinstance(value, str) and value:
            text = text.replace(value, "<id>")
    return text


def _missing(names: Any) -> dict[str, str]:
    return {name: MISSING_VALUES.get(name, MISSING) for name in names}


def _named(call: Call) -> list[str]:
    """The world's ids a call names in its path, query and (fixed) body."""
    names = placeholders(call.path)
    for value in call.query.values():
        names += placeholders(value)
    if isinstance(call.body, dict):
        names += placeholders(str(call.body))
    return names


# Denied cells first: a cell that wrongly succeeds must not change what the others see.
ORDER = ("anon", "CA✗", "TL✗", "VO✗", "RE✗", "RE", "VO", "TL", "CA", "DA", "ids✗")


def _actor(cells: dict[str, str]) -> str | None:
    """Who runs the `ids✗` cell: the first community role allowed in its own community."""
    return next((role for role in ("CA", "TL", "VO", "RE") if cells.get(role) == "ok"), None)


def _run_row(
    cells_runner: Cells, service: str, operation: str, expected: dict[str, str]
) -> dict[str, str]:
    seen: dict[str, str] = {}
    for column in ORDER:
        actor = _actor(expected if not WRITING else seen)
        seen[column] = cells_runner.run(service, operation, column, actor)
    return seen


ROWS = [] if WRITING else read_table(TABLE.read_text())


@pytest.fixture(scope="module")
def cells(system: System, worlds: tuple[dict[str, Any], dict[str, Any]]) -> Cells:
    return Cells(system, *worlds)


def test_the_table_names_every_operation_and_only_those(system: System) -> None:
    documented = set(_documented(system))
    named = {(row.service, row.operation) for row in ROWS}
    without_call = {operation for _, operation in documented} - set(CALLS)
    assert not without_call, f"operations.py has no call for {sorted(without_call)}"
    if WRITING:
        return
    assert not documented - named, f"the table misses {sorted(documented - named)}"
    assert not named - documented, f"the table names what is gone: {sorted(named - documented)}"


@pytest.mark.parametrize("row", ROWS, ids=[f"{row.service} {row.operation}" for row in ROWS])
def test_the_authorisation_matrix(cells: Cells, row: Row) -> None:
    seen = _run_row(cells, row.service, row.operation, row.cells)
    problems = [
        f"[{column}] {seen[column]}, expected {row.cells[column]}"
        for column in COLUMNS
        if seen[column] != row.cells[column]
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(not WRITING, reason="writes the table only when MATRIX_WRITE=1")
@pytest.mark.timeout(1800)
def test_write_the_table(system: System, cells: Cells) -> None:
    rows = [
        Row(service, operation, _run_row(cells, service, operation, {}))
        for service, operation in _documented(system)
    ]
    TABLE.write_text(write_table(rows))
