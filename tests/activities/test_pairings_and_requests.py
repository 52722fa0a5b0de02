"""Pairings and resident requests: visits, routing, and overdue events raised once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import col, update

from activities import pairings, requests
from activities.models import KnownTeam, KnownTeamMember, Pairing, ResidentRequest
from shared.auth import Role
from tests.activities.conftest import Activities


async def _age_pairing(service: Activities, pairing_id: str, days: int) -> None:
    async with service.app.state.runtime.db.session() as session:
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        await session.exec(
            update(Pairing)
            .where(col(Pairing.id) == pairing_id)
            .values(
                created_at=datetime.now(UTC) - timedelta(days=days),
                next_visit_due_at=datetime.now(UTC) - timedelta(days=days - pairing.cadence_days),
            )
        )
        await session.commit()


async def _check_pairings(service: Activities) -> int:
    async with service.app.state.runtime.db.session() as session:
        return await pairings.raise_overdue(session)


async def test_a_pairing_overdue_for_a_visit_raises_its_event_once_per_lapse(
    service: Activities,
) -> None:
    one, two = await service.volunteers("c1", 2)
    admin = service.headers(Role.COMMUNITY_ADMIN, "c1")
    created = await service.client.post(
        "/communities/c1/pairings",
        json={
            "kind": "many_help_one",
            "beneficiary_label": "王奶奶",
            "beneficiary_category": "empty_nest_elder",
            "beneficiary_account_id": "grandma",
            "volunteer_ids": [one.id, two.id],
            "cadence_days": 7,
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    pairing = created.json()
    assert await _check_pairings(service) == 0
    await _age_pairing(service, pairing["id"], 8)
    assert await _check_pairings(service) == 1
    assert await _check_pairings(service) == 0  # checked again: nothing new
    assert len(await service.events("pairing_visit_overdue")) == 1

    # A visit, confirmed by the beneficiary themself, moves the next due date on.
    visited = datetime.now(UTC) - timedelta(hours=3)
    visit = await service.client.post(
        f"/pairings/{pairing['id']}/visits",
        json={
            "volunteer_id": one.id,
            "started_at": visited.isoformat(),
            "ended_at": (visited + timedelta(hours=1)).isoformat(),
        },
        headers=service.as_volunteer(one),
    )
    assert visit.status_code == 201, visit.text
    assert visit.json()["kind"] == "home_visit"
    assert sorted(visit.json()["tags"]) == ["conversation", "good_deed"]
    grandma = service.headers(Role.RESIDENT, "c1", subject="grandma")
    confirmed = await service.client.post(
        f"/pairings/{pairing['id']}/visits/{visit.json()['id']}/confirm", headers=grandma
    )
    assert confirmed.json()["status"] == "confirmed"
    stranger = service.headers(Role.RESIDENT, "c1", subject="someone-else")
    assert (
        await service.client.post(
            f"/pairings/{pairing['id']}/visits/{visit.json()['id']}/confirm", headers=stranger
        )
    ).status_code == 403
    assert await _check_pairings(service) == 0
    assert len(await service.events("visit_recorded")) == 1

    # Lapsing again is a new lapse: one more event.
    async with service.app.state.runtime.db.session() as session:
        await session.exec(
            update(Pairing)
            .where(col(Pairing.id) == pairing["id"])
            .values(
                last_visit_at=datetime.now(UTC) - timedelta(days=10),
                next_visit_due_at=datetime.now(UTC) - timedelta(days=3),
            )
        )
        await session.commit()
    assert await _check_pairings(service) == 1
    assert await _check_pairings(service) == 0
    assert len(await service.events("pairing_visit_overdue")) == 2


async def test_one_helps_one_pairs_exactly_one_volunteer(service: Activities) -> None:
    one, two = await service.volunteers("c1", 2)
    response = await service.client.post(
        "/communities/c1/pairings",
        json={
            "kind": "one_helps_one",
            "beneficiary_label": "小李",
            "beneficiary_category": "poor_student",
            "volunteer_ids": [one.id, two.id],
            "cadence_days": 14,
        },
        headers=service.headers(Role.COMMUNITY_ADMIN, "c1"),
    )
    assert response.status_code == 422


async def _add_team(service: Activities, area: str, members: list[str]) -> str:
    async with service.app.state.runtime.db.session() as session:
        session.add(KnownTeam(id=f"team-{area}", community_id="c1", service_area_code=area))
        session.add_all(KnownTeamMember(team_id=f"team-{area}", volunteer_id=m) for m in members)
        await session.commit()
    return f"team-{area}"


async def test_a_request_is_routed_resolved_and_seen_only_by_those_concerned(
    service: Activities,
) -> None:
    helper, outsider = await service.volunteers("c1", 2)
    team = await _add_team(service, "healthcare", [helper.id])
    resident = service.headers(Role.RESIDENT, "c1", subject="resident-1")
    opened = await service.client.post(
        "/communities/c1/requests",
        json={"category": "medical_care", "description": "需要陪同去医院复诊"},
        headers=resident,
    )
    assert opened.status_code == 201, opened.text
    request = opened.json()
    assert request["status"] == "assigned"
    assert request["assignee_team_id"] == team
    url = f"/requests/{request['id']}"

    other_resident = service.headers(Role.RESIDENT, "c1", subject="resident-2")
    assert (await service.client.get(url, headers=other_resident)).status_code == 404
    assert (
        await service.client.get(url, headers=service.as_volunteer(outsider))
    ).status_code == 404
    assert (await service.client.get(url, headers=service.as_volunteer(helper))).status_code == 200
    assert [
        r["id"]
        for r in (await service.client.get("/me/requests", headers=resident)).json()["items"]
    ] == [request["id"]]
    assert (await service.client.get("/me/requests", headers=other_resident)).json()["items"] == []

    refused = await service.client.post(
        f"{url}/resolve", json={"resolution": "已陪同"}, headers=service.as_volunteer(outsider)
    )
    assert refused.status_code == 404
    resolved = await service.client.post(
        f"{url}/resolve",
        json={"resolution": "已陪同复诊", "volunteer_id": helper.id},
        headers=service.as_volunteer(helper),
    )
    assert resolved.json()["status"] == "resolved"
    [event] = await service.events("request_resolved")
    assert f'"credited_volunteer_id":"{helper.id}"' in event["data"]
    [routed] = await service.events("request_assigned")
    assert '"routed_automatically":true' in routed["data"]


async def test_an_overdue_request_raises_its_event_once(service: Activities) -> None:
    resident = service.headers(Role.RESIDENT, "c1", subject="resident-1")
    opened = (
        await service.client.post(
            "/communities/c1/requests",
            json={"category": "telecom", "description": "宽带坏了，不会报修"},
            headers=resident,
        )
    ).json()
    assert opened["status"] == "open"  # no team for this category: waits for an organiser

    async def check() -> int:
        async with service.app.state.runtime.db.session() as session:
            return await requests.raise_overdue(session)

    assert await check() == 0
    async with service.app.state.runtime.db.session() as session:
        await session.exec(
            update(ResidentRequest).values(due_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        await session.commit()
    assert await check() == 1
    assert await check() == 0
    assert len(await service.events("request_overdue")) == 1
    closed = await service.client.post(
        f"/requests/{opened['id']}/close", json={"reason": "已自行解决"}, headers=resident
    )
    assert closed.json()["status"] == "closed"
