"""`make run` (scripts/run.py) as a person runs it: the console is the first address it
prints, it serves the console and the services through one origin, and Ctrl-C (here
SIGTERM, handled the same way) stops everything it started."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis import Redis

from tests.e2e.system import SERVICES, free_port
from tests.web.harness import ROOT, wait_until

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def running(
    console_dist: Path, tmp_path: Path, redis_url: str
) -> Iterator[tuple[subprocess.Popen[bytes], Path, dict[str, int]]]:
    ports = {"GATEWAY_PORT": free_port()} | {f"{s.upper()}_PORT": free_port() for s in SERVICES}
    namespace = f"test-run-{uuid.uuid4().hex[:12]}:"
    output = tmp_path / "run.out"
    environment = {
        **os.environ,
        **{name: str(port) for name, port in ports.items()},
        "DATA_DIR": str(tmp_path / "data"),
        "REDIS_URL": redis_url,
        "STREAM_NAMESPACE": namespace,
        "QUIET": "1",  # the services' logs to files, not this test's output
    }
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "run.py")],
        env=environment,
        stdout=output.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        yield process, output, ports
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        cleanup = Redis.from_url(redis_url)
        keys = list(cleanup.scan_iter(match=f"{namespace}*"))
        if keys:
            cleanup.delete(*keys)
        cleanup.close()


def test_the_console_is_the_first_address_and_one_origin_for_everything(
    running: tuple[subprocess.Popen[bytes], Path, dict[str, int]],
) -> None:
    process, output, ports = running

    def started() -> bool:
        assert process.poll() is None, output.read_text()
        return "Press Ctrl-C" in output.read_text()

    wait_until(started, "make run says the system runs", timeout=120)
    printed = output.read_text()
    console = f"http://127.0.0.1:{ports['GATEWAY_PORT']}"
    assert re.findall(r"https?://[^\s]+", printed)[0] == console, printed

    page = httpx.get(f"{console}/volunteers")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    for service in SERVICES:
        ready = httpx.get(f"{console}/api/{service}/health/ready", timeout=10)
        assert ready.status_code == 200, (service, ready.text)
    refused = httpx.get(f"{console}/api/registry/me", headers={"Accept-Language": "en"})
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_missing"

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0, output.read_text()
    for port in ports.values():
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
