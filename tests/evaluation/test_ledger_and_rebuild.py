"""The hour ledger and star levels from activities events; rebuild equals incremental."""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlmodel import col, select

from evaluation.app import DEFINITION, create_app
from evaluation.cli import rebuild_into
from evaluation.models import CountedRecord, FourOnesMark, VolunteerLedger
from evaluation.settings import Settings
from shared.contracts.activities import ServiceConfirmed, ServiceCorrected, ServiceVoided
from shared.contracts.base import EventPayload
from shared.db import Database
from shared.events.envelope import Envelope
from shared.events.tables import OutboxMessage
from shared.migrations import upgrade_to_head

START = datetime(2026, 3, 1, 9, tzinfo=UTC)


class Script:
    """Builds activities events the way the activities service would publish them."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.serial = 0

    def add(self, payload: EventPayload, volunteer: str) -> Envelope:
        envelope = Envelope.wrap(payload, subject=volunteer, community="c1")
        self.envelopes.append(envelope)
        return envelope

    def confirm(
        self,
        volunteer: str,
        record: str,
        hours: float,
        *,
        team: str | None = None,
        tags: list[str] | None = None,
    ) -> Envelope:
        self.serial += 1
        return self.add(
            ServiceConfirmed(
                record_id=record,
                volunteer_id=volunteer,
                community_id="c1",
                service_area_code="elderly_care",
                team_id=team,
                started_at=START + timedelta(days=self.serial),
                hours=hours,
                confirmed_by="admin",
                tags=tags or [],
            ),
            volunteer,
        )

    def correct(
        self, volunteer: str, old: str, new: str, hours: float, previous: float
    ) -> Envelope:
        return self.add(
            ServiceCorrected(
                record_id=new,
                corrects_record_id=old,
                volunteer_id=volunteer,
                community_id="c1",
                started_at=START,
                hours=hours,
                previous_hours=previous,
                reason="核减",
            ),
            volunteer,
        )

    def void(
        self, volunteer: str, record: str, hours: float, *, confirmed: bool = True
    ) -> Envelope:
        return self.add(
            ServiceVoided(
                record_id=record,
                volunteer_id=volunteer,
                community_id="c1",
                hours=hours,
                was_confirmed=confirmed,
                reason="作废",
            ),
            volunteer,
        )


async def publish(redis: Redis, namespace: str, envelopes: list[Envelope]) -> None:
    pipe = redis.pipeline(transaction=False)
    for envelope in envelopes:
        pipe.xadd(namespace + "activities.events", envelope.to_fields())  # type: ignore[arg-type]
    await pipe.execute()


@pytest.fixture
async def evaluation(tmp_path: Path, redis_url: str, namespace: str) -> AsyncIterator[Settings]:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'evaluation.db'}",
        redis_url=redis_url,
        stream_namespace=namespace,
        consume_block_ms=100,
        relay_poll_ms=50,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield settings


async def drained(redis: Redis, namespace: str, count: int) -> None:
    """Wait until the evaluation group has read and acknowledged `count` entries."""
    key = namespace + "activities.events"
    for _ in range(600):
        groups = (
            {g["name"]: g for g in await redis.xinfo_groups(key)} if await redis.exists(key) else {}
        )
        group = groups.get(b"evaluation")
        if group and group["entries-read"] == count and group["pending"] == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the evaluation service did not catch up")


async def ledger_of(url: str, volunteer: str) -> VolunteerLedger:
    db = Database(url)
    async with db.session() as session:
        ledger = await session.get(VolunteerLedger, volunteer)
    await db.dispose()
    assert ledger is not None
    return ledger


async def stars_announced(redis: Redis, namespace: str) -> list[int]:
    entries = await redis.xrange(namespace + "evaluation.events")
    return [
        int(f[b"data"].decode().split('"level":')[1].split(",")[0])
        for _, f in entries
        if f[b"type"] == b"org.linli.evaluation.star_reached.v1"
    ]


async def test_ledger_and_star_levels_follow_confirmations_corrections_voids_and_duplicates(
    evaluation: Settings, redis: Redis, namespace: str
) -> None:
    script = Script()
    script.confirm("v1", "a", 60)
    b = script.confirm("v1", "b", 50)  # 110 h: the first star
    script.envelopes.append(b)  # the same event published twice
    script.correct("v1", "b", "b2", 30, 50)  # 90 h: below the first star again
    script.confirm("v1", "c", 20)  # 110 h: the first star regained, not re-announced
    script.void("v1", "c", 20)  # 90 h
    script.void("v1", "pending", 5, confirmed=False)  # a pending record never counted
    await publish(redis, namespace, script.envelopes)
    await drained(redis, namespace, len(script.envelopes))

    url = evaluation.resolved_database_url()
    ledger = await ledger_of(url, "v1")
    assert (ledger.total_hours, ledger.star_level, ledger.highest_star_announced) == (90.0, 0, 1)
    await asyncio.sleep(0.3)  # let the relay publish
    assert await stars_announced(redis, namespace) == [1]

    more = Script()
    more.confirm("v1", "d", 215)  # 305 h: the second star, once
    await publish(redis, namespace, more.envelopes)
    await drained(redis, namespace, len(script.envelopes) + 1)
    ledger = await ledger_of(url, "v1")
    assert (ledger.total_hours, ledger.star_level) == (305.0, 2)
    for _ in range(40):
        if len(await stars_announced(redis, namespace)) == 2:
            break
        await asyncio.sleep(0.05)
    assert await stars_announced(redis, namespace) == [1, 2]


def random_script(seed: int, events: int, volunteers: int = 40) -> Script:
    rng = random.Random(seed)
    script = Script()
    live: dict[str, tuple[str, float]] = {}
    serial = 0
    while len(script.envelopes) < events:
        serial += 1
        volunteer = f"v{rng.randrange(volunteers)}"
        roll = rng.random()
        if roll < 0.65 or not live:
            record = f"r{serial}"
            hours = rng.choice([1.0, 2.0, 2.5, 3.0, 4.0, 8.0])
            tags = rng.sample(
                ["good_deed", "public_welfare", "conversation", "problem_solved"], rng.randrange(3)
            )
            script.confirm(volunteer, record, hours, team=f"t{rng.randrange(4)}", tags=tags)
            live[record] = (volunteer, hours)
        elif roll < 0.8:
            old = rng.choice(sorted(live))
            owner, hours = live.pop(old)
            new = f"r{serial}c"
            script.correct(owner, old, new, max(0.5, hours - 1), hours)
            live[new] = (owner, max(0.5, hours - 1))
        elif roll < 0.9:
            old = rng.choice(sorted(live))
            owner, hours = live.pop(old)
            script.void(owner, old, hours)
        else:
            script.envelopes.append(rng.choice(script.envelopes))  # a duplicate delivery
    return script


async def table(
    url: str, model: type[CountedRecord] | type[VolunteerLedger] | type[FourOnesMark]
) -> list[dict[str, object]]:
    db = Database(url)
    async with db.session() as session:
        rows = (await session.exec(select(model))).all()
    await db.dispose()
    return sorted((row.model_dump() for row in rows), key=lambda r: str(sorted(r.items())))


async def test_a_rebuild_from_the_streams_equals_the_incremental_state(
    evaluation: Settings, redis: Redis, namespace: str, tmp_path: Path, redis_url: str
) -> None:
    script = random_script(seed=7, events=3000)
    await publish(redis, namespace, script.envelopes)
    await drained(redis, namespace, len(script.envelopes))

    rebuilt = f"sqlite+aiosqlite:///{tmp_path / 'rebuilt.db'}"
    await asyncio.to_thread(upgrade_to_head, DEFINITION.migrations_dir, rebuilt)
    report = await rebuild_into(rebuilt, redis_url, namespace, batch=2000, workers=1)
    assert report.entries == 3000
    assert report.skipped == 0

    live = evaluation.resolved_database_url()
    assert await table(rebuilt, CountedRecord) == await table(live, CountedRecord)
    marks = await table(live, FourOnesMark)
    assert marks
    assert await table(rebuilt, FourOnesMark) == marks
    live_ledgers = await table(live, VolunteerLedger)
    assert await table(rebuilt, VolunteerLedger) == live_ledgers
    assert len(live_ledgers) == 40
    assert any(int(str(row["star_level"])) > 0 for row in live_ledgers)


async def stars_staged(url: str) -> list[tuple[str, str | None, str]]:
    """The StarReached events staged in a database's outbox: data, causation, correlation."""
    db = Database(url)
    async with db.session() as session:
        rows = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    await db.dispose()
    staged = [json.loads(row.fields) for row in rows]
    return [(f["data"], f.get("causationid"), f["correlationid"]) for f in staged]


