"""What several routes of the evaluation service check the same way."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from evaluation import messages
from evaluation.models import KnownVolunteer
from shared.auth import Principal
from shared.errors import Forbidden


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
        raise Forbidden(messages.NOT_A_VOLUNTEER)
    return volunteer
