"""The registration lifecycle through the HTTP API, with the events it publishes."""

from __future__ import annotations

import re

from shared.auth import Role
from shared.events.shredding import SubjectKeys
from tests.registry.conftest import Registry, application, national_id


async def test_a_new_community_gets_the_default_catalogue(registry: Registry) -> None:
    community = await registry.community()
    areas = await registry.client.get(
        f"/communities/{community}/service-areas", headers=registry.district
    )
    codes = {area["code"] for area in areas.json()}
    assert len(codes) == 10
    assert {"elderly_care", "legal_aid", "poverty_relief", "military_families"} <= codes
    added = await registry.client.post(
        f"/communities/{community}/service-areas",
        json={"code": "public_security_patrol", "name_zh": "治安巡逻", "name_en": "Patrol"},
        headers=registry.headers(Role.COMMUNITY_ADMIN, community),
    )
    assert added.status_code == 201
    assert (await registry.event_types()).count("service_area_added") == 11


async def test_the_registration_lifecycle_publishes_each_step(registry: Registry) -> None:
    community = await registry.community()
    admin = registry.headers(Role.COMMUNITY_ADMIN, community)
    client = registry.client

    unit = await client.post(
        f"/communities/{community}/member-units",
        json={"name": "第一小学", "kind": "school"},
        headers=admin,
    )
    assert unit.status_code == 201
    applied = await client.post(
        f"/communities/{community}/volunteers",
        json=application(1, member_unit_id=unit.json()["id"]),
        headers=admin,
    )
    assert applied.status_code == 201, applied.text
    volunteer = applied.json()
    assert volunteer["status"] == "applied"
    assert volunteer["volunteer_number"] is None
    assert volunteer["national_id_masked"] == national_id(1)[:3] + "*" * 11 + national_id(1)[-4:]
    assert volunteer["birth_date"] == "1980-01-01"
    vid = volunteer["id"]

    approved = await client.post(f"/volunteers/{vid}/approve", headers=admin)
    assert approved.status_code == 200
    number = approved.json()["volunteer_number"]
    assert re.fullmatch(r"110105\d{2}\d{7}", number)
    assert approved.json()["status"] == "registered"
    assert (await client.post(f"/volunteers/{vid}/approve", headers=admin)).status_code == 409

    suspended = await client.post(
        f"/volunteers/{vid}/suspend", json={"reason": "长期未参加活动"}, headers=admin
    )
    assert suspended.json()["status"] == "suspended"
    assert (await client.get(f"/verify/{number}")).json()["valid"] is False
    reinstated = await client.post(f"/volunteers/{vid}/reinstate", headers=admin)
    assert reinstated.json()["status"] == "registered"
    verified = (await client.get(f"/verify/{number}")).json()
    assert verified == {
        "volunteer_number": number,
        "valid": True,
        "status": "registered",
        "community": "兴华社区",
    }

    card = await client.get(f"/volunteers/{vid}/card.pdf", headers=admin)
    assert card.status_code == 200
    assert card.content.startswith(b"%PDF")
    assert card.headers["content-type"] == "application/pdf"

    withdrawn = await client.post(
        f"/volunteers/{vid}/withdraw", json={"reason": "搬离本区"}, headers=admin
    )
    assert withdrawn.json()["status"] == "withdrawn"
    erased = await client.delete(f"/volunteers/{vid}/personal-data", headers=admin)
    assert erased.status_code == 200
    record = erased.json()
    assert record["erased"] is True
    assert record["name"] == "(erased)"
    assert record["phone"] is None
    assert record["national_id_masked"] is None
    assert record["volunteer_number"] == number  # the number and history stay, anonymous

    steps = [t for t in await registry.event_types() if t.startswith("volunteer_")]
    assert steps == [
        "volunteer_applied",
        "volunteer_registered",
        "volunteer_suspended",
        "volunteer_reinstated",
        "volunteer_withdrawn",
        "volunteer_erased",
    ]
    [registered] = await registry.payloads("volunteer_registered")
    assert registered == {
        "volunteer_id": vid,
        "volunteer_number": number,
        "community_id": community,
        "service_area_codes": ["community_work", "elderly_care"],
        "party_member": False,
        "category": "resident",
        "account_id": None,
        "registered_on": registered["registered_on"],
        "display_name": None,
        "sealed_display_name": registered["sealed_display_name"],
        "national_id_masked": volunteer["national_id_masked"],
    }
    # The name travels sealed under the volunteer's key, which the erasure shredded.
    assert "志愿者1" not in registered["sealed_display_name"]
    keys = SubjectKeys(registry.redis, registry.namespace)
    assert await keys.open({vid: registered["sealed_display_name"]}) == {}


