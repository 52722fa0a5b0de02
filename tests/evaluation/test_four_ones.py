"""The four ones of party members, month by month, and the month's close announced once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from evaluation import four_ones
from shared.auth import Role
from shared.contracts.activities import RequestResolved, ServiceConfirmed, ServiceVoided
from shared.contracts.registry import VolunteerRegistered
from tests.evaluation.conftest import Evaluation, settle

MARCH = datetime(2026, 3, 10, 9, tzinfo=UTC)


def member(volunteer: str, *, party: bool = True) -> VolunteerRegistered:
    return VolunteerRegistered(
        volunteer_id=volunteer,
        volunteer_number=f"N-{volunteer}",
        community_id="c1",
        service_area_codes=["community_work"],
        party_member=party,
        category="retired_cadre",
        account_id=None,
        registered_on=date(2026, 1, 5),
    )


def tagged(
    volunteer: str, record: str, tags: list[str], when: datetime = MARCH
) -> ServiceConfirmed:
    return ServiceConfirmed(
        record_id=record,
        volunteer_id=volunteer,
        community_id="c1",
        started_at=when,
        hours=1.0,
        tags=tags,
        confirmed_by="admin",
    )


async def test_four_ones_per_month_and_the_close_announced_once(evaluation: Evaluation) -> None:
    await evaluation.publish(
        "registry.events", [member("lao-wang"), member("lao-li"), member("xiao-zhao", party=False)]
    )
    await evaluation.publish(
        "activities.events",
        [
            tagged("lao-wang", "r1", ["good_deed", "conversation"]),
            tagged("lao-wang", "r2", ["public_welfare"]),
            RequestResolved(
                request_id="q1",
                community_id="c1",
                category="telecom",
                credited_volunteer_id="lao-wang",
                resolved_at=MARCH,
            ),
            tagged("lao-li", "r3", ["good_deed", "public_welfare", "conversation"]),
            tagged("lao-li", "r4", ["problem_solved"]),
            ServiceVoided(
                record_id="r4",
                volunteer_id="lao-li",
                community_id="c1",
                hours=1.0,
                was_confirmed=True,
                reason="重复",
            ),
            # Late at night on 31 March in UTC is already April in Shanghai.
            tagged("lao-li", "r5", ["problem_solved"], when=datetime(2026, 3, 31, 20, tzinfo=UTC)),
            tagged("xiao-zhao", "r6", ["good_deed"]),
        ],
    )
    await settle(evaluation)
    admin = evaluation.headers(Role.COMMUNITY_ADMIN, "c1")
    march = (
        await evaluation.client.get(
            "/communities/c1/four-ones", params={"month": "2026-03"}, headers=admin
        )
    ).json()
    by_id = {v["volunteer_id"]: v for v in march["volunteers"]}
    assert set(by_id) == {"lao-wang", "lao-li"}  # party members only
    assert by_id["lao-wang"]["missing"] == []
    assert by_id["lao-li"]["missing"] == ["problem_solved"]  # voided, and r5 falls in April
    assert (march["members"], march["complete"], march["completion_rate"]) == (2, 1, 0.5)
    april = (
        await evaluation.client.get(
            "/communities/c1/four-ones", params={"month": "2026-04"}, headers=admin
        )
    ).json()
    assert {v["volunteer_id"]: v["done"] for v in april["volunteers"]}["lao-li"] == [
        "problem_solved"
    ]
    assert (
        await evaluation.client.get(
            "/communities/c1/four-ones", params={"month": "2026-13"}, headers=admin
        )
    ).status_code == 422

    db = evaluation.app.state.runtime.db
    async with db.session() as session:
        assert await four_ones.close_month(session, "2026-03") == 2
    async with db.session() as session:
        assert await four_ones.close_month(session, "2026-03") == 0
    for _ in range(100):
        closed = [
            f
            for _, f in await evaluation.redis.xrange(evaluation.namespace + "evaluation.events")
            if f[b"type"] == b"org.linli.evaluation.four_ones_month_closed.v1"
        ]
        if len(closed) == 2:
            break
        await asyncio.sleep(0.05)
    assert len(closed) == 2
    assert any(b'"missing":["problem_solved"]' in f[b"data"] for f in closed)


async def test_hours_per_team_per_month_for_a_chart(evaluation: Evaluation) -> None:
    await evaluation.publish(
        "activities.events",
        [
            ServiceConfirmed(
                record_id=f"t{i}",
                volunteer_id="v",
                community_id="c1",
                team_id=team,
                started_at=datetime(2026, month, 5, tzinfo=UTC),
                hours=2.0,
                confirmed_by="a",
            )
            for i, (team, month) in enumerate(
                [("patrol", 3), ("patrol", 3), ("care", 3), ("patrol", 4)]
            )
        ],
    )
    await settle(evaluation)
    chart = await evaluation.client.get(
        "/communities/c1/hours-by-team-month",
        headers=evaluation.headers(Role.COMMUNITY_ADMIN, "c1"),
    )
    assert chart.json() == [
        {"team_id": "care", "month": "2026-03", "hours": 2.0},
        {"team_id": "patrol", "month": "2026-03", "hours": 4.0},
        {"team_id": "patrol", "month": "2026-04", "hours": 2.0},
    ]
    other = await evaluation.client.get(
        "/communities/c1/hours-by-team-month",
        headers=evaluation.headers(Role.COMMUNITY_ADMIN, "c2"),
    )
    assert other.status_code == 404


async def test_hours_per_community_for_the_district(evaluation: Evaluation) -> None:
    await evaluation.publish(
        "activities.events",
        [
            ServiceConfirmed(
                record_id=f"h{i}",
                volunteer_id=f"v{i % 3}",
                community_id=community,
                started_at=datetime(2026, 3, 5, tzinfo=UTC),
                hours=1.5,
                confirmed_by="a",
            )
            for i, community in enumerate(["c1", "c1", "c1", "c2"])
        ],
    )
    await settle(evaluation)
    district = await evaluation.client.get(
        "/dashboards/communities",
        params={"since": "2026-01-01T00:00:00Z", "until": "2026-07-01T00:00:00Z"},
        headers=evaluation.headers(Role.DISTRICT_ADMIN, None),
    )
    assert district.json() == [
        {"community_id": "c1", "volunteers": 3, "hours": 4.5},
        {"community_id": "c2", "volunteers": 1, "hours": 1.5},
    ]
    own = await evaluation.client.get(
        "/dashboards/communities", headers=evaluation.headers(Role.COMMUNITY_ADMIN, "c2")
    )
    assert [row["community_id"] for row in own.json()] == ["c2"]
    assert (
        await evaluation.client.get(
            "/dashboards/communities", headers=evaluation.headers(Role.VOLUNTEER, "c2")
        )
    ).status_code == 403
