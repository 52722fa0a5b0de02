"""What serves the console, as processes, and waiting on conditions, for tests/web.

The gateway is started exactly as `make run` starts it (scripts/gateway.py), on a free
port, in front of whatever upstreams a test gives it; nginx runs deploy/nginx/linli.conf
with only its addresses changed (its port, the built console's directory, the services'
addresses instead of the compose network's names).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from werkzeug import Request, Response

from tests.e2e.system import free_port

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = ROOT / "scripts" / "gateway.py"
NGINX_CONF = ROOT / "deploy" / "nginx" / "linli.conf"
COMPOSE_PORTS = {"registry": 8001, "activities": 8002, "evaluation": 8003, "notifications": 8004}
INDEX = "<!doctype html><title>Linli</title><script type=module src=/assets/app-3f9a1c.js></script>"


def built_console(root: Path) -> Path:
    """A built console in `root`: index.html, a hashed asset and an unhashed file."""
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX)
    (root / "assets" / "app-3f9a1c.js").write_text("console.log('linli')")
    (root / "favicon.ico").write_bytes(b"\x00\x00\x01\x00")
    return root


def echo(request: Request) -> Response:
    """A service's answer saying what it received, with a status and headers to pass back."""
    received = {
        "method": request.method,
        "path": request.path,
        "raw_path": request.environ.get("RAW_URI", "").split("?")[0],
        "query": request.query_string.decode(),
        "headers": {name.lower(): value for name, value in request.headers.items()},
        "body": request.get_data().decode(),
    }
    response = Response(json.dumps(received), status=201, content_type="application/json")
    response.headers["X-Service"] = "registry"
    response.headers.add("Set-Cookie", "a=1")
    response.headers.add("Set-Cookie", "b=2")
    return response


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


def nginx_binary() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


def start_nginx(dist: Path, upstreams: dict[str, str], directory: Path) -> Gateway:
    """nginx with deploy/nginx/linli.conf, its addresses replaced by local ones."""
    binary = nginx_binary()
    assert binary is not None
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    site = NGINX_CONF.read_text()
    site = site.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    site = site.replace("root /usr/share/nginx/html;", f"root {dist};")
    for name, container_port in COMPOSE_PORTS.items():
        # A service not given is one that does not answer (a port nothing listens on).
        address = re.sub(r"^https?://", "", upstreams.get(name, f"127.0.0.1:{free_port()}"))
        site = site.replace(f"{name}:{container_port};", f"{address};")
    (directory / "site.conf").write_text(site)
    temp = directory / "temp"
    (directory / "nginx.conf").write_text(
        # As root, nginx's workers would run as nobody, who may not read pytest's directories.
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"""daemon off;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} info;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {directory / "site.conf"};
}}
"""
    )
    temp.mkdir(exist_ok=True)
    log = directory / "nginx.out"
    process = subprocess.Popen(
        [binary, "-p", str(directory), "-c", str(directory / "nginx.conf")],
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    server = Gateway(port, process, log)

    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited:\n{log.read_text()[-3000:]}")
        try:
            httpx.get(f"{server.url}/", timeout=2)
        except httpx.HTTPError:
            return False
        return True

    wait_until(answers, "nginx answers", timeout=30)
    return server


def wait_until(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """Wait until `check()` holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not in time: {what}")
        time.sleep(0.05)