async def test_the_registered_name_opens_until_erasure(registry: Registry) -> None:
    community = await registry.community()
    admin = registry.headers(Role.COMMUNITY_ADMIN, community)
    applied = await registry.client.post(
        f"/communities/{community}/volunteers", json=application(7), headers=admin
    )
    vid = applied.json()["id"]
    assert (
        await registry.client.post(f"/volunteers/{vid}/approve", headers=admin)
    ).status_code == 200
    keys = SubjectKeys(registry.redis, registry.namespace)

    [registered] = await registry.payloads("volunteer_registered")  # waits for the relay
    name = {vid: registered["sealed_display_name"]}
    assert await keys.open(name) == {vid: "志愿者7"}
    erased = await registry.client.delete(f"/volunteers/{vid}/personal-data", headers=admin)
    assert erased.status_code == 200
    assert await keys.open(name) == {}


async def test_numbers_are_unique_and_never_reused(registry: Registry) -> None:
    community = await registry.community()
    admin = registry.headers(Role.COMMUNITY_ADMIN, community)
    numbers = []
    for serial in range(5):
        applied = await registry.client.post(
            f"/communities/{community}/volunteers", json=application(serial), headers=admin
        )
        vid = applied.json()["id"]
        approved = await registry.client.post(f"/volunteers/{vid}/approve", headers=admin)
        numbers.append(approved.json()["volunteer_number"])
        await registry.client.post(
            f"/volunteers/{vid}/withdraw", json={"reason": "test"}, headers=admin
        )
        await registry.client.delete(f"/volunteers/{vid}/personal-data", headers=admin)
    assert len(set(numbers)) == 5
    assert numbers == sorted(numbers)
    applied = await registry.client.post(
        f"/communities/{community}/volunteers", json=application(99), headers=admin
    )
    approved = await registry.client.post(
        f"/volunteers/{applied.json()['id']}/approve", headers=admin
    )
    assert approved.json()["volunteer_number"] > numbers[-1]


async def test_self_service_application_login_and_approval(registry: Registry) -> None:
    community = await registry.community()
    client = registry.client
    form = {
        **application(7),
        "community_id": community,
        "username": "xiaoli",
        "password": "a long passphrase",
    }
    applied = await client.post("/applications", json=form)
    assert applied.status_code == 201, applied.text
    vid = applied.json()["id"]

    login = await client.post(
        "/auth/login", json={"username": "xiaoli", "password": "a long passphrase"}
    )
    assert login.status_code == 200
    tokens = login.json()
    mine = {"Authorization": f"Bearer {tokens['access_token']}"}
    me = await client.get("/me", headers=mine)
    assert me.json()["role"] == "resident"
    assert (await client.get("/me/volunteer", headers=mine)).json()["id"] == vid

    admin = registry.headers(Role.COMMUNITY_ADMIN, community)
    await client.post(f"/volunteers/{vid}/approve", headers=admin)
    refreshed = await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    now_mine = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    assert (await client.get("/me", headers=now_mine)).json()["role"] == "volunteer"
    # A refresh token works once.
    reused = await client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert reused.status_code == 401
    # The volunteer sees their own card and changes their own phone, not another's record.
    assert (await client.get(f"/volunteers/{vid}/card.pdf", headers=now_mine)).status_code == 200
    changed = await client.patch(
        f"/volunteers/{vid}", json={"phone": "13700000000"}, headers=now_mine
    )
    assert changed.json()["phone"] == "13700000000"
    assert (await registry.payloads("volunteer_profile_changed"))[-1]["volunteer_id"] == vid


