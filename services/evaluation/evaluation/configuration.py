"""The district's configuration of the evaluation rules, and what a change does."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from evaluation.domain.stars import LEVELS, level_for, newly_reached, threshold_problem
from evaluation.models import StarThresholdSetting, VolunteerLedger
from evaluation.star_thresholds import DISTRICT_SETTING, current, level_of, setting, star_reached
from shared import clock
from shared.contracts.evaluation import StarThresholdsChanged
from shared.errors import Unprocessable
from shared.events.outbox import add_event


async def change_star_thresholds(
    session: AsyncSession, thresholds: list[int], changed_by: str
) -> StarThresholdSetting:
    """Set the district's thresholds: every ledger's level follows at once, and anyone
    the change takes to a level never reached before is congratulated as if by hours."""
    if problem := threshold_problem(thresholds):
        raise Unprocessable(problem, levels=LEVELS)
    previous = await current(session)
    new = tuple(thresholds)
    now = clock.now()
    found = await setting(session)
    if found is None:
        found = StarThresholdSetting(
            id=DISTRICT_SETTING, hours=list(new), changed_by="", changed_at=now
        )
    found.hours = list(new)
    found.changed_by = changed_by
    found.changed_at = now
    session.add(found)
    # One statement for every ledger: the level is the count of thresholds reached.
    level = level_of(col(VolunteerLedger.total_hours), new)
    moved = await session.exec(
        update(VolunteerLedger)
        .where(col(VolunteerLedger.star_level) != level)
        .values(star_level=level)
        .execution_options(synchronize_session=False)
    )
    # Those now above their highest announced level reached a star for the first time.
    lowest = new[0]
    rising = await session.exec(
        select(VolunteerLedger).where(
            col(VolunteerLedger.total_hours) + 1e-9 >= lowest,
            col(VolunteerLedger.highest_star_announced) < len(new),
        )
    )
    for ledger in rising.all():
        for reached in newly_reached(ledger.highest_star_announced, ledger.total_hours, new):
            add_event(
                session,
                star_reached(
                    ledger.volunteer_id, ledger.community_id, reached, ledger.total_hours, new
                ),
                subject=ledger.volunteer_id,
                community=ledger.community_id,
            )
            ledger.highest_star_announced = reached
        ledger.star_level = level_for(ledger.total_hours, new)
        session.add(ledger)
    add_event(
        session,
        StarThresholdsChanged(
            thresholds=list(new),
            previous=list(previous),
            changed_by=changed_by,
            changed_at=now,
            levels_changed=int(moved.rowcount or 0),
        ),
        subject=DISTRICT_SETTING,
        community=None,
    )
    await session.commit()
    await session.refresh(found)
    return found
