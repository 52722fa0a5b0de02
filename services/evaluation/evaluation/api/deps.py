"""What several routes of the evaluation service check the same way."""

from __future__ import annotations

from fastapi import HTTPException, status
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from evaluation.models import KnownVolunteer
from shared.auth import Principal

NOT_A_VOLUNTEER = "only a registered volunteer can do this"


async def own_volunteer(session: AsyncSession, principal: Principal) -> KnownVolunteer:
    """The volunteer the caller's account is; 403 for an account that is none."""
    found = await session.exec(
        select(KnownVolunteer).where(col(KnownVolunteer.account_id) == principal.subject)
    )
    volunteer = found.first()
    if (
        volunteer is None
        or volunteer.status == "erased"
        or not principal.can_access_community(volunteer.community_id)
    ):
        raise HTTPException(status.HTTP_403_FORBIDDEN, NOT_A_VOLUNTEER)
    return volunteer
