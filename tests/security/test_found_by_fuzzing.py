"""Regression tests for what schemathesis found: each once answered 500 or off-schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.auth import Role
from tests.security.conftest import System
from tests.security.world import build_community


@pytest.fixture(scope="module")
def world(system: System) -> dict[str, Any]:
    return build_community(system, "回归测试社区")


def test_an_unknown_category_in_a_volunteer_search_is_refused(
    system: System, world: dict[str, Any]
) -> None:
    # PostgreSQL refused the unknown enum value inside the query: a 500.
    registry = system.clients["registry"]
    response = registry.get("/volunteers", params={"category": "events"}, headers=system.district)
    assert response.status_code == 422, response.text
    known = registry.get("/volunteers", params={"category": "resident"}, headers=system.district)
    assert known.status_code == 200


@pytest.mark.parametrize("field", ["skills", "availability", "category", "party_member"])
def test_a_profile_field_set_to_null_is_refused_not_stored(
    system: System, world: dict[str, Any], field: str
) -> None:
    # null reached the NOT NULL column: a 500.
    registry = system.clients["registry"]
    admin = system.headers(Role.COMMUNITY_ADMIN, world["community"])
    url = f"/volunteers/{world['volunteer']}"
    response = registry.patch(url, json={field: None}, headers=admin)
    assert response.status_code == 422, response.text
    assert registry.patch(url, json={"skills": "剪纸"}, headers=admin).status_code == 200


def test_a_rule_s_422_matches_the_documented_error_body(
    system: System, world: dict[str, Any]
) -> None:
    # A rule's Unprocessable answered {"detail": "<message>"} where the schema promised
    # only FastAPI's list of invalid fields.
    activities = system.clients["activities"]
    admin = system.headers(Role.COMMUNITY_ADMIN, world["community"])
    tomorrow = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    response = activities.post(
        f"/communities/{world['community']}/records",
        json={  # well-formed, but hours that have not happened yet
            "volunteer_id": world["volunteer"],
            "kind": "good_deed",
            "started_at": tomorrow.isoformat(),
            "ended_at": (tomorrow + timedelta(hours=1)).isoformat(),
        },
        headers=admin,
    )
    assert response.status_code == 422, response.text
    assert isinstance(response.json()["detail"], str)
    schema = system.apps["activities"].openapi()
    documented = schema["paths"]["/communities/{community_id}/records"]["post"]["responses"]
    assert {"401", "403", "404", "409", "413", "422"} <= set(documented)
    body = documented["422"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    detail = schema["components"]["schemas"][body]["properties"]["detail"]
    assert any(option.get("type") == "string" for option in detail["anyOf"])


@pytest.mark.parametrize(
    ("service", "path", "body"),
    [
        (
            "activities",
            "/communities/{community}/pairings",
            {
                "kind": "one_helps_one",
                "beneficiary_label": "王奶奶",
                "beneficiary_category": "empty_nest_elder",
                "beneficiary_account_id": "{long}",
                "volunteer_ids": ["{volunteer}"],
                "cadence_days": 7,
            },
        ),
        (
            "notifications",
            "/announcements",
            {"audience": "team", "team_id": "{long}", "title": "队内通知", "body": "巡逻改到东门"},
        ),
        ("notifications", "/webhooks", {"url": "http://127.0.0.1:9/", "community_id": "{long}"}),
    ],
)
def test_an_id_longer_than_any_id_is_refused_not_stored(
    system: System, world: dict[str, Any], service: str, path: str, body: dict[str, Any]
) -> None:
    # Ids taken as given were stored into 26-character columns: PostgreSQL refused the
    # value and the request failed with a 500 (SQLite stored it).
    ids = {**world, "long": "x" * 27}
    filled = {k: v.format(**ids) if isinstance(v, str) else v for k, v in body.items()}
    filled = {
        k: [item.format(**ids) for item in v] if isinstance(v, list) else v
        for k, v in filled.items()
    }
    headers = system.district if service == "notifications" else world["as_admin"]
    response = system.clients[service].post(path.format(**ids), json=filled, headers=headers)
    assert response.status_code == 422, response.text[:300]
