"""What the district configures: response targets and the backfill window, each change
stored, announced with who and when, and held to by the rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from activities.api.configuration import TargetHours
from activities.configuration import TARGET_HOURS
from activities.models import RequestCategory
from shared.auth import Role
from tests.activities.conftest import Activities


def _data(event: dict[str, str]) -> dict[str, Any]:
    return dict(json.loads(event["data"]))


def test_every_request_category_has_its_target_field() -> None:
    assert set(TargetHours.model_fields) == {c.value for c in RequestCategory}


async def _response_targets(service: Activities) -> None:
    [volunteer] = await service.volunteers("c1", 1)
    read = await service.client.get(
        "/configuration/response-targets", headers=service.as_volunteer(volunteer)
    )
    assert read.status_code == 200, read.text
    defaults = {c.value: h for c, h in TARGET_HOURS.items()}
    assert read.json() == {
        "targets": defaults,
        "default": True,
        "changed_by": None,
        "changed_at": None,
    }
    wanted = {**defaults, "medical_care": 12, "telecom": 240}
    refused = await service.client.put(
        "/configuration/response-targets",
        json={"targets": wanted},
        headers=service.headers(Role.COMMUNITY_ADMIN, "c1"),
    )
    assert refused.status_code == 403
    assert await service.events("response_targets_changed") == []
    before = datetime.now(UTC)
    changed = await service.client.put(
        "/configuration/response-targets",
        json={"targets": wanted},
        headers=service.headers(Role.DISTRICT_ADMIN, None, subject="office"),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["targets"] == wanted
    assert (changed.json()["default"], changed.json()["changed_by"]) == (False, "office")
    again = await service.client.get(
        "/configuration/response-targets", headers=service.as_volunteer(volunteer)
    )
    assert again.json() == changed.json()
    [event] = await service.events("response_targets_changed")
    data = _data(event)
    assert (data["targets"], data["previous"], data["changed_by"]) == (wanted, defaults, "office")
    assert datetime.fromisoformat(data["changed_at"]) >= before
    # A request filed now is due by the district's target, not the default's.
    for category, hours in (("medical_care", 12), ("housekeeping", defaults["housekeeping"])):
        opened = await service.client.post(
            "/communities/c1/requests",
            json={"category": category, "description": "需要帮助，请尽快联系"},
            headers=service.headers(Role.RESIDENT, "c1", subject="resident-1"),
        )
        assert opened.status_code == 201, opened.text
        request = opened.json()
        due = datetime.fromisoformat(request["due_at"]) - datetime.fromisoformat(
            request["opened_at"]
        )
        assert due == timedelta(hours=hours), category


async def test_the_district_sets_the_response_targets(service: Activities) -> None:
    await _response_targets(service)


async def test_the_district_sets_the_response_targets_on_postgres(pg_service: Activities) -> None:
    await _response_targets(pg_service)


async def _backfill_window(service: Activities) -> None:
    [volunteer] = await service.volunteers("c1", 1)
    start = datetime.now(UTC) - timedelta(days=100)
    body = {
        "volunteer_id": volunteer.id,
        "kind": "home_visit",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(hours=1)).isoformat(),
    }
    worker = service.headers(Role.COMMUNITY_ADMIN, "c1", subject="worker")
    too_old = await service.client.post("/communities/c1/records", json=body, headers=worker)
    assert too_old.status_code == 422
    assert too_old.json()["code"] == "outside_backfill_window"
    assert "最多补录 90 天内的服务" in too_old.json()["detail"]
    office = service.headers(Role.DISTRICT_ADMIN, None, subject="office")
    assert (
        await service.client.put(
            "/configuration/backfill-window", json={"days": 120}, headers=worker
        )
    ).status_code == 403
    widened = await service.client.put(
        "/configuration/backfill-window", json={"days": 120}, headers=office
    )
    assert widened.status_code == 200, widened.text
    assert (widened.json()["days"], widened.json()["default"]) == (120, False)
    accepted = await service.client.post("/communities/c1/records", json=body, headers=worker)
    assert accepted.status_code == 201, accepted.text
    # A pairing's visits are records too: the same window.
    pairing = await service.client.post(
        "/communities/c1/pairings",
        json={
            "kind": "one_helps_one",
            "beneficiary_label": "王奶奶",
            "beneficiary_category": "empty_nest_elder",
            "volunteer_ids": [volunteer.id],
            "cadence_days": 7,
        },
        headers=worker,
    )
    assert pairing.status_code == 201, pairing.text
    visit = {
        "volunteer_id": volunteer.id,
        "started_at": (start + timedelta(hours=2)).isoformat(),
        "ended_at": (start + timedelta(hours=3)).isoformat(),
    }
    visited = await service.client.post(
        f"/pairings/{pairing.json()['id']}/visits", json=visit, headers=worker
    )
    assert visited.status_code == 201, visited.text
    # Narrowed again: the window holds at once.
    await service.client.put("/configuration/backfill-window", json={"days": 30}, headers=office)
    refused = await service.client.post("/communities/c1/records", json=body, headers=worker)
    assert refused.status_code == 422
    assert "最多补录 30 天内的服务" in refused.json()["detail"]
    late_visit = await service.client.post(
        f"/pairings/{pairing.json()['id']}/visits", json=visit, headers=worker
    )
    assert late_visit.status_code == 422
    assert "最多补录 30 天内的服务" in late_visit.json()["detail"]
    read = await service.client.get(
        "/configuration/backfill-window", headers=service.as_volunteer(volunteer)
    )
    assert (read.json()["days"], read.json()["changed_by"]) == (30, "office")
    events = [_data(e) for e in await service.events("backfill_window_changed")]
    assert [(e["previous"], e["days"], e["changed_by"]) for e in events] == [
        (90, 120, "office"),
        (120, 30, "office"),
    ]


async def test_the_district_sets_the_backfill_window(service: Activities) -> None:
    await _backfill_window(service)


async def test_the_district_sets_the_backfill_window_on_postgres(pg_service: Activities) -> None:
    await _backfill_window(pg_service)
