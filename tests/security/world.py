"""A community with one of everything, made through the four services' HTTP APIs.

Only HTTP calls and the events they cause: activities, evaluation and notifications
learn the volunteer and the team from the registry's events, as in production.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from activities.configuration import DEFAULT_TARGETS
from activities.settings import Settings as ActivitiesSettings
from evaluation.domain.stars import THRESHOLDS
from shared.auth import Role
from shared.ids import new_id
from tests.registry.conftest import application
from tests.security.conftest import System, eventually

_serials = itertools.count(100)


def _ok(response: requests.Response, status: int = 201) -> Any:
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    return response.json() if response.content else None


def restore_district_configuration(system: System) -> None:
    """Put back the district's settings the worlds rely on: the security tests share one
    running system, and schemathesis fuzzes its configuration too (a backfill window of
    4 days refuses the records a world makes a week back)."""
    district = system.district
    activities, evaluation = system.clients["activities"], system.clients["evaluation"]
    _ok(
        activities.put(
            "/configuration/backfill-window",
            json={"days": ActivitiesSettings.model_fields["backfill_days"].default},
            headers=district,
        ),
        200,
    )
    _ok(
        activities.put(
            "/configuration/response-targets",
            json={"targets": DEFAULT_TARGETS},
            headers=district,
        ),
        200,
    )
    _ok(
        evaluation.put(
            "/configuration/star-thresholds",
            json={"thresholds": list(THRESHOLDS)},
            headers=district,
        ),
        200,
    )


def build_community(system: System, name: str) -> dict[str, Any]:
    """A community with a volunteer, a team, and a record of each kind in each service.

    The ids come back under the names the tests use, with the headers of the
    volunteer's own (logged-in) token and of the community's roles.
    """
    registry, activities = system.clients["registry"], system.clients["activities"]
    evaluation, notifications = system.clients["evaluation"], system.clients["notifications"]
    district = system.district
    restore_district_configuration(system)
    street = _ok(registry.post("/streets", json={"name": f"{name}街道"}, headers=district))
    community = _ok(
        registry.post(
            "/communities", json={"name": name, "street_id": street["id"]}, headers=district
        )
    )["id"]
    admin = system.headers(Role.COMMUNITY_ADMIN, community, subject=new_id())
    serial = next(_serials)
    username = f"user{serial}"
    form = {
        **application(serial),
        "community_id": community,
        "username": username,
        "password": "a long passphrase",
    }
    volunteer = _ok(registry.post("/applications", json=form))["id"]
    _ok(registry.post(f"/volunteers/{volunteer}/approve", headers=admin), 200)
    login = _ok(
        registry.post("/auth/login", json={"username": username, "password": "a long passphrase"}),
        200,
    )
    as_volunteer = {"Authorization": f"Bearer {login['access_token']}"}
    team = _ok(
        registry.post(
            f"/communities/{community}/teams",
            json={"name": f"{name}巡逻队", "service_area_code": "community_work"},
            headers=admin,
        )
    )["id"]
    _ok(
        registry.post(f"/teams/{team}/members", json={"volunteer_id": volunteer}, headers=admin),
        204,
    )

    # Activities learns the volunteer from the registry's events: a record for them is
    # refused (422) until it has.
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)  # backfill window
    record_body = {
        "volunteer_id": volunteer,
        "kind": "good_deed",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(hours=1)).isoformat(),
    }
    made: dict[str, Any] = {}

    def record_made() -> bool:
        response = activities.post(
            f"/communities/{community}/records", json=record_body, headers=admin
        )
        if response.status_code == 201:
            made["record"] = response.json()["id"]
            return True
        # Until the service has learnt the volunteer from the registry's events.
        assert response.json()["code"] == "volunteer_not_found", response.text
        return False

    eventually(record_made, "activities learns the volunteer")
    soon = datetime.now(UTC) + timedelta(days=3)
    activity = _ok(
        activities.post(
            f"/communities/{community}/activities",
            params={"publish": True},
            json={
                "title": "治安巡逻",
                "kind": "patrol",
                "service_area_code": "community_work",
                "place": f"{name}东门",
                "starts_at": soon.isoformat(),
                "ends_at": (soon + timedelta(hours=2)).isoformat(),
                "capacity": 5,
            },
            headers=admin,
        )
    )[0]["id"]
    signup = _ok(activities.post(f"/activities/{activity}/sign-ups", headers=as_volunteer))["id"]
    pairing = _ok(
        activities.post(
            f"/communities/{community}/pairings",
            json={
                "kind": "one_helps_one",
                "beneficiary_label": "王奶奶",
                "beneficiary_category": "empty_nest_elder",
                "volunteer_ids": [volunteer],
                "cadence_days": 7,
            },
            headers=admin,
        )
    )["id"]
    resident = system.headers(Role.RESIDENT, community, subject=new_id())
    request = _ok(
        activities.post(
            f"/communities/{community}/requests",
            json={"category": "telecom", "description": "网络故障求助"},
            headers=resident,
        )
    )["id"]

    period = _ok(
        evaluation.post(
            f"/communities/{community}/periods",
            json={
                "label": "2026H1",
                "starts_on": "2026-01-01",
                "ends_on": "2026-06-30",
                "quota": 3,
            },
            headers=admin,
        )
    )["id"]
    for _ in range(2):  # open -> peer review -> nomination
        _ok(evaluation.post(f"/periods/{period}/advance", headers=admin), 200)
    nominated: dict[str, Any] = {}

    def nomination_made() -> bool:
        response = evaluation.post(
            f"/periods/{period}/nominations",
            json={"volunteer_id": volunteer, "reason": "服务时长居前"},
            headers=admin,
        )
        if response.status_code == 201:
            nominated["id"] = response.json()["id"]
            return True
        # Until the service has learnt the volunteer from the registry's events.
        assert response.json()["code"] == "volunteer_not_found", response.text
        return False

    eventually(nomination_made, "evaluation learns the volunteer")

    announcement = _ok(
        notifications.post(
            "/announcements",
            json={
                "audience": "community",
                "community_id": community,
                "title": f"{name}通知",
                "body": "周三下午健康义诊",
            },
            headers=admin,
        )
    )["id"]
    webhook = _ok(
        notifications.post(
            "/webhooks",
            json={"url": "http://127.0.0.1:9/hook", "community_id": community},
            headers=admin,
        )
    )["id"]
    inbox: list[dict[str, Any]] = []

    def inbox_filled() -> bool:
        inbox[:] = notifications.get("/inbox", headers=as_volunteer).json()["items"]
        return bool(inbox)

    eventually(inbox_filled, "the volunteer's inbox has a notification")
    return {
        "community": community,
        "street": street["id"],
        "volunteer": volunteer,
        "volunteer_number": None,
        "team": team,
        "record": made["record"],
        "activity": activity,
        "signup": signup,
        "pairing": pairing,
        "request": request,
        "period": period,
        "nomination": nominated["id"],
        "announcement": announcement,
        "webhook": webhook,
        "inbox": inbox[0]["id"],
        "as_volunteer": as_volunteer,
        "as_admin": admin,
        "account": login.get("account_id"),
    }
