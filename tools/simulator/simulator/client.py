"""The four services' public HTTP APIs, as any client of the platform sees them.

The simulator knows the system only through this: base URLs, bearer tokens, JSON.
Because the services learn from each other through events, a fact written in one is
visible in another a moment later; `eventually` is how a client waits for that.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from tenacity import RetryCallState, Retrying, retry_if_result, stop_after_attempt

T = TypeVar("T")
SERVICES = ("registry", "activities", "evaluation", "notifications")
DEFAULT_URLS = {
    "registry": "http://127.0.0.1:8001",
    "activities": "http://127.0.0.1:8002",
    "evaluation": "http://127.0.0.1:8003",
    "notifications": "http://127.0.0.1:8004",
}


class ApiError(RuntimeError):
    """An answer the simulator did not expect; carries the status, the refusal's stable
    code (None when the answer has none) and the detail."""

    def __init__(self, method: str, url: str, response: httpx.Response) -> None:
        self.status = response.status_code
        self.code: str | None = None
        try:
            body = response.json()
            self.code = body.get("code")
            self.detail: Any = body.get("detail")
        except (ValueError, AttributeError):
            self.detail = response.text[:300]
        super().__init__(f"{method} {url} answered {self.status}: {self.detail}")


class NotYet(RuntimeError):
    """Something that should become true did not within the time allowed."""


@dataclass(frozen=True)
class Caller:
    """Someone signed in: their account id, role, community and access token."""

    account_id: str
    role: str
    community_id: str | None
    token: str


class Platform:
    """One HTTP client for the four services, keeping connections alive."""

    def __init__(self, urls: dict[str, str], timeout: float = 30.0) -> None:
        self.urls = {name: url.rstrip("/") for name, url in urls.items()}
        self.http = httpx.Client(timeout=timeout)
        self.requests = 0

    def close(self) -> None:
        self.http.close()

    def call(
        self,
        method: str,
        service: str,
        path: str,
        caller: Caller | None = None,
        *,
        expect: tuple[int, ...] = (200, 201, 204),
        **kwargs: Any,
    ) -> Any:
        """Send one request; the JSON answer, or ApiError for a status not in `expect`."""
        headers = kwargs.pop("headers", {})
        if caller is not None:
            headers["Authorization"] = f"Bearer {caller.token}"
        url = self.urls[service] + path
        response = self._send(method, url, headers, kwargs)
        if response.status_code not in expect:
            raise ApiError(method, url, response)
        if response.status_code == 204 or not response.content:
            return None
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.content

    def _send(
        self, method: str, url: str, headers: dict[str, str], kwargs: dict[str, Any]
    ) -> httpx.Response:
        """Send a request; a 503 with Retry-After (a service whose database did not
        answer, so nothing was done) is sent again after the time it asks, up to three
        times, then returned as it is."""

        def send() -> httpx.Response:
            self.requests += 1
            return self.http.request(method, url, headers=headers, **kwargs)

        retrying = Retrying(
            retry=retry_if_result(_asks_to_retry),
            wait=_retry_after,
            stop=stop_after_attempt(4),
            retry_error_callback=lambda state: state.outcome.result(),  # type: ignore[union-attr]
        )
        return retrying(send)

    def get(self, service: str, path: str, caller: Caller | None = None, **kw: Any) -> Any:
        return self.call("GET", service, path, caller, **kw)

    def post(self, service: str, path: str, caller: Caller | None = None, **kw: Any) -> Any:
        return self.call("POST", service, path, caller, **kw)

    def walk(
        self,
        service: str,
        path: str,
        caller: Caller | None = None,
        params: dict[str, Any] | None = None,
        limit: int = 200,
    ) -> Iterator[Any]:
        """Every item of a paged list, page after page by `next_cursor` until the last:
        a large district is read completely, not its first page only."""
        query = {**(params or {}), "limit": limit}
        while True:
            page = self.get(service, path, caller, params=query)
            yield from page["items"]
            if page["next_cursor"] is None:
                return
            query = {**query, "cursor": page["next_cursor"]}

    def login(self, username: str, password: str) -> Caller:
        """Sign in at the registry; the token opens every service."""
        tokens = self.post(
            "registry", "/auth/login", json={"username": username, "password": password}
        )
        caller = Caller("", "", None, tokens["access_token"])
        me = self.get("registry", "/me", caller)
        return Caller(me["account_id"], me["role"], me.get("community_id"), caller.token)

    def ready(self) -> dict[str, bool]:
        """Which services answer their readiness check."""
        answers = {}
        for name in SERVICES:
            try:
                answers[name] = self.http.get(f"{self.urls[name]}/health/ready").status_code == 200
            except httpx.HTTPError:
                answers[name] = False
        return answers


def _asks_to_retry(response: httpx.Response) -> bool:
    return response.status_code == 503 and "retry-after" in response.headers


def _retry_after(state: RetryCallState) -> float:
    response: httpx.Response = state.outcome.result()  # type: ignore[union-attr]
    try:
        return min(float(response.headers["retry-after"]), 10.0)
    except ValueError:  # an HTTP date: not what these services send
        return 1.0


def eventually(
    attempt: Callable[[], T],
    what: str,
    *,
    timeout: float = 60.0,
    retry_if: Callable[[ApiError], bool] = lambda _error: False,
) -> T:
    """`attempt()`'s result once it stops raising NotYet, or an ApiError for which
    `retry_if` says the other service has not heard yet; gives up after `timeout`."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        try:
            return attempt()
        except ApiError as exc:
            if not retry_if(exc) or time.monotonic() > deadline:
                raise
        except NotYet as exc:
            if time.monotonic() > deadline:
                raise NotYet(f"{what}: not within {timeout:g} s ({exc})") from exc
        time.sleep(delay)
        delay = min(delay * 2, 1.0)
