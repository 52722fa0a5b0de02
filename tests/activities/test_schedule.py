"""A volunteer's schedule is a list like any other: pages of their coming activities,
the soonest first, walked with the cursor."""

from __future__ import annotations

from datetime import timedelta

from tests.activities.conftest import Activities


async def test_the_schedule_pages_the_caller_s_coming_activities_soonest_first(
    service: Activities,
) -> None:
    await _pages_soonest_first(service)


async def test_the_schedule_pages_the_same_on_postgres(pg_service: Activities) -> None:
    await _pages_soonest_first(pg_service)


async def _pages_soonest_first(service: Activities) -> None:
    me, other = await service.volunteers("c1", 2)
    # Created out of order; the schedule reads them by their start.
    made = {
        days: await service.activity("c1", starts_in=timedelta(days=days)) for days in (3, 1, 2, 4)
    }
    places = {}
    for days, activity in made.items():
        signed = await service.client.post(
            f"/activities/{activity['id']}/sign-ups", headers=service.as_volunteer(me)
        )
        assert signed.status_code == 201, signed.text
        places[days] = signed.json()["id"]
    # A place given up leaves the schedule; someone else's place is not on mine.
    cancelled = await service.client.post(
        f"/activities/{made[4]['id']}/sign-ups/{places[4]}/cancel",
        headers=service.as_volunteer(me),
    )
    assert cancelled.status_code == 204, cancelled.text
    theirs = await service.activity("c1", starts_in=timedelta(hours=12))
    await service.client.post(
        f"/activities/{theirs['id']}/sign-ups", headers=service.as_volunteer(other)
    )

    first = await service.client.get(
        "/me/schedule", params={"limit": 2}, headers=service.as_volunteer(me)
    )
    assert first.status_code == 200, first.text
    page = first.json()
    assert page["total"] == 3
    assert page["next_cursor"] is not None
    rest = await service.client.get(
        "/me/schedule",
        params={"limit": 2, "cursor": page["next_cursor"]},
        headers=service.as_volunteer(me),
    )
    assert rest.status_code == 200, rest.text
    assert rest.json()["next_cursor"] is None
    items = page["items"] + rest.json()["items"]
    assert [(i["activity_id"], i["sign_up_id"], i["sign_up_status"]) for i in items] == [
        (made[days]["id"], places[days], "confirmed") for days in (1, 2, 3)
    ]
    assert items[0]["title"] == made[1]["title"]
    assert items[0]["starts_at"] == made[1]["starts_at"]
