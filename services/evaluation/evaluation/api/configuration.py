"""What the district configures of the evaluation rules: the star thresholds."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from evaluation import configuration, messages, star_thresholds
from evaluation.domain.stars import LEVELS, THRESHOLDS
from shared.auth import CurrentPrincipal, Role
from shared.deps import SessionDep
from shared.errors import Forbidden
from shared.types import Input, Integer

router = APIRouter(prefix="/configuration", tags=["configuration"])


class StarThresholds(BaseModel):
    """The hours each star level needs, and who last set them."""

    thresholds: list[int] = Field(description="hours of star levels 1 to 5")
    national: bool = Field(description="true while the district has set none of its own")
    changed_by: str | None = Field(description="the account that last set them")
    changed_at: datetime | None


class StarThresholdsChange(Input):
    """Input of `PUT /configuration/star-thresholds`."""

    thresholds: list[Annotated[Integer, Field(ge=1, le=100_000)]] = Field(
        min_length=LEVELS,
        max_length=LEVELS,
        description="hours of star levels 1 to 5, each more than the one before",
    )


async def _answer(session: SessionDep) -> StarThresholds:
    found = await star_thresholds.setting(session)
    if found is None:
        return StarThresholds(
            thresholds=list(THRESHOLDS),
            national=True,
            changed_by=None,
            changed_at=None,
        )
    return StarThresholds(
        thresholds=list(found.hours),
        national=False,
        changed_by=found.changed_by,
        changed_at=found.changed_at,
    )


@router.get("/star-thresholds", response_model=StarThresholds)
async def get_star_thresholds(_principal: CurrentPrincipal, session: SessionDep) -> StarThresholds:
    """The star thresholds in force (anyone signed in: they decide everyone's stars)."""
    return await _answer(session)


@router.put("/star-thresholds", response_model=StarThresholds)
async def put_star_thresholds(
    body: StarThresholdsChange, principal: CurrentPrincipal, session: SessionDep
) -> StarThresholds:
    """Set the district's star thresholds (district admin): every volunteer's level
    follows at once, and the change is announced with who made it."""
    if principal.role is not Role.DISTRICT_ADMIN:
        raise Forbidden(messages.STAR_THRESHOLDS_SET_BY_DISTRICT)
    await configuration.change_star_thresholds(session, body.thresholds, principal.subject)
    return await _answer(session)
