"""The activities service's authorisation matrix and tenant isolation (see tests/authorisation.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.auth import Role
from tests.activities.conftest import Activities
from tests.authorisation import CA, DA, EVERYONE, TL, Endpoint, check_matrix

ORGANISERS = (DA, CA, TL)
SOON = datetime.now(UTC) + timedelta(days=3)


def _activity(n: int) -> dict[str, object]:
    return {
        "title": f"活动{n}",
        "kind": "patrol",
        "service_area_code": "community_work",
        "place": "东门",
        "starts_at": (SOON + timedelta(days=n)).isoformat(),
        "ends_at": (SOON + timedelta(days=n, hours=2)).isoformat(),
        "capacity": 5,
    }


def _record(n: int) -> dict[str, object]:
    # Whole days back, inside the backfill window.
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30 - n)
    return {
        "volunteer_id": "{volunteer}",
        "kind": "good_deed",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(hours=1)).isoformat(),
    }


ENDPOINTS = [
    Endpoint("POST", "/communities/{community}/activities", ORGANISERS, body=_activity),
    Endpoint("GET", "/communities/{community}/activities", EVERYONE),
    Endpoint("GET", "/activities/{activity}", EVERYONE),
    Endpoint("PATCH", "/activities/{activity}", ORGANISERS, body=lambda n: {"place": f"西门{n}"}),
    Endpoint("POST", "/activities/{draft}/publish", ORGANISERS),
    Endpoint("GET", "/activities/{activity}/sign-ups", ORGANISERS),
    Endpoint("GET", "/communities/{community}/records", ORGANISERS),
    Endpoint("GET", "/communities/{community}/pairings", ORGANISERS),
    Endpoint("GET", "/communities/{community}/requests", ORGANISERS),
    Endpoint("GET", "/requests/{request}", ORGANISERS, hidden_from=(Role.VOLUNTEER, Role.RESIDENT)),
    Endpoint(
        "POST",
        "/requests/{request}/assign",
        ORGANISERS,
        hidden_from=(Role.VOLUNTEER, Role.RESIDENT),
        body=lambda n: {"team_id": "no-such-team"},
    ),
]


@pytest.fixture
async def world(service: Activities) -> dict[str, dict[str, str]]:
    result = {}
    for key, community in (("own", "c1"), ("other", "c2")):
        [volunteer] = await service.volunteers(community, 1, prefix=f"{community}-v")
        activity = await service.activity(community)
        draft = await service.activity(community, publish=False)
        resident = service.headers(Role.RESIDENT, community, subject=f"{community}-resident")
        request = await service.client.post(
            f"/communities/{community}/requests",
            json={"category": "telecom", "description": "网络故障求助"},
            headers=resident,
        )
        result[key] = {
            "community": community,
            "activity": activity["id"],
            "draft": draft["id"],
            "volunteer": volunteer.id,
            "request": request.json()["id"],
        }
    return result


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
async def test_the_authorisation_matrix(
    service: Activities, world: dict[str, dict[str, str]], endpoint: Endpoint
) -> None:
    problems = await check_matrix(
        service.client, service.headers, endpoint, world["own"], world["other"]
    )
    assert not problems, "\n".join(problems)


async def test_records_of_another_community_cannot_be_touched(
    service: Activities, world: dict[str, dict[str, str]]
) -> None:
    other = world["other"]
    body = _record(1)
    body["volunteer_id"] = other["volunteer"]
    made = await service.client.post(
        "/communities/c2/records", json=body, headers=service.headers(CA, "c2")
    )
    assert made.status_code == 201, made.text
    record = made.json()["id"]
    for path in (f"/records/{record}/confirm", f"/records/{record}/void"):
        response = await service.client.post(
            path, json={"reason": "越权操作"}, headers=service.headers(CA, "c1")
        )
        assert response.status_code == 404
    mine = dict(body, volunteer_id=world["own"]["volunteer"])
    cross = await service.client.post(
        "/communities/c1/records",
        json=dict(mine, volunteer_id=other["volunteer"]),
        headers=service.headers(CA, "c1"),
    )
    assert cross.status_code == 422  # another community's volunteer is not one of ours
