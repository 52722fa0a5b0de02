"""The kit end to end across processes: a community created in the registry reaches
the other three services' own projections through registry.events."""

from __future__ import annotations

import json
import time

import httpx
import redis

from shared.auth import Role
from tests.e2e.system import System

CONSUMERS = ("activities", "evaluation", "notifications")


def wait_for(check: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(0.1)


def test_a_community_created_in_the_registry_reaches_every_consuming_service(
    system: System, http: httpx.Client
) -> None:
    admin = system.headers(Role.DISTRICT_ADMIN)
    street = http.post(
        f"{system.urls['registry']}/streets", json={"name": "东城街道"}, headers=admin
    )
    assert street.status_code == 201, street.text
    created = http.post(
        f"{system.urls['registry']}/communities",
        json={"name": "兴华社区", "street_id": street.json()["id"]},
        headers={**admin, "X-Correlation-ID": "e2e-community-1"},
    )
    assert created.status_code == 201, created.text
    community = created.json()
    assert created.headers["x-correlation-id"] == "e2e-community-1"

    for service in CONSUMERS:
        url = f"{system.urls[service]}/communities/{community['id']}"
        wait_for(lambda url=url: http.get(url, headers=admin).status_code == 200)
        seen = http.get(url, headers=admin).json()
        assert seen["name"] == "兴华社区"
        assert seen["street_name"] == "东城街道"

    # The caller's correlation id travels into the event and into the consumers' logs.
    entries = redis_entries(system, "registry.events")
    [fields] = [
        f
        for f in entries
        if f["type"] == "org.linli.registry.community_created.v1"
        and json.loads(f["data"])["community_id"] == community["id"]
    ]
    assert fields["correlationid"] == "e2e-community-1"
    assert fields["type"] == "org.linli.registry.community_created.v1"
    for service in CONSUMERS:
        lines = system.replicas[service][0].log.read_text().splitlines()
        records = [json.loads(line) for line in lines if line.startswith("{")]
        assert any(
            r.get("correlation_id") == "e2e-community-1" and fields["id"] in r["message"]
            for r in records
        ), service

    # Each consumer counts what it handled; the registry counts what it published.
    for service in CONSUMERS:
        metrics = http.get(f"{system.urls[service]}/metrics").text
        assert (
            f'linli_events_handled_total{{service="{service}",'
            'type="org.linli.registry.community_created.v1"}'
        ) in metrics
    registry_metrics = http.get(f"{system.urls['registry']}/metrics").text
    assert 'linli_events_published_total{service="registry"}' in registry_metrics

    # The community's own admin sees it; another community's admin gets 404.
    own = system.headers(Role.COMMUNITY_ADMIN, community["id"])
    other = system.headers(Role.COMMUNITY_ADMIN, "some-other-community")
    for service in CONSUMERS:
        url = f"{system.urls[service]}/communities/{community['id']}"
        assert http.get(url, headers=own).status_code == 200
        assert http.get(url, headers=other).status_code == 404
        assert http.get(url).status_code == 401


def redis_entries(system: System, stream: str) -> list[dict[str, str]]:
    client = redis.Redis.from_url(system.redis_url, decode_responses=True)
    try:
        return [fields for _, fields in client.xrange(system.namespace + stream)]
    finally:
        client.close()


def test_creating_a_community_needs_a_district_admin_and_a_unique_name(
    system: System, http: httpx.Client
) -> None:
    url = f"{system.urls['registry']}/communities"
    body = {"name": "东风社区"}
    assert http.post(url, json=body).status_code == 401
    refused = http.post(url, json=body, headers=system.headers(Role.COMMUNITY_ADMIN, "c1"))
    assert refused.status_code == 403
    admin = system.headers(Role.DISTRICT_ADMIN)
    assert http.post(url, json=body, headers=admin).status_code == 201
    duplicate = http.post(url, json=body, headers=admin)
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "community_name_taken"
    empty = http.post(url, json={"name": ""}, headers=admin)
    assert empty.status_code == 422


def test_every_service_serves_health_metrics_and_event_docs(
    system: System, http: httpx.Client
) -> None:
    for service, base in system.urls.items():
        assert http.get(f"{base}/health/live").json() == {"status": "live"}
        ready = http.get(f"{base}/health/ready").json()
        assert ready["checks"] == {"database": "ok", "redis": "ok"}
        metrics = http.get(f"{base}/metrics").text
        assert "linli_events_published_total" in metrics or "linli_outbox_backlog" in metrics
        document = http.get(f"{base}/asyncapi.json").json()
        assert document["asyncapi"].startswith("3.")
        addresses = {channel["address"] for channel in document["channels"].values()}
        assert any(a.endswith("registry.events") for a in addresses), addresses
        if service == "registry":
            assert "CommunityCreated" in document["components"]["schemas"]
        else:
            descriptions = " ".join(c.get("description", "") for c in document["channels"].values())
            assert "org.linli.registry.community_created.v1" in descriptions
        assert http.get(f"{base}/openapi.json").status_code == 200


def test_an_open_page_gets_new_notifications_live(system: System, http: httpx.Client) -> None:
    district = system.headers(Role.DISTRICT_ADMIN)
    created = http.post(
        f"{system.urls['registry']}/communities", json={"name": "直播社区"}, headers=district
    )
    assert created.status_code == 201, created.text
    community = created.json()["id"]
    # Announcements go only to communities the notifications service has learnt of.
    known = f"{system.urls['notifications']}/communities/{community}"
    wait_for(lambda: http.get(known, headers=district).status_code == 200)
    admin = system.headers(Role.COMMUNITY_ADMIN, community)
    url = f"{system.urls['notifications']}/inbox/stream"
    with (
        httpx.Client(timeout=httpx.Timeout(10.0, read=15.0)) as listener,
        listener.stream("GET", url, headers=admin) as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        announced = http.post(
            f"{system.urls['notifications']}/announcements",
            json={
                "audience": "community",
                "community_id": community,
                "title": "停水通知",
                "body": "明日上午停水",
            },
            headers=admin,
        )
        assert announced.status_code == 201, announced.text
        event, data = "", ""
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:") and event == "notification":
                data = line.removeprefix("data:").strip()
                break
    pushed = json.loads(data)
    assert pushed["title"] == "停水通知"
    assert pushed["action"] is None  # an announcement asks for nothing; a visit would
