"""Faults injected into a running system while the simulator plays its scenario.

A `FaultBench` is the four services on PostgreSQL with a Redis of their own (append-only,
fsync always), so Redis itself can be killed. The scenario runs in a thread; faults are
injected from the test's thread, each kind counted. Which services may be killed at a
given moment follows what the simulator is doing: it is a client, and a client whose
request dies with the server cannot know whether it was applied, so the services it is
talking to are killed only between its steps; the others at any moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg
import httpx
import redis
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from shared.auth import Role
from shared.contracts.activities import ServiceConfirmed
from shared.contracts.registry import VolunteerRegistered
from simulator.client import Platform
from simulator.people import Census, roster_csv
from simulator.scenario import District, Scale
from simulator.webhooks import Receiver
from tests.e2e import invariants
from tests.e2e.scenario import Played, check_everything, district_admin
from tests.e2e.system import OwnRedis, Replica, System

FAULT_SCALE = Scale(communities=1, volunteers=10, applicants=4, months=2, veterans=1, quota=1)
# The services each step of the simulator talks to over HTTP.
TALKS_TO = {
    "district set up": {"registry", "notifications"},
    "rosters imported": {"registry"},
    "online applications": {"registry"},
    "teams formed": {"registry"},
    "half-year of service": {"activities"},
    "today's activities": {"activities"},
    "pairings and visits": {"activities"},
    "residents' requests": {"activities"},
    "ledger caught up": {"evaluation"},
    "peer review and nominations": {"evaluation"},
    "district review": {"evaluation"},
    "announcements": {"notifications"},
    "people move": {"registry"},
    "volunteers read their own": {"activities", "evaluation"},
    "": set(),
}
OVERRIDES = {
    # Reclaim quickly, so a dead or paused consumer's entries move on within the test.
    "RECLAIM_IDLE_MS": "3000",
    "RECLAIM_INTERVAL_MS": "500",
    "LOG_LEVEL": "INFO",
}
# An advisory lock of the relay test's own: while it holds it, the registry relay's
# mark-sent UPDATE waits (a trigger takes the lock shared), so the relay stops exactly
# between publishing and marking sent.
_HOLD_MARK_SENT = 16_016
_HOLD_MARK_SENT_DDL = f"""
CREATE OR REPLACE FUNCTION fault_hold_mark_sent() RETURNS trigger AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared({_HOLD_MARK_SENT});
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER fault_hold_mark_sent BEFORE UPDATE ON event_outbox
    FOR EACH STATEMENT EXECUTE FUNCTION fault_hold_mark_sent();
