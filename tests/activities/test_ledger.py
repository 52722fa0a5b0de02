"""The service-record ledger: attendance to records, corrections and voids, plausibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlmodel import col, update

from activities.models import Activity, KnownTeam
from shared.auth import Role
from tests.activities.conftest import Activities

# Midnight UTC (08:00 in Shanghai) some days back: inside the backfill window, whole
# days in the past.
DAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=10)
LOCAL_DAY = f"{DAY.astimezone(timezone(timedelta(hours=8))):%Y-%m-%d}"


def at(hour: float) -> str:
    return (DAY + timedelta(hours=hour)).isoformat()


async def record(
    service: Activities, volunteer: str, start: float, end: float, **extra: Any
) -> Any:
    return await service.client.post(
        "/communities/c1/records",
        json={
            "volunteer_id": volunteer,
            "kind": "home_visit",
            "started_at": at(start),
            "ended_at": at(end),
            **extra,
        },
        headers=service.headers(Role.COMMUNITY_ADMIN, "c1", subject="worker"),
    )


async def confirmed_hours(service: Activities, volunteer: str) -> float:
    page = await service.client.get(
        "/communities/c1/records",
        params={"volunteer_id": volunteer, "status": "confirmed", "limit": 200},
        headers=service.headers(Role.COMMUNITY_ADMIN, "c1"),
    )
    return round(sum(r["hours"] for r in page.json()["items"]), 2)


async def test_confirm_correct_and_void_give_the_right_totals(service: Activities) -> None:
    [volunteer] = await service.volunteers("c1", 1)
    # A second person confirms what the worker recorded (four eyes); the district
    # office's correction of a confirmed record is confirmed at once.
    admin = service.headers(Role.COMMUNITY_ADMIN, "c1", subject="checker")
    office = service.headers(Role.DISTRICT_ADMIN, None, subject="office")
    created = await record(service, volunteer.id, 1, 4, tags=["conversation"])
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "pending"
    assert await confirmed_hours(service, volunteer.id) == 0
    rid = created.json()["id"]
    assert (await service.client.post(f"/records/{rid}/confirm", headers=admin)).json()[
        "status"
    ] == "confirmed"
    assert await confirmed_hours(service, volunteer.id) == 3.0

    corrected = await service.client.post(
        f"/records/{rid}/correct",
        json={"started_at": at(1), "ended_at": at(2.5), "reason": "离开较早"},
        headers=office,
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["corrects_id"] == rid
    assert await confirmed_hours(service, volunteer.id) == 1.5
    history = await service.client.get(
        "/communities/c1/records", params={"volunteer_id": volunteer.id}, headers=admin
    )
    assert sorted(r["status"] for r in history.json()["items"]) == ["confirmed", "superseded"]

    voided = await service.client.post(
        f"/records/{corrected.json()['id']}/void", json={"reason": "重复登记"}, headers=admin
    )
    assert voided.json()["status"] == "voided"
    assert await confirmed_hours(service, volunteer.id) == 0
    assert (
        await service.client.post(f"/records/{rid}/void", json={"reason": "再作废"}, headers=admin)
    ).status_code == 409

    [corrected_event] = await service.events("service_corrected")
    assert '"previous_hours":3.0' in corrected_event["data"]
    assert '"hours":1.5' in corrected_event["data"]
    assert '"confirmed_by":"office"' in corrected_event["data"]
    [voided_event] = await service.events("service_voided")
    assert '"was_confirmed":true' in voided_event["data"]


async def test_overlapping_and_over_cap_records_are_refused_with_a_reason(
    service: Activities,
) -> None:
    [volunteer] = await service.volunteers("c1", 1)
    assert (await record(service, volunteer.id, 1, 4)).status_code == 201
    overlap = await record(service, volunteer.id, 3, 5)
    assert overlap.status_code == 422
    assert overlap.json()["code"] == "overlaps_another_record"
    touching = await record(service, volunteer.id, 4, 8)
    assert touching.status_code == 201  # ends meeting is not overlapping; 7 h that day
    over_cap = await record(service, volunteer.id, 9, 11)
    assert over_cap.status_code == 422
    assert over_cap.json() == {
        "code": "passes_daily_cap",
        "detail": f"{LOCAL_DAY} 已登记 7 小时，再加 2 小时将超过每日上限 8 小时",
    }
    backwards = await record(service, volunteer.id, 12, 11)
    assert backwards.status_code == 422
    assert backwards.json()["code"] == "service_ends_before_start"
    events_before = len(await service.events("service_recorded"))
    assert events_before == 2


async def test_attendance_becomes_a_record_and_completion_marks_no_shows(
    service: Activities,
) -> None:
    present, absent, forgetful = await service.volunteers("c1", 3)
    activity = await service.activity("c1", capacity=5, starts_in=timedelta(minutes=30))
    url = f"/activities/{activity['id']}"
    for volunteer in (present, absent, forgetful):
        assert (
            await service.client.post(f"{url}/sign-ups", headers=service.as_volunteer(volunteer))
        ).status_code == 201
    leader = service.headers(Role.TEAM_LEADER, "c1")
    code = (await service.client.get(url, headers=leader)).json()["check_in_code"]
    assert (
        "check_in_code"
        not in (await service.client.get(url, headers=service.as_volunteer(present))).json()
    )

    scanned = await service.client.post(
        f"{url}/check-in", json={"volunteer_number": present.volunteer_number}, headers=leader
    )
    assert scanned.status_code == 200, scanned.text
    wrong = await service.client.post(
        f"{url}/check-in",
        json={"code": "000000" if code != "000000" else "111111"},
        headers=service.as_volunteer(forgetful),
    )
    assert wrong.status_code == 422
    by_code = await service.client.post(
        f"{url}/check-in", json={"code": code}, headers=service.as_volunteer(forgetful)
    )
    assert by_code.status_code == 200
    # The activity runs: move it into the past so check-out and completion apply.
    async with service.app.state.runtime.db.session() as session:
        now = datetime.now(UTC)
        await session.exec(
            update(Activity)
            .where(col(Activity.id) == activity["id"])
            .values(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
        )
        await session.exec(
            update(__import__("activities.models", fromlist=["SignUp"]).SignUp)
            .where(
                col(__import__("activities.models", fromlist=["SignUp"]).SignUp.activity_id)
                == activity["id"]
            )
            .where(
                col(
                    __import__("activities.models", fromlist=["SignUp"]).SignUp.checked_in_at
                ).is_not(None)
            )
            .values(checked_in_at=now - timedelta(hours=3))
        )
        await session.commit()
    out = await service.client.post(
        f"{url}/check-out", json={"volunteer_number": present.volunteer_number}, headers=leader
    )
    assert out.status_code == 200, out.text
    completed = await service.client.post(f"{url}/complete", headers=leader)
    assert completed.json()["status"] == "completed"

    roster = {
        s["volunteer_id"]: s
        for s in (await service.client.get(f"{url}/sign-ups", headers=leader)).json()["items"]
    }
    assert roster[absent.id]["status"] == "no_show"
    assert roster[forgetful.id]["needs_review"] is True
    assert roster[present.id]["needs_review"] is False
    records = (await service.client.get("/communities/c1/records", headers=leader)).json()["items"]
    hours = {r["volunteer_id"]: r["hours"] for r in records}
    assert hours == {present.id: 2.0, forgetful.id: 2.0}
    assert all(r["source"] == "attendance" and r["status"] == "pending" for r in records)
    assert len(await service.events("no_show")) == 1
    [auto] = [
        e for e in await service.events("checked_out") if '"closed_automatically":true' in e["data"]
    ]
    assert forgetful.id in auto["data"]


async def test_a_backfill_keeps_its_instant_and_counts_for_the_activitys_team(
    service: Activities,
) -> None:
    [volunteer] = await service.volunteers("c1", 1)
    async with service.app.state.runtime.db.session() as session:
        session.add(KnownTeam(id="t1", community_id="c1", service_area_code="elderly_care"))
        await session.commit()
    beijing = timezone(timedelta(hours=8))
    activity = await service.activity(
        "c1",
        scope="team",
        team_id="t1",
        starts_in=DAY + timedelta(hours=1) - datetime.now(UTC),  # about 09:00 in Beijing
        hours=3,
    )
    # The backfill starts with the activity, given in Beijing time.
    starts = datetime.fromisoformat(activity["starts_at"]).astimezone(beijing)
    backfill = await service.client.post(
        "/communities/c1/records",
        json={
            "volunteer_id": volunteer.id,
            "kind": "activity",
            "activity_id": activity["id"],
            "started_at": starts.isoformat(),
            "ended_at": (starts + timedelta(hours=2)).isoformat(),
        },
        headers=service.headers(Role.COMMUNITY_ADMIN, "c1"),
    )
    assert backfill.status_code == 201, backfill.text
    record = backfill.json()
    assert record["team_id"] == "t1"
    assert datetime.fromisoformat(record["started_at"]) == starts
    # The same instant read back later, on SQLite too (which keeps no offset).
    listed = await service.client.get(
        "/communities/c1/records", headers=service.headers(Role.COMMUNITY_ADMIN, "c1")
    )
    [stored] = listed.json()["items"]
    assert datetime.fromisoformat(stored["started_at"]) == starts
    assert stored["team_id"] == "t1"
