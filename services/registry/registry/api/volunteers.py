"""Routes over volunteers: applications, the lifecycle, search, the card."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel, Field
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from registry import messages, volunteers
from registry.api.deps import RegistrarDep, SettingsDep, SubjectKeysDep
from registry.card import card_pdf, verification_url
from registry.models import (
    CardVerification,
    Category,
    Community,
    Decision,
    OwnProfileUpdate,
    SelfApplication,
    Team,
    Transfer,
    Volunteer,
    VolunteerApplication,
    VolunteerProfileUpdate,
    VolunteerPublic,
    VolunteerStatus,
)
from shared import messages as common
from shared.access import authorize, list_scope, require_role
from shared.auth import CurrentPrincipal, Principal, Role, require_roles
from shared.deps import SessionDep
from shared.errors import Conflict, ErrorBody, NotFound
from shared.paging import Page, PageParams, PageQuery, count, paginate
from shared.types import Id

router = APIRouter(tags=["volunteers"])
ADMINS = (Role.COMMUNITY_ADMIN,)


async def _public(session: SessionDep, volunteer: Volunteer) -> VolunteerPublic:
    [public] = await volunteers.to_public(session, [volunteer])
    return public


async def _admin_target(session: SessionDep, principal: Principal, volunteer_id: str) -> Volunteer:
    volunteer = await volunteers.get_volunteer(session, principal, volunteer_id)
    authorize(principal, volunteer.community_id, *ADMINS)
    return volunteer


@router.post(
    "/communities/{community_id}/volunteers",
    response_model=VolunteerPublic,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"model": ErrorBody, "description": "this person is already registered"}},
)
async def post_volunteer(
    community_id: str,
    data: VolunteerApplication,
    principal: CurrentPrincipal,
    session: SessionDep,
    registrar: RegistrarDep,
) -> VolunteerPublic:
    """A community worker enters an application (报名) on a person's behalf.

    422 beyond the schema: a national ID number whose check digit or birth date is
    wrong, a birth date that differs from it, a service area the community does not
    offer.
    """
    volunteer = await volunteers.enter_application(
        session, principal, registrar, community_id, data
    )
    return await _public(session, volunteer)


@router.post(
    "/applications",
    response_model=VolunteerPublic,
    status_code=status.HTTP_201_CREATED,
    responses={
        409: {"model": ErrorBody, "description": "username taken or person already registered"}
    },
)
async def post_application(
    data: SelfApplication, session: SessionDep, registrar: RegistrarDep
) -> VolunteerPublic:
    """A person applies for themself, creating their account (a resident until approved).

    422 beyond the schema, as for an application a community worker enters.
    """
    return await _public(session, await volunteers.apply_for_self(session, registrar, data))


async def _page_of(
    session: SessionDep, query: SelectOfScalar[Volunteer], order: list[Any], paging: PageQuery
) -> Page[VolunteerPublic]:
    page = await paginate(session, query, order=order, paging=paging)
    return Page[VolunteerPublic](
        items=await volunteers.to_public(session, page.items),
        total=page.total,
        next_cursor=page.next_cursor,
    )


@router.get("/volunteers", response_model=Page[VolunteerPublic])
async def get_volunteers(
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    community_id: Id | None = None,
    q: Annotated[str | None, Query(max_length=50, description="part of a name or number")] = None,
    number: Annotated[str | None, Query(max_length=20)] = None,
    team_id: Id | None = None,
    service_area: Annotated[str | None, Query(max_length=40)] = None,
    status_: Annotated[VolunteerStatus | None, Query(alias="status")] = None,
    party_member: bool | None = None,
    category: Category | None = None,
) -> Page[VolunteerPublic]:
    """Search volunteers of the caller's community (the district admin: any or all), by
    name then id."""
    community_id = list_scope(principal, community_id)
    require_role(principal, Role.COMMUNITY_ADMIN, Role.TEAM_LEADER)
    if team_id is not None:
        # A filter naming another community's team answers as an unknown one.
        team = await session.get(Team, team_id)
        if team is None or community_id not in (None, team.community_id):
            raise NotFound(common.TEAM_NOT_FOUND)
    criteria = volunteers.VolunteerFilter(
        community_id=community_id,
        text=q,
        number=number,
        team_id=team_id,
        service_area_code=service_area,
        status=status_,
        party_member=party_member,
        category=category,
    )
    return await _page_of(
        session,
        volunteers.volunteer_query(criteria),
        [col(Volunteer.name), col(Volunteer.id)],
        paging,
    )


class QueueCounts(BaseModel):
    """How many items wait in each of the registry's queues: what needs my attention."""

    community_id: str | None = Field(description="null: the whole district")
    applications_to_approve: int


