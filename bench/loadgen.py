"""A load generator, run as its own process: `python -m bench.loadgen < plan.json`.

The plan (JSON on stdin) is a list of requests `[method, path, token, body]`, a base
URL and either `rate` (open loop: request i is sent at start + i / rate whatever the
answers, latency counted from that scheduled time, so queueing in the generator or the
server is not hidden) or `concurrency` (closed loop: that many requests in flight).
It prints one JSON object: for each request its scheduled send time (`time.monotonic`,
the same clock in every process on Linux), its latency in seconds and its status.

The client is aiohttp: with httpx, this process topped out near 500 requests/s
against a null endpoint that answers 5,000/s to aiohttp, taking CPU from the services
it measured and queueing in itself (see docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import aiohttp

from shared import loop


async def _one(
    client: aiohttp.ClientSession, request: list[Any], sent: float, out: list[Any], index: int
) -> None:
    method, path, token, body = request
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        async with client.request(method, path, headers=headers, json=body) as response:
            await response.read()
            status = response.status
    except (aiohttp.ClientError, TimeoutError):
        status = 0
    out[index] = [sent, time.monotonic() - sent, status]


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    requests: list[list[Any]] = plan["requests"]
    out: list[Any] = [None] * len(requests)
    async with aiohttp.ClientSession(
        base_url=plan["base_url"],
        connector=aiohttp.TCPConnector(limit=plan.get("connections", 200)),
        timeout=aiohttp.ClientTimeout(total=60),
    ) as client:
        async with client.get("/health/live") as opened:  # a connection before the clock
            await opened.read()
        started = time.monotonic()
        if plan.get("rate"):
            interval = 1 / plan["rate"]
            tasks = []
            for index, request in enumerate(requests):
                due = started + index * interval
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(_one(client, request, due, out, index)))
            await asyncio.gather(*tasks)
        else:
            queue = iter(enumerate(requests))

            async def worker() -> None:
                for index, request in queue:
                    await _one(client, request, time.monotonic(), out, index)

            await asyncio.gather(*(worker() for _ in range(plan["concurrency"])))
        finished = time.monotonic()
    return {"started": started, "finished": finished, "results": out}


def main() -> None:
    plan = json.load(sys.stdin)
    json.dump(loop.run(run(plan)), sys.stdout)


if __name__ == "__main__":
    main()
