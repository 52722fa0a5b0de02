"""A weekly series: listed, changed and cancelled from a day on, each occurrence as one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, update

from activities.models import Activity, ActivityStatus
from shared.auth import Role
from tests.activities.conftest import Activities

ZONE = ZoneInfo("Asia/Shanghai")


async def _series(service: Activities, weeks: int = 4, **extra: Any) -> list[dict[str, Any]]:
    # 09:00 in the district, a week from tomorrow on.
    day = (datetime.now(ZONE) + timedelta(days=1)).date()
    starts = datetime(day.year, day.month, day.day, 9, tzinfo=ZONE)
    body = {
        "title": "周末巡逻",
        "kind": "patrol",
        "service_area_code": "community_work",
        "place": "兴华社区东门",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "capacity": 3,
        "repeat_weekly": weeks,
        **extra,
    }
    response = await service.client.post(
        "/communities/c1/activities",
        params={"publish": True},
        json=body,
        headers=service.headers(Role.COMMUNITY_ADMIN, "c1"),
    )
    assert response.status_code == 201, response.text
    return list(response.json())


def _day(activity: dict[str, Any]) -> str:
    return datetime.fromisoformat(activity["starts_at"]).astimezone(ZONE).date().isoformat()


async def _exercise(service: Activities) -> None:
    [volunteer] = await service.volunteers("c1", 1)
    made = await _series(service)
    series_id = made[0]["series_id"]
    assert series_id
    assert all(a["series_id"] == series_id for a in made)
    admin = service.headers(Role.COMMUNITY_ADMIN, "c1")
    # The volunteer signs up for the last two; the first is completed (it took place).
    for activity in made[2:]:
        signed = await service.client.post(
            f"/activities/{activity['id']}/sign-ups", headers=service.as_volunteer(volunteer)
        )
        assert signed.status_code == 201, signed.text
    async with service.app.state.runtime.db.session() as session:
        await session.exec(
            update(Activity)
            .where(col(Activity.id) == made[0]["id"])
            .values(status=ActivityStatus.COMPLETED)
        )
        await session.commit()

    # The series is listed, paged, by start.
    first = await service.client.get(
        f"/series/{series_id}/activities", params={"limit": 3}, headers=admin
    )
    assert first.status_code == 200, first.text
    page = first.json()
    assert page["total"] == 4
    assert len(page["items"]) == 3
    rest = await service.client.get(
        f"/series/{series_id}/activities",
        params={"limit": 3, "cursor": page["next_cursor"]},
        headers=admin,
    )
    listed = [a["id"] for a in page["items"] + rest.json()["items"]]
    assert listed == [a["id"] for a in made]
    from_third = await service.client.get(
        f"/series/{series_id}/activities", params={"from": _day(made[2])}, headers=admin
    )
    assert [a["id"] for a in from_third.json()["items"]] == [a["id"] for a in made[2:]]

    # From the first day on: the completed one stays as it was, the other three change.
    changed = await service.client.patch(
        f"/series/{series_id}",
        params={"from": _day(made[0])},
        json={"place": "兴华社区西门", "start_time": "19:00", "end_time": "21:30"},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    assert [a["id"] for a in changed.json()] == [a["id"] for a in made[1:]]
    for before, after in zip(made[1:], changed.json(), strict=True):
        starts = datetime.fromisoformat(after["starts_at"]).astimezone(ZONE)
        ends = datetime.fromisoformat(after["ends_at"]).astimezone(ZONE)
        assert starts.date().isoformat() == _day(before)
        assert (starts.hour, starts.minute, ends.hour, ends.minute) == (19, 0, 21, 30)
        assert after["place"] == "兴华社区西门"
    completed = (await service.client.get(f"/activities/{made[0]['id']}", headers=admin)).json()
    assert (completed["status"], completed["place"]) == ("completed", "兴华社区东门")
    events = await service.events("activity_changed")
    assert sorted(e["subject"] for e in events) == sorted(a["id"] for a in made[1:])

    # Cancelled from the third occurrence's day: the second stays published.
    cancelled = await service.client.post(
        f"/series/{series_id}/cancel",
        params={"from": _day(made[2])},
        json={"reason": "场地改造"},
        headers=admin,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert [a["id"] for a in cancelled.json()] == [a["id"] for a in made[2:]]
    assert {a["status"] for a in cancelled.json()} == {"cancelled"}
    events = await service.events("activity_cancelled")
    assert sorted(e["subject"] for e in events) == sorted(a["id"] for a in made[2:])
    second = (await service.client.get(f"/activities/{made[1]['id']}", headers=admin)).json()
    assert second["status"] == "published"
    # Nothing is left to cancel from that day on: the answer says so by being empty.
    again = await service.client.post(
        f"/series/{series_id}/cancel",
        params={"from": _day(made[2])},
        json={"reason": "场地改造"},
        headers=admin,
    )
    assert again.json() == []
    assert len(await service.events("activity_cancelled")) == 2


async def test_a_series_is_listed_changed_and_cancelled_from_a_day_on(
    service: Activities,
) -> None:
    await _exercise(service)


async def test_a_series_is_listed_changed_and_cancelled_from_a_day_on_postgres(
    pg_service: Activities,
) -> None:
    await _exercise(pg_service)


async def test_a_series_change_below_what_one_occurrence_holds_changes_none(
    service: Activities,
) -> None:
    volunteers = await service.volunteers("c1", 2)
    made = await _series(service, weeks=3)
    series_id = made[0]["series_id"]
    for volunteer in volunteers:
        await service.client.post(
            f"/activities/{made[2]['id']}/sign-ups", headers=service.as_volunteer(volunteer)
        )
    admin = service.headers(Role.COMMUNITY_ADMIN, "c1")
    refused = await service.client.patch(
        f"/series/{series_id}", json={"capacity": 1, "place": "西门"}, headers=admin
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "series_occurrence_overbooked"
    assert refused.json()["detail"].startswith(f"{_day(made[2])} 的活动已有 ")
    listed = await service.client.get(f"/series/{series_id}/activities", headers=admin)
    assert {(a["capacity"], a["place"]) for a in listed.json()["items"]} == {(3, "兴华社区东门")}
    assert await service.events("activity_changed") == []


async def test_a_series_is_its_communitys(service: Activities) -> None:
    made = await _series(service, weeks=2)
    series_id = made[0]["series_id"]
    stranger = service.headers(Role.COMMUNITY_ADMIN, "c2")
    unknown = await service.client.get(
        "/series/01HZZZZZZZZZZZZZZZZZZZZZZZ/activities", headers=stranger
    )
    foreign = await service.client.get(f"/series/{series_id}/activities", headers=stranger)
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    patched = await service.client.patch(
        f"/series/{series_id}", json={"place": "西门"}, headers=stranger
    )
    assert patched.status_code == 404
    [volunteer] = await service.volunteers("c1", 1)
    own_volunteer = service.as_volunteer(volunteer)
    assert (
        await service.client.get(f"/series/{series_id}/activities", headers=own_volunteer)
    ).status_code == 200
    refused = await service.client.post(
        f"/series/{series_id}/cancel", json={"reason": "不想去"}, headers=own_volunteer
    )
    assert refused.status_code == 403
    assert await service.events("activity_cancelled") == []
    # A started occurrence is left alone even when its day is named.
    started = datetime.now(UTC) - timedelta(minutes=5)
    async with service.app.state.runtime.db.session() as session:
        await session.exec(
            update(Activity).where(col(Activity.id) == made[0]["id"]).values(starts_at=started)
        )
        await session.commit()
    admin = service.headers(Role.COMMUNITY_ADMIN, "c1")
    cancelled = await service.client.post(
        f"/series/{series_id}/cancel",
        params={"from": started.astimezone(ZONE).date().isoformat()},
        json={"reason": "场地改造"},
        headers=admin,
    )
    assert [a["id"] for a in cancelled.json()] == [made[1]["id"]]
