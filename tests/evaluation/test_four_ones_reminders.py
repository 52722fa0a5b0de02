"""Party members are reminded of their four ones still open, once per member and month:
with two replicas racing (SQLite and PostgreSQL), after a restart, and by the runtime's
own periodic task."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
from redis.asyncio import Redis

from evaluation import four_ones, reminders
from evaluation.app import create_app
from evaluation.settings import Settings
from shared.auth import generate_keypair
from shared.contracts.activities import ServiceConfirmed
from shared.contracts.registry import VolunteerRegistered
from shared.db import Database
from shared.events.envelope import Envelope
from tests.evaluation.conftest import Evaluation, settle

REMINDER = b"org.linli.evaluation.four_ones_reminder_due.v1"
DECEMBER = datetime(2026, 12, 10, 9, tzinfo=UTC)


def member(volunteer: str, community: str = "c1", *, party: bool = True) -> VolunteerRegistered:
    return VolunteerRegistered(
        volunteer_id=volunteer,
        volunteer_number=f"N-{volunteer}",
        community_id=community,
        service_area_codes=["community_work"],
        party_member=party,
        category="serving_cadre",
        account_id=f"acct-{volunteer}",
        registered_on=date(2026, 1, 5),
    )


def tagged(
    volunteer: str, record: str, tags: list[str], community: str = "c1", when: datetime = DECEMBER
) -> ServiceConfirmed:
    return ServiceConfirmed(
        record_id=record,
        volunteer_id=volunteer,
        community_id=community,
        started_at=when,
        hours=1.0,
        tags=tags,
        confirmed_by="admin",
    )


async def reminders_on_redis(redis: Redis, namespace: str) -> list[dict[str, Any]]:
    key = namespace + "evaluation.events"
    if not await redis.exists(key):
        return []
    entries: list[tuple[bytes, dict[bytes, bytes]]] = await redis.xrange(key)  # type: ignore[assignment]
    return [orjson.loads(fields[b"data"]) for _, fields in entries if fields[b"type"] == REMINDER]


async def published(redis: Redis, namespace: str, count: int) -> list[dict[str, Any]]:
    """The reminders on the stream once there are `count` (and no more after a pause)."""
    for _ in range(200):
        seen = await reminders_on_redis(redis, namespace)
        if len(seen) >= count:
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} reminders, saw {len(seen)}")


async def test_two_replicas_racing_remind_each_member_with_items_open_once(
    evaluation_db: Evaluation, database_url: str
) -> None:
    service = evaluation_db
    await service.publish(
        "registry.events",
        [
            member("lao-wang"),  # two of four done
            member("lao-li"),  # all four done: nothing to remind
            member("lao-zhang"),  # nothing done
            member("xiao-zhao", party=False),  # not a party member
            member("lao-chen", "c2"),  # another community, one done
        ],
    )
    await service.publish(
        "activities.events",
        [
            tagged("lao-wang", "r1", ["good_deed"]),
            tagged("lao-wang", "r2", ["problem_solved"]),
            tagged("lao-li", "r3", ["good_deed", "public_welfare"]),
            tagged("lao-li", "r4", ["conversation", "problem_solved"]),
            # November's deed does not count for December.
            tagged("lao-zhang", "r5", ["good_deed"], when=datetime(2026, 11, 20, tzinfo=UTC)),
            tagged("lao-chen", "r6", ["conversation"], community="c2"),
        ],
    )
    await settle(service)

    # Two replicas: the service's own database connections and a second engine.
    first = service.app.state.runtime.db
    second = Database(database_url)
    try:
        counts = await asyncio.gather(
            reminders.remind(first, "2026-12", date(2026, 12, 31)),
            reminders.remind(second, "2026-12", date(2026, 12, 31)),
        )
        assert sorted(counts) in ([0, 3], [1, 2])  # three reminders between them
        assert sum(counts) == 3
    finally:
        await second.engine.dispose()

    seen = await published(service.redis, service.namespace, 3)
    by_member = {r["volunteer_id"]: r for r in seen}
    assert len(seen) == 3
    assert set(by_member) == {"lao-wang", "lao-zhang", "lao-chen"}
    assert by_member["lao-wang"]["open_items"] == ["public_welfare", "conversation"]
    assert by_member["lao-zhang"]["open_items"] == list(four_ones.FOUR)
    assert by_member["lao-chen"] == {
        "volunteer_id": "lao-chen",
        "community_id": "c2",
        "month": "2026-12",
        "open_items": ["good_deed", "public_welfare", "problem_solved"],
        "month_ends_on": "2026-12-31",
    }

    # Later rounds, and a replica started afresh, remind nobody again this month...
    restarted = Database(database_url)
    try:
        assert await reminders.remind(restarted, "2026-12", date(2026, 12, 31)) == 0
        assert await reminders.remind(first, "2026-12", date(2026, 12, 31)) == 0
        # ...but a member newly registered still gets theirs, and next month is new.
        await service.publish("registry.events", [member("lao-zhou")])
        await settle(service)
        assert await reminders.remind(restarted, "2026-12", date(2026, 12, 31)) == 1
        assert (
            await reminders.remind(first, "2027-01", date(2027, 1, 31)) == 5
        )  # nobody did anything yet
    finally:
        await restarted.engine.dispose()
    seen = await published(service.redis, service.namespace, 9)
    assert len(seen) == 9
    assert sorted(
        (r["month"], r["volunteer_id"]) for r in seen if r["volunteer_id"] == "lao-zhou"
    ) == [
        ("2026-12", "lao-zhou"),
        ("2027-01", "lao-zhou"),
    ]


@asynccontextmanager
async def reminding_runtime(
    tmp_path: Path, redis_url: str, redis: Redis, namespace: str, **overrides: Any
) -> AsyncIterator[Any]:
    _, public_pem = generate_keypair()
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'evaluation.db'}",
        redis_url=redis_url,
        stream_namespace=namespace,
        consume_block_ms=100,
        relay_poll_ms=50,
        jwt_public_key=public_pem,
        four_ones_reminder_interval_seconds=0.05,
        **overrides,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


async def publish(redis: Redis, namespace: str, stream: str, payload: Any) -> None:
    envelope = Envelope.wrap(payload, subject=None, community=None)
    await redis.xadd(namespace + stream, envelope.to_fields())


async def test_the_runtime_reminds_in_the_months_last_days_and_only_once(
    tmp_path: Path, redis_url: str, redis: Redis, namespace: str
) -> None:
    # 31 days before the month ends is every day of every month: the task is due now.
    async with reminding_runtime(
        tmp_path, redis_url, redis, namespace, four_ones_reminder_days=31
    ) as app:
        await publish(redis, namespace, "registry.events", member("lao-wang"))
        [reminder] = await published(redis, namespace, 1)
        now = datetime.now(app.state.settings.zone)
        assert reminder["month"] == f"{now.year:04d}-{now.month:02d}"
        assert reminder["open_items"] == list(four_ones.FOUR)
        # Many more rounds of the task pass: still one reminder.
        await publish(redis, namespace, "registry.events", member("lao-li"))
        await published(redis, namespace, 2)
    # Restarted, the service reminds nobody again.
    async with reminding_runtime(tmp_path, redis_url, redis, namespace, four_ones_reminder_days=31):
        await publish(redis, namespace, "registry.events", member("lao-zhang"))
        seen = await published(redis, namespace, 3)
        await publish(redis, namespace, "registry.events", member("lao-zhou"))
        seen = await published(redis, namespace, 4)
    assert sorted(r["volunteer_id"] for r in seen) == [
        "lao-li",
        "lao-wang",
        "lao-zhang",
        "lao-zhou",
    ]
