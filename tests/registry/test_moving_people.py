"""Moving people, over HTTP on SQLite and PostgreSQL: a transfer to another community
keeps the number and history; someone who withdrew comes back with the same number."""

from __future__ import annotations

from typing import Any

from shared.auth import Role
from tests.registry.conftest import Registry, application
from tests.registry.test_self_service import registered_volunteer

CA = Role.COMMUNITY_ADMIN


async def _team(registry: Registry, community: str, name: str, **extra: Any) -> str:
    made = await registry.client.post(
        f"/communities/{community}/teams",
        json={"name": name, "service_area_code": "elderly_care", **extra},
        headers=registry.headers(CA, community),
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def test_a_transfer_keeps_the_number_and_moves_the_account(
    registry_on_both: Registry,
) -> None:
    registry, client = registry_on_both, registry_on_both.client
    old, new = await registry.community("兴华社区"), await registry.community("东风社区")
    volunteer, mine = await registered_volunteer(registry, old, 21, "mover.21")
    vid, number = volunteer["id"], volunteer["volunteer_number"]
    team = await _team(registry, old, "助老队")
    joined = await client.post(
        f"/teams/{team}/members", json={"volunteer_id": vid}, headers=registry.headers(CA, old)
    )
    assert joined.status_code == 204

    refused = await client.post(
        f"/volunteers/{vid}/transfer", json={"community_id": new}, headers=registry.headers(CA, old)
    )
    assert refused.status_code == 403  # the district moves people between communities
    moved = await client.post(
        f"/volunteers/{vid}/transfer", json={"community_id": new}, headers=registry.district
    )
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert (body["id"], body["volunteer_number"], body["community_id"]) == (vid, number, new)
    assert (body["status"], body["team_ids"]) == ("registered", [])
    assert body["service_area_codes"] == volunteer["service_area_codes"]

    assert (
        await client.get(f"/volunteers/{vid}", headers=registry.headers(CA, old))
    ).status_code == 404
    assert (
        await client.get(f"/volunteers/{vid}", headers=registry.headers(CA, new))
    ).status_code == 200
    team_now = await client.get(f"/teams/{team}", headers=registry.headers(CA, old))
    assert team_now.json()["member_count"] == 0

    [transferred] = await registry.payloads("volunteer_transferred")
    assert transferred == {
        "volunteer_id": vid,
        "volunteer_number": number,
        "from_community_id": old,
        "to_community_id": new,
        "service_area_codes": volunteer["service_area_codes"],
        "account_id": transferred["account_id"],
    }
    assert transferred["account_id"] is not None
    left = [p for p in await registry.payloads("team_member_left") if p["volunteer_id"] == vid]
    assert left == [{"team_id": team, "community_id": old, "volunteer_id": vid}]
    [account] = await registry.payloads("account_changed")
    assert (account["account_id"], account["community_id"]) == (transferred["account_id"], new)

    assert account["role"] == "volunteer"
    # The person's next tokens are the new community's.
    login = await client.post(
        "/auth/login", json={"username": "mover.21", "password": "a long passphrase"}
    )
    me = await client.get(
        "/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    assert me.json()["community_id"] == new
    assert mine  # the old token stays valid until it expires (minutes)


async def test_a_team_leader_arrives_as_a_volunteer(registry_on_both: Registry) -> None:
    registry, client = registry_on_both, registry_on_both.client
    old, new = await registry.community("兴华社区"), await registry.community("东风社区")
    volunteer, _ = await registered_volunteer(registry, old, 26, "leader.26")
    account = (
        await client.get("/accounts", params={"q": "leader.26"}, headers=registry.district)
    ).json()["items"][0]["id"]
    made_leader = await client.patch(
        f"/accounts/{account}", json={"role": "team_leader"}, headers=registry.district
    )
    assert made_leader.json()["role"] == "team_leader"
    moved = await client.post(
        f"/volunteers/{volunteer['id']}/transfer",
        json={"community_id": new},
        headers=registry.district,
    )
    assert moved.status_code == 200, moved.text
    now = (await client.get(f"/accounts/{account}", headers=registry.district)).json()
    assert (now["role"], now["community_id"]) == ("volunteer", new)


async def test_a_transfer_is_refused_when_it_cannot_be_done(registry_on_both: Registry) -> None:
    registry, client = registry_on_both, registry_on_both.client
    old, new = await registry.community("兴华社区"), await registry.community("东风社区")
    leader, _ = await registered_volunteer(registry, old, 22, "leader.22")
    await _team(registry, old, "巡逻队", leader_volunteer_id=leader["id"])

    def transfer(vid: str, **body: Any) -> Any:
        return client.post(f"/volunteers/{vid}/transfer", json=body, headers=registry.district)

    assert (await transfer(leader["id"], community_id=new)).status_code == 409
    assert (await transfer(leader["id"], community_id=old)).status_code == 409
    unknown = await transfer(leader["id"], community_id="01HZZZZZZZZZZZZZZZZZZZZZZZ")
    assert unknown.status_code == 404
    areas = await transfer(leader["id"], community_id=new, service_area_codes=["space_travel"])
    assert areas.status_code == 422
    applicant = await client.post(
        f"/communities/{old}/volunteers", json=application(23), headers=registry.headers(CA, old)
    )
    assert (await transfer(applicant.json()["id"], community_id=new)).status_code == 409
    assert await registry.payloads("volunteer_transferred") == []


async def test_someone_who_withdrew_comes_back_with_the_same_number(
    registry_on_both: Registry,
) -> None:
    registry, client = registry_on_both, registry_on_both.client
    community = await registry.community()
    admin = registry.headers(CA, community)
    volunteer, _ = await registered_volunteer(registry, community, 24, "back.24")
    vid = volunteer["id"]
    assert (await client.post(f"/volunteers/{vid}/come-back", headers=admin)).status_code == 409
    withdrawn = await client.post(
        f"/volunteers/{vid}/withdraw", json={"reason": "搬家"}, headers=admin
    )
    assert withdrawn.json()["status"] == "withdrawn"
    # Applying again is refused: the person is known, and is taken back instead.
    again = await client.post(
        f"/communities/{community}/volunteers", json=application(24), headers=admin
    )
    assert again.status_code == 409

    back = await client.post(f"/volunteers/{vid}/come-back", headers=admin)
    assert back.status_code == 200, back.text
    assert (back.json()["status"], back.json()["volunteer_number"]) == (
        "registered",
        volunteer["volunteer_number"],
    )
    assert back.json()["status_reason"] is None
    reinstated = [p for p in await registry.payloads("volunteer_reinstated")]
    assert reinstated == [{"volunteer_id": vid, "community_id": community, "returned": True}]

    leader = registry.headers(Role.TEAM_LEADER, community)
    assert (await client.post(f"/volunteers/{vid}/come-back", headers=leader)).status_code == 403
    erased, _ = await registered_volunteer(registry, community, 25, "gone.25")
    await client.delete(f"/volunteers/{erased['id']}/personal-data", headers=admin)
    gone = await client.post(f"/volunteers/{erased['id']}/come-back", headers=admin)
    assert gone.status_code == 409
