"""Routes over streets, communities, member units and service areas."""

from __future__ import annotations

from fastapi import APIRouter, Depends, status
from sqlmodel import col, select

from registry import organisation
from registry.models import (
    CommunityCreate,
    CommunityPublic,
    CommunityUpdate,
    MemberUnit,
    MemberUnitCreate,
    MemberUnitPublic,
    ServiceArea,
    ServiceAreaCreate,
    ServiceAreaPublic,
    Street,
    StreetCreate,
    StreetPublic,
)
from shared.access import authorize
from shared.auth import CurrentPrincipal, Role, require_roles
from shared.deps import SessionDep
from shared.errors import ErrorBody

router = APIRouter(tags=["organisation"])
DISTRICT_ADMIN = [Depends(require_roles(Role.DISTRICT_ADMIN))]


@router.post(
    "/streets",
    response_model=StreetPublic,
    status_code=status.HTTP_201_CREATED,
    dependencies=DISTRICT_ADMIN,
)
async def post_street(data: StreetCreate, session: SessionDep) -> Street:
    """Set up a street (街道) of the district."""
    return await organisation.create_street(session, data)


@router.get("/streets", response_model=list[StreetPublic])
async def get_streets(_principal: CurrentPrincipal, session: SessionDep) -> list[Street]:
    """The district's streets."""
    return list((await session.exec(select(Street).order_by(col(Street.name)))).all())


@router.post(
    "/communities",
    response_model=CommunityPublic,
    status_code=status.HTTP_201_CREATED,
    dependencies=DISTRICT_ADMIN,
    responses={409: {"model": ErrorBody, "description": "a community with this name exists"}},
)
async def post_community(data: CommunityCreate, session: SessionDep) -> CommunityPublic:
    """Set up a community with the default catalogue of ten service areas."""
    return await organisation.create_community(session, data)


@router.get("/communities", response_model=list[CommunityPublic])
async def get_communities(
    principal: CurrentPrincipal, session: SessionDep
) -> list[CommunityPublic]:
    """The communities the caller may see: all for the district, else their own."""
    return await organisation.list_communities(session, principal)


@router.get("/communities/{community_id}", response_model=CommunityPublic)
async def get_community(
    community_id: str, principal: CurrentPrincipal, session: SessionDep
) -> CommunityPublic:
    """One community; another community's answers 404."""
    community = await organisation.get_community(session, principal, community_id)
    street = await session.get(Street, community.street_id) if community.street_id else None
    return organisation.community_public(community, street)


@router.patch("/communities/{community_id}", response_model=CommunityPublic)
async def patch_community(
    community_id: str, data: CommunityUpdate, principal: CurrentPrincipal, session: SessionDep
) -> CommunityPublic:
    """Rename a community or move it to another street (the district admin)."""
    community = await organisation.get_community(session, principal, community_id)
    authorize(principal, community_id)
    return await organisation.update_community(session, community, data)


@router.post(
    "/communities/{community_id}/member-units",
    response_model=MemberUnitPublic,
    status_code=status.HTTP_201_CREATED,
)
async def post_member_unit(
    community_id: str, data: MemberUnitCreate, principal: CurrentPrincipal, session: SessionDep
) -> MemberUnit:
    """Add a member unit (共建单位) to the community."""
    authorize(principal, community_id, Role.COMMUNITY_ADMIN)
    community = await organisation.get_community(session, principal, community_id)
    return await organisation.add_member_unit(session, community, data)


@router.get("/communities/{community_id}/member-units", response_model=list[MemberUnitPublic])
async def get_member_units(
    community_id: str, principal: CurrentPrincipal, session: SessionDep
) -> list[MemberUnit]:
    """The community's member units."""
    await organisation.get_community(session, principal, community_id)
    rows = await session.exec(
        select(MemberUnit)
        .where(col(MemberUnit.community_id) == community_id)
        .order_by(col(MemberUnit.name))
    )
    return list(rows.all())


@router.post(
    "/communities/{community_id}/service-areas",
    response_model=ServiceAreaPublic,
    status_code=status.HTTP_201_CREATED,
)
async def post_service_area(
    community_id: str, data: ServiceAreaCreate, principal: CurrentPrincipal, session: SessionDep
) -> ServiceArea:
    """Add a service area of the community's own to its catalogue."""
    authorize(principal, community_id, Role.COMMUNITY_ADMIN)
    community = await organisation.get_community(session, principal, community_id)
    return await organisation.add_service_area(session, community, data)


@router.get("/communities/{community_id}/service-areas", response_model=list[ServiceAreaPublic])
async def get_service_areas(
    community_id: str, principal: CurrentPrincipal, session: SessionDep
) -> list[ServiceArea]:
    """The community's catalogue of service areas."""
    await organisation.get_community(session, principal, community_id)
    return await organisation.service_areas(session, community_id)
