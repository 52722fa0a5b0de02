"""Webhooks against a real local HTTP receiver: signed, retried, once accepted, disabled."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from notifications.app import create_app
from notifications.settings import Settings
from shared.auth import Role
from shared.contracts.registry import CommunityCreated, VolunteerRegistered
from tests.notifications.conftest import Notifications


@pytest.fixture
def overrides() -> dict[str, Any]:
    return {
        "webhook_interval_seconds": 0.1,
        "webhook_backoff_base_seconds": 0.05,
        "webhook_failures_to_disable": 4,
        "webhook_timeout_seconds": 5,
    }


def community_event(n: int) -> CommunityCreated:
    return CommunityCreated(community_id="c1", name=f"社区{n}")


async def subscribe(service: Notifications, url: str, **extra: Any) -> dict[str, Any]:
    response = await service.client.post(
        "/webhooks",
        json={"url": url, **extra},
        headers=service.person("integrator", Role.DISTRICT_ADMIN, None),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def eventually(check: Any, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("not in time")
        await asyncio.sleep(0.05)


def verify(secret: str, header: str, body: bytes) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(
        secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


async def test_a_receiver_failing_twice_gets_the_event_once_accepted_and_signed(
    service: Notifications, httpserver: HTTPServer
) -> None:
    received: list[Request] = []

    def handler(request: Request) -> Response:
        received.append(request)
        return Response("busy", status=503) if len(received) <= 2 else Response("ok", status=200)

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    subscription = await subscribe(
        service,
        httpserver.url_for("/hook"),
        event_types=["org.linli.registry.community_created.v1"],
    )
    [envelope] = await service.publish(community_event(1))
    await service.publish(
        VolunteerRegistered(  # another type: not wanted by this subscription
            volunteer_id="v",
            volunteer_number="n",
            community_id="c1",
            service_area_codes=[],
            party_member=False,
            category="resident",
            registered_on=date(2026, 1, 1),
        )
    )

    async def accepted() -> bool:
        log = (
            await service.client.get(
                f"/webhooks/{subscription['id']}/deliveries",
                headers=service.person("integrator", Role.DISTRICT_ADMIN, None),
            )
        ).json()["items"]
        return bool(log) and log[0]["status"] == "delivered"

    await eventually(accepted)
    await asyncio.sleep(0.5)  # nothing more arrives after acceptance
    assert len(received) == 3
    last = received[-1]
    body = last.get_data()
    assert last.headers["Content-Type"].startswith("application/cloudevents+json")
    assert last.headers["Linli-Event-Id"] == envelope.id
    assert verify(subscription["secret"], last.headers["Linli-Signature"], body)
    assert not verify("another secret", last.headers["Linli-Signature"], body)
    document = json.loads(body)
    assert (document["specversion"], document["id"], document["type"]) == (
        "1.0",
        envelope.id,
        envelope.type,
    )
    assert document["data"]["name"] == "社区1"
    [log] = (
        await service.client.get(
            f"/webhooks/{subscription['id']}/deliveries",
            headers=service.person("integrator", Role.DISTRICT_ADMIN, None),
        )
    ).json()["items"]
    assert log["attempts"] == 3
    assert {r.headers["Linli-Event-Id"] for r in received} == {envelope.id}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_dead_receiver_ends_disabled_and_its_owner_is_told(service: Notifications) -> None:
    await subscribe(service, f"http://127.0.0.1:{_closed_port()}/hook")
    await service.publish(community_event(1), community_event(2), community_event(3))
    owner = service.person("integrator", Role.DISTRICT_ADMIN, None)

    async def disabled() -> bool:
        [current] = (await service.client.get("/webhooks", headers=owner)).json()["items"]
        return not current["active"]

    await eventually(disabled)
    [current] = (await service.client.get("/webhooks", headers=owner)).json()["items"]
    assert "disabled after 4 failures in a row" in current["disabled_reason"]
    titles = [
        n["title"] for n in (await service.client.get("/inbox", headers=owner)).json()["items"]
    ]
    assert titles == ["Webhook 已停用"]


async def test_redelivery_and_catch_up_from_the_past(
    service: Notifications, httpserver: HTTPServer
) -> None:
    received: list[str] = []

    def handler(request: Request) -> Response:
        received.append(request.headers["Linli-Event-Id"])
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    before = await service.publish(community_event(1), community_event(2))
    await asyncio.sleep(0.05)
    since = datetime.now(UTC) - timedelta(minutes=5)
    subscription = await subscribe(
        service, httpserver.url_for("/hook"), catch_up_from=since.isoformat()
    )
    after = await service.publish(community_event(3))

    async def all_three() -> bool:
        return set(received) == {e.id for e in before + after}

    await eventually(all_three)
    owner = service.person("integrator", Role.DISTRICT_ADMIN, None)
    log = (
        await service.client.get(f"/webhooks/{subscription['id']}/deliveries", headers=owner)
    ).json()["items"]
    assert len(log) == 3
    again = await service.client.post(
        f"/webhooks/{subscription['id']}/deliveries/{log[0]['id']}/redeliver", headers=owner
    )
    assert again.status_code == 200

    async def redelivered() -> bool:
        return len(received) == 4

    await eventually(redelivered)
    assert received[-1] == log[0]["event_id"]
    stranger = service.person("someone", Role.COMMUNITY_ADMIN, "c1")
    assert (
        await service.client.get(f"/webhooks/{subscription['id']}/deliveries", headers=stranger)
    ).status_code == 404
    unknown = await service.client.post(
        "/webhooks", json={"url": "http://x/", "event_types": ["nope"]}, headers=owner
    )
    assert unknown.status_code == 422


async def test_a_disabled_subscription_keeps_its_backlog_and_sends_it_at_once_when_enabled(
    service: Notifications, httpserver: HTTPServer
) -> None:
    accepting = False
    received: list[str] = []
    while_disabled: list[str] = []  # every request that arrived after the disable
    disabled = False

    def handler(request: Request) -> Response:
        if disabled:
            while_disabled.append(request.headers["Linli-Event-Id"])
        if not accepting:
            return Response("down for maintenance", status=503)
        received.append(request.headers["Linli-Event-Id"])
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    owner = service.person("integrator", Role.DISTRICT_ADMIN, None)
    subscription = await subscribe(service, httpserver.url_for("/hook"))
    events = await service.publish(community_event(1), community_event(2))

    async def failed_once() -> bool:
        log = await service.client.get(f"/webhooks/{subscription['id']}/deliveries", headers=owner)
        return len(log.json()["items"]) == 2 and all(
            d["attempts"] >= 1 for d in log.json()["items"]
        )

    await eventually(failed_once)
    paused = await service.client.post(f"/webhooks/{subscription['id']}/disable", headers=owner)
    disabled = True
    assert paused.status_code == 200
    assert (paused.json()["active"], paused.json()["disabled_reason"]) == (
        False,
        "disabled by integrator",
    )
    await service.publish(community_event(3))  # not queued: the integration is away
    await asyncio.sleep(2.0)  # many dispatcher rounds while disabled (a retry every 0.1-0.8 s)
    # Nothing is sent while disabled but, at most, the one attempt per delivery that a
    # round had already taken before the disable was committed.
    counts = {event_id: while_disabled.count(event_id) for event_id in set(while_disabled)}
    assert all(count <= 1 for count in counts.values()), counts
    assert set(counts) <= {e.id for e in events}
    disabled, accepting = False, True
    assert received == []
    enabled = await service.client.post(f"/webhooks/{subscription['id']}/enable", headers=owner)
    assert enabled.json()["active"] is True

    async def backlog_sent() -> bool:
        return sorted(received) == sorted(e.id for e in events)

    # Due again at once, not after the dispatcher's claim period (60 s) while disabled.
    await eventually(backlog_sent, timeout=10)


async def test_the_webhook_client_is_closed_when_the_service_stops(
    tmp_path: Path, redis_url: str, namespace: str
) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'notifications.db'}",
        redis_url=redis_url,
        stream_namespace=namespace,
    )
    app = create_app(settings)
    [release] = app.state.runtime.definition.on_stop
    client = release.__self__
    assert isinstance(client, httpx.AsyncClient)
    async with app.router.lifespan_context(app):
        assert not client.is_closed
    assert client.is_closed


async def test_a_redelivery_asked_for_while_the_delivery_is_in_flight_is_not_lost(
    service: Notifications, httpserver: HTTPServer
) -> None:
    received: list[str] = []
    in_flight, release = threading.Event(), threading.Event()

    def handler(request: Request) -> Response:
        received.append(request.headers["Linli-Event-Id"])
        if len(received) == 1:  # hold the first attempt open while the operator acts
            in_flight.set()
            release.wait(10)
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    subscription = await subscribe(service, httpserver.url_for("/hook"))
    [event] = await service.publish(community_event(1))
    assert await asyncio.to_thread(in_flight.wait, 15)

    owner = service.person("integrator", Role.DISTRICT_ADMIN, None)
    deliveries = f"/webhooks/{subscription['id']}/deliveries"
    [delivery] = (await service.client.get(deliveries, headers=owner)).json()["items"]
    again = await service.client.post(f"{deliveries}/{delivery['id']}/redeliver", headers=owner)
    assert again.status_code == 200
    release.set()

    async def sent_again() -> bool:
        return received == [event.id, event.id]

    await eventually(sent_again)
