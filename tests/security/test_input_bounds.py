"""Input is bounded: request bodies (413), page sizes and text lengths (422), NUL (422)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from registry.api.roster import MAX_ROSTER_BODY_BYTES, MAX_UPLOAD_BYTES
from shared.auth import Role
from tests.registry.test_roster import as_csv, roster_rows
from tests.security.conftest import SERVICES, System
from tests.security.world import build_community

MIB = 1024 * 1024
# A JSON write on each service that a district admin may make.
WRITES = {
    "registry": "/streets",
    "activities": "/communities/c1/activities",
    "evaluation": "/communities/c1/periods",
    "notifications": "/announcements",
}


@pytest.fixture(scope="module")
def world(system: System) -> dict[str, Any]:
    return build_community(system, "边界测试社区")


def _oversized_json() -> bytes:
    return json.dumps({"name": "街" * MIB}).encode()  # 3 MiB of UTF-8


def _chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.mark.parametrize("service", SERVICES)
def test_a_body_over_the_limit_is_refused_with_413(system: System, service: str) -> None:
    response = system.clients[service].post(
        WRITES[service],
        data=_oversized_json(),
        headers={**system.district, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json() == {
        "code": "body_too_large",
        "detail": f"请求内容过大：最多 {MIB} 字节",
    }


@pytest.mark.parametrize("service", SERVICES)
def test_a_streamed_body_without_content_length_is_cut_off_too(
    system: System, service: str
) -> None:
    # A generator makes a chunked request: no Content-Length to check up front.
    response = system.clients[service].post(
        WRITES[service],
        data=_chunks(_oversized_json()),
        headers={**system.district, "Content-Type": "application/json"},
    )
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    assert "1048576" in response.json()["detail"]


def test_a_body_under_the_limit_reaches_validation(system: System) -> None:
    body = json.dumps({"name": "街" * 300_000}, ensure_ascii=False).encode()  # 900 KB
    response = system.clients["registry"].post(
        "/streets", data=body, headers={**system.district, "Content-Type": "application/json"}
    )
    assert response.status_code == 422  # too long a name, not too large a body


def test_the_roster_import_accepts_a_spreadsheet_over_the_general_limit(
    system: System, world: dict[str, Any]
) -> None:
    registry = system.clients["registry"]
    admin = system.headers(Role.COMMUNITY_ADMIN, world["community"])
    url = f"/communities/{world['community']}/roster"
    rows = as_csv(roster_rows(2))
    padding = (b" " * 200 + b"\n") * 10_000  # blank rows: a 2 MB file with two people
    big = registry.post(url, files={"file": ("r.csv", rows + padding, "text/csv")}, headers=admin)
    assert big.status_code == 200, big.text[:300]
    assert big.json()["imported"] == 2
    too_big = b"x" * (MAX_UPLOAD_BYTES + 128 * 1024)
    refused = registry.post(url, files={"file": ("r.csv", too_big, "text/csv")}, headers=admin)
    assert refused.status_code == 413
    assert refused.json()["code"] == "body_too_large"
    # The body's limit: the file's, with room for the form around it.
    assert str(MAX_ROSTER_BODY_BYTES) in refused.json()["detail"]


def test_a_roster_with_a_giant_csv_field_is_refused_not_a_500(
    system: System, world: dict[str, Any]
) -> None:
    # The csv module refuses fields over 128 KiB; its error escaped as a 500.
    registry = system.clients["registry"]
    admin = system.headers(Role.COMMUNITY_ADMIN, world["community"])
    content = as_csv(roster_rows(1)) + b"x" * (200 * 1024) + b"\n"
    response = registry.post(
        f"/communities/{world['community']}/roster",
        files={"file": ("r.csv", content, "text/csv")},
        headers=admin,
    )
    assert response.status_code == 422, response.text[:300]
    assert response.json()["code"] == "roster_csv_unreadable"


# Every list endpoint with a page size, and its maximum. The lists without one are
# small by nature (streets, communities, teams, service areas, sign-ups of one
# activity, a caller's own webhooks, dashboards over communities).
PAGED = [
    ("registry", "/volunteers", "limit", 200),
    ("registry", "/accounts", "limit", 200),
    ("registry", "/queues/applications-to-approve", "limit", 200),
    ("activities", "/communities/{community}/records", "limit", 200),
    ("activities", "/communities/{community}/activities", "limit", 200),
    ("activities", "/communities/{community}/pairings", "limit", 200),
    ("activities", "/communities/{community}/requests", "limit", 200),
    ("activities", "/me/records", "limit", 200),
    ("activities", "/me/requests", "limit", 200),
    ("evaluation", "/periods/{period}/reviews", "limit", 200),
    ("evaluation", "/periods/{period}/ranking", "limit", 200),
    ("notifications", "/inbox", "limit", 200),
    ("notifications", "/webhooks/{webhook}/deliveries", "limit", 200),
    ("notifications", "/webhooks", "limit", 200),
    ("notifications", "/announcements", "limit", 200),
]


@pytest.mark.parametrize(("service", "path", "parameter", "maximum"), PAGED)
def test_a_page_size_above_the_maximum_is_refused(
    system: System, world: dict[str, Any], service: str, path: str, parameter: str, maximum: int
) -> None:
    client = system.clients[service]
    url = path.format(**world)
    headers = world["as_volunteer"] if path.startswith("/me/") else world["as_admin"]
    assert client.get(url, params={parameter: maximum}, headers=headers).status_code == 200
    for too_many in (maximum + 1, 10**9, 0, -1):
        response = client.get(url, params={parameter: too_many}, headers=headers)
        assert response.status_code == 422, (too_many, response.text)


# A body each service would accept but for one text one character over its limit: the
# refusal must be for that length, not for a missing or unknown field.
OVERSIZE: list[tuple[str, str, dict[str, Any], str]] = [
    ("registry", "/streets", {"name": "街" * 101}, "name"),
    (
        "activities",
        "/communities/{community}/requests",
        {"category": "employment", "description": "长" * 2001},
        "description",
    ),
    (
        "evaluation",
        "/communities/{community}/periods",
        {"label": "期" * 21, "starts_on": "2027-01-01", "ends_on": "2027-06-30", "quota": 1},
        "label",
    ),
    (
        "notifications",
        "/announcements",
        {"audience": "community", "community_id": "{community}", "title": "通" * 101, "body": "b"},
        "title",
    ),
    (
        "notifications",
        "/announcements",
        {"audience": "community", "community_id": "{community}", "title": "t", "body": "长" * 4001},
        "body",
    ),
]


@pytest.mark.parametrize(
    ("service", "path", "body", "field"), OVERSIZE, ids=[f"{c[0]}-{c[3]}" for c in OVERSIZE]
)
def test_oversize_text_is_refused_with_422_naming_the_field(
    system: System,
    world: dict[str, Any],
    service: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    body = {
        key: value.format(**world) if isinstance(value, str) else value
        for key, value in body.items()
    }
    headers = system.district if service == "registry" else world["as_admin"]
    response = system.clients[service].post(path.format(**world), json=body, headers=headers)
    assert response.status_code == 422, response.text[:300]
    [error] = response.json()["detail"]
    # A body that is one of several shapes names its shape between: body, community, title.
    assert (error["loc"][0], error["loc"][-1], error["type"]) == ("body", field, "string_too_long")


@pytest.mark.parametrize("service", SERVICES)
def test_nul_characters_are_refused_before_they_reach_the_database(
    system: System, world: dict[str, Any], service: str
) -> None:
    # PostgreSQL cannot store U+0000 in text: these were 500s.
    client = system.clients[service]
    body = json.dumps({"name": "街\u0000道", "title": "a\u0000", "label": "a\u0000b"})
    headers = {**system.district, "Content-Type": "application/json"}
    response = client.post(WRITES[service], data=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["code"] == "text_with_nul"
    assert client.get("/communities/a%00b", headers=system.district).status_code == 422
    query = client.get(WRITES[service], params={"q": "a\x00b"}, headers=system.district)
    assert query.status_code == 422
    # An escaped backslash followed by "u0000" is ordinary text.
    text = json.dumps({"name": "\\u0000 is how JSON writes NUL"})
    if service == "registry":
        fine = client.post("/streets", data=text, headers=headers)
        assert fine.status_code == 201, fine.text
