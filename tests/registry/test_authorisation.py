"""Every endpoint against every role, in the caller's own community and in another one.

In another community everything answers 404 (its data, even its existence, stays
hidden); in the caller's own community a role that may not act gets 403; a caller
without a token gets 401.
"""

from __future__ import annotations

import pytest

from tests.authorisation import CA, COMMUNITY_ROLES, DA, RE, TL, VO, Endpoint, check_matrix
from tests.registry.conftest import Registry, application
from tests.registry.test_roster import as_csv, roster_rows


def _roster() -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("r.csv", as_csv(roster_rows(2)), "text/csv")}


ENDPOINTS = [
    Endpoint("GET", "/communities/{community}", (DA, CA, TL, VO, RE)),
    Endpoint("PATCH", "/communities/{community}", (DA,), body=lambda n: {"name": f"改名{n}"}),
    Endpoint("GET", "/communities/{community}/service-areas", (DA, CA, TL, VO, RE)),
    Endpoint(
        "POST",
        "/communities/{community}/service-areas",
        (DA, CA),
        body=lambda n: {"code": f"area_{n}", "name_zh": "新", "name_en": "New"},
    ),
    Endpoint("GET", "/communities/{community}/member-units", (DA, CA, TL, VO, RE)),
    Endpoint(
        "POST",
        "/communities/{community}/member-units",
        (DA, CA),
        body=lambda n: {"name": f"单位{n}"},
    ),
    Endpoint("GET", "/communities/{community}/teams", (DA, CA, TL, VO, RE)),
    Endpoint(
        "POST",
        "/communities/{community}/teams",
        (DA, CA),
        body=lambda n: {"name": f"队{n}", "service_area_code": "elderly_care"},
    ),
    Endpoint("GET", "/teams/{team}", (DA, CA, TL, VO, RE)),
    Endpoint(
        "POST", "/communities/{community}/volunteers", (DA, CA), body=lambda n: application(500 + n)
    ),
    Endpoint("GET", "/volunteers/{volunteer}", (DA, CA, TL), hidden_from=(VO, RE)),
    Endpoint(
        "PATCH",
        "/volunteers/{volunteer}",
        (DA, CA),
        hidden_from=(VO, RE),
        body=lambda n: {"skills": str(n)},
    ),
    Endpoint("GET", "/volunteers/{volunteer}/card.pdf", (DA, CA, TL), hidden_from=(VO, RE)),
    Endpoint(
        "POST",
        "/volunteers/{volunteer}/suspend",
        (DA, CA),
        hidden_from=(VO, RE),
        body=lambda n: {"reason": "测试原因"},
    ),
    Endpoint("POST", "/volunteers/{volunteer}/reinstate", (DA, CA), hidden_from=(VO, RE)),
    Endpoint("GET", "/volunteers?community_id={community}", (DA, CA, TL)),
    Endpoint("GET", "/communities/{community}/roster.csv", (DA, CA)),
    Endpoint("POST", "/communities/{community}/roster", (DA, CA), files=_roster),
]


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


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
async def test_the_authorisation_matrix(
    registry: Registry, world: dict[str, dict[str, str]], endpoint: Endpoint
) -> None:
    problems = await check_matrix(
        registry.client, registry.headers, endpoint, world["own"], world["other"]
    )
    assert not problems, "\n".join(problems)


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
