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
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from schemathesis.python.asgi import _get_portal

from shared.auth import Role
from shared.ids import new_id
from tests.registry.conftest import application
from tests.security.conftest import System, eventually
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
from tests.security.operations import CALLS, Call
from tests.security.world import build_community

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
PASSWORD = "a long passphrase"


def _ok(response: requests.Response, status: int = 201) -> Any:
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    return response.json() if response.content else None


def _registered(system: System, community: str, admin: dict[str, str], serial: int) -> str:
    """A volunteer who applied and was approved."""
    registry = system.clients["registry"]
    form = {
        **application(serial),
        "community_id": community,
        "username": f"m{serial}",
        "password": PASSWORD,
    }
    volunteer = _ok(registry.post("/applications", json=form))["id"]
    _ok(registry.post(f"/volunteers/{volunteer}/approve", headers=admin), 200)
    return str(volunteer)


def _matrix_world(system: System, name: str, serial: int) -> dict[str, Any]:
    """A community with one of everything, and records kept for the cells that end them."""
    world = build_community(system, name)
    community, admin = world["community"], world["as_admin"]
    registry, activities = system.clients["registry"], system.clients["activities"]
    evaluation, notifications = system.clients["evaluation"], system.clients["notifications"]
    district = system.district

    username = f"login{serial}"
    _ok(
        registry.post(
            "/accounts",
            json={
                "username": username,
                "password": PASSWORD,
                "role": "resident",
                "community_id": community,
            },
            headers=district,
        )
    )

    def fresh_refresh_token() -> str:
        tokens = registry.post(
            "/auth/login", json={"username": username, "password": PASSWORD}
        ).json()
        return str(tokens["refresh_token"])

    world.update(
        username=username,
        password=PASSWORD,
        fresh_refresh_token=fresh_refresh_token,
        community_name=name,
        spare=_registered(system, community, admin, serial + 1),
        leaver=_registered(system, community, admin, serial + 2),
    )
    for key, offset in (("applicant", 3), ("rejectable", 4)):
        form = {
            **application(serial + offset),
            "community_id": community,
            "username": f"m{serial + offset}",
            "password": PASSWORD,
        }
        world[key] = _ok(registry.post("/applications", json=form))["id"]
    world["member_unit"] = _ok(
        registry.post(
            f"/communities/{community}/member-units", json={"name": "共建单位"}, headers=admin
        )
    )["id"]
    world["volunteer_number"] = _ok(
        registry.get(f"/volunteers/{world['volunteer']}", headers=admin), 200
    )["volunteer_number"]

    def activity(publish: bool, starts_in: float = 4 * 86400, hours: float = 2) -> str:
        start = system_now() + starts_in
        body = {
            "title": "矩阵活动",
            "kind": "patrol",
            "service_area_code": "community_work",
            "place": "北门",
            "starts_at": iso(start),
            "ends_at": iso(start + hours * 3600),
            "capacity": 5,
        }
        made = _ok(
            activities.post(
                f"/communities/{community}/activities",
                params={"publish": publish},
                json=body,
                headers=admin,
            )
        )
        return str(made[0]["id"])

    world["draft"], world["cancellable"] = activity(False), activity(True)
    # Records are entered for an activity once it is over: this one is, by the time the
    # cells run (the world takes longer to build than it lasts).
    past = _ok(
        activities.get(f"/activities/{activity(True, starts_in=5, hours=0.05)}", headers=admin), 200
    )
    world.update(
        past_activity=past["id"],
        past_activity_starts=past["starts_at"],
        past_activity_ends=past["ends_at"],
    )
    # Check-in opens before the start: an activity about to begin, the volunteer in it.
    world["ongoing"] = activity(True, starts_in=1800)
    _ok(activities.post(f"/activities/{world['ongoing']}/sign-ups", headers=world["as_volunteer"]))
    world["voidable"] = _ok(
        activities.post(
            f"/communities/{community}/records",
            json={
                "volunteer_id": world["volunteer"],
                "kind": "good_deed",
                "started_at": iso(system_now() - 3 * 86400),
                "ended_at": iso(system_now() - 3 * 86400 + 3600),
            },
            headers=admin,
        )
    )["id"]
    world["visit"] = _ok(
        activities.post(
            f"/pairings/{world['pairing']}/visits",
            json={
                "volunteer_id": world["volunteer"],
                "started_at": iso(system_now() - 2 * 86400),
                "ended_at": iso(system_now() - 2 * 86400 + 1800),
            },
            headers=admin,
        )
    )["id"]
    world["endable"] = _ok(
        activities.post(
            f"/communities/{community}/pairings",
            json={
                "kind": "one_helps_one",
                "beneficiary_label": "赵奶奶",
                "beneficiary_category": "empty_nest_elder",
                "volunteer_ids": [world["volunteer"]],
                "cadence_days": 7,
            },
            headers=admin,
        )
    )["id"]
    resident = system.headers(Role.RESIDENT, community, subject=new_id())
    world["closable"] = _ok(
        activities.post(
            f"/communities/{community}/requests",
            json={"category": "telecom", "description": "宽带故障报修"},
            headers=resident,
        )
    )["id"]
    world["advanceable"] = _ok(
        evaluation.post(
            f"/communities/{community}/periods",
            json={
                "label": "2029H1",
                "starts_on": "2029-01-01",
                "ends_on": "2029-06-30",
                "quota": 1,
            },
            headers=admin,
        )
    )["id"]
    served = _ok(
        activities.post(
            f"/communities/{community}/records",
            json={
                "volunteer_id": world["volunteer"],
                "kind": "good_deed",
                "started_at": iso(system_now() - 5 * 86400),
                "ended_at": iso(system_now() - 5 * 86400 + 7200),
            },
            headers=admin,
        )
    )["id"]
    _ok(activities.post(f"/records/{served}/confirm", headers=district), 200)
    issued: dict[str, Any] = {}

    def certificate_issued() -> bool:
        response = evaluation.post(
            f"/volunteers/{world['volunteer']}/certificates",
            json={"date_from": "2026-01-01", "date_to": "2026-12-31"},
            headers=admin,
        )
        issued.update(response.json() if response.status_code == 201 else {})
        return response.status_code == 201

    eventually(certificate_issued, "evaluation learns the confirmed hours")
    certificate = issued
    world["reviewing"] = _ok(
        evaluation.post(
            f"/communities/{community}/periods",
            json={
                "label": "2028H2",
                "starts_on": "2028-07-01",
                "ends_on": "2028-12-31",
                "quota": 1,
            },
            headers=admin,
        )
    )["id"]
    _ok(evaluation.post(f"/periods/{world['reviewing']}/advance", headers=admin), 200)
    world["published"] = _ok(
        evaluation.post(
            f"/communities/{community}/periods",
            json={
                "label": "2028H1",
                "starts_on": "2028-01-01",
                "ends_on": "2028-06-30",
                "quota": 1,
            },
            headers=admin,
        )
    )["id"]
    for _ in range(4):  # open -> peer review -> nomination -> district review -> published
        _ok(evaluation.post(f"/periods/{world['published']}/advance", headers=district), 200)
    world["certificate"] = certificate["number"]
    world["certificate_code"] = certificate["verification_code"]
    deliveries: list[dict[str, Any]] = []

    def delivered() -> bool:
        deliveries[:] = notifications.get(
            f"/webhooks/{world['webhook']}/deliveries", headers=admin
        ).json()
        return bool(deliveries)

    eventually(delivered, "the webhook has a delivery")
    world["delivery"] = deliveries[0]["id"]
    return world


def system_now() -> float:
    return time.time()


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


@pytest.fixture(scope="module")
def worlds(system: System) -> tuple[dict[str, Any], dict[str, Any]]:
    return _matrix_world(system, "矩阵甲社区", 9100), _matrix_world(system, "矩阵乙社区", 9200)


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
