"""Which event notifies whom: each rule reaches the right inboxes and nobody else's."""

from __future__ import annotations

from datetime import UTC, date, datetime

from shared.auth import Role
from shared.contracts.activities import (
    ActivityCancelled,
    ActivityPublished,
    PairingVisitOverdue,
    PlaceOffered,
    Promoted,
    RequestAssigned,
    ServiceConfirmed,
    SignedUp,
    SignUpCancelled,
)
from shared.contracts.evaluation import NominationDecided, StarReached
from shared.contracts.registry import TeamMemberJoined, VolunteerRegistered, VolunteerTransferred
from tests.notifications.conftest import Notifications

SOON = datetime(2026, 12, 5, 9, tzinfo=UTC)


def registered(volunteer: str, account: str | None) -> VolunteerRegistered:
    return VolunteerRegistered(
        volunteer_id=volunteer,
        volunteer_number=f"N{volunteer}",
        community_id="c1",
        service_area_codes=["x"],
        party_member=False,
        category="resident",
        account_id=account,
        registered_on=date(2026, 1, 1),
    )


async def test_each_rule_reaches_the_right_people_and_nobody_else(service: Notifications) -> None:
    await service.publish(
        registered("v1", "acct-1"), registered("v2", "acct-2"), registered("v3", None)
    )
    await service.publish(TeamMemberJoined(team_id="t1", community_id="c1", volunteer_id="v2"))
    await service.publish(
        SignedUp(activity_id="act", community_id="c1", volunteer_id="v1"),
        SignedUp(activity_id="act", community_id="c1", volunteer_id="v2"),
        SignUpCancelled(
            activity_id="act", community_id="c1", volunteer_id="v2", reason="cancelled"
        ),
        ActivityCancelled(activity_id="act", community_id="c1", reason="暴雨"),
        PlaceOffered(activity_id="other", community_id="c1", volunteer_id="v2", confirm_by=SOON),
        ServiceConfirmed(
            record_id="r",
            volunteer_id="v1",
            community_id="c1",
            started_at=SOON,
            hours=2.5,
            confirmed_by="x",
        ),
        RequestAssigned(request_id="q", community_id="c1", category="housekeeping", team_id="t1"),
        PairingVisitOverdue(pairing_id="p", community_id="c1", volunteer_ids=["v1"], due_at=SOON),
    )
    await service.publish(
        StarReached(
            volunteer_id="v2", community_id="c1", level=1, threshold_hours=100, total_hours=101.0
        ),
        NominationDecided(
            nomination_id="n",
            period_id="p",
            community_id="c1",
            volunteer_id="v1",
            approved=True,
            reason="好",
        ),
        NominationDecided(
            nomination_id="n2",
            period_id="p",
            community_id="c1",
            volunteer_id="v2",
            approved=False,
            reason="否",
        ),
    )
    await service.settle()

    one = await service.titles(service.person("acct-1"))
    two = await service.titles(service.person("acct-2"))
    admin = await service.titles(service.person("admin-1", Role.COMMUNITY_ADMIN))
    other_admin = await service.titles(
        service.person("admin-9", Role.COMMUNITY_ADMIN, community="c2")
    )
    assert sorted(one) == sorted(
        ["志愿者注册成功", "活动取消", "服务时长已确认", "结对走访逾期", "表彰"]
    )
    assert sorted(two) == sorted(["志愿者注册成功", "候补转正", "居民诉求", "星级志愿者"])
    assert admin == ["结对走访逾期"]
    assert other_admin == []
    body = (await service.client.get("/inbox", headers=service.person("acct-1"))).json()["items"]
    assert any(n["body"] == "您的 2.5 小时志愿服务已确认。" for n in body)


async def test_a_place_given_from_the_waitlist_is_told_and_a_confirmed_offer_is_not(
    service: Notifications,
) -> None:
    await service.publish(registered("v1", "acct-1"), registered("v2", "acct-2"))
    await service.publish(
        Promoted(activity_id="a", community_id="c1", volunteer_id="v1", automatically=True),
        Promoted(activity_id="b", community_id="c1", volunteer_id="v2"),  # confirmed an offer
    )
    await service.settle()
    assert sorted(await service.titles(service.person("acct-1"))) == sorted(
        ["志愿者注册成功", "已获得名额"]
    )
    assert await service.titles(service.person("acct-2")) == ["志愿者注册成功"]