QUEUE_READERS = Depends(require_roles(Role.DISTRICT_ADMIN, Role.COMMUNITY_ADMIN))


def _applications(community_id: str | None, text: str | None = None) -> SelectOfScalar[Volunteer]:
    criteria = volunteers.VolunteerFilter(
        community_id=community_id, text=text, status=VolunteerStatus.APPLIED
    )
    return volunteers.volunteer_query(criteria)


@router.get("/queues", response_model=QueueCounts, dependencies=[QUEUE_READERS], tags=["queues"])
async def queue_counts(
    principal: CurrentPrincipal, session: SessionDep, community_id: Id | None = None
) -> QueueCounts:
    """Each queue's count, for a dashboard (the district admin: all or one community)."""
    scope = list_scope(principal, community_id)
    return QueueCounts(
        community_id=scope, applications_to_approve=await count(session, _applications(scope))
    )


@router.get(
    "/queues/applications-to-approve",
    response_model=Page[VolunteerPublic],
    dependencies=[QUEUE_READERS],
    tags=["queues"],
)
async def applications_to_approve(
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    community_id: Id | None = None,
    q: Annotated[str | None, Query(max_length=50, description="part of a name")] = None,
) -> Page[VolunteerPublic]:
    """Applications awaiting approval, oldest first."""
    return await _page_of(
        session,
        _applications(list_scope(principal, community_id), q),
        [col(Volunteer.applied_at), col(Volunteer.id)],
        paging,
    )


@router.get("/me/volunteer", response_model=VolunteerPublic)
async def get_my_volunteer(principal: CurrentPrincipal, session: SessionDep) -> VolunteerPublic:
    """The caller's own volunteer record."""
    found = await session.exec(
        select(Volunteer).where(col(Volunteer.account_id) == principal.subject)
    )
    volunteer = found.first()
    if volunteer is None:
        raise NotFound(messages.NO_VOLUNTEER_RECORD)
    return await _public(session, volunteer)


@router.patch("/me/volunteer", response_model=VolunteerPublic)
async def patch_my_volunteer(
    data: OwnProfileUpdate, principal: CurrentPrincipal, session: SessionDep
) -> VolunteerPublic:
    """A volunteer keeps their own phone, skills, availability and service areas up to
    date (the rest is the community's to change); other services learn the service
    areas from `volunteer_profile_changed`."""
    found = await session.exec(
        select(Volunteer).where(col(Volunteer.account_id) == principal.subject)
    )
    volunteer = found.first()
    if volunteer is None:
        raise NotFound(messages.NO_VOLUNTEER_RECORD)
    update = VolunteerProfileUpdate.model_validate(data.model_dump(exclude_unset=True))
    return await _public(session, await volunteers.update_profile(session, volunteer, update))


@router.get("/volunteers/{volunteer_id}", response_model=VolunteerPublic)
async def get_volunteer(
    volunteer_id: str, principal: CurrentPrincipal, session: SessionDep
) -> VolunteerPublic:
    """One volunteer: admins and team leaders of the community, or the person themself."""
    return await _public(session, await volunteers.get_volunteer(session, principal, volunteer_id))


@router.patch("/volunteers/{volunteer_id}", response_model=VolunteerPublic)
async def patch_volunteer(
    volunteer_id: str,
    data: VolunteerProfileUpdate,
    principal: CurrentPrincipal,
    session: SessionDep,
) -> VolunteerPublic:
    """Change profile fields: the community admin, or the volunteer themself."""
    volunteer = await volunteers.get_volunteer(session, principal, volunteer_id)
    own = volunteer.account_id is not None and volunteer.account_id == principal.subject
    if not own:
        authorize(principal, volunteer.community_id, *ADMINS)
    return await _public(session, await volunteers.update_profile(session, volunteer, data))


@router.post("/volunteers/{volunteer_id}/approve", response_model=VolunteerPublic)
async def approve(
    volunteer_id: str, principal: CurrentPrincipal, session: SessionDep, registrar: RegistrarDep
) -> VolunteerPublic:
    """Approve an application: the volunteer number is issued."""
    volunteer = await _admin_target(session, principal, volunteer_id)
    return await _public(session, await volunteers.approve(session, registrar, volunteer))


@router.post("/volunteers/{volunteer_id}/reject", response_model=VolunteerPublic)
async def reject(
    volunteer_id: str, body: Decision, principal: CurrentPrincipal, session: SessionDep
) -> VolunteerPublic:
    """Reject an application, with a reason the applicant will see."""
    volunteer = await _admin_target(session, principal, volunteer_id)
    return await _public(session, await volunteers.reject(session, volunteer, body.reason))