async def test_a_person_registers_once_in_the_district(registry: Registry) -> None:
    first = await registry.community("兴华社区")
    second = await registry.community("东风社区")
    ok = await registry.client.post(
        f"/communities/{first}/volunteers",
        json=application(3),
        headers=registry.headers(Role.COMMUNITY_ADMIN, first),
    )
    assert ok.status_code == 201
    before = await registry.events()
    duplicate = await registry.client.post(
        f"/communities/{second}/volunteers",
        json=application(3, name="别名"),
        headers=registry.headers(Role.COMMUNITY_ADMIN, second),
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "national_id_registered"
    detail = duplicate.json()["detail"]
    assert "已在本区登记过" in detail
    assert "兴华" not in detail
    assert ok.json()["id"] not in detail
    assert await registry.events() == before


async def test_teams_have_leaders_and_members_join_and_leave(registry: Registry) -> None:
    community = await registry.community()
    admin = registry.headers(Role.COMMUNITY_ADMIN, community)
    client = registry.client
    ids = []
    for serial in range(3):
        vid = (
            await client.post(
                f"/communities/{community}/volunteers", json=application(serial), headers=admin
            )
        ).json()["id"]
        await client.post(f"/volunteers/{vid}/approve", headers=admin)
        ids.append(vid)
    team = await client.post(
        f"/communities/{community}/teams",
        json={
            "name": "为老服务队",
            "service_area_code": "elderly_care",
            "leader_volunteer_id": ids[0],
        },
        headers=admin,
    )
    assert team.status_code == 201, team.text
    tid = team.json()["id"]
    assert (
        await client.post(f"/teams/{tid}/members", json={"volunteer_id": ids[1]}, headers=admin)
    ).status_code == 204
    assert (
        await client.post(f"/teams/{tid}/members", json={"volunteer_id": ids[1]}, headers=admin)
    ).status_code == 409
    assert (await client.get(f"/teams/{tid}", headers=admin)).json()["member_count"] == 2
    in_team = await client.get("/volunteers", params={"team_id": tid}, headers=admin)
    assert {v["id"] for v in in_team.json()["items"]} == {ids[0], ids[1]}
    leader_leaves = await client.delete(f"/teams/{tid}/members/{ids[0]}", headers=admin)
    assert leader_leaves.status_code == 409
    assert (await client.delete(f"/teams/{tid}/members/{ids[1]}", headers=admin)).status_code == 204
    assert (await registry.event_types()).count("team_member_joined") == 2
    assert (await registry.event_types()).count("team_member_left") == 1


async def test_search_filters_and_bounded_pages(registry: Registry) -> None:
    community = await registry.community()
    admin = registry.headers(Role.COMMUNITY_ADMIN, community)
    for serial in range(6):
        form = application(serial, category="student" if serial < 2 else "resident")
        vid = (
            await registry.client.post(
                f"/communities/{community}/volunteers", json=form, headers=admin
            )
        ).json()["id"]
        if serial % 3 == 0:
            await registry.client.post(f"/volunteers/{vid}/approve", headers=admin)
    search = registry.client.get
    assert (await search("/volunteers", params={"category": "student"}, headers=admin)).json()[
        "total"
    ] == 2
    assert (await search("/volunteers", params={"status": "registered"}, headers=admin)).json()[
        "total"
    ] == 2
    assert (await search("/volunteers", params={"party_member": True}, headers=admin)).json()[
        "total"
    ] == 3
    assert (await search("/volunteers", params={"q": "志愿者4"}, headers=admin)).json()[
        "total"
    ] == 1
    first = (await search("/volunteers", params={"limit": 4}, headers=admin)).json()
    assert (first["total"], len(first["items"])) == (6, 4)
    params = {"limit": 4, "cursor": first["next_cursor"]}
    second = (await search("/volunteers", params=params, headers=admin)).json()
    assert (second["total"], len(second["items"]), second["next_cursor"]) == (6, 2, None)
    names = [v["name"] for v in first["items"] + second["items"]]
    assert names == sorted(names)
    assert len(set(names)) == 6
    too_big = await search("/volunteers", params={"limit": 1000}, headers=admin)
    assert too_big.status_code == 422


async def test_the_registered_event_carries_the_national_id_only_masked(
    registry: Registry,
) -> None:
    community = await registry.community()
    admin = registry.headers(Role.COMMUNITY_ADMIN, community)
    applied = await registry.client.post(
        f"/communities/{community}/volunteers", json=application(7), headers=admin
    )
    assert applied.status_code == 201, applied.text
    approved = await registry.client.post(
        f"/volunteers/{applied.json()['id']}/approve", headers=admin
    )
    assert approved.status_code == 200, approved.text
    full = national_id(7)
    (payload,) = await registry.payloads("volunteer_registered")
    assert payload["national_id_masked"] == full[:3] + "*" * 11 + full[-4:]
    entries = await registry.events()
    assert entries
    assert not [entry for entry in entries if full in str(entry)]
    assert not [entry for entry in entries if full[3:-4] in str(entry)]  # not even its middle
