"""Activities' tenant isolation beyond the cells of the authorisation matrix
(`tests/security/test_authorisation_matrix.py`, which calls every operation as every role)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.activities.conftest import Activities
from tests.authorisation import CA


def _record(n: int) -> dict[str, object]:
    # Whole days back, inside the backfill window.
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30 - n)
    return {
        "volunteer_id": "{volunteer}",
        "kind": "good_deed",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(hours=1)).isoformat(),
    }


@pytest.fixture
async def world(service: Activities) -> dict[str, dict[str, str]]:
    result = {}
    for key, community in (("own", "c1"), ("other", "c2")):
        [volunteer] = await service.volunteers(community, 1, prefix=f"{community}-v")
        result[key] = {"community": community, "volunteer": volunteer.id}
    return result


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
    # Another community's volunteer answers as an unknown one would.
    assert cross.status_code == 404
    assert cross.json() == {"code": "volunteer_not_found", "detail": "未找到该志愿者"}
