"""The paged lists run on their indexes at 100,000 rows (PostgreSQL's plans, read).

Each page's query is the one the route sent, caught on its way to the database, and
explained (and run) with its own parameters: a list that lost its index would read the
whole table and sort it for every page, or walk an index past rows that do not match,
which this sees as a Seq Scan, a Sort of many rows or many rows removed by a filter.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, text

from shared.auth import Role
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.notifications.conftest import Notifications

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
    url = await create_postgres_database(postgres_admin_url)
    try:
        yield url
    finally:
        with contextlib.suppress(Exception):
            await drop_postgres_database(postgres_admin_url, url)


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
    service: Notifications,
) -> None:
    engine = service.app.state.runtime.db.engine
    async with engine.begin() as connection:
        for statement in FILL:
            await connection.execute(text(statement))
    pages: list[tuple[str, Any]] = []

    def caught(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        # Only the lists' pages, not the outbox relay polling beside them.
        if "LIMIT" in statement and "event_outbox" not in statement:
            pages.append((statement, parameters))

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
    event.listen(engine.sync_engine, "before_cursor_execute", caught)
    timings = []
    try:
        for path, params, headers in lists:
            started = time.perf_counter()
            first = await service.client.get(path, params=params, headers=headers)
            assert first.status_code == 200, first.text
            assert first.json()["next_cursor"] is not None, (path, params)
            second = await service.client.get(
                path, params={**params, "cursor": first.json()["next_cursor"]}, headers=headers
            )
            assert second.status_code == 200, second.text
            timings.append((path, params, time.perf_counter() - started))
            assert not {i["id"] for i in first.json()["items"]} & {
                i["id"] for i in second.json()["items"]
            }
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", caught)

    assert len(pages) == 2 * len(lists)
    async with engine.connect() as connection:
        for statement, parameters in pages:
            plan = "\n".join(
                row[0]
                for row in await connection.exec_driver_sql(
                    "EXPLAIN ANALYZE " + statement, parameters
                )
            )
            assert "Seq Scan" not in plan, f"{statement}\n{plan}"
            # A sort, if any, is of the page's rows, never of the matching part of the table.
            sorted_rows = [int(n) for n in re.findall(r"Sort  \(cost=\S+ rows=(\d+)", plan)]
            assert all(n <= 200 for n in sorted_rows), f"{statement}\n{plan}"
            # Nor does it walk an index past many rows that do not match.
            removed = sum(int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", plan))
            assert removed <= 20 * 51, f"{statement}\n{plan}"
            assert "Index Scan" in plan or "Index Only Scan" in plan, plan
    for path, params, seconds in timings:
        print(f"{path} {params}: two pages in {seconds * 1000:.0f} ms")
