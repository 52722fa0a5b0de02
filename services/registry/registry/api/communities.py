"""Routes over communities."""

from fastapi import APIRouter, Depends, HTTPException, status
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from registry.communities import CommunityNameTaken, create_community
from registry.models import Community, CommunityCreate, CommunityPublic
from shared.auth import CurrentPrincipal, Role, ensure_community_access, require_roles
from shared.deps import SessionDep

router = APIRouter(prefix="/communities", tags=["communities"])


@router.post(
    "",
    response_model=CommunityPublic,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_roles(Role.DISTRICT_ADMIN))],
    responses={409: {"description": "a community with this name exists"}},
)
async def post_community(data: CommunityCreate, session: SessionDep) -> Community:
    """Set up a community; publishes `org.linli.registry.community_created.v1`."""
    try:
        return await create_community(session, data)
    except (CommunityNameTaken, IntegrityError) as exc:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"a community named {data.name.strip()!r} already exists"
        ) from exc


@router.get("", response_model=list[CommunityPublic])
async def list_communities(principal: CurrentPrincipal, session: SessionDep) -> list[Community]:
    """Communities the caller may see: all for the district, else their own."""
    query = select(Community).order_by(col(Community.name))
    if not principal.is_district_wide:
        query = query.where(col(Community.id) == principal.community)
    return list((await session.exec(query)).all())


@router.get("/{community_id}", response_model=CommunityPublic)
async def get_community(
    community_id: str, principal: CurrentPrincipal, session: SessionDep
) -> Community:
    """One community; another community's answers 404."""
    ensure_community_access(principal, community_id)
    community = await session.get(Community, community_id)
    if community is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "community not found")
    return community
