"""The registry's own access rules, beyond the cells of the authorisation matrix
(`tests/security/test_authorisation_matrix.py`, which calls every operation as every role)."""

from __future__ import annotations

import pytest

from tests.authorisation import CA, COMMUNITY_ROLES, TL
from tests.registry.conftest import Registry, application


@pytest.fixture
async def world(registry: Registry) -> dict[str, dict[str, str]]:
    """Two communities, each with a registered volunteer and a team."""
    result: dict[str, dict[str, str]] = {}
    for key, name, serial in (("own", "兴华社区", 1), ("other", "东风社区", 2)):
        community = await registry.community(name)
        admin = registry.headers(CA, community)
        volunteer = (
            await registry.client.post(
                f"/communities/{community}/volunteers", json=application(serial), headers=admin
            )
        ).json()["id"]
        await registry.client.post(f"/volunteers/{volunteer}/approve", headers=admin)
        team = (
            await registry.client.post(
                f"/communities/{community}/teams",
                json={"name": "巡逻队", "service_area_code": "community_work"},
                headers=admin,
            )
        ).json()["id"]
        result[key] = {"community": community, "volunteer": volunteer, "team": team}
    return result


async def test_district_only_endpoints_refuse_every_community_role(registry: Registry) -> None:
    for role in COMMUNITY_ROLES:
        headers = registry.headers(role, "c1")
        assert (
            await registry.client.post("/streets", json={"name": "街"}, headers=headers)
        ).status_code == 403
        assert (
            await registry.client.post("/communities", json={"name": "社区"}, headers=headers)
        ).status_code == 403


async def test_community_roles_list_only_their_own_community(
    registry: Registry, world: dict[str, dict[str, str]]
) -> None:
    headers = registry.headers(TL, world["own"]["community"])
    listed = (await registry.client.get("/communities", headers=headers)).json()
    assert [c["id"] for c in listed] == [world["own"]["community"]]
    everyone = (await registry.client.get("/communities", headers=registry.district)).json()
    assert len(everyone) == 2
    found = (await registry.client.get("/volunteers", headers=headers)).json()
    assert {v["community_id"] for v in found["items"]} == {world["own"]["community"]}


async def test_a_volunteer_sees_and_changes_only_their_own_record(
    registry: Registry, world: dict[str, dict[str, str]]
) -> None:
    community = world["own"]["community"]
    form = {
        **application(77),
        "community_id": community,
        "username": "zhaoliu",
        "password": "a long passphrase",
    }
    mine = (await registry.client.post("/applications", json=form)).json()["id"]
    login = await registry.client.post(
        "/auth/login", json={"username": "zhaoliu", "password": "a long passphrase"}
    )
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert (await registry.client.get(f"/volunteers/{mine}", headers=headers)).status_code == 200
    assert (
        await registry.client.patch(f"/volunteers/{mine}", json={"skills": "剪纸"}, headers=headers)
    ).status_code == 200
    assert (
        await registry.client.get(f"/volunteers/{world['own']['volunteer']}", headers=headers)
    ).status_code == 404
    assert (
        await registry.client.post(f"/volunteers/{mine}/approve", headers=headers)
    ).status_code == 403