def naive_utc(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Rows with datetimes as naive UTC, to compare SQLite's rows with PostgreSQL's."""
    return [
        {
            k: v.astimezone(UTC).replace(tzinfo=None) if isinstance(v, datetime) and v.tzinfo else v
            for k, v in row.items()
        }
        for row in rows
    ]


async def test_confirmations_in_batches_equal_confirmations_one_by_one(
    redis: Redis, namespace: str, tmp_path: Path, database_url: str, redis_url: str
) -> None:
    # Few volunteers, so that stars are reached within a short script.
    script = random_script(seed=11, events=500, volunteers=5)
    await publish(redis, namespace, script.envelopes)
    # One event at a time on SQLite is the reference; batches run on both databases.
    urls = {1: f"sqlite+aiosqlite:///{tmp_path / 'one-by-one.db'}", 500: database_url}
    for batch, url in urls.items():
        await asyncio.to_thread(upgrade_to_head, DEFINITION.migrations_dir, url)
        await rebuild_into(url, redis_url, namespace, batch, workers=1)

    for model in (CountedRecord, VolunteerLedger, FourOnesMark):
        assert naive_utc(await table(urls[500], model)) == naive_utc(await table(urls[1], model))
    # Each star is announced once, caused by the confirmation that reached it.
    one_by_one = await stars_staged(urls[1])
    assert one_by_one
    assert await stars_staged(urls[500]) == one_by_one


async def test_a_rebuild_in_parallel_shares_equals_one_event_at_a_time(
    redis: Redis, namespace: str, tmp_path: Path, database_url: str, redis_url: str
) -> None:
    script = random_script(seed=13, events=600, volunteers=6)
    await publish(redis, namespace, script.envelopes)
    reference = f"sqlite+aiosqlite:///{tmp_path / 'one-by-one.db'}"
    for url in (reference, database_url):
        await asyncio.to_thread(upgrade_to_head, DEFINITION.migrations_dir, url)
    await rebuild_into(reference, redis_url, namespace, batch=1, workers=1)

    # The rebuild command's own path, two processes each replaying its share.
    report = await rebuild_into(database_url, redis_url, namespace, batch=50, workers=2)

    assert report.entries == 600
    assert report.skipped == 0
    for model in (CountedRecord, VolunteerLedger, FourOnesMark):
        assert naive_utc(await table(database_url, model)) == naive_utc(
            await table(reference, model)
        )
    # The same stars, each caused by the same confirmation; shares interleave them.
    expected = await stars_staged(reference)
    assert expected
    assert sorted(await stars_staged(database_url)) == sorted(expected)
    # What the replay staged was published when it first happened: nothing is left to send.
    rebuilt = Database(database_url)
    async with rebuilt.session() as session:
        unsent = select(OutboxMessage).where(col(OutboxMessage.sent_at).is_(None))
        assert (await session.exec(unsent)).all() == []
    await rebuilt.dispose()


async def test_the_documented_rebuild_command_rebuilds(
    redis: Redis, namespace: str, tmp_path: Path, redis_url: str
) -> None:
    script = Script()
    for number in range(30):
        script.confirm(f"v{number % 3}", f"r{number}", 2.0)
    await publish(redis, namespace, script.envelopes)
    rebuilt = f"sqlite+aiosqlite:///{tmp_path / 'rebuilt.db'}"

    # As README's "Operating" section has an operator type it, in a process of its own.
    command = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "evaluation.cli", "rebuild", "--database-url", rebuilt),
        env={**os.environ, "REDIS_URL": redis_url, "STREAM_NAMESPACE": namespace},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(command.communicate(), 120)

    assert command.returncode == 0, output.decode()
    assert "replayed 30 entries: 30 applied, 0 skipped" in output.decode()
    ledgers = await table(rebuilt, VolunteerLedger)
    assert {(row["volunteer_id"], row["total_hours"]) for row in ledgers} == {
        ("v0", 20.0),
        ("v1", 20.0),
        ("v2", 20.0),
    }


def test_a_rebuild_worker_imports_nothing_of_the_web_app() -> None:
    # multiprocessing's spawn imports the main module again in each of a parallel
    # rebuild's workers: for the documented command, evaluation.cli. A worker needs the
    # handlers and the replay; the web app, its framework and the migrations cost each
    # worker over a second before it could start replaying.
    probe = (
        "import sys, evaluation.cli, shared.events.replay;"
        "print(sorted(m for m in ('evaluation.app', 'fastapi', 'faststream', 'alembic')"
        " if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert loaded.stdout.strip() == "[]"
