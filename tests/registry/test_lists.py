"""The registry's lists in the one page shape, on SQLite and PostgreSQL: the queue of
applications, volunteers, teams."""

from __future__ import annotations

from typing import Any

from shared.auth import Role
from tests.registry.conftest import Registry, application

CA = Role.COMMUNITY_ADMIN


async def _pages(registry: Registry, path: str, headers: dict[str, str], **params: Any) -> Any:
    """Every item over pages of two, and the total each page gave."""
    items: list[dict[str, Any]] = []
    totals: set[int] = set()
    cursor = None
    while True:
        query = {**params, "limit": 2} | ({"cursor": cursor} if cursor else {})
        answer = await registry.client.get(path, params=query, headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items += body["items"]
        totals.add(body["total"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items, totals


async def test_the_queue_of_applications_is_oldest_first_with_its_count(
    registry_on_both: Registry,
) -> None:
    registry = registry_on_both
    own, other = await registry.community("兴华社区"), await registry.community("东风社区")
    admin, theirs = registry.headers(CA, own), registry.headers(CA, other)
    applied = []
    for serial in range(5):
        created = await registry.client.post(
            f"/communities/{own}/volunteers", json=application(serial), headers=admin
        )
        applied.append(created.json()["id"])
    await registry.client.post(
        f"/communities/{other}/volunteers", json=application(9), headers=theirs
    )
    await registry.client.post(f"/volunteers/{applied[1]}/approve", headers=admin)
    await registry.client.post(
        f"/volunteers/{applied[3]}/reject", json={"reason": "资料不全"}, headers=admin
    )

    waiting, totals = await _pages(registry, "/queues/applications-to-approve", admin)
    assert [v["id"] for v in waiting] == [applied[0], applied[2], applied[4]]
    assert totals == {3}
    assert {v["status"] for v in waiting} == {"applied"}
    everywhere, totals = await _pages(
        registry, "/queues/applications-to-approve", registry.district
    )
    assert totals == {4}
    assert len(everywhere) == 4
    counts = await registry.client.get("/queues", headers=admin)
    assert counts.json() == {"community_id": own, "applications_to_approve": 3}
    counts = await registry.client.get("/queues", headers=registry.district)
    assert counts.json() == {"community_id": None, "applications_to_approve": 4}
    counts = await registry.client.get(
        "/queues", params={"community_id": other}, headers=registry.district
    )
    assert counts.json()["applications_to_approve"] == 1
    assert (await registry.client.get("/queues", headers=theirs)).json()[
        "applications_to_approve"
    ] == 1
    named = await registry.client.get(
        "/queues/applications-to-approve", params={"q": "志愿者4"}, headers=admin
    )
    assert [v["id"] for v in named.json()["items"]] == [applied[4]]

    foreign = await registry.client.get(
        "/queues/applications-to-approve", params={"community_id": other}, headers=admin
    )
    unknown = await registry.client.get(
        "/queues/applications-to-approve",
        params={"community_id": "01HZZZZZZZZZZZZZZZZZZZZZZZ"},
        headers=admin,
    )
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    leader = registry.headers(Role.TEAM_LEADER, own)
    assert (
        await registry.client.get("/queues/applications-to-approve", headers=leader)
    ).status_code == 403


async def test_volunteers_and_teams_page_in_a_stable_order(registry_on_both: Registry) -> None:
    registry = registry_on_both
    community = await registry.community()
    admin = registry.headers(CA, community)
    for serial in range(5):
        form = application(serial, name=f"同名{serial % 2}")  # names repeat: the id breaks ties
        await registry.client.post(f"/communities/{community}/volunteers", json=form, headers=admin)
    volunteers, totals = await _pages(registry, "/volunteers", admin)
    assert totals == {5}
    keys = [(v["name"], v["id"]) for v in volunteers]
    assert keys == sorted(keys)
    assert len(set(keys)) == 5

    for name in ("巡逻队", "助老队", "宣传队"):
        made = await registry.client.post(
            f"/communities/{community}/teams",
            json={"name": name, "service_area_code": "community_work"},
            headers=admin,
        )
        assert made.status_code == 201, made.text
    member = volunteers[0]["id"]
    await registry.client.post(f"/volunteers/{member}/approve", headers=admin)
    joined = await registry.client.post(
        f"/teams/{made.json()['id']}/members", json={"volunteer_id": member}, headers=admin
    )
    assert joined.status_code == 204, joined.text
    teams, totals = await _pages(registry, f"/communities/{community}/teams", admin)
    assert totals == {3}
    assert [t["name"] for t in teams] == sorted(["巡逻队", "助老队", "宣传队"])
    counted = {t["name"]: (t["member_count"], t["service_area_code"]) for t in teams}
    assert counted == {
        "巡逻队": (0, "community_work"),
        "助老队": (0, "community_work"),
        "宣传队": (1, "community_work"),
    }
    found = await registry.client.get(
        f"/communities/{community}/teams", params={"q": "助老"}, headers=admin
    )
    assert [t["name"] for t in found.json()["items"]] == ["助老队"]
    bad = await registry.client.get("/volunteers", params={"cursor": "bm90LW91cnM"}, headers=admin)
    assert bad.status_code == 422