"""
_RELEASE_MARK_SENT_DDL = """
DROP TRIGGER IF EXISTS fault_hold_mark_sent ON event_outbox;
DROP FUNCTION IF EXISTS fault_hold_mark_sent();
"""


def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Whether `condition()` became true within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


@dataclass
class FaultBench:
    """A system to break, what was injected into it, and the poison it must quarantine."""

    system: System
    redis_server: OwnRedis
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    injected: Counter[str] = field(default_factory=Counter)
    poison: dict[str, set[bytes]] = field(default_factory=dict)
    step: str = ""
    step_changed: threading.Event = field(default_factory=threading.Event)
    # Held while a service is down: the simulator's next step waits for it, so it never
    # calls a service that is being restarted.
    outage: threading.Lock = field(default_factory=threading.Lock)

    # -- the scenario ----------------------------------------------------------------

    def play_in_background(self, seed: int) -> tuple[threading.Thread, dict[str, object]]:
        """Start the scenario in a thread; the dict gets its Played or its error."""
        result: dict[str, object] = {}

        def before_step(name: str) -> None:
            with self.outage:
                self.step = name
            self.step_changed.set()

        def run() -> None:
            receiver = Receiver()
            platform = Platform(self.system.urls)
            try:
                district = District(
                    platform,
                    district_admin(self.system),
                    seed,
                    FAULT_SCALE,
                    receiver,
                    before_step=before_step,
                )
                result["played"] = Played(district.run(), receiver)
            except BaseException as exc:
                result["error"] = exc
                receiver.close()
            finally:
                platform.close()
                self.step = ""
                self.step_changed.set()

        self.step = "starting"
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread, result

    def finish(self, thread: threading.Thread, result: dict[str, object]) -> Played:
        thread.join(timeout=600)
        if "error" in result:
            state = "; ".join(invariants.unsettled(self.system)) or "settled"
            raise AssertionError(
                f"the scenario failed under faults: {result['error']} (streams: {state})"
            )
        played = result["played"]
        assert isinstance(played, Played)
        return played

    def check(self, played: Played) -> dict[str, int]:
        """Every invariant, with the poison injected so far; closes the receiver."""
        try:
            return check_everything(self.system, played, self.poison)
        finally:
            played.receiver.close()

    def while_running(self, thread: threading.Thread, inject: Callable[[], None]) -> None:
        """Call `inject` now and then until the scenario ends."""
        while thread.is_alive():
            time.sleep(self.rng.uniform(1.0, 4.0))
            if thread.is_alive():
                inject()

    # -- faults ----------------------------------------------------------------------

    def killable(self) -> list[str]:
        """Services the simulator is not talking to right now."""
        return sorted(
            {"registry", "activities", "evaluation", "notifications"}
            - TALKS_TO.get(self.step, set())
        )

    def kill_and_restart(self, service: str) -> bool:
        """kill -9 and restart the service if the simulator is not talking to it."""
        with self.outage:
            if service not in self.killable():
                return False
            self.system.restart(service)
        self.injected[f"kill -9 {service}"] += 1
        return True

    def consumer_of(self, replica: Replica) -> str:
        """The consumer name the replica reads as (hostname-pid)."""
        return f"{socket.gethostname()}-{replica.process.pid}"

    def events_in_flight(self) -> int:
        """Entries of the services' streams read and not yet acknowledged, or not yet
        read, by any group: what an outage now would catch in the middle."""
        with redis.Redis.from_url(self.system.redis_url) as r:
            total = 0
            for stream in ("registry.events", "activities.events", "evaluation.events"):
                key = self.system.namespace + stream
                if r.exists(key):
                    for group in r.xinfo_groups(key):
                        total += int(group["pending"]) + int(group.get("lag") or 0)
            return total

    def pending_of(self, group: str, consumer: str) -> int:
        with redis.Redis.from_url(self.system.redis_url) as r:
            total = 0
            for stream in ("registry.events", "activities.events", "evaluation.events"):
                key = self.system.namespace + stream
                if not r.exists(key):
                    continue
                groups = {g["name"].decode() for g in r.xinfo_groups(key)}
                if group not in groups:
                    continue
                for info in r.xinfo_consumers(key, group):
                    if info["name"].decode() == consumer:
                        total += int(info["pending"])
            return total

    async def kill_registry_mid_relay(self, volunteers: int) -> bool:
        """Import a roster and kill -9 the registry while its relay is between publishing
        the events and marking them sent; restart it. Whether the moment was caught.

        The moment is made, not waited for (it lasts a few milliseconds): the relay's
        mark-sent UPDATE waits for an advisory lock held here, so it stays published and
        unmarked until the registry is killed.
        """
        url = make_url(self.system.databases["registry"])
        connection = await asyncpg.connect(
            host=url.host, port=url.port, user=url.username, database=url.database
        )
        await connection.execute(_HOLD_MARK_SENT_DDL)
        try:
            return await self._kill_registry_while_held(connection, volunteers)
        finally:
            # The killed relay's UPDATE, let go, rolls back with its dead connection;
            # dropping the trigger waits for that.
            await connection.execute(_RELEASE_MARK_SENT_DDL)
            await connection.close()
            replica = self.system.replicas["registry"][0]
            if replica.process.poll() is not None:
                self.system.replicas["registry"].remove(replica)
                self.system.start("registry", port=replica.port)

    async def _kill_registry_while_held(
        self, connection: asyncpg.Connection, volunteers: int
    ) -> bool:
        stream = self.system.namespace + "registry.events"
        admin = self.system.headers(Role.DISTRICT_ADMIN)
        base = self.system.urls["registry"]
        census = Census(self.rng.randrange(10**6))
        async with (
            httpx.AsyncClient(timeout=60) as http,
            Redis.from_url(self.system.redis_url) as r,
        ):
            community = (
                await http.post(
                    f"{base}/communities",
                    json={"name": f"relay-{uuid.uuid4().hex[:6]}"},
                    headers=admin,
                )
            ).json()
            await self._wait_relayed(connection)
            before = await r.xlen(stream)
            await connection.execute(f"SELECT pg_advisory_lock({_HOLD_MARK_SENT})")
            upload = asyncio.create_task(  # noqa: RUF006 (awaited below)
                http.post(
                    f"{base}/communities/{community['id']}/roster",
                    files={
                        "file": (
                            "roster.csv",
                            roster_csv([census.person() for _ in range(volunteers)]),
                            "text/csv",
                        )
                    },
                    headers=admin,
                )
            )
            caught = False
            deadline = time.monotonic() + 120
            while not caught and time.monotonic() < deadline:
                unsent = await connection.fetchval(
                    "select count(*) from event_outbox where sent_at is null"
                )
                published = await r.xlen(stream) - before
                if published > 0 and unsent > 0:
                    replica = self.system.replicas["registry"][0]
                    replica.process.kill()
                    replica.process.wait(timeout=20)
                    caught = True
                else:
                    await asyncio.sleep(0.05)
            await connection.execute(f"SELECT pg_advisory_unlock({_HOLD_MARK_SENT})")
            # The import answers or dies with the registry; either way the test goes on.
            with contextlib.suppress(httpx.HTTPError):
                await upload
        return caught

    @staticmethod
    async def _wait_relayed(connection: asyncpg.Connection, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while (
            await connection.fetchval("select count(*) from event_outbox where sent_at is null")
            != 0
        ):
            if time.monotonic() > deadline:
                raise AssertionError(f"the registry's outbox was not relayed within {timeout} s")
            await asyncio.sleep(0.05)

    def republished(self, stream: str) -> int:
        """How many event ids appear more than once in a stream."""
        with redis.Redis.from_url(self.system.redis_url) as r:
            ids = Counter(fields[b"id"] for _, fields in r.xrange(self.system.namespace + stream))
        return sum(1 for count in ids.values() if count > 1)

    def inject_poison(self) -> None:
        """Four entries no consumer can apply: not an envelope, an unknown type, and a
        known type whose data breaks its contract, in two streams."""
        namespace = self.system.namespace
        garbage = {"hello": "world"}
        unknown = envelope_fields("org.linli.registry.alien_landed.v1", {"x": 1})
        bad_registered = envelope_fields(VolunteerRegistered.event_type, {"volunteer_id": 42})
        bad_confirmed = envelope_fields(ServiceConfirmed.event_type, {"hours": "many"})
        with redis.Redis.from_url(self.system.redis_url) as r:
            for stream, fields in (
                ("registry.events", garbage),
                ("registry.events", unknown),
                ("registry.events", bad_registered),
                ("activities.events", bad_confirmed),
            ):
                entry = r.xadd(namespace + stream, fields)  # type: ignore[arg-type]
                self.poison.setdefault(stream, set()).add(entry)
                self.injected["poison event"] += 1

    def duplicates_seen(self) -> int:
        """Events the consumers recognised as already applied, from their metrics."""
        return int(
            sum(
                replica.metric("linli_events_duplicate_total")
                for service in ("activities", "evaluation", "notifications")
                for replica in self.system.replicas[service]
            )
        )

    def when_holding_entries(
        self, thread: threading.Thread, replica: Replica, act: Callable[[], None]
    ) -> bool:
        """Call `act` as soon as `replica` holds entries it has read and not yet
        acknowledged (mid-batch), while the scenario runs; whether that happened."""
        consumer = self.consumer_of(replica)
        while thread.is_alive():
            if self.pending_of(replica.service, consumer) > 0:
                act()
                return True
            time.sleep(0.01)
        return False


def envelope_fields(event_type: str, data: dict[str, object]) -> dict[str, str]:
    """A well-formed CloudEvents envelope around `data`, as stream fields."""
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/linli/test",
        "type": event_type,
        "time": "2026-11-29T00:00:00Z",
        "datacontenttype": "application/json",
        "correlationid": "fault-test",
        "data": json.dumps(data),
    }
