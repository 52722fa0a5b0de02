"""Every endpoint against every role, in the caller's own community and in another one.

In another community everything answers 404 (its data, even its existence, stays
hidden); in the caller's own community a role that may not act gets 403; a caller
without a token gets 401.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from shared.auth import Role
from tests.registry.conftest import Registry, application
from tests.registry.test_roster import as_csv, roster_rows

DA, CA, TL, VO, RE = (
    Role.DISTRICT_ADMIN,
    Role.COMMUNITY_ADMIN,
    Role.TEAM_LEADER,
    Role.VOLUNTEER,
    Role.RESIDENT,
)
COMMUNITY_ROLES = (CA, TL, VO, RE)


@dataclass(frozen=True)
class Endpoint:
    """One endpoint, who may use it, and what others get in the caller's own community."""

    method: str
    path: str  # with {community}, {volunteer}, {team}
    allowed: tuple[Role, ...]
    # Roles that cannot even see the resource in their own community: 404, not 403.
    hidden_from: tuple[Role, ...] = ()
    body: Callable[[int], dict[str, Any]] | None = None
    files: bool = False


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
    Endpoint("POST", "/communities/{community}/roster", (DA, CA), files=True),
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


async def _call(
    registry: Registry, endpoint: Endpoint, ids: dict[str, str], headers: dict[str, str], n: int
) -> int:
    url = endpoint.path.format(**ids)
    kwargs: dict[str, Any] = {"headers": headers}
    if endpoint.body is not None:
        kwargs["json"] = endpoint.body(n)
    if endpoint.files:
        kwargs["files"] = {"file": ("r.csv", as_csv(roster_rows(2)), "text/csv")}
    response = await registry.client.request(endpoint.method, url, **kwargs)
    return response.status_code


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[f"{e.method} {e.path}" for e in ENDPOINTS])
async def test_the_authorisation_matrix(
    registry: Registry, world: dict[str, dict[str, str]], endpoint: Endpoint
) -> None:
    own, other = world["own"], world["other"]
    n = 0
    outcomes: dict[str, int] = {}
    for role in (DA, *COMMUNITY_ROLES):
        community = None if role is DA else own["community"]
        headers = registry.headers(role, community, subject=f"someone-{role}")
        for where, ids in (("own", own), ("other", other)):
            n += 1
            outcomes[f"{role} {where}"] = await _call(registry, endpoint, ids, headers, n)
    outcomes["anonymous"] = await _call(registry, endpoint, own, {}, 0)

    problems = []
    for role in (DA, *COMMUNITY_ROLES):
        for where in ("own", "other"):
            status = outcomes[f"{role} {where}"]
            if role is DA or (where == "own" and role in endpoint.allowed):
                # Allowed: the request reaches the rule (a lifecycle step may still answer 409).
                if status in (401, 403, 404) or status >= 500:
                    problems.append(f"{role} in {where} community got {status}, expected access")
            elif where == "other":
                if status != 404:
                    problems.append(f"{role} in another community got {status}, expected 404")
            else:
                expected = 404 if role in endpoint.hidden_from else 403
                if status != expected:
                    problems.append(f"{role} got {status}, expected {expected}")
    if outcomes["anonymous"] != 401:
        problems.append(f"anonymous got {outcomes['anonymous']}, expected 401")
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
