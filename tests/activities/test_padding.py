"""Hours that cannot be padded, through the HTTP API on PostgreSQL and Redis.

No hours in the future, none older than the backfill window, a record for an activity
inside the activity's time, four eyes on every confirmation, and corrections held to
the rules of a new record. Each refusal is a 422 naming its rule, and writes nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.asyncio import Redis
from sqlmodel import col, update

from activities.models import Activity, SignUp
from activities.settings import Settings
from shared.auth import Role
from tests.activities.conftest import Activities, running

CA, DA, TL = Role.COMMUNITY_ADMIN, Role.DISTRICT_ADMIN, Role.TEAM_LEADER


def hours_ago(hours: float) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours)


def body(volunteer: str, start: datetime, hours: float, **extra: Any) -> dict[str, Any]:
    return {
        "volunteer_id": volunteer,
        "kind": "good_deed",
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(hours=hours)).isoformat(),
        **extra,
    }


class People:
    """The callers of one community: two workers, a district admin."""

    def __init__(self, service: Activities) -> None:
        self.worker = service.headers(CA, "c1", subject="acct-worker")
        self.checker = service.headers(CA, "c1", subject="acct-checker")
        self.office = service.headers(DA, None, subject="acct-office")


async def post_record(service: Activities, headers: dict[str, str], data: dict[str, Any]) -> Any:
    return await service.client.post("/communities/c1/records", json=data, headers=headers)


async def record_ids(service: Activities, fact: str) -> list[str]:
    return [json.loads(e["data"])["record_id"] for e in await service.events(fact)]


async def test_hours_in_the_future_or_before_the_backfill_window_are_refused(
    on_postgres: Settings, redis: Redis, keys: tuple[str, str]
) -> None:
    on_postgres.backfill_days = 30  # the window is the district's setting
    async with running(on_postgres, redis, keys) as service:
        [volunteer] = await service.volunteers("c1", 1)
        worker = People(service).worker

        future = await post_record(service, worker, body(volunteer.id, hours_ago(-1), 1))
        assert future.status_code == 422
        assert future.json()["code"] == "future_start"
        assert future.json()["detail"].startswith("不能登记将来的时长：服务开始于 ")
        going_on = await post_record(service, worker, body(volunteer.id, hours_ago(1), 2))
        assert going_on.status_code == 422
        assert going_on.json()["code"] == "future_end"
        too_old = await post_record(service, worker, body(volunteer.id, hours_ago(31 * 24), 1))
        assert too_old.status_code == 422
        assert too_old.json()["code"] == "outside_backfill_window"
        assert too_old.json()["detail"].startswith(
            "超出补录期限：最多补录 30 天内的服务，现在最早可登记 "
        )
        recent = await post_record(service, worker, body(volunteer.id, hours_ago(29 * 24), 1))
        assert recent.status_code == 201, recent.text
        served_just_now = await post_record(service, worker, body(volunteer.id, hours_ago(1), 1))
        assert served_just_now.status_code == 201, served_just_now.text

        # A pairing visit is a record too: the same rules.
        pairing = await service.client.post(
            "/communities/c1/pairings",
            json={
                "kind": "one_helps_one",
                "beneficiary_label": "王奶奶",
                "beneficiary_category": "empty_nest_elder",
                "volunteer_ids": [volunteer.id],
                "cadence_days": 7,
            },
            headers=worker,
        )
        tomorrow = hours_ago(-24)
        visit = await service.client.post(
            f"/pairings/{pairing.json()['id']}/visits",
            json={
                "volunteer_id": volunteer.id,
                "started_at": tomorrow.isoformat(),
                "ended_at": (tomorrow + timedelta(hours=1)).isoformat(),
            },
            headers=service.as_volunteer(volunteer),
        )
        assert visit.status_code == 422
        assert visit.json()["code"] == "future_start"

        assert await record_ids(service, "service_recorded") == [
            recent.json()["id"],
            served_just_now.json()["id"],
        ]
        assert await service.events("visit_recorded") == []


async def test_a_backfill_for_an_activity_lies_inside_the_activitys_time(
    pg_service: Activities,
) -> None:
    service = pg_service
    [volunteer] = await service.volunteers("c1", 1)
    worker = People(service).worker
    activity = await service.activity("c1", starts_in=-timedelta(days=3), hours=3)
    starts = datetime.fromisoformat(activity["starts_at"])

    def for_activity(start: datetime, hours: float) -> dict[str, Any]:
        return body(volunteer.id, start, hours, kind="activity", activity_id=activity["id"])

    # As long as the activity, but the next day; half an hour early; past its end.
    for start, hours in (
        (starts + timedelta(days=1), 3),
        (starts - timedelta(minutes=30), 2),
        (starts + timedelta(hours=2), 2),
    ):
        refused = await post_record(service, worker, for_activity(start, hours))
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "outside_activity_window"
    inside = await post_record(service, worker, for_activity(starts + timedelta(hours=1), 2))
    assert inside.status_code == 201, inside.text
    assert inside.json()["source"] == "backfill"

    # A correction is held to the same window.
    moved = await service.client.post(
        f"/records/{inside.json()['id']}/correct",
        json={
            "started_at": (starts + timedelta(days=1)).isoformat(),
            "ended_at": (starts + timedelta(days=1, hours=2)).isoformat(),
            "reason": "改到第二天",
        },
        headers=worker,
    )
    assert moved.status_code == 422
    assert moved.json()["code"] == "outside_activity_window"

    # Nothing is recorded for an activity that was called off.
    called_off = await service.activity("c1", starts_in=-timedelta(days=5), hours=2)
    cancelled = await service.client.post(
        f"/activities/{called_off['id']}/cancel", json={"reason": "下雨"}, headers=worker
    )
    assert cancelled.status_code == 200, cancelled.text
    off_start = datetime.fromisoformat(called_off["starts_at"])
    refused = await post_record(
        service,
        worker,
        body(volunteer.id, off_start, 1, kind="activity", activity_id=called_off["id"]),
    )
    assert refused.status_code == 422
    assert refused.json() == {
        "code": "activity_cancelled_no_hours",
        "detail": "该活动已取消，不能为它登记服务时长",
    }
    assert await record_ids(service, "service_recorded") == [inside.json()["id"]]


async def test_whoever_recorded_hours_cannot_confirm_them_but_a_second_person_can(
    pg_service: Activities,
) -> None:
    service = pg_service
    people = People(service)
    [volunteer] = await service.volunteers("c1", 1)
    made = await post_record(service, people.worker, body(volunteer.id, hours_ago(30), 2))
    record = made.json()["id"]
    assert made.json()["recorded_by"] == "acct-worker"

    own = await service.client.post(f"/records/{record}/confirm", headers=people.worker)
    assert own.status_code == 422
    assert own.json() == {
        "code": "recorder_confirms",
        "detail": "双人确认：登记时长的人不能自己确认，请由本社区的其他组织者或区级管理员确认",
    }
    still = await service.client.get(
        "/communities/c1/records", params={"status": "pending"}, headers=people.checker
    )
    assert [r["id"] for r in still.json()["items"]] == [record]

    confirmed = await service.client.post(f"/records/{record}/confirm", headers=people.checker)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["confirmed_by"] == "acct-checker"
    assert confirmed.json()["recorded_by"] == "acct-worker"

    # The district office may confirm what it entered itself.
    entered = await service.client.post(
        "/communities/c1/records",
        json=body(volunteer.id, hours_ago(50), 1),
        headers=people.office,
    )
    by_office = await service.client.post(
        f"/records/{entered.json()['id']}/confirm", headers=people.office
    )
    assert by_office.status_code == 200, by_office.text
    assert by_office.json()["confirmed_by"] == "acct-office"

    events = [json.loads(e["data"]) for e in await service.events("service_confirmed")]
    assert [(e["record_id"], e["confirmed_by"]) for e in events] == [
        (record, "acct-checker"),
        (entered.json()["id"], "acct-office"),
    ]


async def _run_past(service: Activities, activity_id: str) -> None:
    """Move a running activity (and its check-ins) into the past, as if three hours went by."""
    now = datetime.now(UTC)
    async with service.app.state.runtime.db.session() as session:
        await session.exec(
            update(Activity)
            .where(col(Activity.id) == activity_id)
            .values(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
        )
        await session.exec(
            update(SignUp)
            .where(col(SignUp.activity_id) == activity_id, col(SignUp.checked_in_at).is_not(None))
            .values(checked_in_at=now - timedelta(hours=3))
        )
        await session.commit()


async def test_a_team_leader_cannot_confirm_their_own_hours_on_any_path(
    pg_service: Activities,
) -> None:
    service = pg_service
    people = People(service)
    leader_volunteer, other_volunteer = await service.volunteers("c1", 2)
    # A team leader is a volunteer whose account was given the leader's role.
    leader = service.headers(TL, "c1", subject=str(leader_volunteer.account_id))
    other_leader = service.headers(TL, "c1", subject="acct-another-leader")

    # 1. Hours the worker entered for the leader.
    entered = await post_record(service, people.worker, body(leader_volunteer.id, hours_ago(30), 2))
    refused = await service.client.post(f"/records/{entered.json()['id']}/confirm", headers=leader)
    assert refused.status_code == 422
    assert refused.json()["code"] == "own_hours"

    # 2. The leader's own attendance, recorded at check-out.
    activity = await service.activity("c1", starts_in=timedelta(minutes=30))
    url = f"/activities/{activity['id']}"
    assert (await service.client.post(f"{url}/sign-ups", headers=leader)).status_code == 201
    code = (await service.client.get(url, headers=leader)).json()["check_in_code"]
    checked_in = await service.client.post(f"{url}/check-in", json={"code": code}, headers=leader)
    assert checked_in.status_code == 200, checked_in.text
    await _run_past(service, activity["id"])
    out = await service.client.post(f"{url}/check-out", json={"code": code}, headers=leader)
    assert out.status_code == 200, out.text
    [attended] = [
        r
        for r in (
            await service.client.get(
                "/communities/c1/records", params={"status": "pending"}, headers=leader
            )
        ).json()["items"]
        if r["source"] == "attendance"
    ]
    assert attended["recorded_by"] == "attendance"
    refused = await service.client.post(f"/records/{attended['id']}/confirm", headers=leader)
    assert refused.status_code == 422
    assert refused.json()["code"] == "own_hours"
    # Another leader (or the organiser who ran the check-in) may: the clock measured it.
    by_other = await service.client.post(f"/records/{attended['id']}/confirm", headers=other_leader)
    assert by_other.status_code == 200, by_other.text

    # 3. A pairing visit the leader made and recorded, confirmed "on the resident's behalf".
    pairing = await service.client.post(
        "/communities/c1/pairings",
        json={
            "kind": "many_help_one",
            "beneficiary_label": "李大爷",
            "beneficiary_category": "disabled",
            "volunteer_ids": [leader_volunteer.id, other_volunteer.id],
            "cadence_days": 7,
        },
        headers=people.worker,
    )
    visits = f"/pairings/{pairing.json()['id']}/visits"

    async def visit(volunteer_id: str, start: datetime, by: dict[str, str]) -> str:
        made = await service.client.post(
            visits,
            json={
                "volunteer_id": volunteer_id,
                "started_at": start.isoformat(),
                "ended_at": (start + timedelta(hours=1)).isoformat(),
            },
            headers=by,
        )
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    own_visit = await visit(leader_volunteer.id, hours_ago(50), leader)
    refused = await service.client.post(f"{visits}/{own_visit}/confirm", headers=leader)
    assert refused.status_code == 422
    assert refused.json()["code"] == "own_hours"
    # A visit the leader recorded for someone else: the recorder does not confirm it.
    their_visit = await visit(other_volunteer.id, hours_ago(50), leader)
    refused = await service.client.post(f"{visits}/{their_visit}/confirm", headers=leader)
    assert refused.status_code == 422
    assert refused.json()["code"] == "recorder_confirms"
    for record in (own_visit, their_visit):
        confirmed = await service.client.post(f"{visits}/{record}/confirm", headers=people.checker)
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["confirmed_by"] == "acct-checker"

    confirmed_events = await record_ids(service, "service_confirmed")
    assert confirmed_events == [attended["id"], own_visit, their_visit]


async def test_a_correction_passes_the_rules_of_a_new_record_and_waits_for_a_second_person(
    pg_service: Activities,
) -> None:
    service = pg_service
    people = People(service)
    [volunteer] = await service.volunteers("c1", 1)
    start = hours_ago(30)
    made = await post_record(service, people.worker, body(volunteer.id, start, 3))
    record = made.json()["id"]
    assert (
        await service.client.post(f"/records/{record}/confirm", headers=people.checker)
    ).status_code == 200

    def correction(new_start: datetime, hours: float) -> dict[str, Any]:
        return {
            "started_at": new_start.isoformat(),
            "ended_at": (new_start + timedelta(hours=hours)).isoformat(),
            "reason": "签到表核对后更正",
        }

    for new_start, rule in (
        (hours_ago(-2), "future_start"),
        (hours_ago(91 * 24), "outside_backfill_window"),
    ):
        refused = await service.client.post(
            f"/records/{record}/correct", json=correction(new_start, 1), headers=people.worker
        )
        assert refused.status_code == 422
        assert refused.json()["code"] == rule

    # The worker's correction is recorded by the worker: it counts once someone else
    # confirms it, and the old hours stop counting meanwhile.
    corrected = await service.client.post(
        f"/records/{record}/correct", json=correction(start, 1.5), headers=people.worker
    )
    assert corrected.status_code == 200, corrected.text
    new = corrected.json()
    assert (new["status"], new["recorded_by"], new["confirmed_by"]) == (
        "pending",
        "acct-worker",
        None,
    )
    [voided] = [json.loads(e["data"]) for e in await service.events("service_voided")]
    assert (voided["record_id"], voided["was_confirmed"]) == (record, True)
    assert await record_ids(service, "service_recorded") == [record, new["id"]]
    assert await service.events("service_corrected") == []

    own = await service.client.post(f"/records/{new['id']}/confirm", headers=people.worker)
    assert own.status_code == 422
    assert own.json()["code"] == "recorder_confirms"
    confirmed = await service.client.post(f"/records/{new['id']}/confirm", headers=people.checker)
    assert confirmed.status_code == 200
    assert (confirmed.json()["hours"], confirmed.json()["confirmed_by"]) == (1.5, "acct-checker")

    # The district office's correction of a confirmed record is confirmed at once, and
    # the event says by whom.
    by_office = await service.client.post(
        f"/records/{new['id']}/correct", json=correction(start, 1), headers=people.office
    )
    assert by_office.status_code == 200, by_office.text
    assert (by_office.json()["status"], by_office.json()["confirmed_by"]) == (
        "confirmed",
        "acct-office",
    )
    [event] = [json.loads(e["data"]) for e in await service.events("service_corrected")]
    assert (event["corrects_record_id"], event["hours"], event["previous_hours"]) == (
        new["id"],
        1.0,
        1.5,
    )
    assert event["confirmed_by"] == "acct-office"


async def test_an_activity_closed_after_the_backfill_window_flags_its_check_ins_instead(
    pg_service: Activities,
) -> None:
    service = pg_service
    [volunteer] = await service.volunteers("c1", 1)
    activity = await service.activity("c1", starts_in=timedelta(minutes=30))
    url = f"/activities/{activity['id']}"
    assert (
        await service.client.post(f"{url}/sign-ups", headers=service.as_volunteer(volunteer))
    ).status_code == 201
    code = (await service.client.get(url, headers=People(service).worker)).json()["check_in_code"]
    checked_in = await service.client.post(
        f"{url}/check-in", json={"code": code}, headers=service.as_volunteer(volunteer)
    )
    assert checked_in.status_code == 200, checked_in.text
    # Nobody closed it for a hundred days: its forgotten check-out would reach too far back.
    long_ago = datetime.now(UTC) - timedelta(days=100)
    async with service.app.state.runtime.db.session() as session:
        await session.exec(
            update(Activity)
            .where(col(Activity.id) == activity["id"])
            .values(starts_at=long_ago, ends_at=long_ago + timedelta(hours=2))
        )
        await session.exec(
            update(SignUp)
            .where(col(SignUp.activity_id) == activity["id"])
            .values(checked_in_at=long_ago)
        )
        await session.commit()
    completed = await service.client.post(f"{url}/complete", headers=People(service).worker)
    assert completed.status_code == 200, completed.text
    [signup] = (await service.client.get(f"{url}/sign-ups", headers=People(service).worker)).json()[
        "items"
    ]
    assert signup["needs_review"] is True
    assert await service.events("service_recorded") == []


async def test_a_corrected_visit_is_still_the_pairings_for_the_beneficiary_to_confirm(
    pg_service: Activities,
) -> None:
    service = pg_service
    people = People(service)
    [volunteer] = await service.volunteers("c1", 1)
    pairing = await service.client.post(
        "/communities/c1/pairings",
        json={
            "kind": "one_helps_one",
            "beneficiary_label": "王奶奶",
            "beneficiary_category": "empty_nest_elder",
            "beneficiary_account_id": "acct-grandma",
            "volunteer_ids": [volunteer.id],
            "cadence_days": 7,
        },
        headers=people.worker,
    )
    visits = f"/pairings/{pairing.json()['id']}/visits"
    start = hours_ago(26)
    visit = await service.client.post(
        visits,
        json={
            "volunteer_id": volunteer.id,
            "started_at": start.isoformat(),
            "ended_at": (start + timedelta(hours=2)).isoformat(),
        },
        headers=service.as_volunteer(volunteer),
    )
    corrected = await service.client.post(
        f"/records/{visit.json()['id']}/correct",
        json={
            "started_at": start.isoformat(),
            "ended_at": (start + timedelta(hours=1)).isoformat(),
            "reason": "只待了一小时",
        },
        headers=people.worker,
    )
    assert corrected.status_code == 200, corrected.text
    grandma = service.headers(Role.RESIDENT, "c1", subject="acct-grandma")
    confirmed = await service.client.post(
        f"{visits}/{corrected.json()['id']}/confirm", headers=grandma
    )
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["hours"], confirmed.json()["confirmed_by"]) == (1.0, "acct-grandma")
