"""The hour ledger: confirmed hours per volunteer, exact under corrections, voids and repeats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from evaluation.domain.stars import THRESHOLDS, level_for, newly_reached
from evaluation.models import CountedRecord, VolunteerLedger
from shared.contracts.evaluation import StarReached
from shared.db import upsert
from shared.events.outbox import add_event


async def count(
    session: AsyncSession,
    *,
    record_id: str,
    volunteer_id: str,
    community_id: str,
    hours: float,
    started_at: datetime,
    team_id: str | None,
    service_area_code: str | None,
    activity_id: str | None,
    tags: list[str],
) -> None:
    """Make a confirmed record count with its hours."""
    await upsert(
        session,
        CountedRecord,
        {
            "record_id": record_id,
            "volunteer_id": volunteer_id,
            "community_id": community_id,
            "team_id": team_id,
            "service_area_code": service_area_code,
            "activity_id": activity_id,
            "started_at": started_at,
            "hours": hours,
            "counts": True,
            "tags": ",".join(sorted(tags)),
        },
        key=["record_id"],
    )


async def stop_counting(session: AsyncSession, record_id: str) -> None:
    """A record no longer counts (voided, or replaced by a correction)."""
    record = await session.get(CountedRecord, record_id)
    if record is not None:
        record.counts = False
        session.add(record)


async def settle(session: AsyncSession, volunteer_id: str, community_id: str) -> VolunteerLedger:
    """Recompute the volunteer's total from the counted records; announce new star levels."""
    await session.flush()
    total = (
        await session.exec(
            select(func.coalesce(func.sum(CountedRecord.hours), 0.0)).where(
                col(CountedRecord.volunteer_id) == volunteer_id, col(CountedRecord.counts)
            )
        )
    ).one()
    ledger = await session.get(VolunteerLedger, volunteer_id)
    if ledger is None:
        ledger = VolunteerLedger(volunteer_id=volunteer_id, community_id=community_id)
    ledger.total_hours = round(float(total), 2)
    ledger.star_level = level_for(ledger.total_hours)
    for level in newly_reached(ledger.highest_star_announced, ledger.total_hours):
        add_event(
            session,
            StarReached(
                volunteer_id=volunteer_id,
                community_id=ledger.community_id,
                level=level,
                threshold_hours=THRESHOLDS[level - 1],
                total_hours=ledger.total_hours,
            ),
            subject=volunteer_id,
            community=ledger.community_id,
        )
        ledger.highest_star_announced = level
    session.add(ledger)
    return ledger
