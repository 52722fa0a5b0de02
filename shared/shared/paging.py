"""One way to page every list of the four services: a page shape and its query conventions.

Every list answers `Page[Item]`: the `items` of this page in a stable order, the total
that match the filters, and `next_cursor`, which the caller sends back as `?cursor=` for
the page after (null on the last page). `?limit=` (1 to 200, 50 unless given) sets the
page's size.

Paging is by keyset: the cursor holds the sort key of the page's last item, and the next
page starts strictly after it. Unlike an offset, that stays as fast on page 2,000 as on
page 1 (the database seeks on an index instead of counting past skipped rows), and no
item is skipped or shown twice when rows are added while someone pages. The sort key
always ends with the row's unique id, so ties in the visible order (two activities at
the same time) are broken the same way every time.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, literal, select, tuple_
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from shared.errors import Unprocessable
from shared.messages import BAD_CURSOR

Item = TypeVar("Item")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_MAX_CURSOR = 512


class Page(BaseModel, Generic[Item]):
    """One page of a list."""

    items: list[Item]
    total: int = Field(description="how many items match the filters, on every page")
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null on the last page"
    )


class PageQuery(BaseModel):
    """The query parameters every list takes."""

    limit: int
    cursor: str | None


def _page_query(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(
            max_length=_MAX_CURSOR,
            pattern=r"^[A-Za-z0-9_-]+$",
            description="`next_cursor` of the page before; omit for the first page",
        ),
    ] = None,
) -> PageQuery:
    return PageQuery(limit=limit, cursor=cursor)


PageParams = Annotated[PageQuery, Depends(_page_query)]
"""`limit` and `cursor`, as a route's parameter: `paging: PageParams`."""


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if hasattr(value, "value"):  # an enum: compared by its stored value
        return value.value
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "t" in value:
            return datetime.fromisoformat(value["t"])
        if "d" in value:
            return date.fromisoformat(value["d"])
        raise ValueError(value)
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    raw = orjson.dumps([_encode_value(v) for v in values])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, width: int) -> list[Any]:
    """The sort key a cursor holds; Unprocessable (422) when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = orjson.loads(raw)
        if not isinstance(values, list) or len(values) != width:
            raise ValueError(values)
        return [_decode_value(v) for v in values]
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise Unprocessable(BAD_CURSOR) from exc


async def count(session: AsyncSession, query: SelectOfScalar[Any]) -> int:
    """How many rows `query` (a list's filtered select) matches: a page's `total`, and a
    queue's count on a dashboard."""
    return int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)


async def paginate(
    session: AsyncSession,
    query: SelectOfScalar[Any],
    *,
    order: Sequence[Any],
    paging: PageQuery,
    descending: bool = False,
    convert: Callable[[Any], Any] | None = None,
) -> Page[Any]:
    """One page of `query` (a `select(Model).where(...)` with the filters, unordered)
    sorted by `order` (columns, as `col(Model.field)`), whose last must be unique (the id);
    `descending` turns the whole order round (newest first). `convert` makes each row
    the page's item (the route's response model checks the page's shape)."""
    total = await count(session, query)
    ordered = query.order_by(*[c.desc() if descending else c.asc() for c in order])
    if paging.cursor is not None:
        after = decode_cursor(paging.cursor, len(order))
        key = tuple_(*order)
        bound = tuple_(*[literal(v, type_=c.type) for c, v in zip(order, after, strict=True)])
        ordered = ordered.where(key < bound if descending else key > bound)
    rows = list((await session.exec(ordered.limit(paging.limit + 1))).all())
    more = len(rows) > paging.limit
    rows = rows[: paging.limit]
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, str(c.key)) for c in order])
    items = [convert(row) for row in rows] if convert is not None else rows
    return Page[Any](items=items, total=total, next_cursor=next_cursor)
