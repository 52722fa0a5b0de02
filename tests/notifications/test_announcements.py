"""Announcements to the district, a community or a team, now or at a set time."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from shared.auth import Role
from shared.contracts.registry import (
    CommunityCreated,
    TeamCreated,
    TeamMemberJoined,
    VolunteerRegistered,
)
from tests.notifications.conftest import Notifications


@pytest.fixture
def overrides() -> dict[str, Any]:
    return {"announcement_interval_seconds": 0.1}


async def test_announcements_reach_their_audience_now_or_later(service: Notifications) -> None:
    await service.publish(
        CommunityCreated(community_id="c1", name="兴华"),
        CommunityCreated(community_id="c2", name="东风"),
    )
    await service.publish(
        VolunteerRegistered(
            volunteer_id="v1",
            volunteer_number="n1",
            community_id="c1",
            service_area_codes=[],
            party_member=False,
            category="resident",
            account_id="acct-1",
            registered_on=date(2026, 1, 1),
        ),
        TeamMemberJoined(team_id="t1", community_id="c1", volunteer_id="v1"),
    )
    await service.settle()
    district = service.person("district", Role.DISTRICT_ADMIN, None)
    c1_admin = service.person("admin-1", Role.COMMUNITY_ADMIN, "c1")
    member = service.person("acct-1", Role.VOLUNTEER, "c1")
    c1_resident = service.person("res-1", Role.RESIDENT, "c1")
    c2_volunteer = service.person("acct-9", Role.VOLUNTEER, "c2")

    made = await service.client.post(
        "/announcements",
        json={"audience": "district", "title": "全区通知", "body": "本周六开展文明创建活动"},
        headers=district,
    )
    assert made.status_code == 201, made.text
    assert made.json()["published"] is True
    await service.client.post(
        "/announcements",
        json={
            "audience": "community",
            "community_id": "c1",
            "title": "社区通知",
            "body": "周三下午健康义诊",
        },
        headers=c1_admin,
    )
    await service.client.post(
        "/announcements",
        json={"audience": "team", "team_id": "t1", "title": "队内通知", "body": "巡逻改到东门"},
        headers=c1_admin,
    )
    later = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    scheduled = await service.client.post(
        "/announcements",
        json={
            "audience": "community",
            "community_id": "c1",
            "title": "定时通知",
            "body": "明早集合",
            "publish_at": later,
        },
        headers=c1_admin,
    )
    assert scheduled.json()["published"] is False

    assert sorted(await service.titles(member)) == sorted(
        ["志愿者注册成功", "全区通知", "社区通知", "队内通知"]
    )
    assert sorted(await service.titles(c1_resident)) == sorted(["全区通知", "社区通知"])
    assert await service.titles(c2_volunteer) == ["全区通知"]
    for _ in range(60):
        if "定时通知" in await service.titles(c1_resident):
            break
        await asyncio.sleep(0.1)
    assert "定时通知" in await service.titles(c1_resident)
    assert "定时通知" not in await service.titles(c2_volunteer)

    refused = await service.client.post(
        "/announcements", json={"audience": "district", "title": "x", "body": "y"}, headers=c1_admin
    )
    assert refused.status_code == 403
    other = await service.client.post(
        "/announcements",
        json={"audience": "community", "community_id": "c2", "title": "x", "body": "y"},
        headers=c1_admin,
    )
    assert other.status_code == 404
    assert (
        await service.client.post(
            "/announcements",
            json={"audience": "community", "community_id": "c1", "title": "x", "body": "y"},
            headers=member,
        )
    ).status_code == 403


async def test_a_team_of_another_community_is_404_and_hears_nothing(
    service: Notifications,
) -> None:
    await service.publish(
        CommunityCreated(community_id="c1", name="兴华"),
        CommunityCreated(community_id="c2", name="东风"),
    )
    await service.publish(
        VolunteerRegistered(
            volunteer_id="v1",
            volunteer_number="n1",
            community_id="c1",
            service_area_codes=[],
            party_member=False,
            category="resident",
            account_id="acct-1",
            registered_on=date(2026, 1, 1),
        ),
        TeamCreated(team_id="t1", community_id="c1", name="巡逻队", service_area_code="x"),
        TeamMemberJoined(team_id="t1", community_id="c1", volunteer_id="v1"),
    )
    await service.settle()
    c2_admin = service.person("admin-2", Role.COMMUNITY_ADMIN, "c2")
    member = service.person("acct-1", Role.VOLUNTEER, "c1")

    def team_post(team_id: str, **extra: str) -> dict[str, str]:
        return {"audience": "team", "team_id": team_id, "title": "越权", "body": "越权", **extra}

    theirs = await service.client.post("/announcements", json=team_post("t1"), headers=c2_admin)
    unknown = await service.client.post("/announcements", json=team_post("t9"), headers=c2_admin)
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()
    # Naming the team's own community does not help a caller from another one.
    named = await service.client.post(
        "/announcements", json=team_post("t1", community_id="c1"), headers=c2_admin
    )
    assert named.status_code == 404
    await service.settle()
    assert "越权" not in await service.titles(member)

    # The district admin may address the team without naming its community.
    district = service.person("district", Role.DISTRICT_ADMIN, None)
    made = await service.client.post("/announcements", json=team_post("t1"), headers=district)
    assert made.status_code == 201, made.text
    assert made.json()["community_id"] == "c1"
    assert "越权" in await service.titles(member)


async def test_an_announcement_of_the_longest_body_reaches_the_inbox(
    service: Notifications,
) -> None:
    await service.publish(CommunityCreated(community_id="c1", name="兴华"))
    await service.settle()
    admin = service.person("admin-1", Role.COMMUNITY_ADMIN, "c1")
    resident = service.person("res-1", Role.RESIDENT, "c1")
    longest = "长" * 4000  # the most the document allows
    made = await service.client.post(
        "/announcements",
        json={"audience": "community", "community_id": "c1", "title": "长通知", "body": longest},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    inbox = (await service.client.get("/inbox", headers=resident)).json()["items"]
    assert [entry["body"] for entry in inbox if entry["title"] == "长通知"] == [longest]
