"""What must hold across the four services once the system is quiet, whatever happened.

Each check reads the system as it is (streams, consumer groups, the public APIs) and
raises AssertionError saying what is wrong.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import httpx
import redis

from shared.auth import Role
from shared.contracts.base import payload_class
from shared.events.envelope import Envelope, MalformedEvent
from tests.e2e.system import CONSUMERS, System

CONFIRMED = "org.linli.activities.service_confirmed.v1"
STREAMS = ("registry.events", "activities.events", "evaluation.events")
# Which consumer groups read which stream (the dead-letter streams are read by nobody).
READERS = {
    "registry.events": ("activities", "evaluation", "notifications"),
    "activities.events": ("evaluation", "notifications"),
    "evaluation.events": ("notifications",),
}


def client(system: System) -> redis.Redis:
    return redis.Redis.from_url(system.redis_url)


def entries(system: System, stream: str) -> list[tuple[bytes, dict[bytes, bytes]]]:
    with client(system) as r:
        return list(r.xrange(system.namespace + stream))


def wait_until_quiet(system: System, timeout: float = 120.0) -> None:
    """Every outbox sent, every group has read every entry and has nothing pending."""
    deadline = time.monotonic() + timeout
    while True:
        problems = list(unsettled(system))
        if not problems:
            return
        if time.monotonic() > deadline:
            raise AssertionError("the system did not settle: " + "; ".join(problems))
        time.sleep(0.25)


def unsettled(system: System) -> Iterable[str]:
    for service, replicas in system.replicas.items():
        for replica in replicas:
            if backlog := replica.metric("linli_outbox_backlog"):
                yield f"{service} outbox backlog {backlog:g}"
    with client(system) as r:
        for stream, groups in READERS.items():
            key = system.namespace + stream
            if not r.exists(key):
                continue
            last = r.xrevrange(key, count=1)[0][0]
            known = {g["name"].decode(): g for g in r.xinfo_groups(key)}
            for group in groups:
                info = known.get(group)
                if info is None:
                    yield f"{group} has no group on {stream}"
                elif info["pending"]:
                    yield f"{group} has {info['pending']} pending on {stream}"
                elif info["last-delivered-id"] != last:
                    consumers = [
                        (c["name"].decode(), c["pending"], c["idle"])
                        for c in r.xinfo_consumers(key, group)
                    ]
                    yield (
                        f"{group} has read {stream} to {info['last-delivered-id']!r}, "
                        f"not to its end {last!r} (consumers, pending, idle ms: {consumers})"
                    )


def assert_streams_hold_only_known_events(
    system: System, poison: set[bytes] | frozenset[bytes] = frozenset()
) -> int:
    """Every entry parses as a CloudEvents envelope of a known type with a valid payload,
    except the `poison` entry ids a test put there itself. Returns the count checked."""
    checked = 0
    for stream in STREAMS:
        for entry_id, fields in entries(system, stream):
            if entry_id in poison:
                continue
            try:
                envelope = Envelope.from_fields(fields)
            except MalformedEvent as exc:
                raise AssertionError(f"{stream} {entry_id!r} is not an envelope: {exc}") from exc
            assert envelope.specversion == "1.0", (stream, entry_id)
            assert payload_class(envelope.type) is not None, f"unknown type {envelope.type}"
            envelope.payload()  # raises if the data does not match its contract
            checked += 1
    return checked


def assert_dead_letters_are_exactly(system: System, poison: dict[str, set[bytes]]) -> None:
    """Each consumer's dead-letter stream holds the poison entries it reads, once each,
    and nothing else. `poison` maps a stream to the entry ids injected into it."""
    with client(system) as r:
        for group in CONSUMERS:
            expected = sorted(
                (stream, entry.decode())
                for stream, ids in poison.items()
                if group in READERS[stream]
                for entry in ids
            )
            dead = r.xrange(system.namespace + f"{group}.dead-letters")
            found = sorted(
                (
                    fields[b"deadletter.stream"].decode().removeprefix(system.namespace),
                    fields[b"deadletter.entry_id"].decode(),
                )
                for _, fields in dead
            )
            assert found == expected, f"{group} dead letters: {found} != {expected}"


def confirmed_hours_in_activities(system: System) -> dict[str, float]:
    """Confirmed hours per volunteer, from the activities service's record lists."""
    admin = system.headers(Role.DISTRICT_ADMIN)
    hours: dict[str, float] = defaultdict(float)
    with httpx.Client(timeout=30) as http:
        communities = http.get(f"{system.urls['activities']}/communities", headers=admin).json()
        for community in communities:
            params: dict[str, Any] = {"status": "confirmed", "limit": 200}
            while True:
                answer = http.get(
                    f"{system.urls['activities']}/communities/{community['id']}/records",
                    params=params,
                    headers=admin,
                ).json()
                for record in answer["items"]:
                    hours[record["volunteer_id"]] += record["hours"]
                if answer["next_cursor"] is None:
                    break
                params["cursor"] = answer["next_cursor"]
    return dict(hours)


