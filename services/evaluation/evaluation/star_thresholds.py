"""The star thresholds in force: the district's own, or the national ones.

Imported by the ledger's handlers, so by a rebuild's workers: nothing of the web here.
"""

from __future__ import annotations

from typing import Any, cast

from redis.asyncio import Redis
from sqlalchemy import ColumnElement, case, func
from sqlmodel.ext.asyncio.session import AsyncSession

from evaluation.domain.stars import THRESHOLDS
from evaluation.models import StarThresholdSetting
from shared.contracts.evaluation import StarReached, StarThresholdsChanged
from shared.events.envelope import Envelope

DISTRICT_SETTING = "district"


async def setting(session: AsyncSession) -> StarThresholdSetting | None:
    """The district's own setting, None while the national thresholds apply."""
    return await session.get(StarThresholdSetting, DISTRICT_SETTING)


async def current(session: AsyncSession) -> tuple[int, ...]:
    """The hours of star levels 1 to 5 in force."""
    found = await setting(session)
    return tuple(found.hours) if found is not None else THRESHOLDS


def level_of(total_hours: Any, thresholds: tuple[int, ...]) -> ColumnElement[int]:
    """The star level of a total-hours column in SQL, as `domain.stars.level_for` counts it.

    Charts count levels with it from the totals rather than read the stored level: a
    batch of confirmations that read the thresholds just before the district changed
    them would store a level by the old ones, until that volunteer's next confirmation.
    """
    total = func.coalesce(total_hours, 0.0) + 1e-9
    return cast(
        "ColumnElement[int]",
        sum(case((total >= threshold, 1), else_=0) for threshold in thresholds),
    )


def star_reached(
    volunteer_id: str, community_id: str, level: int, total: float, thresholds: tuple[int, ...]
) -> StarReached:
    """The fact that a volunteer reached `level` for the first time."""
    return StarReached(
        volunteer_id=volunteer_id,
        community_id=community_id,
        level=level,
        threshold_hours=thresholds[level - 1],
        total_hours=total,
    )


async def last_announced(redis: Redis, stream_key: str) -> StarThresholdsChanged | None:
    """The last change of thresholds announced on this service's own stream, newest first
    (changes are rare: a rebuild reads back until it finds one, or the stream's start)."""
    upper = "+"
    while True:
        entries = cast(
            "list[tuple[bytes, dict[bytes, bytes]]]",
            await redis.xrevrange(stream_key, max=upper, min="-", count=1000),
        )
        for entry_id, fields in entries:
            if fields.get(b"type") == StarThresholdsChanged.event_type.encode():
                payload = Envelope.from_fields(fields).payload()
                if isinstance(payload, StarThresholdsChanged):
                    return payload
            upper = f"({entry_id.decode()}"
        if len(entries) < 1000:
            return None


async def restore(session: AsyncSession, change: StarThresholdsChanged) -> None:
    """Store a change read back from the stream as the setting in force (a rebuild
    starts from an empty database, and the setting is no projection of the streams it
    replays: without this, it would count by the national thresholds)."""
    session.add(
        StarThresholdSetting(
            id=DISTRICT_SETTING,
            hours=list(change.thresholds),
            changed_by=change.changed_by,
            changed_at=change.changed_at,
        )
    )
    await session.commit()
