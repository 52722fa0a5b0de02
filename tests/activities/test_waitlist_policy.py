"""The waitlist policy an activity chooses: a freed place promoted at once, or offered."""

from __future__ import annotations

import json
from typing import Any

from shared.auth import Role
from tests.activities.conftest import Activities


def _data(event: dict[str, str]) -> dict[str, Any]:
    return dict(json.loads(event["data"]))


async def _promote_on_cancel(service: Activities) -> None:
    volunteers = await service.volunteers("c1", 3)
    activity = await service.activity("c1", capacity=1, waitlist_policy="promote")
    assert activity["waitlist_policy"] == "promote"
    [published] = await service.events("activity_published")
    assert _data(published)["waitlist_policy"] == "promote"
    url = f"/activities/{activity['id']}/sign-ups"
    first, second, third = [
        (await service.client.post(url, headers=service.as_volunteer(v))).json() for v in volunteers
    ]
    assert (second["status"], third["status"]) == ("waitlisted", "waitlisted")

    cancelled = await service.client.post(
        f"{url}/{first['id']}/cancel", headers=service.as_volunteer(volunteers[0])
    )
    assert cancelled.status_code == 204
    roster = await service.client.get(url, headers=service.headers(Role.COMMUNITY_ADMIN, "c1"))
    statuses = {s["id"]: (s["status"], s["waitlist_position"]) for s in roster.json()["items"]}
    assert statuses[second["id"]] == ("confirmed", None)
    assert statuses[third["id"]] == ("waitlisted", 2)
    [promoted] = await service.events("promoted")
    data = _data(promoted)
    assert (data["activity_id"], data["volunteer_id"], data["automatically"]) == (
        activity["id"],
        volunteers[1].id,
        True,
    )
    assert await service.events("place_offered") == []
    # Nothing is left to confirm.
    confirm = await service.client.post(
        f"{url}/{second['id']}/confirm", headers=service.as_volunteer(volunteers[1])
    )
    assert confirm.status_code == 409


async def test_promote_gives_a_freed_place_to_the_first_waiting_at_once(
    service: Activities,
) -> None:
    await _promote_on_cancel(service)


async def test_promote_gives_a_freed_place_to_the_first_waiting_at_once_on_postgres(
    pg_service: Activities,
) -> None:
    await _promote_on_cancel(pg_service)


async def test_the_policy_is_changed_with_the_activity(service: Activities) -> None:
    volunteers = await service.volunteers("c1", 3)
    activity = await service.activity("c1", capacity=1)
    assert activity["waitlist_policy"] == "offer"
    url = f"/activities/{activity['id']}/sign-ups"
    for volunteer in volunteers:
        await service.client.post(url, headers=service.as_volunteer(volunteer))
    admin = service.headers(Role.COMMUNITY_ADMIN, "c1")
    # Promote from now on, and one more place: the first waiting takes it at once.
    changed = await service.client.patch(
        f"/activities/{activity['id']}",
        json={"waitlist_policy": "promote", "capacity": 2},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["waitlist_policy"] == "promote"
    [event] = await service.events("activity_changed")
    assert _data(event)["waitlist_policy"] == "promote"
    [promoted] = await service.events("promoted")
    assert _data(promoted)["volunteer_id"] == volunteers[1].id
    assert _data(promoted)["automatically"] is True
    # Back to offers: the next freed place is offered, to confirm in time.
    await service.client.patch(
        f"/activities/{activity['id']}", json={"waitlist_policy": "offer"}, headers=admin
    )
    roster = (await service.client.get(url, headers=admin)).json()["items"]
    first = next(s for s in roster if s["volunteer_id"] == volunteers[0].id)
    await service.client.post(f"{url}/{first['id']}/cancel", headers=admin)
    [offered] = await service.events("place_offered")
    assert _data(offered)["volunteer_id"] == volunteers[2].id
    assert len(await service.events("promoted")) == 1


async def test_a_series_changes_its_policy_from_a_day_on(service: Activities) -> None:
    made = await service.client.post(
        "/communities/c1/activities",
        params={"publish": True},
        json={
            **{
                k: v
                for k, v in (await service.activity("c1", publish=False)).items()
                if k in ("title", "kind", "service_area_code", "place", "starts_at", "ends_at")
            },
            "capacity": 2,
            "repeat_weekly": 3,
        },
        headers=service.headers(Role.COMMUNITY_ADMIN, "c1"),
    )
    series_id = made.json()[0]["series_id"]
    changed = await service.client.patch(
        f"/series/{series_id}",
        json={"waitlist_policy": "promote"},
        headers=service.headers(Role.COMMUNITY_ADMIN, "c1"),
    )
    assert changed.status_code == 200, changed.text
    assert [a["waitlist_policy"] for a in changed.json()] == ["promote"] * 3
    events = await service.events("activity_changed")
    assert [_data(e)["waitlist_policy"] for e in events] == ["promote"] * 3
