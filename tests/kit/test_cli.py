"""The operator's command line over dead letters, against real Redis."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from redis.asyncio import Redis

from shared.events.consumer import StreamEntry
from tests.kit.support import POISON, community_event, xadd_events

CLI = str(Path(sys.executable).with_name("linli-events"))


async def _dead_letter_one(redis: Redis, namespace: str, tmp_path: Path) -> str:
    from shared.db import Database
    from tests.kit.support import create_tables, make_consumer

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'kit.db'}")
    await create_tables(db)
    poison = community_event(POISON)
    await xadd_events(redis, namespace, [poison])
    consumer = make_consumer(db, redis, namespace, "c1", max_deliveries=1)
    await consumer.ensure_groups()
    [(key, read)] = await redis.xreadgroup("kit", "c1", {namespace + "registry.events": ">"})
    await consumer.process([StreamEntry(key.decode(), i.decode(), f, 1) for i, f in read])
    await db.dispose()
    return poison.id


def run_cli(redis_url: str, namespace: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args, "--redis-url", redis_url, "--namespace", namespace],
        capture_output=True,
        text=True,
        check=False,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )


async def test_dead_letters_can_be_listed_shown_and_replayed(
    redis: Redis, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    event_id = await _dead_letter_one(redis, namespace, tmp_path)
    dead_key = namespace + "kit.dead-letters"
    [(letter_id, _)] = await redis.xrange(dead_key)

    listed = run_cli(redis_url, namespace, "dead-letters", "list", "kit")
    assert listed.returncode == 0, listed.stderr
    assert event_id in listed.stdout
    assert "1 dead letter(s)" in listed.stdout

    shown = run_cli(redis_url, namespace, "dead-letters", "show", "kit", letter_id.decode())
    assert shown.returncode == 0, shown.stderr
    assert "this event always fails" in shown.stdout

    before = await redis.xlen(namespace + "registry.events")
    replayed = run_cli(redis_url, namespace, "dead-letters", "replay", "kit", "--all")
    assert replayed.returncode == 0, replayed.stderr
    assert await redis.xlen(dead_key) == 0
    assert await redis.xlen(namespace + "registry.events") == before + 1
    [(_, fields)] = await redis.xrevrange(namespace + "registry.events", count=1)
    assert fields[b"id"].decode() == event_id
    assert not any(key.startswith(b"deadletter.") for key in fields)

    missing = run_cli(redis_url, namespace, "dead-letters", "show", "kit", "1-1")
    assert missing.returncode == 1


async def test_status_shows_groups_with_lag_and_pending(
    redis: Redis, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    await _dead_letter_one(redis, namespace, tmp_path)
    status = run_cli(redis_url, namespace, "status")
    assert status.returncode == 0, status.stderr
    assert "registry.events" in status.stdout
    assert "kit" in status.stdout
