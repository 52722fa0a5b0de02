"""The four ones (四个一) of party-member volunteers, month by month.

One good deed, one public-welfare activity, one conversation with residents, one
resident problem solved. Marks come from confirmed records' tags and from resolved
requests; a voided or corrected record takes its marks with it. At a month's close
each party member's result is announced once.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from evaluation.domain.four_ones import FOUR
from evaluation.models import FourOnesClosedMonth, FourOnesMark, KnownVolunteer
from shared.contracts.evaluation import FourOnesMonthClosed
from shared.db import upsert_many
from shared.events.outbox import add_event

__all__ = ["FOUR", "Shown", "close_month", "mark", "month_of", "month_view", "unmark"]


def month_of(moment: datetime, zone: ZoneInfo) -> str:
    """The district-calendar month of a moment, as YYYY-MM."""
    local = moment.astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}"  # strftime costs twice as much per record


class Shown(NamedTuple):
    """What one source (a record or a request) shows of the four ones."""

    volunteer_id: str
    community_id: str
    month: str
    tags: list[str]
    source_id: str


async def mark(session: AsyncSession, sources: list[Shown]) -> None:
    """Record which of the four ones each source shows, in one statement."""
    await upsert_many(
        session,
        FourOnesMark,
        [
            {
                "volunteer_id": source.volunteer_id,
                "month": source.month,
                "tag": tag,
                "source_id": source.source_id,
                "community_id": source.community_id,
            }
            for source in sources
            for tag in source.tags
            if tag in FOUR
        ],
        key=["volunteer_id", "month", "tag", "source_id"],
    )


async def unmark(session: AsyncSession, source_id: str) -> None:
    """A source no longer counts (its record was voided or replaced)."""
    await session.exec(delete(FourOnesMark).where(col(FourOnesMark.source_id) == source_id))


async def month_view(
    session: AsyncSession, community_id: str, month: str
) -> list[tuple[KnownVolunteer, list[str]]]:
    """Each party-member volunteer of the community with the ones done in the month."""
    members = (
        await session.exec(
            select(KnownVolunteer)
            .where(
                col(KnownVolunteer.community_id) == community_id,
                col(KnownVolunteer.party_member),
                col(KnownVolunteer.status) == "registered",
            )
            .order_by(col(KnownVolunteer.id))
        )
    ).all()
    marks = await session.exec(
        select(FourOnesMark.volunteer_id, FourOnesMark.tag).where(
            col(FourOnesMark.community_id) == community_id, col(FourOnesMark.month) == month
        )
    )
    done: dict[str, set[str]] = {}
    for volunteer_id, tag in marks.all():
        done.setdefault(volunteer_id, set()).add(tag)
    return [(m, [t for t in FOUR if t in done.get(m.id, set())]) for m in members]


async def close_month(session: AsyncSession, month: str) -> int:
    """Announce each party member's result for `month`, once; returns how many were announced."""
    communities = (
        await session.exec(
            select(KnownVolunteer.community_id).where(col(KnownVolunteer.party_member)).distinct()
        )
    ).all()
    announced = 0
    for community_id in communities:
        for volunteer, done in await month_view(session, community_id, month):
            claim = await session.exec(
                select(FourOnesClosedMonth).where(
                    col(FourOnesClosedMonth.volunteer_id) == volunteer.id,
                    col(FourOnesClosedMonth.month) == month,
                )
            )
            if claim.first() is not None:
                continue
            session.add(FourOnesClosedMonth(volunteer_id=volunteer.id, month=month))
            add_event(
                session,
                FourOnesMonthClosed(
                    volunteer_id=volunteer.id,
                    community_id=community_id,
                    month=month,
                    done=done,
                    missing=[t for t in FOUR if t not in done],
                ),
                subject=volunteer.id,
                community=community_id,
            )
            announced += 1
    # Replicas closing at once: the primary key on (volunteer, month) lets one commit win;
    # the loser's transaction fails whole and raises nothing.
    await session.commit()
    return announced
