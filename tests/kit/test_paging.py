"""The page shape and keyset paging every list uses (`shared.paging`), on SQLite and
PostgreSQL: every row once, in a stable order, also while rows are added."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from shared.db import Database
from shared.errors import Unprocessable
from shared.events.tables import OutboxMessage
from shared.paging import Page, PageQuery, encode_cursor, paginate
from tests.kit.support import utcnow

ORDER = [col(OutboxMessage.created_at), col(OutboxMessage.id)]


async def add_rows(db: Database, count: int, *, start: int = 0) -> None:
    # Three rows share each instant: the id must break the ties the same way each time.
    base = utcnow().replace(microsecond=0)
    async with db.session() as session:
        for n in range(start, start + count):
            session.add(
                OutboxMessage(
                    event_id=f"e{n:04d}",
                    event_type="community_created" if n % 2 else "team_created",
                    stream="registry.events",
                    fields="{}",
                    created_at=base + timedelta(seconds=n // 3),
                )
            )
        await session.commit()


async def every_page(
    db: Database, query: object, limit: int, descending: bool = False
) -> list[Page[OutboxMessage]]:
    pages: list[Page[OutboxMessage]] = []
    cursor = None
    while True:
        async with db.session() as session:
            page = await paginate(
                session,
                query,  # type: ignore[arg-type]
                order=ORDER,
                paging=PageQuery(limit=limit, cursor=cursor),
                descending=descending,
            )
        pages.append(page)
        cursor = page.next_cursor
        if cursor is None:
            return pages


def ids(pages: list[Page[OutboxMessage]]) -> list[str]:
    return [row.event_id for page in pages for row in page.items]


async def test_pages_hold_every_row_once_in_order_with_the_total_on_each(db: Database) -> None:
    await add_rows(db, 23)
    pages = await every_page(db, select(OutboxMessage), limit=5)
    assert [len(p.items) for p in pages] == [5, 5, 5, 5, 3]
    assert {p.total for p in pages} == {23}
    assert ids(pages) == [f"e{n:04d}" for n in range(23)]  # ids rise with created_at here
    assert pages[-1].next_cursor is None

    newest_first = await every_page(db, select(OutboxMessage), limit=4, descending=True)
    assert ids(newest_first) == [f"e{n:04d}" for n in reversed(range(23))]


async def test_a_page_that_fills_exactly_is_the_last_and_filters_count_in_the_total(
    db: Database,
) -> None:
    await add_rows(db, 20)
    teams = select(OutboxMessage).where(col(OutboxMessage.event_type) == "team_created")
    pages = await every_page(db, teams, limit=5)
    assert [len(p.items) for p in pages] == [5, 5]  # no empty third page
    assert pages[0].total == 10
    assert all(row.event_type == "team_created" for p in pages for row in p.items)


async def test_rows_added_while_paging_neither_repeat_nor_shift_what_follows(
    db: Database,
) -> None:
    await add_rows(db, 12)
    async with db.session() as session:
        first = await paginate(
            session, select(OutboxMessage), order=ORDER, paging=PageQuery(limit=6, cursor=None)
        )
    # An offset would now show e0005 again on page 2: rows sort before the cursor.
    async with db.session() as session:
        for n in range(3):
            session.add(
                OutboxMessage(
                    event_id=f"a{n}",
                    event_type="team_created",
                    stream="registry.events",
                    fields="{}",
                    created_at=utcnow() - timedelta(days=1),
                )
            )
        await session.commit()
    async with db.session() as session:
        second = await paginate(
            session,
            select(OutboxMessage),
            order=ORDER,
            paging=PageQuery(limit=6, cursor=first.next_cursor),
        )
    assert [r.event_id for r in second.items] == [f"e{n:04d}" for n in range(6, 12)]
    assert second.total == 15
    assert second.next_cursor is None


@pytest.mark.parametrize(
    "cursor",
    ["not-base64!", "bm90IGpzb24", encode_cursor(["only one value"]), encode_cursor([{"x": 1}, 2])],
)
async def test_a_cursor_this_list_did_not_give_is_refused(db: Database, cursor: str) -> None:
    async with db.session() as session:
        with pytest.raises(Unprocessable, match="start again without it"):
            await paginate(
                session,
                select(OutboxMessage),
                order=ORDER,
                paging=PageQuery(limit=5, cursor=cursor),
            )