async def test_community_wide_announcements_reach_the_role_and_are_read_per_person(
    service: Notifications,
) -> None:
    await service.publish(
        ActivityPublished(
            activity_id="a1",
            community_id="c1",
            title="治安巡逻",
            kind="patrol",
            service_area_code="community_work",
            scope="community",
            starts_at=SOON,
            ends_at=SOON,
            capacity=10,
        )
    )
    await service.settle()
    alice, bob = service.person("alice"), service.person("bob")
    assert (await service.client.get("/inbox/unread-count", headers=alice)).json() == {"unread": 1}
    [entry] = (await service.client.get("/inbox", headers=alice)).json()["items"]
    # 09:00 UTC is 17:00 in Beijing: the reader reads the district's time.
    assert entry["body"] == "治安巡逻：2026-12-05 17:00 开始，名额 10 人。"
    assert (
        await service.client.post(f"/inbox/{entry['id']}/read", headers=alice)
    ).status_code == 204
    assert (await service.client.get("/inbox/unread-count", headers=alice)).json() == {"unread": 0}
    assert (await service.client.get("/inbox/unread-count", headers=bob)).json() == {"unread": 1}
    resident = service.person("carol", Role.RESIDENT)
    assert (await service.client.get("/inbox", headers=resident)).json()["items"] == []
    assert (
        await service.client.post(f"/inbox/{entry['id']}/read", headers=resident)
    ).status_code == 404


async def test_a_duplicate_event_notifies_nobody_twice_and_language_follows_preference(
    service: Notifications,
) -> None:
    [registration] = await service.publish(registered("v1", "acct-1"))
    await service.redis.xadd(service.namespace + "registry.events", registration.to_fields())  # type: ignore[arg-type]
    await service.settle()
    person = service.person("acct-1")
    assert await service.titles(person) == ["志愿者注册成功"]
    await service.client.put("/me/preferences", json={"language": "en"}, headers=person)
    [entry] = (await service.client.get("/inbox", headers=person)).json()["items"]
    assert entry["title"] == "Registration approved"
    assert entry["body"] == "Your volunteer registration is approved: number Nv1."
    assert (
        await service.client.put("/me/preferences", json={"language": "fr"}, headers=person)
    ).status_code == 422


async def test_preferences_take_hours_as_json_numbers_only_and_no_unknown_fields(
    service: Notifications,
) -> None:
    person = service.person("acct-strict")
    night = {"quiet_from_hour": 22, "quiet_to_hour": 7}
    ok = await service.client.put("/me/preferences", json=night, headers=person)
    assert ok.status_code == 200, ok.text
    for wrong in (
        {"quiet_from_hour": 0, "quiet_to_hour": False},  # was stored as 0
        {"quiet_from_hour": "22", "quiet_to_hour": 7},
        {**night, "quiet_hours": "22-7"},  # a misspelt field is not ignored
    ):
        refused = await service.client.put("/me/preferences", json=wrong, headers=person)
        assert refused.status_code == 422, wrong


async def test_a_transferred_volunteer_is_still_told(service: Notifications) -> None:
    await service.publish(
        registered("v6", "acct-6"),
        VolunteerTransferred(
            volunteer_id="v6",
            volunteer_number="Nv6",
            from_community_id="c1",
            to_community_id="c2",
            service_area_codes=[],
        ),
        # Another's registration was never seen here (a trimmed stream): the transfer
        # names the account.
        VolunteerTransferred(
            volunteer_id="v7",
            volunteer_number="N7",
            from_community_id="c1",
            to_community_id="c2",
            service_area_codes=[],
            account_id="acct-7",
        ),
    )
    await service.publish(
        *(
            ServiceConfirmed(
                record_id=f"r-{volunteer}",
                volunteer_id=volunteer,
                community_id="c2",
                started_at=SOON,
                hours=2.0,
                confirmed_by="admin",
            )
            for volunteer in ("v6", "v7")
        )
    )
    await service.settle()
    # A transfer without the account keeps the one the registration named.
    assert sorted(await service.titles(service.person("acct-6", Role.VOLUNTEER, "c2"))) == [
        "志愿者注册成功",
        "服务时长已确认",
    ]
    assert await service.titles(service.person("acct-7", Role.VOLUNTEER, "c2")) == [
        "服务时长已确认"
    ]
