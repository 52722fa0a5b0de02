"""A resident lists their own requests and follows each one's progress, step by step."""

from __future__ import annotations

from sqlmodel import col, select

from activities.models import KnownTeam, KnownTeamMember, RequestStep
from shared.auth import Role
from tests.activities.conftest import Activities
from tests.activities.test_queues import either, every_item

__all__ = ["either"]


async def test_a_resident_follows_their_request_from_opened_to_resolved(
    either: Activities,
) -> None:
    service = either
    [helper] = await service.volunteers("c1", 1)
    async with service.app.state.runtime.db.session() as session:
        session.add(KnownTeam(id="team-h", community_id="c1", service_area_code="healthcare"))
        session.add(KnownTeamMember(team_id="team-h", volunteer_id=helper.id))
        await session.commit()
    resident = service.headers(Role.RESIDENT, "c1", subject="resident-1")
    admin = service.headers(Role.COMMUNITY_ADMIN, "c1")
    opened = await service.client.post(
        "/communities/c1/requests",
        json={"category": "medical_care", "description": "需要陪同就医"},
        headers=resident,
    )
    assert opened.status_code == 201, opened.text
    request_id = opened.json()["id"]
    other = await service.client.post(
        "/communities/c1/requests",
        json={"category": "telecom", "description": "家里宽带故障"},
        headers=resident,
    )
    assert other.status_code == 201
    assigned = await service.client.post(
        f"/requests/{request_id}/assign", json={"volunteer_id": helper.id}, headers=admin
    )
    assert assigned.status_code == 200, assigned.text
    resolved = await service.client.post(
        f"/requests/{request_id}/resolve",
        json={"resolution": "已陪同去社区医院"},
        headers=service.as_volunteer(helper),
    )
    assert resolved.status_code == 200, resolved.text

    progress = await service.client.get(f"/requests/{request_id}/progress", headers=resident)
    assert progress.status_code == 200, progress.text
    body = progress.json()
    assert body["request"]["status"] == "resolved"
    steps = [(s["status"], s["team_id"], s["volunteer_id"], s["note"]) for s in body["steps"]]
    assert steps == [
        ("open", None, None, None),
        ("assigned", "team-h", None, "routed to the community's team for this category"),
        ("assigned", None, helper.id, None),
        ("resolved", None, helper.id, "已陪同去社区医院"),
    ]
    times = [s["at"] for s in body["steps"]]
    assert times == sorted(times)

    # Their own list, filtered: the resolved one only, then the one still open.
    mine = await every_item(service, "/me/requests", resident, status="resolved")
    assert [r["id"] for r in mine] == [request_id]
    live = await every_item(service, "/me/requests", resident, status="open")
    assert [r["id"] for r in live] == [other.json()["id"]]
    # Somebody else's request answers as an unknown one.
    stranger = service.headers(Role.RESIDENT, "c1", subject="resident-2")
    hidden = await service.client.get(f"/requests/{request_id}/progress", headers=stranger)
    assert hidden.status_code == 404
    unknown = await service.client.get("/requests/nope/progress", headers=stranger)
    assert hidden.json() == unknown.json()
    async with service.app.state.runtime.db.session() as session:
        stored = await session.exec(
            select(RequestStep).where(col(RequestStep.request_id) == request_id)
        )
        assert len(stored.all()) == 4
