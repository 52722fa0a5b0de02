"""The district's organisation: streets, communities, member units, service areas."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from registry import messages
from registry.domain.catalogue import DEFAULT_SERVICE_AREAS
from registry.models import (
    Community,
    CommunityCreate,
    CommunityPublic,
    CommunityUpdate,
    MemberUnit,
    MemberUnitCreate,
    ServiceArea,
    ServiceAreaCreate,
    Street,
    StreetCreate,
)
from shared import messages as common
from shared.auth import Principal
from shared.clock import now
from shared.contracts.registry import (
    CommunityCreated,
    CommunityUpdated,
    MemberUnitAdded,
    ServiceAreaAdded,
    StreetCreated,
)
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events.outbox import add_event
from shared.ids import new_id


async def create_street(session: AsyncSession, data: StreetCreate) -> Street:
    """Set up a street of the district."""
    name = data.name.strip()
    if (await session.exec(select(Street).where(col(Street.name) == name))).first():
        raise Conflict(messages.STREET_NAME_TAKEN, name=name)
    street = Street(id=new_id(), name=name, created_at=now())
    session.add(street)
    add_event(
        session, StreetCreated(street_id=street.id, name=name), subject=street.id, community=None
    )
    await session.commit()
    return street


async def _street(session: AsyncSession, street_id: str | None) -> Street | None:
    if street_id is None:
        return None
    street = await session.get(Street, street_id)
    if street is None:
        raise NotFound(messages.STREET_NOT_FOUND, street_id=street_id)
    return street


async def create_community(session: AsyncSession, data: CommunityCreate) -> CommunityPublic:
    """Set up a community with the default catalogue of service areas."""
    name = data.name.strip()
    street = await _street(session, data.street_id)
    if (await session.exec(select(Community).where(col(Community.name) == name))).first():
        raise Conflict(messages.COMMUNITY_NAME_TAKEN, name=name)
    community = Community(id=new_id(), name=name, street_id=data.street_id, created_at=now())
    session.add(community)
    add_event(
        session,
        CommunityCreated(
            community_id=community.id,
            name=name,
            street_id=street.id if street else None,
            street_name=street.name if street else None,
        ),
        subject=community.id,
        community=community.id,
    )
    await session.flush()
    for area in DEFAULT_SERVICE_AREAS:
        _add_area(session, community.id, area.code, area.name_zh, area.name_en, is_default=True)
    await session.commit()
    return community_public(community, street)


async def update_community(
    session: AsyncSession, community: Community, data: CommunityUpdate
) -> CommunityPublic:
    """Rename a community or move it to another street."""
    if data.name is not None:
        name = data.name.strip()
        clash = await session.exec(
            select(Community).where(col(Community.name) == name, col(Community.id) != community.id)
        )
        if clash.first():
            raise Conflict(messages.COMMUNITY_NAME_TAKEN, name=name)
        community.name = name
    if "street_id" in data.model_fields_set:
        await _street(session, data.street_id)
        community.street_id = data.street_id
    street = await _street(session, community.street_id)
    session.add(community)
    add_event(
        session,
        CommunityUpdated(
            community_id=community.id,
            name=community.name,
            street_id=community.street_id,
            street_name=street.name if street else None,
        ),
        subject=community.id,
        community=community.id,
    )
    await session.commit()
    return community_public(community, street)


def community_public(community: Community, street: Street | None) -> CommunityPublic:
    """The API view of a community."""
    return CommunityPublic(
        id=community.id,
        name=community.name,
        street_id=community.street_id,
        street_name=street.name if street else None,
        created_at=community.created_at,
    )


async def get_community(
    session: AsyncSession, principal: Principal, community_id: str
) -> Community:
    """A community the caller may see; 404 for one they may not, as for one that is absent."""
    community = await session.get(Community, community_id)
    if community is None or not principal.can_access_community(community_id):
        raise NotFound(common.COMMUNITY_NOT_FOUND)
    return community


async def list_communities(session: AsyncSession, principal: Principal) -> list[CommunityPublic]:
    """The communities the caller may see, by name."""
    query = select(Community, Street).join(Street, isouter=True).order_by(col(Community.name))
    if not principal.is_district_wide:
        query = query.where(col(Community.id) == principal.community)
    return [community_public(c, s) for c, s in (await session.exec(query)).all()]


async def add_member_unit(
    session: AsyncSession, community: Community, data: MemberUnitCreate
) -> MemberUnit:
    """Add a member unit (共建单位) to a community."""
    name = data.name.strip()
    clash = await session.exec(
        select(MemberUnit).where(
            col(MemberUnit.community_id) == community.id, col(MemberUnit.name) == name
        )
    )
    if clash.first():
        raise Conflict(messages.MEMBER_UNIT_NAME_TAKEN, community=community.name, name=name)
    unit = MemberUnit(
        id=new_id(), community_id=community.id, name=name, kind=data.kind, created_at=now()
    )
    session.add(unit)
    add_event(
        session,
        MemberUnitAdded(
            member_unit_id=unit.id, community_id=community.id, name=name, kind=data.kind.value
        ),
        subject=unit.id,
        community=community.id,
    )
    await session.commit()
    return unit


def _add_area(
    session: AsyncSession,
    community_id: str,
    code: str,
    name_zh: str,
    name_en: str,
    *,
    is_default: bool,
) -> ServiceArea:
    area = ServiceArea(
        id=new_id(),
        community_id=community_id,
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        is_default=is_default,
    )
    session.add(area)
    add_event(
        session,
        ServiceAreaAdded(
            service_area_id=area.id, community_id=community_id, code=code, name=name_zh
        ),
        subject=area.id,
        community=community_id,
    )
    return area


async def add_service_area(
    session: AsyncSession, community: Community, data: ServiceAreaCreate
) -> ServiceArea:
    """Add a service area of the community's own to its catalogue."""
    clash = await session.exec(
        select(ServiceArea).where(
            col(ServiceArea.community_id) == community.id, col(ServiceArea.code) == data.code
        )
    )
    if clash.first():
        raise Conflict(messages.SERVICE_AREA_CODE_TAKEN, community=community.name, code=data.code)
    area = _add_area(session, community.id, data.code, data.name_zh, data.name_en, is_default=False)
    await session.commit()
    return area


async def service_areas(session: AsyncSession, community_id: str) -> list[ServiceArea]:
    """A community's catalogue of service areas."""
    query = (
        select(ServiceArea)
        .where(col(ServiceArea.community_id) == community_id)
        .order_by(col(ServiceArea.is_default).desc(), col(ServiceArea.code))
    )
    return list((await session.exec(query)).all())


async def areas_by_code(
    session: AsyncSession, community_id: str, codes: list[str]
) -> list[ServiceArea]:
    """The community's service areas with these codes; 422 naming any unknown code."""
    areas = {area.code: area for area in await service_areas(session, community_id)}
    unknown = [code for code in codes if code not in areas]
    if unknown:
        raise Unprocessable(
            messages.SERVICE_AREA_UNKNOWN,
            unknown=", ".join(unknown),
            offered=", ".join(sorted(areas)),
        )
    return [areas[code] for code in dict.fromkeys(codes)]
