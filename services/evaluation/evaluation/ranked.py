"""Pages of a list ranked by score: best first, ties by id.

The ranking's scores are sums of parts the database does not store, so a period's
ranking is computed whole and paged here rather than in SQL; the honour roll (a quota's
worth of nominations) pages the same way. The cursors are `shared.paging`'s: the
cursor holds the last item's score and id, and the next page starts strictly after it,
so a page never repeats or skips an item while the scores stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from shared.errors import Unprocessable
from shared.messages import BAD_CURSOR
from shared.paging import Page, PageQuery, decode_cursor, encode_cursor

Item = TypeVar("Item")
Rank = tuple[float, str]
"""An item's place: its score (higher first) and its unique id (ties, lower first)."""


def _order(rank: Rank) -> tuple[float, str]:
    score, identity = rank
    return -score, identity


def _after(cursor: str) -> tuple[float, str]:
    score, identity = decode_cursor(cursor, 2)
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise Unprocessable(BAD_CURSOR)
    if not isinstance(identity, str):
        raise Unprocessable(BAD_CURSOR)
    return _order((float(score), identity))


def ranked_page(
    items: Sequence[Item], rank: Callable[[Item], Rank], paging: PageQuery
) -> Page[Item]:
    """One page of `items`, best `rank` first; `total` counts them all."""
    ordered = sorted(items, key=lambda item: _order(rank(item)))
    start = 0
    if paging.cursor is not None:
        after = _after(paging.cursor)
        start = next(
            (index for index, item in enumerate(ordered) if _order(rank(item)) > after),
            len(ordered),
        )
    page = ordered[start : start + paging.limit]
    more = start + paging.limit < len(ordered)
    next_cursor = encode_cursor(list(rank(page[-1]))) if more else None
    return Page[Item](items=page, total=len(ordered), next_cursor=next_cursor)