def assert_ledger_matches_activities(system: System) -> int:
    """Confirmed hours in activities equal the evaluation ledger, volunteer by volunteer."""
    admin = system.headers(Role.DISTRICT_ADMIN)
    expected = confirmed_hours_in_activities(system)
    assert expected, "no confirmed hours at all: the scenario did not run"
    wrong = {}
    with httpx.Client(timeout=30) as http:
        for volunteer, hours in expected.items():
            seen = http.get(
                f"{system.urls['evaluation']}/volunteers/{volunteer}/hours", headers=admin
            ).json()["total_hours"]
            if abs(seen - hours) > 0.01:
                wrong[volunteer] = (hours, seen)
    assert not wrong, f"activities vs evaluation hours differ: {wrong}"
    return len(expected)


def assert_each_confirmation_notified_once(
    system: System, accounts: dict[str, tuple[str, str]]
) -> int:
    """Each volunteer's inbox has exactly one "hours confirmed" notification per
    service_confirmed event about them. `accounts` maps volunteer id to (account id,
    community id) for the volunteers who sign in."""
    confirmed: Counter[str] = Counter()
    for _, fields in entries(system, "activities.events"):
        if fields.get(b"type") == CONFIRMED.encode():
            # (an injected poison entry names nobody)
            confirmed[json.loads(fields[b"data"]).get("volunteer_id", "")] += 1
    checked = 0
    with httpx.Client(timeout=30) as http:
        for volunteer, (account, community) in accounts.items():
            token = system.issuer.issue_access(account, Role.VOLUNTEER, community)
            inbox = http.get(
                f"{system.urls['notifications']}/inbox",
                params={"limit": 200},
                headers={"Authorization": f"Bearer {token}"},
            ).json()["items"]
            told = sum(1 for entry in inbox if entry["event_type"] == CONFIRMED)
            assert told == confirmed[volunteer], (
                f"volunteer {volunteer}: {told} notifications for {confirmed[volunteer]} confirmations"
            )
            checked += told
    return checked


def assert_webhook_got_each_event_once(
    system: System, received: set[str], types: Iterable[str], communities: Iterable[str]
) -> int:
    """The receiver accepted every event of the subscribed types about the run's
    communities (earlier runs had receivers of their own), each exactly once: it
    de-duplicates by event id, as docs/events.md asks of receivers."""
    wanted = set(types)
    ours = {community.encode() for community in communities}
    published = {
        fields[b"id"].decode()
        for stream in STREAMS
        for _, fields in entries(system, stream)
        if fields.get(b"type", b"").decode() in wanted and fields.get(b"community") in ours
    }
    missing = published - received
    extra = received - published
    assert not missing, f"{len(missing)} events never reached the webhook receiver"
    assert not extra, f"the receiver accepted {len(extra)} events that were never published"
    return len(published)
