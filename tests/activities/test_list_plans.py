"""At 100,000 rows on PostgreSQL each list and queue reads its page from an index: no
sequential scan and only a few thousand rows read at most, on the first page as on a
page reached by its cursor.

The statements are the ones the routes send (captured from the engine), explained with
the parameters they were sent with.
"""

from __future__ import annotations

from redis.asyncio import Redis

from activities.settings import Settings
from shared.auth import Role
from tests.activities.conftest import Activities, running
from tests.plans import assert_pages_read_on_an_index, fill

# 100,000 activities, records, requests, sign-ups and pairings over ten communities.
FILL = """
INSERT INTO activity (id, community_id, title, kind, service_area_code, scope,
    place, starts_at, ends_at, capacity, signup_deadline, status, check_in_code,
    created_by, created_at, team_id, series_id)
SELECT lpad(n::text, 26, '0'), 'c' || (n % 10), '巡逻' || n, 'patrol',
    CASE WHEN n % 3 = 0 THEN 'healthcare' ELSE 'community_work' END,
    'COMMUNITY'::scope, '东门', now() + n * interval '1 minute',
    now() + n * interval '1 minute' + interval '2 hours', 10,
    now() + n * interval '1 minute',
    (CASE WHEN n % 4 = 0 THEN 'DRAFT' ELSE 'PUBLISHED' END)::activitystatus,
    '000000', 'seed', now(), CASE WHEN n % 7 = 0 THEN 'team-' || (n % 10) END,
    's' || (n % 100)
FROM generate_series(1, 100000) AS n;
INSERT INTO service_record (id, volunteer_id, community_id, kind, source,
    place, started_at, ended_at, hours, tags, status, recorded_by, created_at)
SELECT lpad(n::text, 26, '0'), 'v' || (n % 500), 'c' || (n % 10), 'OTHER'::servicekind,
    'MANUAL'::recordsource, '', now() - n * interval '1 minute',
    now() - n * interval '1 minute' + interval '1 hour', 1.0, '',
    (CASE WHEN n % 3 = 0 THEN 'PENDING' ELSE 'CONFIRMED' END)::recordstatus,
    'seed', now()
FROM generate_series(1, 100000) AS n;
INSERT INTO resident_request (id, community_id, resident_account_id, category,
    description, status, opened_at, due_at, overdue_raised)
SELECT lpad(n::text, 26, '0'), 'c' || (n % 10), 'resident-' || (n % 1000),
    'TELECOM'::requestcategory, '宽带故障 ' || n,
    (CASE WHEN n % 3 = 0 THEN 'RESOLVED' ELSE 'OPEN' END)::requeststatus,
    now() - n * interval '1 minute', now() + (n - 50000) * interval '1 minute',
    false
FROM generate_series(1, 100000) AS n;
INSERT INTO sign_up (id, activity_id, volunteer_id, status, needs_review,
    created_at)
SELECT lpad(n::text, 26, '0'), lpad(((n % 1000) + 1)::text, 26, '0'),
    'v' || n, 'CONFIRMED'::signupstatus, n % 50 = 0, now() - n * interval '1 second'
FROM generate_series(1, 100000) AS n;
INSERT INTO pairing (id, community_id, kind, beneficiary_label,
    beneficiary_category, cadence_days, active, created_at, next_visit_due_at)
SELECT lpad(n::text, 26, '0'), 'c' || (n % 10), 'ONE_HELPS_ONE'::pairingkind, '王奶奶',
    'EMPTY_NEST_ELDER'::beneficiarycategory, 7, n % 9 <> 0, now() - n * interval '1 minute',
    now() + (n - 50000) * interval '1 minute'
FROM generate_series(1, 100000) AS n;
ANALYZE;
"""


# A page of 50 may cost reading a few hundred rows of an index in its order (the
# planner's pick when the filter is not selective), never a large part of the table.
MOST_READ = 5_000


async def test_every_list_reads_its_page_from_an_index_at_100000_rows(
    on_postgres: Settings, redis: Redis, keys: tuple[str, str]
) -> None:
    on_postgres.sweep_interval_seconds = 3600  # only the lists' statements are sent
    async with running(on_postgres, redis, keys) as service:
        await fill(on_postgres.database_url, FILL)
        await _check_every_list(service, on_postgres)


async def _check_every_list(service: Activities, on_postgres: Settings) -> None:
    admin = service.headers(Role.COMMUNITY_ADMIN, "c1")
    district = service.headers(Role.DISTRICT_ADMIN, None)
    resident = service.headers(Role.RESIDENT, "c1", subject="resident-1")
    lists = [
        ("/communities/c1/activities", {}, admin),
        ("/communities/c1/activities", {"status": "published"}, admin),
        ("/communities/c1/activities", {"service_area": "healthcare"}, admin),
        ("/series/s1/activities", {}, admin),
        ("/series/s1/activities", {"status": "published", "from": "2027-01-01"}, admin),
        ("/communities/c1/records", {}, admin),
        ("/communities/c1/records", {"status": "pending"}, admin),
        ("/communities/c1/requests", {}, admin),
        ("/communities/c1/requests", {"status": "open"}, admin),
        ("/communities/c1/pairings", {}, admin),
        ("/me/requests", {}, resident),
        (f"/activities/{'1'.zfill(26)}/sign-ups", {}, admin),
        ("/queues/records-to-confirm", {}, admin),
        ("/queues/overdue-requests", {}, admin),
        ("/queues/overdue-pairings", {}, admin),
        ("/queues/check-outs-to-resolve", {}, district),
    ]
    engine = service.app.state.runtime.db.engine
    await assert_pages_read_on_an_index(
        service.client, engine, lists, limit=50, most_read=MOST_READ
    )
