"""The simulator's scenario against a `System`, sized for tests."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

import httpx

from shared.auth import Role
from simulator.client import Caller, Platform
from simulator.scenario import WEBHOOK_TYPES, District, Outcome, Scale
from simulator.webhooks import Receiver
from tests.e2e import invariants
from tests.e2e.system import System

# Two communities, a dozen volunteers each, five of them signing in: every kind of
# thing happens at least once in well under a minute.
TEST_SCALE = Scale(communities=2, volunteers=12, applicants=5, months=3, veterans=1, quota=2)


@dataclass
class Played:
    """A finished run: what the simulator did and what its webhook receiver accepted."""

    outcome: Outcome
    receiver: Receiver

    def accounts(self) -> dict[str, tuple[str, str]]:
        """Volunteer id -> (account id, community id) of everyone who signs in."""
        return {
            v.id: (v.account.account_id, c.id)
            for c in self.outcome.communities
            for v in c.members
            if v.account is not None
        }


def district_admin(system: System) -> Caller:
    return Caller(
        "district-office",
        Role.DISTRICT_ADMIN.value,
        None,
        system.token(Role.DISTRICT_ADMIN, subject="district-office"),
    )


def play(system: System, seed: int, scale: Scale = TEST_SCALE) -> Played:
    """Run the scenario to its end."""
    receiver = Receiver()
    platform = Platform(system.urls)
    try:
        outcome = District(platform, district_admin(system), seed, scale, receiver).run()
    finally:
        platform.close()
    return Played(outcome, receiver)


def check_everything(
    system: System, played: Played, poison: dict[str, set[bytes]] | None = None
) -> dict[str, int]:
    """Wait for quiet, then every cross-service invariant; returns what was checked."""
    poison = poison or {}
    invariants.wait_until_quiet(system)
    checked = {
        "events parsed": invariants.assert_streams_hold_only_known_events(
            system, {entry for ids in poison.values() for entry in ids}
        ),
        "volunteers' ledgers": invariants.assert_ledger_matches_activities(system),
        "hours-confirmed notifications": invariants.assert_each_confirmation_notified_once(
            system, played.accounts()
        ),
    }
    invariants.assert_dead_letters_are_exactly(system, poison)
    checked["webhook events"] = eventually_delivered(system, played)
    # The receiver goes away with the run, as an integration would unsubscribe.
    httpx.post(
        f"{system.urls['notifications']}/webhooks/{played.outcome.webhook_id}/disable",
        headers={"Authorization": f"Bearer {district_admin(system).token}"},
    ).raise_for_status()
    return checked


def eventually_delivered(system: System, played: Played, timeout: float = 60.0) -> int:
    """Webhook deliveries trail the events; wait for them, then check once each."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return invariants.assert_webhook_got_each_event_once(
                system,
                played.receiver.event_ids,
                WEBHOOK_TYPES,
                [c.id for c in played.outcome.communities],
            )
        except AssertionError as exc:
            if time.monotonic() > deadline:
                raise AssertionError(f"{exc}; {webhook_state(system, played)}") from exc
            time.sleep(0.5)


def webhook_state(system: System, played: Played) -> str:
    """The subscription and its delivery log, for a failure message."""
    admin = system.headers(Role.DISTRICT_ADMIN)
    base = system.urls["notifications"]
    subscriptions = httpx.get(f"{base}/webhooks", headers=admin).json()["items"]
    log = httpx.get(
        f"{base}/webhooks/{played.outcome.webhook_id}/deliveries",
        params={"limit": 200},
        headers=admin,
    ).json()["items"]
    statuses = Counter((d["status"], d["attempts"], d["last_status_code"]) for d in log)
    return (
        f"subscriptions {subscriptions}; latest deliveries by (status, attempts, code) "
        f"{dict(statuses)}; receiver saw {played.receiver.deliveries} requests, "
        f"refused {played.receiver.refused}"
    )
