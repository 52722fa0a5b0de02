"""The paged lists (shared.paging): announcements, webhook subscriptions and deliveries,
the inbox; filters, stable order, every item once, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from shared.auth import Role
from shared.contracts.registry import CommunityCreated, VolunteerRegistered
from tests.notifications.conftest import Notifications


@pytest.fixture
def overrides(database_url: str) -> dict[str, Any]:
    return {
        "database_url": database_url,
        "webhook_interval_seconds": 0.1,
        # A failed delivery stays pending for the whole test.
        "webhook_backoff_base_seconds": 600,
    }


async def every_page(
    service: Notifications, path: str, headers: dict[str, str], **params: Any
) -> tuple[list[dict[str, Any]], list[int]]:
    """Every item of a list, page by page; and the total each page gave."""
    items: list[dict[str, Any]] = []
    totals: list[int] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await service.client.get(path, params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"items", "total", "next_cursor"}
        items += page["items"]
        totals.append(page["total"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items, totals


async def eventually(check: Any, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("not in time")
        await asyncio.sleep(0.05)


async def test_announcements_list_by_status_audience_and_text(service: Notifications) -> None:
    await service.publish(
        CommunityCreated(community_id="c1", name="兴华"),
        CommunityCreated(community_id="c2", name="东风"),
    )
    await service.settle()
    district = service.person("district", Role.DISTRICT_ADMIN, None)
    c1_admin = service.person("admin-1", Role.COMMUNITY_ADMIN, "c1")
    c2_admin = service.person("admin-2", Role.COMMUNITY_ADMIN, "c2")
    start = datetime.now(UTC) - timedelta(days=10)

    async def announce(headers: dict[str, str], title: str, days: float, **body: Any) -> str:
        made = await service.client.post(
            "/announcements",
            json={
                "title": title,
                "body": f"{title}的正文",
                "publish_at": (start + timedelta(days=days)).isoformat(),
                **body,
            },
            headers=headers,
        )
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    whole = await announce(district, "全区通知", 1, audience="district")
    ours = [
        await announce(c1_admin, f"兴华通知{n}", 2 + n, audience="community", community_id="c1")
        for n in range(5)
    ]
    theirs = await announce(c2_admin, "东风通知", 3, audience="community", community_id="c2")
    # Two at the same moment: the id breaks the tie, the same way on every page.
    twins = [
        await announce(c1_admin, "同时通知", 4.5, audience="community", community_id="c1")
        for _ in range(2)
    ]
    later = await announce(c1_admin, "下月通知 100%", 40, audience="community", community_id="c1")

    listed, totals = await every_page(service, "/announcements", c1_admin, limit=2)
    ids = [a["id"] for a in listed]
    assert len(ids) == len(set(ids)) == 9
    assert set(totals) == {9}
    assert theirs not in ids  # another community's announcement is not the caller's
    assert set(ids) == {whole, *ours, *twins, later}
    keys = [(a["publish_at"], a["id"]) for a in listed]
    assert keys == sorted(keys, reverse=True)  # the latest publication first

    async def ids_of(headers: dict[str, str], **params: Any) -> list[str]:
        items, _ = await every_page(service, "/announcements", headers, **params)
        return [a["id"] for a in items]

    assert await ids_of(c1_admin, status="scheduled") == [later]
    assert later not in await ids_of(c1_admin, status="published")
    assert await ids_of(c1_admin, audience="district") == [whole]
    assert sorted(await ids_of(c1_admin, q="兴华通知")) == sorted(ours)
    assert await ids_of(c1_admin, q="正文") != []  # the body is searched too
    assert await ids_of(c1_admin, q="100%") == [later]  # % is the text, not a wildcard
    assert await ids_of(c1_admin, q="0%") == [later]
    assert await ids_of(c1_admin, q="%") == [later]
    assert theirs in await ids_of(district)
    assert await ids_of(district, community_id="c2") == [theirs]

    # Another community's records answer as an unknown community's.
    foreign = await service.client.get(
        "/announcements", params={"community_id": "c2"}, headers=c1_admin
    )
    unknown = await service.client.get(
        "/announcements", params={"community_id": "c9"}, headers=c1_admin
    )
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    volunteer = service.person("acct-1", Role.VOLUNTEER, "c1")
    assert (await service.client.get("/announcements", headers=volunteer)).status_code == 403
    bad = await service.client.get("/announcements", params={"cursor": "bm9wZQ"}, headers=c1_admin)
    assert bad.status_code == 422


async def test_subscriptions_and_their_deliveries_page_by_outcome(
    service: Notifications, httpserver: HTTPServer
) -> None:
    def handler(request: Request) -> Response:
        # Odd-numbered communities are accepted; the others fail and wait for a retry.
        name = json.loads(request.get_data())["data"]["name"]
        return Response(status=200 if int(name[2:]) % 2 else 500)

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    owner = service.person("integrator", Role.DISTRICT_ADMIN, None)
    made = []
    for n in range(3):
        response = await service.client.post(
            "/webhooks",
            json={"url": httpserver.url_for("/hook"), "event_types": ["*"] if n == 0 else []},
            headers=owner,
        )
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
    subscription = made[0]
    listed, totals = await every_page(service, "/webhooks", owner, limit=2)
    assert [s["id"] for s in listed] == made  # oldest first
    assert totals == [3, 3]
    assert all(s["secret"] is None for s in listed)
    disabled = await service.client.post(f"/webhooks/{made[2]}/disable", headers=owner)
    assert disabled.status_code == 200
    assert [s["id"] for s in (await every_page(service, "/webhooks", owner, active=False))[0]] == [
        made[2]
    ]
    assert len((await every_page(service, "/webhooks", owner, active=True))[0]) == 2
    stranger = service.person("other", Role.COMMUNITY_ADMIN, "c2")
    assert (await service.client.get("/webhooks", headers=stranger)).json()["items"] == []

    events = await service.publish(
        *(CommunityCreated(community_id="c1", name=f"社区{n}") for n in range(7))
    )
    deliveries = f"/webhooks/{subscription}/deliveries"

    async def all_tried() -> bool:
        items, _ = await every_page(service, deliveries, owner)
        return len(items) == 7 and all(d["attempts"] >= 1 for d in items)

    await eventually(all_tried)
    log, totals = await every_page(service, deliveries, owner, limit=3)
    assert len({d["id"] for d in log}) == 7
    assert set(totals) == {7}
    assert {d["event_id"] for d in log} == {e.id for e in events}
    delivered, _ = await every_page(service, deliveries, owner, status="delivered", limit=2)
    pending, _ = await every_page(service, deliveries, owner, status="pending")
    assert len(delivered) == 3  # 社区1, 社区3, 社区5
    assert len(pending) == 4
    assert {d["status"] for d in delivered} == {"delivered"}
    assert {d["status"] for d in pending} == {"pending"}
    assert (await every_page(service, deliveries, owner, status="dead"))[0] == []
    wrong = await service.client.get(deliveries, params={"status": "lost"}, headers=owner)
    assert wrong.status_code == 422
    assert (await service.client.get(deliveries, headers=stranger)).status_code == 404


async def test_the_inbox_pages_newest_first_and_filters_unread(service: Notifications) -> None:
    await service.publish(CommunityCreated(community_id="c1", name="兴华"))
    await service.settle()
    admin = service.person("admin-1", Role.COMMUNITY_ADMIN, "c1")
    resident = service.person("res-1", Role.RESIDENT, "c1")
    for n in range(5):
        made = await service.client.post(
            "/announcements",
            json={"audience": "community", "community_id": "c1", "title": f"通知{n}", "body": "x"},
            headers=admin,
        )
        assert made.status_code == 201
    await service.publish(
        VolunteerRegistered(
            volunteer_id="v1",
            volunteer_number="n1",
            community_id="c1",
            service_area_codes=[],
            party_member=False,
            category="resident",
            account_id="res-1",
            registered_on=date(2026, 1, 1),
        )
    )
    await service.settle()
    entries, totals = await every_page(service, "/inbox", resident, limit=2)
    assert len({e["id"] for e in entries}) == 6
    assert set(totals) == {6}
    keys = [(e["created_at"], e["id"]) for e in entries]
    assert keys == sorted(keys, reverse=True)
    assert entries[0]["title"] == "志愿者注册成功"  # the latest
    read = await service.client.post(f"/inbox/{entries[1]['id']}/read", headers=resident)
    assert read.status_code == 204
    unread, totals = await every_page(service, "/inbox", resident, unread_only=True, limit=4)
    assert [e["id"] for e in unread] == [e["id"] for e in entries if e["id"] != entries[1]["id"]]
    assert set(totals) == {5}
