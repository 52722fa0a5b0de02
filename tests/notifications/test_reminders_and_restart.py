"""Reminders once before the start; rejected applicants told; a restarted consumer repeats nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from notifications.reminders import remind
from shared.auth import Role
from shared.contracts.activities import ActivityPublished, ServiceConfirmed, SignedUp
from shared.contracts.registry import VolunteerRegistered, VolunteerRejected
from tests.notifications.conftest import Notifications


def registered(volunteer: str, account: str) -> VolunteerRegistered:
    return VolunteerRegistered(
        volunteer_id=volunteer,
        volunteer_number=f"N{volunteer}",
        community_id="c1",
        service_area_codes=[],
        party_member=False,
        category="resident",
        account_id=account,
        registered_on=date(2026, 1, 1),
    )


async def test_a_reminder_goes_once_to_those_signed_up(service: Notifications) -> None:
    starts = datetime.now(UTC) + timedelta(hours=3)
    await service.publish(registered("v1", "acct-1"), registered("v2", "acct-2"))
    await service.publish(
        ActivityPublished(
            activity_id="a1",
            community_id="c1",
            title="健康义诊",
            kind="health_check",
            service_area_code="healthcare",
            scope="team",
            team_id="nobody",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=5,
        ),
        SignedUp(activity_id="a1", community_id="c1", volunteer_id="v1"),
    )
    await service.settle()
    async with service.app.state.runtime.db.session() as session:
        assert await remind(session, timedelta(hours=1)) == 0  # not yet within the window
    async with service.app.state.runtime.db.session() as session:
        assert await remind(session, timedelta(hours=24)) == 1
    async with service.app.state.runtime.db.session() as session:
        assert await remind(session, timedelta(hours=24)) == 0
    assert (await service.titles(service.person("acct-1"))).count("活动提醒") == 1
    assert "活动提醒" not in await service.titles(service.person("acct-2"))
    [reminder] = [
        entry
        for entry in (await service.client.get("/inbox", headers=service.person("acct-1"))).json()[
            "items"
        ]
        if entry["title"] == "活动提醒"
    ]
    # The time the reader reads is the district's (Beijing's), whatever the server's.
    local = starts.astimezone(ZoneInfo("Asia/Shanghai"))
    assert reminder["body"] == f"健康义诊 将于 {local:%Y-%m-%d %H:%M} 开始。"


async def test_a_rejected_applicant_is_told_why(service: Notifications) -> None:
    await service.publish(
        VolunteerRejected(
            volunteer_id="v9", community_id="c1", reason="材料不全", account_id="acct-9"
        )
    )
    await service.settle()
    [entry] = (
        await service.client.get("/inbox", headers=service.person("acct-9", Role.RESIDENT))
    ).json()["items"]
    assert entry["body"] == "您的志愿者申请未通过：材料不全"


async def test_a_restarted_consumer_reading_everything_again_notifies_nobody_twice(
    service: Notifications,
) -> None:
    await service.publish(registered("v1", "acct-1"))
    await service.publish(
        ServiceConfirmed(
            record_id="r1",
            volunteer_id="v1",
            community_id="c1",
            started_at=datetime.now(UTC),
            hours=1.0,
            confirmed_by="x",
        )
    )
    await service.settle()
    person = service.person("acct-1")
    before = await service.titles(person)
    assert sorted(before) == ["志愿者注册成功", "服务时长已确认"]
    # As after a restart that lost its place: the group starts over from the first entry.
    for stream in ("registry.events", "activities.events"):
        await service.redis.xgroup_setid(service.namespace + stream, "notifications", id="0")
    await service.publish(registered("v2", "acct-2"))
    await service.settle()
    assert sorted(await service.titles(person)) == sorted(before)
    assert await service.titles(service.person("acct-2")) == ["志愿者注册成功"]
