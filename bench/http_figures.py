"""Figure 4: HTTP sign-ups and check-ins per second, with p99, from a second process.

Activities runs alone (`python -m activities`, as deployed) on a scratch database; the
volunteers it knows are put on `registry.events` as the registry would publish them.
`activities` published activities start in 30 minutes (sign-up open, check-in open).
The load generator (`bench.loadgen`, a separate process) keeps `concurrency` requests
in flight (closed loop): first every volunteer signs up to every activity, then every
one checks in with the activity's code. The ceiling is the same generator, same
concurrency and count, against the same process's `GET /health/live`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bench.memory import PeakMemory
from bench.services import COMMUNITY, load, register_volunteers, running, summary
from shared.auth import Role


async def measure(
    kind: str,
    postgres: str,
    redis_url: str,
    namespace: str,
    volunteers: int,
    activities: int,
    concurrency: int,
) -> tuple[dict[str, tuple[float, float, int]], dict[str, float]]:
    """Requests/s, p99 (s) and failures for `health`, `sign-up` and `check-in`; and the
    service's peak memory (MiB) while they ran."""
    async with running(kind, postgres, redis_url, namespace, ("activities",)) as services:
        await register_volunteers(redis_url, namespace, volunteers)
        base = services.urls["activities"]
        leader = services.token(Role.COMMUNITY_ADMIN)
        starts = datetime.now(UTC) + timedelta(minutes=30)
        body = {
            "title": "bench",
            "kind": "patrol",
            "service_area_code": "elderly_care",
            "place": "bench",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "capacity": volunteers,
        }
        created = await load(
            base,
            [
                ["POST", f"/communities/{COMMUNITY}/activities?publish=true", leader, body]
                for _ in range(activities)
            ],
            concurrency=4,
        )
        if any(status != 201 for _, _, status in created["results"]):
            raise RuntimeError("activities were not created")
        ids, codes = await _activities(services.urls["activities"], leader)
        tokens = [services.token(Role.VOLUNTEER, f"a{n:06d}") for n in range(volunteers)]
        pairs = [(a, t) for a in range(len(ids)) for t in tokens]
        sign_ups = [["POST", f"/activities/{ids[a]}/sign-ups", t, None] for a, t in pairs]
        check_ins = [
            ["POST", f"/activities/{ids[a]}/check-in", t, {"code": codes[a]}] for a, t in pairs
        ]
        health = [["GET", "/health/live", None, None]] * len(pairs)
        found = {}
        async with PeakMemory(services.processes) as memory:
            for name, requests in (
                ("health", health),
                ("sign-up", sign_ups),
                ("check-in", check_ins),
            ):
                answers = await load(base, requests, concurrency=concurrency)
                rate, _, _, p99, failures = summary(answers)
                found[name] = (rate, p99, failures)
        return found, memory.peak


async def _activities(base: str, token: str) -> tuple[list[str], list[str]]:
    import httpx

    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.get(
            f"/communities/{COMMUNITY}/activities",
            params={"limit": 200},
            headers={"Authorization": f"Bearer {token}"},
        )
        response.raise_for_status()
        listed: list[dict[str, Any]] = response.json()["items"]
        ids = [a["id"] for a in listed]
        codes = []
        for activity_id in ids:
            detail = await client.get(
                f"/activities/{activity_id}", headers={"Authorization": f"Bearer {token}"}
            )
            detail.raise_for_status()
            codes.append(detail.json()["check_in_code"])
    return ids, codes
