"""What the district configures of the activities rules: response targets, backfill window."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from activities import configuration
from activities.api.deps import SettingsDep
from activities.domain.configuration import (
    BACKFILL_WINDOW,
    MAX_BACKFILL_DAYS,
    MAX_TARGET_HOURS,
    RESPONSE_TARGETS,
)
from shared.access import require_role
from shared.auth import CurrentPrincipal
from shared.deps import SessionDep
from shared.types import Input, Integer

router = APIRouter(prefix="/configuration", tags=["configuration"])

_HOURS = Field(ge=1, le=MAX_TARGET_HOURS, description="hours a request may wait for its answer")


class TargetHours(Input):
    """The response target of each request category, in hours."""

    employment: Integer = _HOURS
    social_assistance: Integer = _HOURS
    medical_care: Integer = _HOURS
    rights_protection: Integer = _HOURS
    family_planning: Integer = _HOURS
    child_health: Integer = _HOURS
    policy_consultation: Integer = _HOURS
    public_security: Integer = _HOURS
    housekeeping: Integer = _HOURS
    telecom: Integer = _HOURS


class ResponseTargets(BaseModel):
    """The response targets in force, and who last set them."""

    targets: TargetHours
    default: bool = Field(description="true while the district has set none of its own")
    changed_by: str | None = Field(description="the account that last set them")
    changed_at: datetime | None


class ResponseTargetsChange(Input):
    """Input of `PUT /configuration/response-targets`: every category's target."""

    targets: TargetHours


class BackfillWindow(BaseModel):
    """How many days back a record may start when it is entered, and who last set it."""

    days: int
    default: bool = Field(description="true while the district has set none of its own")
    changed_by: str | None = Field(description="the account that last set it")
    changed_at: datetime | None


class BackfillWindowChange(Input):
    """Input of `PUT /configuration/backfill-window`."""

    days: Integer = Field(ge=1, le=MAX_BACKFILL_DAYS, description="days a record may reach back")


async def _targets(session: SessionDep) -> ResponseTargets:
    found = await configuration.stored(session, RESPONSE_TARGETS)
    return ResponseTargets(
        targets=TargetHours.model_validate(await configuration.response_targets(session)),
        default=found is None,
        changed_by=found.changed_by if found else None,
        changed_at=found.changed_at if found else None,
    )


async def _window(session: SessionDep, settings: SettingsDep) -> BackfillWindow:
    found = await configuration.stored(session, BACKFILL_WINDOW)
    return BackfillWindow(
        days=await configuration.backfill_days(session, settings),
        default=found is None,
        changed_by=found.changed_by if found else None,
        changed_at=found.changed_at if found else None,
    )


@router.get("/response-targets", response_model=ResponseTargets)
async def get_response_targets(
    _principal: CurrentPrincipal, session: SessionDep
) -> ResponseTargets:
    """The response target of each request category (anyone signed in)."""
    return await _targets(session)


@router.put("/response-targets", response_model=ResponseTargets)
async def put_response_targets(
    body: ResponseTargetsChange, principal: CurrentPrincipal, session: SessionDep
) -> ResponseTargets:
    """Set every category's response target (district admin): requests opened from now
    on are due by them; the change is announced with who made it."""
    require_role(principal)  # the district admin only
    await configuration.set_response_targets(session, body.targets.model_dump(), principal.subject)
    return await _targets(session)


@router.get("/backfill-window", response_model=BackfillWindow)
async def get_backfill_window(
    _principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> BackfillWindow:
    """How far back a record may start when it is entered (anyone signed in)."""
    return await _window(session, settings)


@router.put("/backfill-window", response_model=BackfillWindow)
async def put_backfill_window(
    body: BackfillWindowChange,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> BackfillWindow:
    """Set the backfill window (district admin): every record entered from now on (typed
    in, a visit, a correction) is held to it; the change is announced with who made it."""
    require_role(principal)  # the district admin only
    await configuration.set_backfill_days(session, settings, body.days, principal.subject)
    return await _window(session, settings)
