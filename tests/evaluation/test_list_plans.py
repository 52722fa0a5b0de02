"""The paged lists run on their indexes at 100,000 rows (PostgreSQL's plans, read).

Each page's query is the one the route sent, caught on its way to the database, and
explained (and run) with its own parameters: a list that lost its index would read the whole
table and sort it for every page, or walk an index past rows that do not match, which
this sees as a Seq Scan, a Sort of many rows or many rows removed by a filter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from shared.auth import Role
from tests.evaluation.conftest import Evaluation, running
from tests.plans import assert_two_pages_each_read_on_an_index, fill, scratch_database

FILL = [
    # 100,000 rows each. Periods: ten communities, five phases; nominations one per period,
    # one in a hundred still to decide (the district decides the rest);
    # certificates of a thousand volunteers.
    """INSERT INTO period (id, community_id, label, starts_on, ends_on, quota, phase)
    SELECT lpad(i::text, 26, '0'), 'c' || (i % 10), 'L' || i,
           DATE '2000-01-01' + (i / 7), DATE '2000-06-30' + (i / 7), 10,
           ((ARRAY['OPEN','PEER_REVIEW','NOMINATION','DISTRICT_REVIEW','PUBLISHED'])[1 + i % 5])::phase
    FROM generate_series(1, 100000) AS i""",
    """INSERT INTO nomination (id, period_id, community_id, volunteer_id, score, reason, status)
    SELECT lpad(i::text, 26, '0'), lpad(i::text, 26, '0'), 'c' || (i % 10),
           'v' || (i % 1000), i % 97, 'r',
           (CASE WHEN i % 100 = 0 THEN 'NOMINATED'
                 WHEN i % 2 = 0 THEN 'APPROVED' ELSE 'REJECTED' END)::nominationstatus
    FROM generate_series(1, 100000) AS i""",
    """INSERT INTO certificate (number, verification_code, volunteer_id, community_id,
        volunteer_number, name, date_from, date_to, hours, service_content, issuer, issued_on)
    SELECT 'ZM2026' || lpad(i::text, 7, '0'), 'ABCDEF12', 'v' || (i % 1000),
           'c' || ((i % 1000) % 10), 'N' || i, '名', DATE '2026-01-01',
           DATE '2026-06-30', 10, '为老服务 10 小时', '中心', DATE '2026-07-01' + (i % 100)
    FROM generate_series(1, 100000) AS i""",
    "INSERT INTO known_volunteer (id, community_id, party_member, status)"
    " SELECT 'v' || i, 'c' || (i % 10), false, 'registered'"
    " FROM generate_series(0, 999) AS i",
    "ANALYZE",
]


@pytest.fixture
async def big(
    postgres_admin_url: str, redis_url: str, redis: Redis, namespace: str
) -> AsyncIterator[Evaluation]:
    async with (
        scratch_database(postgres_admin_url) as url,
        running(url, redis_url, redis, namespace) as evaluation,
    ):
        await fill(url, *FILL)
        yield evaluation


async def test_every_page_of_each_list_is_read_on_an_index_at_100000_rows(
    big: Evaluation,
) -> None:
    engine = big.app.state.runtime.db.engine
    district = big.headers(Role.DISTRICT_ADMIN, None)
    admin = big.headers(Role.COMMUNITY_ADMIN, "c4")
    lists = [
        ("/periods", {}, district),
        ("/periods", {"phase": "nomination"}, district),
        ("/periods", {}, admin),
        ("/nominations", {"status": "nominated"}, district),
        ("/nominations", {}, admin),
        ("/nominations", {"status": "approved"}, admin),
        ("/certificates", {}, district),
        ("/certificates", {}, admin),
        ("/certificates", {"volunteer_id": "v14"}, district),
        ("/certificates", {"volunteer_id": "v14"}, admin),
    ]
    # A sort, if any, is of the few rows an index found, never of the matching part of
    # the table; nor does a page walk an index past many rows that do not match: a page's
    # worth times the communities, as an index in id order filtered by community does.
    await assert_two_pages_each_read_on_an_index(
        big.client,
        engine,
        lists,
        key=lambda i: i.get("id", i.get("number")),
        most_sorted=200,
        most_removed=20 * 51,
    )
