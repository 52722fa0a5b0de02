"""Reminders before an activity starts, sent once to everyone holding a place."""

from __future__ import annotations

from datetime import UTC, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notifications.inbox import notify
from notifications.models import Participant, UpcomingActivity
from shared import clock


async def remind(session: AsyncSession, ahead: timedelta) -> int:
    """Remind the participants of activities starting within `ahead`; each activity once."""
    now = clock.now()
    soon = (
        await session.exec(
            select(UpcomingActivity).where(
                col(UpcomingActivity.reminded).is_(False),
                col(UpcomingActivity.cancelled).is_(False),
                col(UpcomingActivity.starts_at) <= now + ahead,
                col(UpcomingActivity.starts_at) > now,
            )
        )
    ).all()
    reminded = 0
    for activity in soon:
        claim = await session.exec(
            update(UpcomingActivity)
            .where(
                col(UpcomingActivity.activity_id) == activity.activity_id,
                col(UpcomingActivity.reminded).is_(False),
            )
            .values(reminded=True)
        )
        if claim.rowcount != 1:
            continue
        volunteers = (
            await session.exec(
                select(Participant.volunteer_id).where(
                    col(Participant.activity_id) == activity.activity_id
                )
            )
        ).all()
        starts = (
            activity.starts_at
            if activity.starts_at.tzinfo
            else activity.starts_at.replace(tzinfo=UTC)
        )
        await notify(
            session,
            f"reminder-{activity.activity_id}",
            "activity_reminder",
            "activity_reminder",
            {"title": activity.title, "starts_at": starts.isoformat()},
            volunteers=list(volunteers),
        )
        reminded += 1
    await session.commit()
    return reminded
