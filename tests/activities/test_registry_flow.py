"""The registry and activities running together on real Redis: what one publishes, the
other acts on, with no call between them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from activities.models import KnownVolunteer
from registry.app import create_app as create_registry
from registry.settings import Settings as RegistrySettings
from shared.auth import Role
from tests.activities.conftest import Activities, eventually
from tests.registry.conftest import application


@pytest.fixture
async def registry_client(
    tmp_path: Path, redis_url: str, namespace: str, keys: tuple[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    (tmp_path / "private.pem").write_text(keys[0])
    settings = RegistrySettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}",
        redis_url=redis_url,
        stream_namespace=namespace,
        jwt_public_key=keys[1],
        jwt_private_key_file=tmp_path / "private.pem",
        national_id_keys=Fernet.generate_key().decode(),
        national_id_hash_key=Fernet.generate_key().decode(),
        relay_poll_ms=50,
    )
    app = create_registry(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
            yield client


async def test_a_suspended_volunteer_loses_future_sign_ups_through_events_alone(
    service: Activities, registry_client: httpx.AsyncClient, redis: Redis
) -> None:
    district = service.headers(Role.DISTRICT_ADMIN, None)
    community = (
        await registry_client.post("/communities", json={"name": "兴华社区"}, headers=district)
    ).json()["id"]
    admin = service.headers(Role.COMMUNITY_ADMIN, community)
    form = {
        **application(1),
        "community_id": community,
        "username": "xiaozhang",
        "password": "a long passphrase",
    }
    volunteer_id = (await registry_client.post("/applications", json=form)).json()["id"]
    await registry_client.post(f"/volunteers/{volunteer_id}/approve", headers=admin)
    others = []
    for serial in (2, 3):
        other = (
            await registry_client.post(
                f"/communities/{community}/volunteers", json=application(serial), headers=admin
            )
        ).json()["id"]
        await registry_client.post(f"/volunteers/{other}/approve", headers=admin)
        others.append(other)

    async def known(volunteer: str, status: str) -> bool:
        async with service.app.state.runtime.db.session() as session:
            found = await session.get(KnownVolunteer, volunteer, populate_existing=True)
            return found is not None and found.status == status

    await eventually(lambda: known(volunteer_id, "registered"))
    async with service.app.state.runtime.db.session() as session:
        me = await session.get(KnownVolunteer, volunteer_id)
    assert me is not None
    assert me.account_id is not None

    activity = await service.activity(community, capacity=1)
    url = f"/activities/{activity['id']}/sign-ups"
    mine = await service.client.post(url, headers=service.as_volunteer(me))
    assert mine.json()["status"] == "confirmed"
    stranger = await service.client.post(
        url, headers=service.headers(Role.VOLUNTEER, community, subject="nobody")
    )
    assert stranger.status_code == 403  # an account with no volunteer record cannot sign up

    suspended = await registry_client.post(
        f"/volunteers/{volunteer_id}/suspend", json={"reason": "违反服务纪律"}, headers=admin
    )
    assert suspended.status_code == 200

    async def cancelled() -> bool:
        roster = await service.client.get(url, headers=admin)
        return [s["status"] for s in roster.json()["items"]] == ["cancelled"]

    await eventually(cancelled)
    [event] = await service.events("sign_up_cancelled")
    assert '"reason":"volunteer suspended"' in event["data"]
    # The event that caused it is the registry's suspension, and the chain is traceable.
    suspension = [
        {k.decode(): v.decode() for k, v in fields.items()}
        for _, fields in await redis.xrange(service.namespace + "registry.events")
    ]
    [cause] = [e for e in suspension if e["type"] == "org.linli.registry.volunteer_suspended.v1"]
    assert event["causationid"] == cause["id"]
    assert event["correlationid"] == cause["correlationid"]
    refused = await service.client.post(url, headers=service.as_volunteer(me))
    assert refused.status_code == 409
    assert refused.json() == {
        "code": "volunteer_may_not_sign_up",
        "detail": "该志愿者当前为“已暂停服务”，不能报名",
    }


async def test_a_transferred_volunteer_serves_the_new_community_and_gives_up_the_old_one_s_places(
    service: Activities, registry_client: httpx.AsyncClient
) -> None:
    district = service.headers(Role.DISTRICT_ADMIN, None)
    old, new = [
        (await registry_client.post("/communities", json={"name": name}, headers=district)).json()[
            "id"
        ]
        for name in ("兴华社区", "东风社区")
    ]
    admin = service.headers(Role.COMMUNITY_ADMIN, old)

    async def known(volunteer: str, community: str) -> KnownVolunteer | None:
        async with service.app.state.runtime.db.session() as session:
            found = await session.get(KnownVolunteer, volunteer, populate_existing=True)
        return found if found is not None and found.community_id == community else None

    volunteers = []
    for serial, username in ((7, "mover"), (8, "stayer")):
        form = {
            **application(serial),
            "community_id": old,
            "username": username,
            "password": "a long passphrase",
        }
        vid = (await registry_client.post("/applications", json=form)).json()["id"]
        await registry_client.post(f"/volunteers/{vid}/approve", headers=admin)
        await eventually(lambda vid=vid: known(vid, old))  # type: ignore[misc]
        found = await known(vid, old)
        assert found is not None
        volunteers.append(found)
    mover, stayer = volunteers
    own = await service.activity(old, capacity=1)
    wide = await service.activity(old, capacity=5, scope="district")
    for activity, who in ((own, mover), (wide, mover), (own, stayer)):
        response = await service.client.post(
            f"/activities/{activity['id']}/sign-ups", headers=service.as_volunteer(who)
        )
        assert response.status_code == 201, response.text

    moved = await registry_client.post(
        f"/volunteers/{mover.id}/transfer", json={"community_id": new}, headers=district
    )
    assert moved.status_code == 200, moved.text
    await eventually(lambda: known(mover.id, new))

    async def statuses(activity: dict[str, object]) -> dict[str, str]:
        roster = await service.client.get(f"/activities/{activity['id']}/sign-ups", headers=admin)
        return {s["volunteer_id"]: s["status"] for s in roster.json()["items"]}

    async def place_passed_on() -> bool:
        # Offered or confirmed at once, by the activity's waitlist policy.
        seen = await statuses(own)
        return seen[mover.id] == "cancelled" and seen[stayer.id] in {"offered", "confirmed"}

    await eventually(place_passed_on)
    assert await statuses(wide) == {mover.id: "confirmed"}  # district-wide: they stay
    [cancelled] = [e for e in await service.events("sign_up_cancelled") if mover.id in e["data"]]
    assert '"reason":"volunteer moved to another community"' in cancelled["data"]
    # And they now sign up as one of the new community's volunteers.
    theirs = await service.activity(new, capacity=2)
    moved_headers = service.headers(Role.VOLUNTEER, new, subject=mover.account_id)
    signed = await service.client.post(
        f"/activities/{theirs['id']}/sign-ups", headers=moved_headers
    )
    assert signed.status_code == 201, signed.text
