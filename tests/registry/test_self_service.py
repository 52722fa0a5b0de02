"""A volunteer keeps their own profile up to date, over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from shared.auth import Role
from tests.registry.conftest import Registry, application

PASSWORD = "a long passphrase"


async def registered_volunteer(
    registry: Registry, community: str, serial: int, username: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """A self-applied, approved volunteer and their own access token's headers."""
    form = {**application(serial), "community_id": community}
    form |= {"username": username, "password": PASSWORD}
    applied = await registry.client.post("/applications", json=form)
    assert applied.status_code == 201, applied.text
    admin = registry.headers(Role.COMMUNITY_ADMIN, community)
    approved = await registry.client.post(
        f"/volunteers/{applied.json()['id']}/approve", headers=admin
    )
    assert approved.status_code == 200, approved.text
    login = await registry.client.post(
        "/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    return approved.json(), {"Authorization": f"Bearer {login.json()['access_token']}"}


async def test_a_volunteer_edits_their_own_phone_skills_availability_and_areas(
    registry_on_both: Registry,
) -> None:
    registry = registry_on_both
    community = await registry.community()
    volunteer, mine = await registered_volunteer(registry, community, 11, "self.11")

    changed = await registry.client.patch(
        "/me/volunteer",
        json={
            "phone": "13700001111",
            "skills": "理发, 修电器",
            "availability": "周末上午",
            "service_area_codes": ["legal_aid", "elderly_care"],
        },
        headers=mine,
    )
    assert changed.status_code == 200, changed.text
    seen = (await registry.client.get("/me/volunteer", headers=mine)).json()
    assert (seen["phone"], seen["skills"], seen["availability"]) == (
        "13700001111",
        "理发, 修电器",
        "周末上午",
    )
    assert seen["service_area_codes"] == ["elderly_care", "legal_aid"]
    [event] = [
        p
        for p in await registry.payloads("volunteer_profile_changed")
        if p["volunteer_id"] == volunteer["id"]
    ]
    assert event["service_area_codes"] == ["elderly_care", "legal_aid"]
    assert "phone" not in event  # contact data never travels on events

    # Only part of the fields changes when only part is given.
    again = await registry.client.patch("/me/volunteer", json={"skills": "剪纸"}, headers=mine)
    assert (again.json()["skills"], again.json()["availability"]) == ("剪纸", "周末上午")


async def test_what_the_community_decides_is_not_the_volunteers_to_change(
    registry_on_both: Registry,
) -> None:
    registry = registry_on_both
    community = await registry.community()
    _, mine = await registered_volunteer(registry, community, 12, "self.12")
    for body in (
        {"party_member": True},
        {"category": "student"},
        {"member_unit_id": "01HZZZZZZZZZZZZZZZZZZZZZZZ"},
        {"phone": None},
        {"service_area_codes": []},
    ):
        refused = await registry.client.patch("/me/volunteer", json=body, headers=mine)
        assert refused.status_code == 422, (body, refused.text)
    unknown_area = await registry.client.patch(
        "/me/volunteer", json={"service_area_codes": ["space_travel"]}, headers=mine
    )
    assert unknown_area.status_code == 422
    stranger = registry.headers(Role.RESIDENT, community, subject="01HZZZZZZZZZZZZZZZZZZZZZZZ")
    nobody = await registry.client.patch("/me/volunteer", json={"skills": "x"}, headers=stranger)
    assert nobody.status_code == 404
