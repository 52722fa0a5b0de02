"""The console in a real browser: Debian's Chromium driven by Playwright, against the four
services started as processes (tests/e2e/system.py) behind the gateway serving the built
web/dist, as `make run` serves it.

Chromium comes from Debian (`apt-get install chromium fonts-noto-cjk`), never from
Playwright's own download. Outside CI a machine without it skips these tests, saying
which package to install; in CI (`CI=true`) that is a failure.

The district here is set up through the gateway with the registry's public API: two
communities, an account of each role, a volunteer in each community. Every page is
loaded with every request outside 127.0.0.1 aborted (a government intranet has no
internet), and a screenshot of each screen visited is saved under the test output
directory (SCREENSHOT_DIR, else data/test-output/screenshots: data/ is the checkout's
ignored local state; pytest's own temporary directories are pruned by later runs).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from pytest_httpserver import HTTPServer
from redis import Redis

from scripts import node
from shared.auth import Role
from tests.e2e.system import System, free_port
from tests.registry.conftest import application
from tests.web.harness import ROOT, Gateway, built_console, start_gateway

CHROMIUM = Path("/usr/bin/chromium")
MISSING_CHROMIUM = (
    "the browser tests need Debian's Chromium at /usr/bin/chromium and a CJK font: "
    "apt-get install -y chromium fonts-noto-cjk"
)
# What this machine's Chromium needs to start headless and quiet (as root, no network):
# without the background-networking flags it keeps calling Google's hosts.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
PASSWORD = "console-test-password"


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI: not skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A small built console (tests of what serves it)."""
    return built_console(tmp_path / "dist")


@pytest.fixture
def upstream() -> Iterator[HTTPServer]:
    """A real HTTP server standing for a service. Threaded: a streaming answer may be in
    progress while the test sends another request."""
    server = HTTPServer(host="127.0.0.1", port=free_port(), threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        _missing(MISSING_CHROMIUM)
    return CHROMIUM


@pytest.fixture(scope="session")
def console_dist() -> Path:
    """web/dist, built first when its sources changed (as `make run` does)."""
    if not (node.WEB / "package.json").exists():
        _missing("web/package.json is missing: the console has not been set up")
    node.build(node.find_node())
    return node.DIST


@pytest.fixture(scope="session")
def screenshots() -> Path:
    directory = Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "data/test-output/screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@dataclass
class Account:
    username: str
    role: Role
    community: str | None
    password: str = PASSWORD


@dataclass
class Console:
    """The running system, its gateway and the district set up in it."""

    system: System
    gateway: Gateway
    communities: dict[str, str] = field(default_factory=dict)  # name -> id
    accounts: dict[str, Account] = field(default_factory=dict)  # label (a role) -> account
    volunteers: dict[str, dict[str, Any]] = field(default_factory=dict)  # community -> one

    @property
    def url(self) -> str:
        return self.gateway.url

    def api(self, service: str, path: str) -> str:
        """An API address through the gateway, as the console calls it."""
        return f"{self.gateway.url}/api/{service}{path}"


def _set_up_district(console: Console) -> None:
    """Two communities, an account of each role and a volunteer in each community,
    through the gateway with the registry's public API."""
    district = console.system.headers(Role.DISTRICT_ADMIN)
    suffix = uuid.uuid4().hex[:6]
    with httpx.Client(timeout=20, headers=district) as http:
        street = http.post(console.api("registry", "/streets"), json={"name": f"东华街道{suffix}"})
        assert street.status_code == 201, street.text
        for name in ("和平社区", "安定社区"):
            created = http.post(
                console.api("registry", "/communities"),
                json={"name": f"{name}{suffix}", "street_id": street.json()["id"]},
            )
            assert created.status_code == 201, created.text
            console.communities[name] = created.json()["id"]
        home = console.communities["和平社区"]
        for label, role, community in (
            ("district_admin", Role.DISTRICT_ADMIN, None),
            ("community_admin", Role.COMMUNITY_ADMIN, home),
            # Its own account: switching the language is remembered for the account.
            ("community_admin_en", Role.COMMUNITY_ADMIN, home),
            ("team_leader", Role.TEAM_LEADER, home),
            # Its own account: wrong passwords lock an account after a few.
            ("guessed", Role.TEAM_LEADER, home),
            ("volunteer", Role.VOLUNTEER, home),
            ("resident", Role.RESIDENT, home),
        ):
            account = Account(f"{label.replace('_', '-')}-{suffix}", role, community)
            body: dict[str, Any] = {
                "username": account.username,
                "password": account.password,
                "role": role.value,
            }
            if community is not None:
                body["community_id"] = community
            created = http.post(console.api("registry", "/accounts"), json=body)
            assert created.status_code == 201, created.text
            console.accounts[label] = account
        for serial, name in enumerate(("和平社区", "安定社区"), start=7301):
            registered = http.post(
                console.api("registry", f"/communities/{console.communities[name]}/volunteers"),
                json=application(serial, name=f"{name[:2]}志愿者"),
            )
            assert registered.status_code == 201, registered.text
            console.volunteers[name] = registered.json()


@pytest.fixture(scope="session")
def console(
    chromium: Path,
    console_dist: Path,
    tmp_path_factory: pytest.TempPathFactory,
    redis_url: str,
) -> Iterator[Console]:
    """The four services (SQLite) and the gateway in front of them, with a district."""
    directory = tmp_path_factory.mktemp("console")
    namespace = f"test-web-{uuid.uuid4().hex[:12]}:"
    system = System(directory, redis_url, namespace, {})
    gateway: Gateway | None = None
    try:
        system.start_all()
        gateway = start_gateway(console_dist, system.urls, directory / "gateway.log")
        running = Console(system, gateway)
        _set_up_district(running)
        yield running
    finally:
        if gateway is not None:
            gateway.stop()
        system.stop()
        cleanup = Redis.from_url(redis_url)
        keys = list(cleanup.scan_iter(match=f"{namespace}*"))
        if keys:
            cleanup.delete(*keys)
        cleanup.close()


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Any]:
    # Per module: Playwright's sync API runs an event loop in this thread while it lives,
    # and later tests may start one of their own.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


