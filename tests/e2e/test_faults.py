"""Faults under a running scenario, each its own test, then every invariant.

One system (PostgreSQL, its own append-only Redis) serves the module; each test plays
the scenario with its own seed, breaks something while it runs, and checks the whole
system afterwards: nothing lost, nothing applied twice, poison quarantined.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.conftest import create_postgres_database, drop_postgres_database
from tests.e2e.faults import OVERRIDES, FaultBench, wait_for
from tests.e2e.system import SERVICES, OwnRedis, System

pytestmark = pytest.mark.timeout(600)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bench(
    tmp_path_factory: pytest.TempPathFactory, postgres_admin_url: str
) -> AsyncIterator[FaultBench]:
    directory = tmp_path_factory.mktemp("faults")
    own_redis = OwnRedis(directory / "redis")
    own_redis.start()
    databases = {name: await create_postgres_database(postgres_admin_url) for name in SERVICES}
    system = System(
        directory, own_redis.url, f"faults-{uuid.uuid4().hex[:8]}:", databases, dict(OVERRIDES)
    )
    try:
        system.start_all()
        yield FaultBench(system, own_redis)
    finally:
        system.stop()
        own_redis.stop()
        for url in databases.values():
            await drop_postgres_database(postgres_admin_url, url)


def report(bench: FaultBench, name: str) -> None:
    print(f"\n{name}: injected and survived {dict(bench.injected)}")


def test_kill_9_of_each_service_at_random_moments(bench: FaultBench) -> None:
    before = sum(bench.injected.values())
    thread, result = bench.play_in_background(seed=21)

    def kill_one() -> None:
        choices = bench.killable()
        if choices:
            bench.kill_and_restart(bench.rng.choice(choices))

    bench.while_running(thread, kill_one)
    played = bench.finish(thread, result)
    bench.check(played)
    assert sum(bench.injected.values()) - before >= 3
    report(bench, "kill -9")


def test_two_replicas_one_killed_mid_batch(bench: FaultBench) -> None:
    second = bench.system.start("evaluation")
    thread, result = bench.play_in_background(seed=22)
    killed = bench.when_holding_entries(thread, second, lambda: bench.system.kill(second))
    if killed:
        bench.injected["replica killed mid-batch"] += 1
    played = bench.finish(thread, result)
    bench.check(played)
    assert killed, "the second replica never held unacknowledged entries"
    report(bench, "replica killed")


def test_a_consumer_paused_past_the_reclaim_timeout_then_resumed(bench: FaultBench) -> None:
    second = bench.system.start("notifications")
    thread, result = bench.play_in_background(seed=23)
    paused = bench.when_holding_entries(thread, second, lambda: bench.system.pause(second))
    claimed = False
    if paused:
        # Past RECLAIM_IDLE_MS the other replica claims what the paused one held: resume
        # once it has, however long a busy machine takes, not after a fixed time.
        consumer = bench.consumer_of(second)
        claimed = wait_for(lambda: bench.pending_of("notifications", consumer) == 0, timeout=120)
        bench.system.resume(second)
        bench.injected["consumer paused past reclaim"] += 1
    played = bench.finish(thread, result)
    bench.check(played)
    bench.system.kill(second)
    assert paused, "the second replica never held unacknowledged entries"
    assert claimed, "the other replica never claimed the paused one's entries"
    report(bench, "paused consumer")


def test_the_relay_killed_between_publishing_and_marking_sent(bench: FaultBench) -> None:
    thread, result = bench.play_in_background(seed=24)
    while thread.is_alive() and bench.step != "half-year of service":
        bench.step_changed.wait(timeout=1)
        bench.step_changed.clear()
    # The simulator is busy with activities: import a roster of 300 into a community of
    # our own, and kill -9 the registry when its relay has published some of the 300
    # events but not yet marked them sent.
    with bench.outage:
        caught = asyncio.run(bench.kill_registry_mid_relay(volunteers=300))
    bench.injected["relay killed between publish and mark"] += 1
    played = bench.finish(thread, result)
    bench.check(played)
    assert caught, "the relay was never caught between publishing and marking sent"
    # It published those events again after the restart; every consumer applied them once.
    assert bench.republished("registry.events") > 0
    report(bench, "relay killed")


def test_redis_killed_and_restarted_with_its_append_only_file(bench: FaultBench) -> None:
    thread, result = bench.play_in_background(seed=25)
    while thread.is_alive() and bench.step != "half-year of service":
        bench.step_changed.wait(timeout=1)
        bench.step_changed.clear()
    # In the middle of the half-year, with events in flight: wait for them rather than
    # for a time a fast or slow machine would place elsewhere.
    busy = wait_for(lambda: bench.events_in_flight() > 0, timeout=120, interval=0.01)
    bench.redis_server.kill()
    time.sleep(2)  # the outage itself: two seconds without Redis
    bench.redis_server.start()  # returns once it answers PING
    bench.injected["redis kill -9"] += 1
    played = bench.finish(thread, result)
    bench.check(played)
    assert busy, "no event was in flight when Redis was killed"
    report(bench, "redis killed")


def test_poison_events_are_dead_lettered_and_everything_else_handled(bench: FaultBench) -> None:
    thread, result = bench.play_in_background(seed=26)
    while thread.is_alive() and bench.step != "half-year of service":
        bench.step_changed.wait(timeout=1)
        bench.step_changed.clear()
    bench.inject_poison()
    played = bench.finish(thread, result)
    checked = bench.check(played)  # dead letters must be exactly the poison
    assert checked["volunteers' ledgers"] > 0
    report(bench, "poison")
