"""Pages of a ranked list: best score first, ties by id, each item once across pages."""

from __future__ import annotations

import pytest

from evaluation.ranked import ranked_page
from shared.errors import Unprocessable
from shared.paging import PageQuery, encode_cursor

SCORES = {"e": 3.0, "a": 7.5, "c": 7.5, "b": 1.0, "d": 7.5, "f": 0.0}
BEST_FIRST = ["a", "c", "d", "e", "b", "f"]


def walk(limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = ranked_page(
            list(SCORES), lambda v: (SCORES[v], v), PageQuery(limit=limit, cursor=cursor)
        )
        assert page.total == len(SCORES)
        pages.append(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return pages


@pytest.mark.parametrize("limit", [1, 2, 4, 6, 50])
def test_pages_follow_the_ranking_without_repeating_or_skipping(limit: int) -> None:
    pages = walk(limit)
    assert [item for page in pages for item in page] == BEST_FIRST
    assert all(len(page) == limit for page in pages[:-1])
    # The last page is never empty: a full page with nothing after gives no cursor.
    assert pages[-1]


def test_a_page_after_an_item_no_longer_listed_starts_where_it_would_be() -> None:
    # The cursor names a place in the order, not an item: (7.5, "b") lies between a and c.
    cursor = encode_cursor([7.5, "b"])
    page = ranked_page(list(SCORES), lambda v: (SCORES[v], v), PageQuery(limit=2, cursor=cursor))
    assert page.items == ["c", "d"]


def test_an_empty_ranking_is_one_empty_page() -> None:
    page = ranked_page([], lambda v: (0.0, v), PageQuery(limit=10, cursor=None))
    assert (page.items, page.total, page.next_cursor) == ([], 0, None)


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64!",
        encode_cursor(["7.5", "a"]),
        encode_cursor([7.5, 3]),
        encode_cursor([True, "a"]),
    ],
)
def test_a_cursor_that_is_no_place_in_a_ranking_is_refused(cursor: str) -> None:
    with pytest.raises(Unprocessable) as refused:
        ranked_page(list(SCORES), lambda v: (SCORES[v], v), PageQuery(limit=2, cursor=cursor))
    assert refused.value.code == "bad_cursor"