@dataclass
class Visit:
    """One browser tab on the console, and what it tried to load from elsewhere."""

    page: Any
    console: Console
    screenshots: Path
    blocked: list[str] = field(default_factory=list)
    local_requests: int = 0
    policy_violations: list[str] = field(default_factory=list)

    def open(self, path: str) -> None:
        """Load the console at `path`: a new page load, so a session in memory is gone."""
        self.page.goto(self.console.url + path)

    def go(self, path: str) -> None:
        """Go to `path` inside the running console, as a link in it would (the session,
        kept in memory only, survives; a reload would ask to log in again)."""
        self.page.evaluate(
            "path => { history.pushState({}, '', path);"
            " dispatchEvent(new PopStateEvent('popstate', { state: history.state })) }",
            path,
        )

    def settle(self) -> None:
        """Wait until the screen is still: no loading mask over the data, no transition
        running (a tag fading in is not yet its own colour)."""
        self.page.locator(".el-loading-mask").first.wait_for(state="hidden")
        # An endless animation (a spinner, a live dot) never ends: only finite ones count.
        self.page.wait_for_function(
            "() => document.getAnimations().every(a => a.playState !== 'running'"
            " || a.effect?.getComputedTiming().iterations === Infinity)"
        )

    def check_nothing_came_from_outside(self) -> None:
        assert self.local_requests > 0, "the requests did not pass through the route"
        assert self.blocked == [], f"requests outside the deployment: {self.blocked}"
        assert self.policy_violations == [], self.policy_violations

    def shoot(self, name: str) -> Path:
        """A full-page screenshot of the screen as it is now."""
        path = self.screenshots / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        self.settle()
        self.page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path


@contextmanager
def browsing(
    browser: Any,
    console: Console,
    screenshots: Path,
    *,
    bypass_csp: bool = False,
    checked_after: bool = True,
) -> Iterator[Visit]:
    """A fresh tab (no state from another test) in Chinese, every non-local request
    aborted and recorded; checked afterwards for requests outside and policy breaches."""
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1366, "height": 860}, bypass_csp=bypass_csp
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    current = Visit(page, console, screenshots)

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            current.local_requests += 1
            request_route.continue_()
        else:
            current.blocked.append(url)
            request_route.abort()

    context.route("**/*", route)
    page.on(
        "console",
        lambda message: (
            current.policy_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    try:
        yield current
    finally:
        context.close()
    if checked_after:
        current.check_nothing_came_from_outside()


@pytest.fixture
def visit(browser: Any, console: Console, screenshots: Path) -> Iterator[Visit]:
    with browsing(browser, console, screenshots) as current:
        yield current


@pytest.fixture
def visit_without_csp(browser: Any, console: Console, screenshots: Path) -> Iterator[Visit]:
    with browsing(browser, console, screenshots, bypass_csp=True) as current:
        yield current


def axe_script() -> Path:
    """axe-core's browser build, from the console's npm dependencies (AXE_CORE_SCRIPT
    names another copy)."""
    found = Path(os.environ.get("AXE_CORE_SCRIPT") or node.WEB / "node_modules/axe-core/axe.min.js")
    if not found.exists():
        pytest.fail(
            "axe-core is not installed in web/node_modules: add it to web/package.json's "
            "devDependencies (npm install --save-exact --save-dev axe-core)",
            pytrace=False,
        )
    return found
