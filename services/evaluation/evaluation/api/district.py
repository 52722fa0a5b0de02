"""District-wide figures: each per-community chart by street or by community, as a table
in JSON, CSV or XLSX. The district admin sees every community; a community admin the
rows of their own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from evaluation import figures
from evaluation.api.dashboards import Month
from evaluation.figures import FourOnesRow, GroupBy, HoursRow, Scope, StarsRow, TeamMonthRow
from evaluation.tables import TABLE_RESPONSES, AcceptHeader, FormatQuery, answer
from shared.access import list_scope, require_role
from shared.auth import CurrentPrincipal, Principal, Role
from shared.deps import SessionDep
from shared.types import Timestamp

router = APIRouter(prefix="/dashboards", tags=["dashboards"])

GroupByQuery = Annotated[
    GroupBy, Query(description="one row per street, or per community with its street")
]
StreetQuery = Annotated[str | None, Query(max_length=64, description="only this street")]
CommunityQuery = Annotated[
    str | None, Query(max_length=64, description="only this community (district admin)")
]


def _scope(principal: Principal, community_id: str | None, street_id: str | None) -> Scope:
    # The role first: a role that reads no figures learns nothing of other communities.
    require_role(principal, Role.COMMUNITY_ADMIN)
    community = list_scope(principal, community_id)
    return Scope(communities=[community] if community else None, street_id=street_id)


@router.get("/stars", response_model=list[StarsRow], responses=TABLE_RESPONSES)
async def stars(
    principal: CurrentPrincipal,
    session: SessionDep,
    format_: FormatQuery = None,
    accept: AcceptHeader = None,
    group_by: GroupByQuery = GroupBy.COMMUNITY,
    street_id: StreetQuery = None,
    community_id: CommunityQuery = None,
) -> Sequence[StarsRow] | Response:
    """Volunteers at each star level, by street or by community."""
    rows = await figures.stars(session, _scope(principal, community_id, street_id), group_by)
    return answer(StarsRow, rows, format_, accept, f"stars-by-{group_by.value}")


@router.get("/four-ones", response_model=list[FourOnesRow], responses=TABLE_RESPONSES)
async def four_ones(
    month: Month,
    principal: CurrentPrincipal,
    session: SessionDep,
    format_: FormatQuery = None,
    accept: AcceptHeader = None,
    group_by: GroupByQuery = GroupBy.COMMUNITY,
    street_id: StreetQuery = None,
    community_id: CommunityQuery = None,
) -> Sequence[FourOnesRow] | Response:
    """The four ones' completion in a month, by street or by community."""
    rows = await figures.four_ones(
        session, _scope(principal, community_id, street_id), group_by, month
    )
    return answer(FourOnesRow, rows, format_, accept, f"four-ones-{month}-by-{group_by.value}")


@router.get("/hours", response_model=list[HoursRow], responses=TABLE_RESPONSES)
async def hours(
    principal: CurrentPrincipal,
    session: SessionDep,
    format_: FormatQuery = None,
    accept: AcceptHeader = None,
    group_by: GroupByQuery = GroupBy.COMMUNITY,
    street_id: StreetQuery = None,
    community_id: CommunityQuery = None,
    since: Timestamp | None = None,
    until: Timestamp | None = None,
) -> Sequence[HoursRow] | Response:
    """Confirmed hours and how many served them, by street or by community."""
    scope = _scope(principal, community_id, street_id)
    rows = await figures.hours(session, scope, group_by, since, until)
    return answer(HoursRow, rows, format_, accept, f"hours-by-{group_by.value}")


@router.get("/hours-by-team-month", response_model=list[TeamMonthRow], responses=TABLE_RESPONSES)
async def hours_by_team_month(
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    format_: FormatQuery = None,
    accept: AcceptHeader = None,
    street_id: StreetQuery = None,
    community_id: CommunityQuery = None,
    since: Timestamp | None = None,
    until: Timestamp | None = None,
) -> Sequence[TeamMonthRow] | Response:
    """Confirmed hours per team per month (the district's calendar), each with its
    community and street."""
    scope = _scope(principal, community_id, street_id)
    zone = request.app.state.settings.zone
    rows = await figures.hours_by_team_month(session, scope, zone, since, until)
    return answer(TeamMonthRow, rows, format_, accept, "hours-by-team-month")