@router.post("/volunteers/{volunteer_id}/suspend", response_model=VolunteerPublic)
async def suspend(
    volunteer_id: str, body: Decision, principal: CurrentPrincipal, session: SessionDep
) -> VolunteerPublic:
    """Suspend a volunteer, with a reason."""
    volunteer = await _admin_target(session, principal, volunteer_id)
    return await _public(session, await volunteers.suspend(session, volunteer, body.reason))


@router.post("/volunteers/{volunteer_id}/reinstate", response_model=VolunteerPublic)
async def reinstate(
    volunteer_id: str, principal: CurrentPrincipal, session: SessionDep
) -> VolunteerPublic:
    """Let a suspended volunteer serve again."""
    volunteer = await _admin_target(session, principal, volunteer_id)
    return await _public(session, await volunteers.reinstate(session, volunteer))


@router.post("/volunteers/{volunteer_id}/withdraw", response_model=VolunteerPublic)
async def withdraw(
    volunteer_id: str, body: Decision, principal: CurrentPrincipal, session: SessionDep
) -> VolunteerPublic:
    """A volunteer leaves for good: the admin records it, or the volunteer does themself."""
    volunteer = await volunteers.get_volunteer(session, principal, volunteer_id)
    if volunteer.account_id is None or volunteer.account_id != principal.subject:
        authorize(principal, volunteer.community_id, *ADMINS)
    return await _public(session, await volunteers.withdraw(session, volunteer, body.reason))


@router.post("/volunteers/{volunteer_id}/come-back", response_model=VolunteerPublic)
async def come_back(
    volunteer_id: str, principal: CurrentPrincipal, session: SessionDep
) -> VolunteerPublic:
    """Someone who withdrew serves again, with the same number and their history."""
    volunteer = await _admin_target(session, principal, volunteer_id)
    return await _public(session, await volunteers.come_back(session, volunteer))


@router.post(
    "/volunteers/{volunteer_id}/transfer",
    response_model=VolunteerPublic,
    responses={
        409: {"model": ErrorBody, "description": "same community, or the volunteer leads a team"}
    },
)
async def transfer(
    volunteer_id: str, body: Transfer, principal: CurrentPrincipal, session: SessionDep
) -> VolunteerPublic:
    """The district admin moves a volunteer to another community (they moved house):
    the same number, their history kept where it was served, their account along.

    422 beyond the schema: a service area the new community does not offer.
    """
    volunteer = await volunteers.get_volunteer(session, principal, volunteer_id)
    authorize(principal, volunteer.community_id)  # the district admin only
    moved = await volunteers.transfer(
        session, volunteer, body.community_id, body.service_area_codes
    )
    return await _public(session, moved)


@router.delete("/volunteers/{volunteer_id}/personal-data", response_model=VolunteerPublic)
async def erase(
    volunteer_id: str, principal: CurrentPrincipal, session: SessionDep, keys: SubjectKeysDep
) -> VolunteerPublic:
    """Erase personal data on request, here and (by `volunteer_erased`) in every service.

    The number and service history stay, anonymous; certificates already issued keep
    the name they printed (docs/decisions/0011).
    """
    volunteer = await _admin_target(session, principal, volunteer_id)
    return await _public(session, await volunteers.erase(session, volunteer, keys))


@router.get(
    "/volunteers/{volunteer_id}/card.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def card(
    volunteer_id: str, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> Response:
    """The printable volunteer card with its QR code."""
    volunteer = await volunteers.get_volunteer(session, principal, volunteer_id)
    if volunteer.volunteer_number is None or volunteer.status != VolunteerStatus.REGISTERED:
        raise Conflict(messages.CARD_ONLY_REGISTERED)
    community = await session.get(Community, volunteer.community_id)
    pdf = card_pdf(
        name=volunteer.name,
        volunteer_number=volunteer.volunteer_number,
        community=community.name if community else "",
        district=settings.district_name,
        url=verification_url(settings.public_base_url, volunteer.volunteer_number),
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="card-{volunteer.volunteer_number}.pdf"'
        },
    )


@router.get("/verify/{volunteer_number}", response_model=CardVerification, tags=["public"])
async def verify_card(volunteer_number: str, session: SessionDep) -> CardVerification:
    """Public: is this volunteer number valid? Nothing personal is revealed."""
    found = await session.exec(
        select(Volunteer, Community)
        .join(Community, col(Community.id) == col(Volunteer.community_id))
        .where(col(Volunteer.volunteer_number) == volunteer_number)
    )
    row = found.first()
    if row is None:
        return CardVerification(volunteer_number=volunteer_number, valid=False, status="unknown")
    volunteer, community = row
    return CardVerification(
        volunteer_number=volunteer_number,
        valid=volunteer.status == VolunteerStatus.REGISTERED,
        status=volunteer.status.value,
        community=community.name,
    )
