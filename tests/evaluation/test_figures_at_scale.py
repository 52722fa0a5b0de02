"""The district-wide figures over a district's worth of rows, on PostgreSQL: 100
communities in 10 streets, 20,000 volunteers, 200,000 confirmed records over a year.

Every grouping sums to the same totals (by street, by community, by team and month),
and each table answers in the time it prints (`-s` shows it).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from shared.auth import Role
from tests.evaluation.conftest import Evaluation, running
from tests.plans import fill, scratch_database

RECORDS = 200_000
VOLUNTEERS = 20_000
FILL = [
    "INSERT INTO known_community (id, name, street_id, street_name, updated_at)"
    " SELECT 'c' || i, '社区' || i, 's' || (i % 10), '街道' || (i % 10), now()"
    " FROM generate_series(0, 99) AS i",
    # One in ten a party member; every party member of community c0 ... c9 did all four.
    "INSERT INTO known_volunteer (id, community_id, party_member, status)"
    " SELECT 'v' || i, 'c' || (i % 100), i % 10 = 0, 'registered'"
    " FROM generate_series(0, 19999) AS i",
    "INSERT INTO counted_record"
    " (record_id, volunteer_id, community_id, team_id, started_at, hours, counts, tags)"
    " SELECT 'r' || i, 'v' || (i % 20000), 'c' || ((i % 20000) % 100), 't' || (i % 20),"
    " TIMESTAMPTZ '2026-01-01 00:00+08' + (i % 8760) * INTERVAL '1 hour', 1.5, true, ''"
    " FROM generate_series(0, 199999) AS i",
    "INSERT INTO volunteer_ledger"
    " (volunteer_id, community_id, total_hours, star_level, highest_star_announced)"
    " SELECT 'v' || i, 'c' || (i % 100), 15, 0, 0 FROM generate_series(0, 19999) AS i",
    "INSERT INTO four_ones_mark (volunteer_id, month, tag, source_id, community_id)"
    " SELECT 'v' || v, '2026-03', t, 'src' || v, 'c' || (v % 100)"
    " FROM generate_series(0, 19999, 10) AS v,"
    " unnest(ARRAY['good_deed','public_welfare','conversation','problem_solved']) AS t"
    " WHERE v % 100 < 10",
    "ANALYZE",
]


@pytest.fixture
async def district(
    postgres_admin_url: str, redis_url: str, redis: Redis, namespace: str
) -> AsyncIterator[Evaluation]:
    async with (
        scratch_database(postgres_admin_url) as url,
        running(url, redis_url, redis, namespace) as evaluation,
    ):
        await fill(url, *FILL)
        yield evaluation


async def test_every_grouping_of_the_district_figures_sums_to_the_same_totals(
    district: Evaluation,
) -> None:
    headers = district.headers(Role.DISTRICT_ADMIN, None)

    async def table(path: str, **params: Any) -> list[dict[str, Any]]:
        started = time.perf_counter()
        answer = await district.client.get(path, params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        print(f"{path} {params}: {(time.perf_counter() - started) * 1000:.0f} ms")
        rows: list[dict[str, Any]] = answer.json()
        return rows

    total_hours = RECORDS * 1.5
    by_street = await table("/dashboards/hours", group_by="street")
    by_community = await table("/dashboards/hours")
    assert len(by_street) == 10
    assert len(by_community) == 100
    assert sum(r["hours"] for r in by_street) == sum(r["hours"] for r in by_community)
    assert sum(r["hours"] for r in by_street) == total_hours
    assert sum(r["volunteers"] for r in by_street) == VOLUNTEERS
    team_months = await table("/dashboards/hours-by-team-month")
    assert round(sum(r["hours"] for r in team_months), 2) == total_hours
    assert {r["month"] for r in team_months} == {f"2026-{m:02d}" for m in range(1, 13)}

    stars = await table("/dashboards/stars", group_by="street")
    assert sum(r["volunteers"] for r in stars) == VOLUNTEERS
    four_ones = await table("/dashboards/four-ones", month="2026-03", group_by="street")
    assert sum(r["members"] for r in four_ones) == VOLUNTEERS // 10
    assert sum(r["complete"] for r in four_ones) == VOLUNTEERS // 100

    started = time.perf_counter()
    workbook = await district.client.get(
        "/dashboards/hours-by-team-month", params={"format": "xlsx"}, headers=headers
    )
    assert workbook.status_code == 200
    print(f"hours-by-team-month as XLSX: {(time.perf_counter() - started) * 1000:.0f} ms")
