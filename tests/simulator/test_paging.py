"""The simulator reads a list completely: page after page by `next_cursor`, each page
asked with the cursor the one before gave, the filters kept, until a page says it is the
last."""

from __future__ import annotations

import httpx

from simulator.client import Platform

ITEMS = [{"id": f"{n:03d}"} for n in range(7)]


def paged_registry(size: int) -> tuple[Platform, list[dict[str, str]]]:
    """A registry whose list answers `size` items a page, the cursor naming the next."""
    asked: list[dict[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        query = dict(request.url.params)
        asked.append(query)
        start = int(query.get("cursor", "0"))
        end = start + size
        return httpx.Response(
            200,
            json={
                "items": ITEMS[start:end],
                "total": len(ITEMS),
                "next_cursor": str(end) if end < len(ITEMS) else None,
            },
        )

    platform = Platform({"registry": "http://registry.test"})
    platform.http = httpx.Client(transport=httpx.MockTransport(answer))
    return platform, asked


def test_every_page_is_walked_with_the_cursor_and_the_filters() -> None:
    platform, asked = paged_registry(size=3)
    walked = list(platform.walk("registry", "/volunteers", params={"status": "active"}, limit=3))
    assert walked == ITEMS
    assert asked == [
        {"status": "active", "limit": "3"},
        {"status": "active", "limit": "3", "cursor": "3"},
        {"status": "active", "limit": "3", "cursor": "6"},
    ]


def test_a_list_of_one_page_is_asked_once() -> None:
    platform, asked = paged_registry(size=200)
    assert list(platform.walk("registry", "/volunteers")) == ITEMS
    assert asked == [{"limit": "200"}]
