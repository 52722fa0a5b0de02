"""Lists paged and filtered, the queues of what needs a person, resolving a forgotten
check-out, and activities that complete by themselves; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlmodel import col, update

from activities import programme
from activities.api.deps import rules_of
from activities.models import Activity, KnownTeam, Pairing, SignUp
from activities.settings import Settings
from shared.auth import Role
from tests.activities.conftest import Activities, eventually, running

CA, DA = Role.COMMUNITY_ADMIN, Role.DISTRICT_ADMIN


@pytest.fixture(params=["service", "pg_service"], ids=["sqlite", "postgres"])
def either(request: pytest.FixtureRequest) -> Activities:
    """The service on SQLite, then on PostgreSQL."""
    service: Activities = request.getfixturevalue(request.param)
    return service


async def every_item(
    service: Activities, url: str, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    """Walk a list page by page with its cursor."""
    items: list[dict[str, Any]] = []
    query = {**params}
    while True:
        response = await service.client.get(url, params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        assert page["total"] == len(items) or page["next_cursor"] is not None
        if page["next_cursor"] is None:
            return items
        query["cursor"] = page["next_cursor"]


async def ended_with_a_no_show_and_a_forgotten_check_out(
    service: Activities, community: str = "c1", prefix: str = "v"
) -> tuple[dict[str, Any], Any, Any]:
    """An activity that ended three hours ago: one volunteer never came, one forgot to
    check out."""
    absent, forgetful = await service.volunteers(community, 2, prefix=prefix)
    activity = await service.activity(community, starts_in=timedelta(minutes=30))
    url = f"/activities/{activity['id']}"
    for volunteer in (absent, forgetful):
        signed = await service.client.post(
            f"{url}/sign-ups", headers=service.as_volunteer(volunteer)
        )
        assert signed.status_code == 201, signed.text
    leader = service.headers(Role.TEAM_LEADER, community)
    code = (await service.client.get(url, headers=leader)).json()["check_in_code"]
    checked = await service.client.post(
        f"{url}/check-in", json={"code": code}, headers=service.as_volunteer(forgetful)
    )
    assert checked.status_code == 200, checked.text
    now = datetime.now(UTC)
    async with service.app.state.runtime.db.session() as session:
        await session.exec(
            update(Activity)
            .where(col(Activity.id) == activity["id"])
            .values(starts_at=now - timedelta(hours=5), ends_at=now - timedelta(hours=3))
        )
        await session.exec(
            update(SignUp)
            .where(
                col(SignUp.activity_id) == activity["id"], col(SignUp.checked_in_at).is_not(None)
            )
            .values(checked_in_at=now - timedelta(hours=5))
        )
        await session.commit()
    return activity, absent, forgetful


async def test_activities_list_pages_by_start_with_every_filter(either: Activities) -> None:
    service = either
    admin = service.headers(CA, "c1")
    async with service.app.state.runtime.db.session() as session:
        session.add(KnownTeam(id="team-1", community_id="c1", service_area_code="healthcare"))
        session.add(KnownTeam(id="team-2", community_id="c2", service_area_code="healthcare"))
        await session.commit()
    made = []
    for n in range(7):
        extra: dict[str, Any] = {"title": f"义诊{n}" if n % 2 else f"巡逻{n}"}
        if n in (1, 3):
            extra |= {"scope": "team", "team_id": "team-1", "service_area_code": "healthcare"}
        made.append(
            await service.activity("c1", starts_in=timedelta(days=n + 1), publish=n != 6, **extra)
        )
    await service.activity("c2")

    everything = await every_item(service, "/communities/c1/activities", admin, limit=2)
    assert [a["id"] for a in everything] == [a["id"] for a in made]  # by start, each once
    first = (
        await service.client.get("/communities/c1/activities", params={"limit": 2}, headers=admin)
    ).json()
    assert first["total"] == 7
    assert len(first["items"]) == 2

    async def ids(**params: Any) -> list[str]:
        return [
            a["id"]
            for a in await every_item(service, "/communities/c1/activities", admin, **params)
        ]

    assert await ids(status="draft") == [made[6]["id"]]
    assert await ids(team_id="team-1") == [made[1]["id"], made[3]["id"]]
    assert await ids(service_area="healthcare") == [made[1]["id"], made[3]["id"]]
    assert await ids(q="义诊") == [made[n]["id"] for n in (1, 3, 5)]
    assert await ids(q="%") == []  # a wildcard is searched for as text
    assert await ids(**{"from": made[2]["starts_at"], "to": made[4]["starts_at"]}) == [
        made[2]["id"],
        made[3]["id"],
    ]
    # Another community's team answers as an unknown one.
    for team in ("team-2", "nope"):
        response = await service.client.get(
            "/communities/c1/activities", params={"team_id": team}, headers=admin
        )
        assert response.status_code == 404
        assert response.json() == {"code": "team_not_found", "detail": "未找到该服务队"}
    # A volunteer does not see drafts.
    [volunteer] = await service.volunteers("c1", 1)
    seen = await every_item(service, "/communities/c1/activities", service.as_volunteer(volunteer))
    assert made[6]["id"] not in {a["id"] for a in seen}
    assert len(seen) == 6
    bad = await service.client.get(
        "/communities/c1/activities", params={"cursor": "bm90LW91cnM"}, headers=admin
    )
    assert bad.status_code == 422


async def test_requests_and_pairings_filter_by_overdue(either: Activities) -> None:
    service = either
    resident = service.headers(Role.RESIDENT, "c1", subject="resident-1")
    admin = service.headers(CA, "c1")
    opened = []
    for category in ("medical_care", "telecom", "employment"):
        response = await service.client.post(
            "/communities/c1/requests",
            json={"category": category, "description": f"求助 {category}"},
            headers=resident,
        )
        assert response.status_code == 201, response.text
        opened.append(response.json())
    async with service.app.state.runtime.db.session() as session:
        from activities.models import ResidentRequest

        await session.exec(
            update(ResidentRequest)
            .where(col(ResidentRequest.id) == opened[1]["id"])
            .values(due_at=datetime.now(UTC) - timedelta(hours=1))
        )
        await session.commit()

    async def request_ids(**params: Any) -> list[str]:
        items = await every_item(service, "/communities/c1/requests", admin, limit=1, **params)
        return [r["id"] for r in items]

    assert await request_ids(overdue=True) == [opened[1]["id"]]
    assert set(await request_ids(overdue=False)) == {opened[0]["id"], opened[2]["id"]}
    assert await request_ids(category="employment") == [opened[2]["id"]]
    assert await request_ids(q="telecom") == [opened[1]["id"]]
    mine = await every_item(service, "/me/requests", resident)
    assert [r["id"] for r in mine] == [r["id"] for r in reversed(opened)]  # newest first


async def test_queues_count_and_list_what_needs_a_person_in_the_caller_s_community(
    either: Activities,
) -> None:
    service = either
    activity, absent, forgetful = await ended_with_a_no_show_and_a_forgotten_check_out(service)
    other, _, _ = await ended_with_a_no_show_and_a_forgotten_check_out(service, "c2", "w")
    for community, which in (("c1", activity), ("c2", other)):
        done = await service.client.post(
            f"/activities/{which['id']}/complete", headers=service.headers(CA, community)
        )
        assert done.status_code == 200, done.text
    admin = service.headers(CA, "c1")

    counts = (await service.client.get("/queues", headers=admin)).json()
    assert counts == {
        "community_id": "c1",
        "records_to_confirm": 1,
        "check_outs_to_resolve": 1,
        "overdue_pairings": 0,
        "overdue_requests": 0,
    }
    district = (await service.client.get("/queues", headers=service.headers(DA, None))).json()
    assert district["community_id"] is None
    assert district["records_to_confirm"] == 2
    assert district["check_outs_to_resolve"] == 2
    one = await service.client.get(
        "/queues", params={"community_id": "c2"}, headers=service.headers(DA, None)
    )
    assert one.json()["check_outs_to_resolve"] == 1
    assert one.json()["community_id"] == "c2"

    [flagged] = await every_item(service, "/queues/check-outs-to-resolve", admin)
    assert flagged["volunteer_id"] == forgetful.id
    assert flagged["activity_id"] == activity["id"]
    assert flagged["community_id"] == "c1"
    [pending] = await every_item(service, "/queues/records-to-confirm", admin)
    assert pending["volunteer_id"] == forgetful.id
    assert pending["status"] == "pending"
    both = await every_item(
        service, "/queues/check-outs-to-resolve", service.headers(DA, None), limit=1
    )
    assert {s["community_id"] for s in both} == {"c1", "c2"}

    # Another community's queue answers as an unknown community; a volunteer has none.
    foreign = await service.client.get("/queues", params={"community_id": "c2"}, headers=admin)
    assert foreign.status_code == 404
    assert (
        await service.client.get("/queues", headers=service.as_volunteer(absent))
    ).status_code == 403


async def test_resolving_a_forgotten_check_out_corrects_its_record_once(
    either: Activities,
) -> None:
    service = either
    activity, _, forgetful = await ended_with_a_no_show_and_a_forgotten_check_out(service)
    admin = service.headers(CA, "c1", subject="worker")
    url = f"/activities/{activity['id']}"
    assert (await service.client.post(f"{url}/complete", headers=admin)).status_code == 200
    [flagged] = await every_item(service, "/queues/check-outs-to-resolve", admin)
    [old] = await every_item(service, "/queues/records-to-confirm", admin)
    assert old["hours"] == 2.0

    starts = datetime.fromisoformat(old["started_at"])
    real = starts + timedelta(minutes=45)
    resolve = f"{url}/sign-ups/{flagged['id']}/resolve"
    future = await service.client.post(
        resolve,
        json={
            "outcome": "checked_out",
            "checked_out_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        },
        headers=admin,
    )
    assert future.status_code == 422
    assert future.json()["code"] == "check_out_in_future"
    volunteer = await service.client.post(
        resolve,
        json={"outcome": "not_counted", "reason": "没来"},
        headers=service.as_volunteer(forgetful),
    )
    assert volunteer.status_code == 403
    resolved = await service.client.post(
        resolve, json={"outcome": "checked_out", "checked_out_at": real.isoformat()}, headers=admin
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["needs_review"] is False
    assert datetime.fromisoformat(resolved.json()["checked_out_at"]) == real

    [new] = await every_item(service, "/queues/records-to-confirm", admin)
    assert new["id"] != old["id"]
    assert new["corrects_id"] == old["id"]
    assert new["hours"] == 0.75
    assert await every_item(service, "/queues/check-outs-to-resolve", admin) == []
    [event] = await service.events("check_out_resolved")
    assert '"counted":true' in event["data"]
    assert new["id"] in event["data"]
    [voided] = await service.events("service_voided")
    assert old["id"] in voided["data"]

    again = await service.client.post(
        resolve, json={"outcome": "not_counted", "reason": "没来"}, headers=admin
    )
    assert again.status_code == 409
    assert len(await service.events("check_out_resolved")) == 1


async def test_a_forgotten_check_out_marked_not_counted_voids_its_record(
    either: Activities,
) -> None:
    service = either
    activity, _, _ = await ended_with_a_no_show_and_a_forgotten_check_out(service)
    admin = service.headers(CA, "c1")
    url = f"/activities/{activity['id']}"
    assert (await service.client.post(f"{url}/complete", headers=admin)).status_code == 200
    [flagged] = await every_item(service, "/queues/check-outs-to-resolve", admin)
    [record] = await every_item(service, "/queues/records-to-confirm", admin)
    resolved = await service.client.post(
        f"{url}/sign-ups/{flagged['id']}/resolve",
        json={"outcome": "not_counted", "reason": "签到后即离开"},
        headers=admin,
    )
    assert resolved.status_code == 200, resolved.text
    assert await every_item(service, "/queues/records-to-confirm", admin) == []
    voided = await every_item(service, "/communities/c1/records", admin, status="voided")
    assert [r["id"] for r in voided] == [record["id"]]
    [event] = await service.events("check_out_resolved")
    assert '"counted":false' in event["data"]


async def test_an_ended_activity_completes_by_itself_after_the_grace_period(
    activities_settings: Settings, redis: Redis, keys: Any
) -> None:
    activities_settings.sweep_interval_seconds = 0.1
    activities_settings.auto_complete_grace_minutes = 120  # ended 3 h ago: past it
    async with running(activities_settings, redis, keys) as service:
        activity, absent, forgetful = await ended_with_a_no_show_and_a_forgotten_check_out(service)
        recent = await service.activity("c1", starts_in=timedelta(minutes=30))
        async with service.app.state.runtime.db.session() as session:
            now = datetime.now(UTC)
            await session.exec(
                update(Activity)
                .where(col(Activity.id) == recent["id"])
                .values(starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1))
            )
            await session.commit()

        async def completed() -> bool:
            return len(await service.events("activity_completed")) == 1

        await eventually(completed)
        [event] = await service.events("activity_completed")
        assert activity["id"] in event["data"]
        [no_show] = await service.events("no_show")
        assert absent.id in no_show["data"]
        [closed] = await service.events("checked_out")
        assert '"closed_automatically":true' in closed["data"]
        assert forgetful.id in closed["data"]
        admin = service.headers(CA, "c1")
        shown = (await service.client.get(f"/activities/{activity['id']}", headers=admin)).json()
        assert shown["status"] == "completed"
        # Within its grace period, the other one stays open.
        still = (await service.client.get(f"/activities/{recent['id']}", headers=admin)).json()
        assert still["status"] == "published"


async def test_two_replicas_completing_at_once_complete_once(
    on_postgres: Settings, redis: Redis, keys: Any
) -> None:
    async with running(on_postgres, redis, keys) as service:
        activity, _, _ = await ended_with_a_no_show_and_a_forgotten_check_out(service)
        settings: Settings = service.app.state.settings
        db = service.app.state.runtime.db

        async with db.session() as session:
            ended = await programme.ended_unclosed(session, timedelta(minutes=60), 10)
        assert ended == [activity["id"]]

        async def replica() -> bool:
            # Each replica found the same activity ended, and completes it at once.
            async with db.session() as session:
                return bool(
                    await programme.complete_if_open(session, activity["id"], rules_of(settings))
                )

        results = await asyncio.gather(replica(), replica(), replica())
        assert sorted(results) == [False, False, True]
        assert len(await service.events("activity_completed")) == 1
        assert len(await service.events("no_show")) == 1
        assert len(await service.events("checked_out")) == 1


async def test_automatic_completion_goes_on_after_the_database_connections_are_cut(
    on_postgres: Settings, redis: Redis, keys: Any, postgres_admin_url: str
) -> None:
    on_postgres.sweep_interval_seconds = 0.1
    async with running(on_postgres, redis, keys) as service:
        first, _, _ = await ended_with_a_no_show_and_a_forgotten_check_out(service)

        async def completions(count: int) -> bool:
            return len(await service.events("activity_completed")) == count

        await eventually(lambda: completions(1))
        # Every connection of the service's database is cut, as when PostgreSQL restarts.
        database = on_postgres.database_url.rsplit("/", 1)[-1]
        from sqlalchemy.ext.asyncio import create_async_engine

        admin_engine = create_async_engine(postgres_admin_url)
        async with admin_engine.connect() as connection:
            cut = await connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": database},
            )
            assert cut.scalar_one() >= 1
        await admin_engine.dispose()

        async def answers() -> bool:
            # The pool finds its connections dead one failure at a time (no pre-ping).
            try:
                async with service.app.state.runtime.db.session() as session:
                    await session.exec(text("SELECT 1"))
            except Exception:
                return False
            return True

        await eventually(answers)
        second, _, _ = await ended_with_a_no_show_and_a_forgotten_check_out(service, prefix="after")
        await eventually(lambda: completions(2))
        events = await service.events("activity_completed")
        assert first["id"] in events[0]["data"]
        assert second["id"] in events[1]["data"]


async def test_pairings_list_by_overdue_and_ended_and_records_newest_first(
    either: Activities,
) -> None:
    service = either
    admin = service.headers(CA, "c1")
    one, two, three = await service.volunteers("c1", 3)
    made = []
    for volunteer in (one, two, three):
        created = await service.client.post(
            "/communities/c1/pairings",
            json={
                "kind": "one_helps_one",
                "beneficiary_label": "王奶奶",
                "beneficiary_category": "empty_nest_elder",
                "volunteer_ids": [volunteer.id],
                "cadence_days": 7,
            },
            headers=admin,
        )
        assert created.status_code == 201, created.text
        made.append(created.json())
    async with service.app.state.runtime.db.session() as session:
        await session.exec(
            update(Pairing)
            .where(col(Pairing.id) == made[0]["id"])
            .values(next_visit_due_at=datetime.now(UTC) - timedelta(days=1))
        )
        await session.commit()
    ended = await service.client.post(
        f"/pairings/{made[2]['id']}/end", json={"reason": "对象搬离"}, headers=admin
    )
    assert ended.status_code == 200

    async def pairing_ids(**params: Any) -> list[str]:
        items = await every_item(service, "/communities/c1/pairings", admin, limit=1, **params)
        return [p["id"] for p in items]

    assert await pairing_ids() == [made[0]["id"], made[1]["id"]]
    assert await pairing_ids(overdue=True) == [made[0]["id"]]
    assert await pairing_ids(overdue=False) == [made[1]["id"]]
    assert await pairing_ids(active=False) == [made[2]["id"]]
    [late] = await every_item(service, "/queues/overdue-pairings", admin)
    assert late["id"] == made[0]["id"]
    assert late["volunteer_ids"] == [one.id]

    # Records: newest first, each once across pages, bounded by from/to.
    now = datetime.now(UTC).replace(microsecond=0)
    starts = [now - timedelta(days=d, hours=3) for d in range(1, 6)]
    for start in starts:
        recorded = await service.client.post(
            "/communities/c1/records",
            json={
                "volunteer_id": one.id,
                "kind": "good_deed",
                "started_at": start.isoformat(),
                "ended_at": (start + timedelta(hours=1)).isoformat(),
            },
            headers=admin,
        )
        assert recorded.status_code == 201, recorded.text
    listed = await every_item(service, "/communities/c1/records", admin, limit=2)
    assert [datetime.fromisoformat(r["started_at"]) for r in listed] == starts
    window = await every_item(
        service,
        "/communities/c1/records",
        admin,
        **{"from": starts[3].isoformat(), "to": starts[1].isoformat()},
    )
    assert [datetime.fromisoformat(r["started_at"]) for r in window] == starts[2:4]
    own = await every_item(service, "/me/records", service.as_volunteer(one), limit=3)
    assert len(own) == 5


async def test_two_running_replicas_complete_each_ended_activity_once(
    on_postgres: Settings, redis: Redis, keys: Any
) -> None:
    on_postgres.sweep_interval_seconds = 0.05
    # Two processes of one deployment: the same database and streams, their own names.
    second = on_postgres.model_copy(update={"consumer_name": "activities-replica-2"})
    async with running(on_postgres, redis, keys) as first, running(second, redis, keys):
        ended = [
            await ended_with_a_no_show_and_a_forgotten_check_out(first, prefix=f"r{n}-")
            for n in range(5)
        ]

        async def all_completed() -> bool:
            return len(await first.events("activity_completed")) >= len(ended)

        await eventually(all_completed)
        # Both replicas kept sweeping meanwhile; give them a few more rounds to race.
        rounds = 0

        async def more_rounds() -> bool:
            nonlocal rounds
            rounds += 1
            return rounds > 10

        await eventually(more_rounds)

        async def facts(fact: str) -> list[dict[str, str]]:
            # A relay may publish a row twice; consumers drop copies by event id.
            return list({e["id"]: e for e in await first.events(fact)}.values())

        completed = [e["subject"] for e in await facts("activity_completed")]
        assert sorted(completed) == sorted(a["id"] for a, _, _ in ended)
        assert len(await facts("no_show")) == len(ended)
        assert len(await facts("checked_out")) == len(ended)
