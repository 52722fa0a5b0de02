"""Announcements by e-mail (a real SMTP server, aiosmtpd) and SMS (the file provider) to
those of their audience who chose those channels, with each delivery recorded; on
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from shared.auth import Role
from shared.contracts.activities import ActivityPublished
from shared.contracts.registry import (
    AccountChanged,
    CommunityCreated,
    TeamCreated,
    TeamMemberJoined,
    VolunteerRegistered,
)
from tests.notifications.conftest import Inbox, Notifications, subject_of

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def overrides(database_url: str, tmp_path: Path, smtp: tuple[Inbox, int]) -> dict[str, Any]:
    return {
        "database_url": database_url,
        "channel_interval_seconds": 0.1,
        "smtp_port": smtp[1],
        "sms_outbox_file": tmp_path / "sms.jsonl",
        "time_zone": "Asia/Shanghai",
    }


async def eventually(check: Any, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("not in time")
        await asyncio.sleep(0.05)


def sms_lines(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


async def test_announcements_go_out_by_email_and_sms_to_those_who_chose_them(
    service: Notifications, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    mail, _ = smtp
    sms_file = tmp_path / "sms.jsonl"
    hour = datetime.now(UTC).astimezone(ZONE).hour
    people: dict[str, tuple[Role, str, dict[str, Any]]] = {
        "res-zh": (
            Role.RESIDENT,
            "c1",
            {"email": "zh@example.org", "phone": "13800000001", "channels": ["email", "sms"]},
        ),
        "res-en": (
            Role.RESIDENT,
            "c1",
            {"language": "en", "email": "en@example.org", "channels": ["email"]},
        ),
        # An address given, but no channel chosen: the inbox only.
        "res-none": (Role.RESIDENT, "c1", {"email": "none@example.org", "channels": []}),
        "vol-1": (Role.VOLUNTEER, "c1", {"phone": "13800000002", "channels": ["sms"]}),
        "res-c2": (Role.RESIDENT, "c2", {"email": "c2@example.org", "channels": ["email"]}),
        # Inside quiet hours now (from this hour for two): held, not sent.
        "res-quiet": (
            Role.RESIDENT,
            "c1",
            {
                "email": "quiet@example.org",
                "channels": ["email"],
                "quiet_from_hour": hour,
                "quiet_to_hour": (hour + 2) % 24,
            },
        ),
    }
    for account, (role, community, choices) in people.items():
        saved = await service.client.put(
            "/me/preferences", json=choices, headers=service.person(account, role, community)
        )
        assert saved.status_code == 200, saved.text
        assert (saved.json()["role"], saved.json()["community_id"]) == (role.value, community)

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
            account_id="vol-1",
            registered_on=date(2026, 1, 1),
        ),
        TeamCreated(team_id="t1", community_id="c1", name="巡逻队", service_area_code="x"),
        TeamMemberJoined(team_id="t1", community_id="c1", volunteer_id="v1"),
    )
    await service.settle()
    # A new activity reaches every volunteer's inbox, but is no announcement: no SMS.
    await service.publish(
        ActivityPublished(
            activity_id="a1",
            community_id="c1",
            title="义诊",
            kind="clinic",
            service_area_code="x",
            scope="community",
            starts_at=datetime.now(UTC) + timedelta(days=3),
            ends_at=datetime.now(UTC) + timedelta(days=3, hours=2),
            capacity=5,
        )
    )
    await service.settle()

    c1_admin = service.person("admin-1", Role.COMMUNITY_ADMIN, "c1")
    district = service.person("district", Role.DISTRICT_ADMIN, None)

    async def announce(headers: dict[str, str], **body: Any) -> str:
        made = await service.client.post("/announcements", json=body, headers=headers)
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    community = await announce(
        c1_admin, audience="community", community_id="c1", title="社区通知", body="周三义诊"
    )
    team = await announce(c1_admin, audience="team", team_id="t1", title="队内通知", body="东门")
    whole = await announce(district, audience="district", title="全区通知", body="文明创建")

    async def log(
        announcement: str, headers: dict[str, str] = district, **params: str
    ) -> list[dict[str, Any]]:
        response = await service.client.get(
            f"/announcements/{announcement}/deliveries", params=params, headers=headers
        )
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    async def settled() -> bool:
        for announcement in (community, team, whole):
            for delivery in await log(announcement):
                held = delivery["account_id"] == "res-quiet"
                if delivery["status"] != ("pending" if held else "sent"):
                    return False
        return len(await log(whole)) == 6  # all its deliveries are queued

    await eventually(settled)

    by_address: dict[str, list[str]] = {}
    for message in mail.messages:
        by_address.setdefault(message["To"], []).append(subject_of(message))
    assert {address: sorted(subjects) for address, subjects in by_address.items()} == {
        "zh@example.org": ["全区通知", "社区通知"],
        "en@example.org": ["全区通知", "社区通知"],
        "c2@example.org": ["全区通知"],
    }
    texts = sms_lines(sms_file)
    assert sorted((t["to"], t["text"]) for t in texts) == sorted(
        [
            ("13800000001", "【邻里】社区通知：周三义诊"),
            ("13800000001", "【邻里】全区通知：文明创建"),
            ("13800000002", "【邻里】社区通知：周三义诊"),
            ("13800000002", "【邻里】队内通知：东门"),
            ("13800000002", "【邻里】全区通知：文明创建"),
            # A personal notification, which went out before any announcement.
            ("13800000002", "【邻里】志愿者注册成功：您的志愿者注册已通过，编号 n1。"),
        ]
    )

    # Each delivery is recorded: who, which channel, how it went.
    recorded = await log(community, c1_admin)
    assert sorted((d["account_id"], d["channel"], d["status"]) for d in recorded) == [
        ("res-en", "email", "sent"),
        ("res-quiet", "email", "pending"),
        ("res-zh", "email", "sent"),
        ("res-zh", "sms", "sent"),
        ("vol-1", "sms", "sent"),
    ]
    assert all(d["sent_at"] is not None for d in recorded if d["status"] == "sent")
    assert all(d["attempts"] == 1 for d in recorded if d["status"] == "sent")
    assert "address" not in recorded[0]
    by_sms = await log(community, c1_admin, channel="sms")
    assert sorted(d["account_id"] for d in by_sms) == ["res-zh", "vol-1"]
    assert [d["account_id"] for d in await log(community, c1_admin, status="pending")] == [
        "res-quiet"
    ]
    assert [(d["account_id"], d["channel"]) for d in await log(team, c1_admin)] == [
        ("vol-1", "sms")
    ]
    # A district announcement: a community admin sees its own community's deliveries.
    assert "res-c2" in {d["account_id"] for d in await log(whole)}
    assert "res-c2" not in {d["account_id"] for d in await log(whole, c1_admin)}
    paged = await service.client.get(
        f"/announcements/{whole}/deliveries", params={"limit": 2}, headers=district
    )
    assert paged.json()["total"] == 6
    assert len(paged.json()["items"]) == 2
    assert paged.json()["next_cursor"] is not None

    # Another community's announcement answers as an unknown one.
    c2_admin = service.person("admin-2", Role.COMMUNITY_ADMIN, "c2")
    theirs = await service.client.get(f"/announcements/{community}/deliveries", headers=c2_admin)
    unknown = await service.client.get("/announcements/nothing/deliveries", headers=c2_admin)
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()
    volunteer = service.person("vol-1", Role.VOLUNTEER, "c1")
    refused = await service.client.get(f"/announcements/{community}/deliveries", headers=volunteer)
    assert refused.status_code == 403


async def test_announcements_follow_the_account_s_community_and_stop_when_disabled(
    service: Notifications, smtp: tuple[Inbox, int]
) -> None:
    mail, _ = smtp
    await service.publish(
        CommunityCreated(community_id="c1", name="兴华"),
        CommunityCreated(community_id="c2", name="东风"),
    )
    await service.settle()
    for account in ("res-moves", "res-stays"):
        saved = await service.client.put(
            "/me/preferences",
            json={"email": f"{account}@example.org", "channels": ["email"]},
            headers=service.person(account, Role.RESIDENT, "c1"),
        )
        assert saved.status_code == 200, saved.text
    # The registry moves one resident to c2 and makes them a community admin there.
    await service.publish(
        AccountChanged(
            account_id="res-moves", role="community_admin", community_id="c2", disabled=False
        ),
        # An account that chose no channel is no one to keep here.
        AccountChanged(account_id="nobody", role="resident", community_id="c1", disabled=False),
    )
    await service.settle()

    async def announce(headers: dict[str, str], **body: Any) -> str:
        made = await service.client.post("/announcements", json=body, headers=headers)
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    district = service.person("district", Role.DISTRICT_ADMIN, None)
    to_c1 = await announce(
        district, audience="community", community_id="c1", title="兴华通知", body="x"
    )
    to_c2 = await announce(
        district, audience="community", community_id="c2", title="东风通知", body="y"
    )

    async def deliveries(announcement: str) -> list[tuple[str, str]]:
        response = await service.client.get(
            f"/announcements/{announcement}/deliveries", headers=district
        )
        return [(d["account_id"], d["status"]) for d in response.json()["items"]]

    async def both_sent() -> bool:
        return await deliveries(to_c1) == [("res-stays", "sent")] and await deliveries(to_c2) == [
            ("res-moves", "sent")
        ]

    await eventually(both_sent)
    assert sorted((m["To"], subject_of(m)) for m in mail.messages) == [
        ("res-moves@example.org", "东风通知"),
        ("res-stays@example.org", "兴华通知"),
    ]

    await service.publish(
        AccountChanged(account_id="res-stays", role="resident", community_id="c1", disabled=True)
    )
    await service.settle()
    await service.client.put(
        "/me/preferences",
        json={"email": "newcomer@example.org", "channels": ["email"]},
        headers=service.person("newcomer", Role.RESIDENT, "c1"),
    )
    again = await announce(
        district, audience="community", community_id="c1", title="再次通知", body="z"
    )

    async def only_the_newcomer_told() -> bool:
        return await deliveries(again) == [("newcomer", "sent")]

    await eventually(only_the_newcomer_told)  # the disabled account has no delivery
    assert ("res-stays@example.org", "再次通知") not in [
        (m["To"], subject_of(m)) for m in mail.messages
    ]
