"""The simulator's client sends a request again when a service asks it to (503 with
Retry-After: its database did not answer, nothing was done), and only then."""

from __future__ import annotations

import httpx
import pytest

from simulator.client import ApiError, Platform


def platform_answering(*statuses: int, retry_after: str | None = "0") -> tuple[Platform, list[int]]:
    """A Platform whose registry answers `statuses` in turn (then the last one)."""
    seen: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        status = statuses[min(len(seen), len(statuses) - 1)]
        seen.append(status)
        headers = {"Retry-After": retry_after} if status == 503 and retry_after else {}
        return httpx.Response(status, json={"detail": f"answer {len(seen)}"}, headers=headers)

    platform = Platform({"registry": "http://registry.test"})
    platform.http = httpx.Client(transport=httpx.MockTransport(answer))
    return platform, seen


def test_a_503_with_retry_after_is_sent_again_until_it_is_served() -> None:
    platform, seen = platform_answering(503, 503, 201)
    assert platform.post("registry", "/streets", json={"name": "x"}) == {"detail": "answer 3"}
    assert seen == [503, 503, 201]
    assert platform.requests == 3


def test_a_503_that_does_not_go_away_is_an_error_after_four_attempts() -> None:
    platform, seen = platform_answering(503)
    with pytest.raises(ApiError) as raised:
        platform.get("registry", "/me")
    assert raised.value.status == 503
    assert len(seen) == 4


def test_a_503_without_retry_after_and_other_errors_are_not_repeated() -> None:
    platform, seen = platform_answering(503, retry_after=None)
    with pytest.raises(ApiError):
        platform.get("registry", "/me")
    assert len(seen) == 1
    platform, seen = platform_answering(500)
    with pytest.raises(ApiError):
        platform.get("registry", "/me")
    assert len(seen) == 1
