"""The paged lists run on their indexes at 100,000 rows (PostgreSQL's plans, read).

Each page's query is the one the route sent, caught on its way to the database, and
explained (and run) with its own parameters: a list that lost its index would read the
whole table and sort it for every page, or walk an index past rows that do not match,
which this sees as a Seq Scan, a Sort of many rows or many rows removed by a filter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from shared.auth import Role
from tests.notifications.conftest import Notifications
from tests.plans import assert_two_pages_each_read_on_an_index, fill, scratch_database

FILL = [
    # 100,000 announcements: twenty communities and the district's own (one in 21), one
    # in fifty still scheduled.
    """INSERT INTO announcement (id, author_account_id, audience, community_id, team_id,
        title, body, publish_at, published)
    SELECT lpad(i::text, 26, '0'), 'a',
           CASE WHEN i % 21 = 0 THEN 'district' ELSE 'community' END,
           CASE WHEN i % 21 = 0 THEN NULL ELSE 'c' || (i % 21) END, NULL,
           '通知' || i, '正文' || i,
           CASE WHEN i % 50 = 0 THEN now() + make_interval(mins => i)
                ELSE now() - make_interval(mins => i) END,
           i % 50 <> 0
    FROM generate_series(1, 100000) AS i""",
    # 100,000 subscriptions of a thousand owners, disabled ones among them.
    """INSERT INTO webhook_subscription (id, owner_account_id, community_id, url, secret,
        event_types, active, consecutive_failures, created_at)
    SELECT lpad(i::text, 26, '0'), 'o' || (i % 1000), NULL, 'http://x.example/', 's', '',
           i % 7 <> 0, 0, now() - make_interval(secs => i)
    FROM generate_series(1, 100000) AS i""",
    # 200,000 deliveries, half of them the first subscription's; one in a hundred dead.
    """INSERT INTO webhook_delivery (id, subscription_id, event_id, event_type, body, status,
        attempts, next_attempt_at, created_at)
    SELECT lpad(i::text, 26, '0'), lpad((1 + i % 2)::text, 26, '0'), 'e' || i, 't', '{}',
           CASE WHEN i % 100 = 0 THEN 'dead' ELSE 'delivered' END, 1, now(),
           now() - make_interval(secs => i)
    FROM generate_series(1, 200000) AS i""",
    "ANALYZE",
]


@pytest.fixture
async def big_database(postgres_admin_url: str) -> AsyncIterator[str]:
    async with scratch_database(postgres_admin_url) as url:
        yield url


@pytest.fixture
def overrides(big_database: str) -> dict[str, Any]:
    # The periodic work waits: only the lists' pages reach the database.
    return {
        "database_url": big_database,
        "announcement_interval_seconds": 3600,
        "webhook_interval_seconds": 3600,
        "channel_interval_seconds": 3600,
        "reminder_interval_seconds": 3600,
    }


async def test_every_page_of_each_list_is_read_on_an_index_at_100000_rows(
    service: Notifications, big_database: str
) -> None:
    engine = service.app.state.runtime.db.engine
    await fill(big_database, *FILL)
    district = service.person("district", Role.DISTRICT_ADMIN, None)
    admin = service.person("admin-3", Role.COMMUNITY_ADMIN, "c3")
    owner = service.person("o7", Role.COMMUNITY_ADMIN, "c3")
    first_subscription = "1".rjust(26, "0")
    deliveries = f"/webhooks/{first_subscription}/deliveries"
    lists = [
        ("/announcements", {}, district),
        ("/announcements", {"status": "scheduled"}, district),
        ("/announcements", {"community_id": "c3"}, district),
        ("/announcements", {}, admin),
        ("/webhooks", {}, owner),
        ("/webhooks", {"active": "false", "limit": "5"}, owner),
        (deliveries, {}, district),
        (deliveries, {"status": "dead"}, district),
    ]
    # A sort, if any, is of the few rows an index found, never of the matching part of
    # the table; nor does a page walk an index past many rows that do not match: a page's
    # worth times the communities, as an index in id order filtered by community does.
    await assert_two_pages_each_read_on_an_index(
        service.client, engine, lists, most_sorted=200, most_removed=20 * 51
    )
