"""The console's gateway as a process, and waiting on conditions, for tests/web.

The gateway is started exactly as `make run` starts it (scripts/gateway.py), on a free
port, in front of whatever upstreams a test gives it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.e2e.system import free_port

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = ROOT / "scripts" / "gateway.py"


@dataclass
class Gateway:
    """A running gateway process and its address."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def start_gateway(dist: Path, upstreams: dict[str, str], log: Path) -> Gateway:
    """Start scripts/gateway.py serving `dist` and forwarding to `upstreams`; wait until it
    answers."""
    port = free_port()
    arguments = [sys.executable, str(GATEWAY), "--port", str(port), "--dist", str(dist)]
    for name, url in upstreams.items():
        arguments += ["--upstream", f"{name}={url}"]
    process = subprocess.Popen(arguments, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    gateway = Gateway(port, process, log)

    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"the gateway exited:\n{log.read_text()[-3000:]}")
        try:
            httpx.get(f"{gateway.url}/", timeout=2)
        except httpx.HTTPError:
            return False
        return True

    wait_until(answers, "the gateway answers", timeout=30)
    return gateway


def wait_until(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """Wait until `check()` holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not in time: {what}")
        time.sleep(0.05)
