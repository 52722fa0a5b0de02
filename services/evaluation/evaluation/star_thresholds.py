"""The star thresholds in force: the district's own, or the national ones.

Imported by the ledger's handlers, so by a rebuild's workers: nothing of the web here.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from evaluation.domain.stars import THRESHOLDS
from evaluation.models import StarThresholdSetting
from shared.contracts.evaluation import StarReached

DISTRICT_SETTING = "district"


async def setting(session: AsyncSession) -> StarThresholdSetting | None:
    """The district's own setting, None while the national thresholds apply."""
    return await session.get(StarThresholdSetting, DISTRICT_SETTING)


async def current(session: AsyncSession) -> tuple[int, ...]:
    """The hours of star levels 1 to 5 in force."""
    found = await setting(session)
    return tuple(found.hours) if found is not None else THRESHOLDS


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
