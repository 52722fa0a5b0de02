"""Routes over a weekly series of activities: list it, change or cancel it from a day on."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import col, select

from activities import series
from activities.api.activities import ActivityForOrganiser, ActivityPublic, Reason, _public
from activities.api.deps import SettingsDep, offer_window, require_organiser
from activities.models import Activity, ActivityStatus
from activities.programme import is_organiser
from shared.auth import CurrentPrincipal
from shared.clock import now
from shared.deps import SessionDep
from shared.paging import Page, PageParams, paginate
from shared.types import Day

router = APIRouter(tags=["activities"])

FromDay = Annotated[
    Day | None,
    Query(
        alias="from",
        description="the first day (in the district's time zone) it applies to; today if omitted",
    ),
]


def _day(day: date | None, settings: SettingsDep) -> date:
    return day or now().astimezone(settings.zone).date()


@router.get("/series/{series_id}/activities", response_model=Page[ActivityPublic])
async def list_series(
    series_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    paging: PageParams,
    status_: Annotated[ActivityStatus | None, Query(alias="status")] = None,
    from_: Annotated[
        Day | None,
        Query(alias="from", description="starting on this day (district time zone) or later"),
    ] = None,
) -> Page[ActivityPublic]:
    """The series' occurrences by start time (drafts only for organisers)."""
    first = await series.series_seen(session, principal, series_id)
    query = select(Activity).where(col(Activity.series_id) == series_id)
    if not is_organiser(principal, first):
        query = query.where(col(Activity.status) != ActivityStatus.DRAFT)
    if status_ is not None:
        query = query.where(col(Activity.status) == status_)
    if from_ is not None:
        query = query.where(col(Activity.starts_at) >= series.day_start(from_, settings.zone))
    return await paginate(
        session,
        query,
        order=[col(Activity.starts_at), col(Activity.id)],
        paging=paging,
        convert=lambda a: _public(a, False),
    )


@router.patch("/series/{series_id}", response_model=list[ActivityForOrganiser])
async def change_series(
    series_id: str,
    data: series.SeriesChange,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    from_: FromDay = None,
) -> list[ActivityPublic]:
    """Change place, capacity or time of day of every occurrence from a day on.

    Each occurrence changes as `PATCH /activities/{id}` would (its `activity_changed`
    tells everyone signed up); those started, completed or cancelled are left alone.
    Answers the occurrences changed.
    """
    require_organiser(principal, await series.series_seen(session, principal, series_id))
    changed = await series.change_from(
        session, series_id, _day(from_, settings), data, settings.zone, offer_window(settings)
    )
    return [_public(a, True) for a in changed]


@router.post("/series/{series_id}/cancel", response_model=list[ActivityForOrganiser])
async def cancel_series(
    series_id: str,
    body: Reason,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    from_: FromDay = None,
) -> list[ActivityPublic]:
    """Call off every occurrence from a day on, each as `POST /activities/{id}/cancel` would.

    Those started, completed or cancelled before are left alone. Answers the
    occurrences cancelled.
    """
    require_organiser(principal, await series.series_seen(session, principal, series_id))
    cancelled = await series.cancel_from(
        session, series_id, _day(from_, settings), body.reason, settings.zone
    )
    return [_public(a, True) for a in cancelled]
