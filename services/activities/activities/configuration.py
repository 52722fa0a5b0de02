"""The district's settings of the activities rules: stored here, each change announced."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from activities.domain.configuration import (
    BACKFILL_WINDOW,
    RESPONSE_TARGETS,
    backfill_in_force,
    targets_in_force,
)
from activities.ledger import Rules
from activities.models import DistrictSetting, RequestCategory
from activities.settings import Settings
from shared.clock import now
from shared.contracts.activities import BackfillWindowChanged, ResponseTargetsChanged
from shared.events.outbox import add_event

# Response-time targets: urgent needs first.
TARGET_HOURS: dict[RequestCategory, int] = {
    RequestCategory.MEDICAL_CARE: 24,
    RequestCategory.PUBLIC_SECURITY: 24,
    RequestCategory.SOCIAL_ASSISTANCE: 48,
    RequestCategory.CHILD_HEALTH: 48,
    RequestCategory.HOUSEKEEPING: 72,
    RequestCategory.RIGHTS_PROTECTION: 72,
    RequestCategory.EMPLOYMENT: 120,
    RequestCategory.FAMILY_PLANNING: 120,
    RequestCategory.POLICY_CONSULTATION: 120,
    RequestCategory.TELECOM: 120,
}
DEFAULT_TARGETS = {category.value: hours for category, hours in TARGET_HOURS.items()}


async def stored(session: AsyncSession, key: str) -> DistrictSetting | None:
    """The district's own setting, if it set one."""
    return await session.get(DistrictSetting, key)


async def response_targets(session: AsyncSession) -> dict[str, int]:
    """The response target of each request category in force, in hours."""
    found = await stored(session, RESPONSE_TARGETS)
    return targets_in_force(DEFAULT_TARGETS, found.value if found else None)


async def backfill_days(session: AsyncSession, settings: Settings) -> int:
    """How many days back a record may start, in force."""
    found = await stored(session, BACKFILL_WINDOW)
    return backfill_in_force(settings.backfill_days, int(found.value) if found else None)


async def rules_in_force(session: AsyncSession, settings: Settings) -> Rules:
    """The plausibility rules, with the district's backfill window."""
    return Rules(
        daily_cap_hours=settings.daily_cap_hours,
        zone=settings.zone,
        backfill_days=await backfill_days(session, settings),
        clock_skew=settings.clock_skew,
    )


def _put(
    session: AsyncSession, found: DistrictSetting | None, key: str, value: Any, by: str
) -> datetime:
    at = now()
    setting = found or DistrictSetting(key=key, value=value, changed_by=by, changed_at=at)
    setting.value, setting.changed_by, setting.changed_at = value, by, at
    session.add(setting)
    return at


async def set_response_targets(session: AsyncSession, targets: dict[str, int], by: str) -> None:
    """Set every category's target; requests opened from now on are due by them."""
    previous = await response_targets(session)
    at = _put(session, await stored(session, RESPONSE_TARGETS), RESPONSE_TARGETS, targets, by)
    add_event(
        session,
        ResponseTargetsChanged(targets=targets, previous=previous, changed_by=by, changed_at=at),
        subject=RESPONSE_TARGETS,
        community=None,
    )
    await session.commit()


async def set_backfill_days(session: AsyncSession, settings: Settings, days: int, by: str) -> None:
    """Set the backfill window; every record entered from now on is held to it."""
    previous = await backfill_days(session, settings)
    at = _put(session, await stored(session, BACKFILL_WINDOW), BACKFILL_WINDOW, days, by)
    add_event(
        session,
        BackfillWindowChanged(days=days, previous=previous, changed_by=by, changed_at=at),
        subject=BACKFILL_WINDOW,
        community=None,
    )
    await session.commit()
