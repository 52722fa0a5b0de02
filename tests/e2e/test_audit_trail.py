"""The audit trail across the four running services (processes, over HTTP).

Each service records its own part and serves it at `GET /audit`; the console merges the
four. Here a district sets up two communities, a community admin registers a volunteer
and plans an activity; then the parts are read as the district and as each community's
admin would read them.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from shared.auth import Role
from shared.ids import new_id
from tests.e2e.system import SERVICES, System
from tests.e2e.test_community_flow import wait_for
from tests.registry.conftest import application

pytestmark = pytest.mark.timeout(300)


class District:
    """The callers of one test run, each with an account id of their own."""

    def __init__(self, system: System, http: httpx.Client) -> None:
        self.system, self.http = system, http
        self.admin_id = new_id()
        self.admin = self.as_(Role.DISTRICT_ADMIN, None, self.admin_id)

    def as_(self, role: Role, community: str | None, subject: str | None = None) -> dict[str, str]:
        token = self.system.token(role, community, subject=subject or new_id())
        return {"Authorization": f"Bearer {token}"}

    def url(self, service: str, path: str) -> str:
        return f"{self.system.urls[service]}{path}"

    def community(self, name: str) -> str:
        street = self.http.post(
            self.url("registry", "/streets"), json={"name": f"{name}街道"}, headers=self.admin
        )
        assert street.status_code == 201, street.text
        created = self.http.post(
            self.url("registry", "/communities"),
            json={"name": name, "street_id": street.json()["id"]},
            headers=self.admin,
        )
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    def trail(
        self, service: str, headers: dict[str, str] | None = None, **query: str
    ) -> list[dict[str, Any]]:
        """Every entry of one service's part (all pages), newest first."""
        entries: list[dict[str, Any]] = []
        params: dict[str, str] = {**query, "limit": "200"}
        while True:
            page = self.http.get(
                self.url(service, "/audit"), params=params, headers=headers or self.admin
            )
            assert page.status_code == 200, page.text
            entries += page.json()["items"]
            if page.json()["next_cursor"] is None:
                return entries
            params["cursor"] = page.json()["next_cursor"]


@pytest.fixture
def district(system: System, http: httpx.Client) -> District:
    return District(system, http)


def test_a_registration_is_one_entry_naming_who_what_and_where_and_nothing_personal(
    district: District,
) -> None:
    community = district.community("审计甲社区")
    worker_id = new_id()
    worker = district.as_(Role.COMMUNITY_ADMIN, community, worker_id)
    person = application(4101)
    registered = district.http.post(
        district.url("registry", f"/communities/{community}/volunteers"),
        json=person,
        headers={**worker, "X-Correlation-ID": f"audit-e2e-{community}"},
    )
    assert registered.status_code == 201, registered.text
    volunteer = registered.json()["id"]

    [entry] = [
        e for e in district.trail("registry") if e["correlation_id"] == f"audit-e2e-{community}"
    ]
    assert entry["actor_id"] == worker_id
    assert entry["actor_role"] == "community_admin"
    assert entry["community_id"] == community
    assert entry["action"] == "POST /communities/{community_id}/volunteers"
    assert entry["object_id"] == volunteer
    assert entry["status_code"] == 201
    assert entry["address"] == "127.0.0.1"
    assert entry["details"]["path"] == {"community_id": community}
    assert any(e["subject"] == volunteer for e in entry["details"]["events"])

    # The consumers that took the registration in wrote nothing of their own.
    for service in ("activities", "evaluation", "notifications"):
        assert not [
            e for e in district.trail(service) if e["correlation_id"] == entry["correlation_id"]
        ], service

    # No national ID number, name or phone number in any part of the trail.
    everything = json.dumps([district.trail(service) for service in SERVICES], ensure_ascii=False)
    for personal in (person["national_id"], person["name"], person["phone"]):
        assert personal not in everything


def test_reads_and_refusals_write_nothing(district: District) -> None:
    community = district.community("审计乙社区")
    before = district.trail("registry", community_id=community)

    read = district.http.get(
        district.url("registry", f"/communities/{community}"), headers=district.admin
    )
    assert read.status_code == 200, read.text
    refused = district.http.post(
        district.url("registry", f"/communities/{community}/volunteers"),
        json=application(4102),
        headers=district.as_(Role.TEAM_LEADER, community),
    )
    assert refused.status_code == 403, refused.text
    invalid = district.http.post(
        district.url("registry", f"/communities/{community}/volunteers"),
        json={**application(4103), "national_id": "not a number"},
        headers=district.as_(Role.COMMUNITY_ADMIN, community),
    )
    assert invalid.status_code == 422, invalid.text

    assert district.trail("registry", community_id=community) == before


def test_each_community_admin_reads_their_own_part_newest_first(district: District) -> None:
    first, second = district.community("审计丙社区"), district.community("审计丁社区")
    for community, serial in ((first, 4110), (first, 4111), (first, 4112), (second, 4113)):
        answer = district.http.post(
            district.url("registry", f"/communities/{community}/volunteers"),
            json=application(serial),
            headers=district.as_(Role.COMMUNITY_ADMIN, community),
        )
        assert answer.status_code == 201, answer.text
    # Activities plans in a community once the registry's event has reached it.
    known = district.url("activities", f"/communities/{second}")
    wait_for(lambda: district.http.get(known, headers=district.admin).status_code == 200)
    planned = district.http.post(
        district.url("activities", f"/communities/{second}/activities"),
        json={
            "title": "审计巡逻",
            "kind": "patrol",
            "service_area_code": "community_work",
            "place": "东门",
            "starts_at": "2031-03-01T09:00:00+08:00",
            "ends_at": "2031-03-01T11:00:00+08:00",
            "capacity": 5,
        },
        headers=district.as_(Role.COMMUNITY_ADMIN, second),
    )

    own = district.as_(Role.COMMUNITY_ADMIN, first)
    mine = district.trail("registry", own)
    assert {e["community_id"] for e in mine} == {first}
    assert len([e for e in mine if e["action"].endswith("/volunteers")]) == 3
    assert [(e["at"], e["id"]) for e in mine] == sorted(
        ((e["at"], e["id"]) for e in mine), reverse=True
    )
    # A page at a time: the same entries, in the same order.
    paged: list[dict[str, Any]] = []
    params: dict[str, str] = {"limit": "1"}
    while True:
        page = district.http.get(district.url("registry", "/audit"), params=params, headers=own)
        paged += page.json()["items"]
        if page.json()["next_cursor"] is None:
            break
        params["cursor"] = page.json()["next_cursor"]
    assert paged == mine

    for service in SERVICES:
        refused = district.http.get(
            district.url(service, "/audit"), params={"community_id": second}, headers=own
        )
        assert refused.status_code == 404, (service, refused.text)
    assert planned.status_code == 201, planned.text
    [activity] = district.trail("activities", district.as_(Role.COMMUNITY_ADMIN, second))
    assert activity["action"] == "POST /communities/{community_id}/activities"
    assert activity["object_id"] == planned.json()[0]["id"]
    assert not district.trail("activities", own)
