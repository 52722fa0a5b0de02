"""The authorisation matrix's two communities: one of everything, made through the APIs.

On top of `world.build_community`, the records the cells need and the ones kept for the
cells that end them: a spare volunteer to suspend, one who leaves and is erased, an
applicant to approve and one to reject, a draft to publish, an activity to cancel and
one about to begin (check-in opens before the start), one already over (records are
entered for it), a record to void, a visit, a pairing to end, a request to close, a
period to advance, one in peer review and one published, a certificate and a webhook
delivery.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from shared.auth import Role
from shared.ids import new_id
from tests.registry.conftest import application
from tests.security.conftest import System, eventually
from tests.security.world import _ok, build_community

PASSWORD = "a long passphrase"


def _registered(system: System, community: str, admin: dict[str, str], serial: int) -> str:
    """A volunteer who applied and was approved."""
    registry = system.clients["registry"]
    form = {
        **application(serial),
        "community_id": community,
        "username": f"m{serial}",
        "password": PASSWORD,
    }
    volunteer = _ok(registry.post("/applications", json=form))["id"]
    _ok(registry.post(f"/volunteers/{volunteer}/approve", headers=admin), 200)
    return str(volunteer)


def matrix_world(system: System, name: str, serial: int) -> dict[str, Any]:
    """A community with one of everything, and records kept for the cells that end them."""
    world = build_community(system, name)
    community, admin = world["community"], world["as_admin"]
    registry, activities = system.clients["registry"], system.clients["activities"]
    evaluation, notifications = system.clients["evaluation"], system.clients["notifications"]
    district = system.district

    username = f"login{serial}"
    _ok(
        registry.post(
            "/accounts",
            json={
                "username": username,
                "password": PASSWORD,
                "role": "resident",
                "community_id": community,
            },
            headers=district,
        )
    )

    def fresh_refresh_token() -> str:
        tokens = registry.post(
            "/auth/login", json={"username": username, "password": PASSWORD}
        ).json()
        return str(tokens["refresh_token"])

    managed = {"username": f"account{serial}", "password": PASSWORD, "role": "resident"}
    world["managed"] = _ok(
        registry.post("/accounts", json={**managed, "community_id": community}, headers=district)
    )["id"]
    world.update(
        username=username,
        password=PASSWORD,
        fresh_refresh_token=fresh_refresh_token,
        community_name=name,
        spare=_registered(system, community, admin, serial + 1),
        leaver=_registered(system, community, admin, serial + 2),
    )
    for key, offset in (("applicant", 3), ("rejectable", 4)):
        form = {
            **application(serial + offset),
            "community_id": community,
            "username": f"m{serial + offset}",
            "password": PASSWORD,
        }
        world[key] = _ok(registry.post("/applications", json=form))["id"]
    world["member_unit"] = _ok(
        registry.post(
            f"/communities/{community}/member-units", json={"name": "共建单位"}, headers=admin
        )
    )["id"]
    world["volunteer_number"] = _ok(
        registry.get(f"/volunteers/{world['volunteer']}", headers=admin), 200
    )["volunteer_number"]

    def record(days_ago: int, seconds: int) -> str:
        start = time.time() - days_ago * 86400
        body = {
            "volunteer_id": world["volunteer"],
            "kind": "good_deed",
            "started_at": iso(start),
            "ended_at": iso(start + seconds),
        }
        return str(
            _ok(activities.post(f"/communities/{community}/records", json=body, headers=admin))[
                "id"
            ]
        )

    def activity(publish: bool, starts_in: float = 4 * 86400, hours: float = 2) -> str:
        start = time.time() + starts_in
        body = {
            "title": "矩阵活动",
            "kind": "patrol",
            "service_area_code": "community_work",
            "place": "北门",
            "starts_at": iso(start),
            "ends_at": iso(start + hours * 3600),
            "capacity": 5,
        }
        made = _ok(
            activities.post(
                f"/communities/{community}/activities",
                params={"publish": publish},
                json=body,
                headers=admin,
            )
        )
        return str(made[0]["id"])

    world["draft"], world["cancellable"] = activity(False), activity(True)
    # Records are entered for an activity once it is over: this one is, by the time the
    # cells run (the world takes longer to build than it lasts).
    past = _ok(
        activities.get(f"/activities/{activity(True, starts_in=5, hours=0.05)}", headers=admin), 200
    )
    world.update(
        past_activity=past["id"],
        past_activity_starts=past["starts_at"],
        past_activity_ends=past["ends_at"],
    )
    # Check-in opens before the start: an activity about to begin, the volunteer in it.
    world["ongoing"] = activity(True, starts_in=1800)
    _ok(activities.post(f"/activities/{world['ongoing']}/sign-ups", headers=world["as_volunteer"]))
    # A weekly series (each cell that changes one makes its own: operations.py).
    weekly = {
        "title": "矩阵周活动",
        "kind": "patrol",
        "service_area_code": "community_work",
        "place": "北门",
        "starts_at": iso(time.time() + 6 * 86400),
        "ends_at": iso(time.time() + 6 * 86400 + 3600),
        "capacity": 5,
        "repeat_weekly": 2,
    }
    world["series"] = _ok(
        activities.post(f"/communities/{community}/activities", json=weekly, headers=admin)
    )[0]["series_id"]
    world["voidable"] = record(days_ago=3, seconds=3600)
    world["visit"] = _ok(
        activities.post(
            f"/pairings/{world['pairing']}/visits",
            json={
                "volunteer_id": world["volunteer"],
                "started_at": iso(time.time() - 2 * 86400),
                "ended_at": iso(time.time() - 2 * 86400 + 1800),
            },
            headers=admin,
        )
    )["id"]
    world["endable"] = _ok(
        activities.post(
            f"/communities/{community}/pairings",
            json={
                "kind": "one_helps_one",
                "beneficiary_label": "赵奶奶",
                "beneficiary_category": "empty_nest_elder",
                "volunteer_ids": [world["volunteer"]],
                "cadence_days": 7,
            },
            headers=admin,
        )
    )["id"]
    resident = system.headers(Role.RESIDENT, community, subject=new_id())
    world["closable"] = _ok(
        activities.post(
            f"/communities/{community}/requests",
            json={"category": "telecom", "description": "宽带故障报修"},
            headers=resident,
        )
    )["id"]
    world["advanceable"] = _ok(
        evaluation.post(
            f"/communities/{community}/periods",
            json={
                "label": "2029H1",
                "starts_on": "2029-01-01",
                "ends_on": "2029-06-30",
                "quota": 1,
            },
            headers=admin,
        )
    )["id"]
    served = record(days_ago=5, seconds=7200)
    _ok(activities.post(f"/records/{served}/confirm", headers=district), 200)
    issued: dict[str, Any] = {}

    def certificate_issued() -> bool:
        response = evaluation.post(
            f"/volunteers/{world['volunteer']}/certificates",
            json={"date_from": "2026-01-01", "date_to": "2026-12-31"},
            headers=admin,
        )
        issued.update(response.json() if response.status_code == 201 else {})
        return response.status_code == 201

    eventually(certificate_issued, "evaluation learns the confirmed hours")
    certificate = issued
    world["reviewing"] = _ok(
        evaluation.post(
            f"/communities/{community}/periods",
            json={
                "label": "2028H2",
                "starts_on": "2028-07-01",
                "ends_on": "2028-12-31",
                "quota": 1,
            },
            headers=admin,
        )
    )["id"]
    _ok(evaluation.post(f"/periods/{world['reviewing']}/advance", headers=admin), 200)
    world["published"] = _ok(
        evaluation.post(
            f"/communities/{community}/periods",
            json={
                "label": "2028H1",
                "starts_on": "2028-01-01",
                "ends_on": "2028-06-30",
                "quota": 1,
            },
            headers=admin,
        )
    )["id"]
    for _ in range(4):  # open -> peer review -> nomination -> district review -> published
        _ok(evaluation.post(f"/periods/{world['published']}/advance", headers=district), 200)
    world["certificate"] = certificate["number"]
    world["certificate_code"] = certificate["verification_code"]
    deliveries: list[dict[str, Any]] = []

    def delivered() -> bool:
        deliveries[:] = notifications.get(
            f"/webhooks/{world['webhook']}/deliveries", headers=admin
        ).json()["items"]
        return bool(deliveries)

    eventually(delivered, "the webhook has a delivery")
    world["delivery"] = deliveries[0]["id"]
    return world


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()
