"""At 100,000 rows on PostgreSQL each of the registry's lists reads its page from an
index: no sequential scan and only a few thousand rows read at most, on the first page
as on a page reached by its cursor.

The statements are the ones the routes send (captured from the engine), explained with
the parameters they were sent with. A text search (`q`, a substring) is left out: it
reads names in order until a page matches, which no B-tree avoids (pg_trgm would).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from shared.auth import Role
from tests.plans import assert_pages_read_on_an_index, fill
from tests.registry.conftest import Registry, running_registry

# A page of 50 may cost reading a few hundred rows of an index in its order (the
# planner's pick when the filter is not selective), never a large part of the table.
MOST_READ = 5_000


@pytest.fixture
async def on_postgres(
    postgres_admin_url: str,
    tmp_path: Path,
    redis_url: str,
    redis: Redis,
    namespace: str,
    keys: tuple[str, str],
) -> AsyncIterator[tuple[Registry, str]]:
    from tests.conftest import create_postgres_database, drop_postgres_database

    url = await create_postgres_database(postgres_admin_url)
    try:
        async with running_registry(url, tmp_path, redis_url, redis, namespace, keys) as running:
            yield running, url
    finally:
        await drop_postgres_database(postgres_admin_url, url)


# Ten communities; 100,000 accounts, volunteers and teams spread over them.
FILL = """
INSERT INTO community (id, name, created_at)
SELECT 'c' || n, '社区' || n, now() FROM generate_series(0, 9) AS n;
INSERT INTO service_area (id, community_id, code, name_zh, name_en, is_default)
SELECT 'a' || n, 'c' || n, 'community_work', '社区工作', 'Community work', true
FROM generate_series(0, 9) AS n;
INSERT INTO account (id, username, password_hash, role, community_id, disabled,
    must_change_password, created_at)
SELECT lpad(n::text, 26, '0'), 'user' || n, 'x',
    (CASE n % 4 WHEN 0 THEN 'TEAM_LEADER' WHEN 1 THEN 'RESIDENT'
        ELSE 'VOLUNTEER' END)::role,
    'c' || (n % 10), n % 20 = 0, false, now()
FROM generate_series(1, 100000) AS n;
INSERT INTO volunteer (id, community_id, status, volunteer_number, name,
    party_member, category, skills, availability, self_service, applied_at,
    updated_at)
SELECT lpad(n::text, 26, '0'), 'c' || (n % 10),
    (CASE WHEN n % 3 = 0 THEN 'APPLIED' ELSE 'REGISTERED' END)::volunteerstatus,
    CASE WHEN n % 3 = 0 THEN NULL ELSE lpad(n::text, 14, '0') END,
    '志愿者' || n, n % 2 = 0, 'RESIDENT'::category, '', '', false,
    now() - n * interval '1 minute', now()
FROM generate_series(1, 100000) AS n;
INSERT INTO team (id, community_id, service_area_id, name, created_at)
SELECT lpad(n::text, 26, '0'), 'c' || (n % 10), 'a' || (n % 10), '队' || n, now()
FROM generate_series(1, 100000) AS n;
ANALYZE;
"""


async def test_every_list_reads_its_page_from_an_index_at_100000_rows(
    on_postgres: tuple[Registry, str],
) -> None:
    registry, url = on_postgres
    await fill(url, FILL)
    admin = registry.headers(Role.COMMUNITY_ADMIN, "c1")
    lists = [
        ("/accounts", {}, registry.district),
        ("/accounts", {}, admin),
        ("/accounts", {"role": "team_leader"}, registry.district),
        ("/accounts", {"status": "active"}, admin),
        ("/volunteers", {}, admin),
        ("/volunteers", {}, registry.district),
        ("/volunteers", {"status": "registered"}, admin),
        ("/queues/applications-to-approve", {}, admin),
        ("/queues/applications-to-approve", {}, registry.district),
        ("/communities/c1/teams", {}, admin),
    ]
    engine = registry.app.state.runtime.db.engine
    await assert_pages_read_on_an_index(
        registry.client, engine, lists, limit=50, most_read=MOST_READ
    )
