"""Volunteer registration: apply, approve or reject, suspend, reinstate, withdraw, erase."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from registry import messages
from registry.accounts import create_account
from registry.domain.national_id import InvalidNationalId, birth_date_of, mask, normalise
from registry.domain.volunteer_number import format_number
from registry.identity import NationalIdVault
from registry.models import (
    Account,
    Category,
    Community,
    Counter,
    LoginThrottle,
    MemberUnit,
    RefreshToken,
    SelfApplication,
    ServiceArea,
    Team,
    TeamMembership,
    Volunteer,
    VolunteerFields,
    VolunteerProfileUpdate,
    VolunteerPublic,
    VolunteerServiceArea,
    VolunteerStatus,
)
from registry.organisation import areas_by_code, get_community
from shared import messages as common
from shared.access import authorize
from shared.auth import Principal, Role
from shared.clock import now
from shared.contracts.base import EventPayload
from shared.contracts.registry import (
    AccountChanged,
    TeamMemberLeft,
    VolunteerApplied,
    VolunteerErased,
    VolunteerProfileChanged,
    VolunteerRegistered,
    VolunteerReinstated,
    VolunteerRejected,
    VolunteerSuspended,
    VolunteerTransferred,
    VolunteerWithdrawn,
)
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events.outbox import add_event
from shared.events.shredding import SubjectKeys
from shared.ids import new_id

NUMBER_COUNTER = "volunteer_number"


@dataclass(frozen=True)
class Registrar:
    """What registration needs besides the database: the vault, the district code, and
    the keys that seal names in events (without them, events carry no name)."""

    vault: NationalIdVault
    district_code: str
    names: SubjectKeys | None = None

    async def seal_names(self, volunteers: Sequence[Volunteer]) -> dict[str, str]:
        """The volunteers' names sealed for `volunteer_registered`, by volunteer id."""
        if self.names is None:
            return {}
        return await self.names.seal({v.id: v.name for v in volunteers})


def checked_national_id(raw: str) -> str:
    """The normalised number, or 422 saying what is wrong with it."""
    try:
        return normalise(raw)
    except InvalidNationalId as exc:
        raise Unprocessable(exc.message) from exc


async def _ensure_not_registered(session: AsyncSession, national_id_hash: str) -> None:
    taken = await session.exec(
        select(Volunteer.id).where(col(Volunteer.national_id_hash) == national_id_hash)
    )
    if taken.first() is not None:
        raise Conflict(messages.NATIONAL_ID_REGISTERED)


async def _check_member_unit(session: AsyncSession, community_id: str, unit_id: str | None) -> None:
    if unit_id is None:
        return
    unit = await session.get(MemberUnit, unit_id)
    if unit is None or unit.community_id != community_id:
        # Another community's unit answers as an unknown one would.
        raise NotFound(messages.MEMBER_UNIT_NOT_FOUND, member_unit_id=unit_id)


async def new_volunteer(
    session: AsyncSession,
    registrar: Registrar,
    community_id: str,
    data: VolunteerFields,
    *,
    self_service: bool,
    account_id: str | None = None,
) -> tuple[Volunteer, list[ServiceArea]]:
    """Validate an application and stage the new volunteer (status applied) in the session."""
    national_id = checked_national_id(data.national_id)
    if data.birth_date is not None and data.birth_date != birth_date_of(national_id):
        raise Unprocessable(messages.BIRTH_DATE_MISMATCH)
    areas = await areas_by_code(session, community_id, data.service_area_codes)
    await _check_member_unit(session, community_id, data.member_unit_id)
    await _ensure_not_registered(session, registrar.vault.lookup_hash(national_id))
    volunteer = stage_volunteer(
        session,
        registrar,
        community_id,
        data,
        national_id,
        areas,
        self_service=self_service,
        account_id=account_id,
    )
    add_event(
        session,
        VolunteerApplied(
            volunteer_id=volunteer.id,
            community_id=community_id,
            service_area_codes=[area.code for area in areas],
            self_service=self_service,
        ),
        subject=volunteer.id,
        community=community_id,
    )
    return volunteer, areas


async def enter_application(
    session: AsyncSession,
    principal: Principal,
    registrar: Registrar,
    community_id: str,
    data: VolunteerFields,
) -> Volunteer:
    """A community worker enters an application (报名) on a person's behalf."""
    authorize(principal, community_id, Role.COMMUNITY_ADMIN)
    await get_community(session, principal, community_id)
    volunteer, _ = await new_volunteer(session, registrar, community_id, data, self_service=False)
    await session.commit()
    return volunteer


async def apply_for_self(
    session: AsyncSession, registrar: Registrar, data: SelfApplication
) -> Volunteer:
    """A person applies for themself, creating their account (a resident until approved)."""
    if await session.get(Community, data.community_id) is None:
        raise NotFound(common.COMMUNITY_NOT_FOUND)
    account = await create_account(
        session,
        username=data.username,
        password=data.password,
        role=Role.RESIDENT,
        community_id=data.community_id,
        commit=False,
    )
    volunteer, _ = await new_volunteer(
        session,
        registrar,
        data.community_id,
        data,
        self_service=True,
        account_id=account.id,
    )
    await session.commit()
    return volunteer


def stage_volunteer(
    session: AsyncSession,
    registrar: Registrar,
    community_id: str,
    data: VolunteerFields,
    national_id: str,
    areas: Sequence[ServiceArea],
    *,
    self_service: bool,
    account_id: str | None = None,
) -> Volunteer:
    """Add a checked applicant and their service areas to the session (no queries)."""
    timestamp = now()
    volunteer = Volunteer(
        id=new_id(),
        community_id=community_id,
        status=VolunteerStatus.APPLIED,
        name=data.name,
        gender=data.gender,
        birth_date=birth_date_of(national_id),
        phone=data.phone,
        national_id_cipher=registrar.vault.encrypt(national_id),
        national_id_hash=registrar.vault.lookup_hash(national_id),
        national_id_masked=mask(national_id),
        party_member=data.party_member,
        category=data.category,
        member_unit_id=data.member_unit_id,
        skills=data.skills,
        availability=data.availability,
        self_service=self_service,
        account_id=account_id,
        applied_at=timestamp,
        updated_at=timestamp,
    )
    session.add(volunteer)
    session.add_all(
        VolunteerServiceArea(volunteer_id=volunteer.id, service_area_id=area.id) for area in areas
    )
    return volunteer


async def draw_numbers(session: AsyncSession, district_code: str, count: int) -> list[str]:
    """Draw `count` new volunteer numbers from the district-wide counter.

    The UPDATE takes the row's write lock until commit (a row lock on PostgreSQL, the
    database lock on SQLite), so concurrent registrations never draw the same number.
    """
    result = await session.exec(
        update(Counter)
        .where(col(Counter.name) == NUMBER_COUNTER)
        .values(value=Counter.value + count)
    )
    if result.rowcount == 0:
        session.add(Counter(name=NUMBER_COUNTER, value=count))
        await session.flush()
    last = (
        await session.exec(select(Counter.value).where(col(Counter.name) == NUMBER_COUNTER))
    ).one()
    year = now().year
    return [
        format_number(district_code, year, value) for value in range(last - count + 1, last + 1)
    ]


async def _area_codes(session: AsyncSession, volunteer_id: str) -> list[str]:
    rows = await session.exec(
        select(ServiceArea.code)
        .join(
            VolunteerServiceArea, col(VolunteerServiceArea.service_area_id) == col(ServiceArea.id)
        )
        .where(col(VolunteerServiceArea.volunteer_id) == volunteer_id)
        .order_by(col(ServiceArea.code))
    )
    return list(rows.all())


def stage_registered(
    session: AsyncSession,
    volunteer: Volunteer,
    number: str,
    area_codes: list[str],
    sealed_name: str | None = None,
) -> None:
    """Mark a volunteer registered with `number` and stage the event.

    The name travels only sealed (`Registrar.seal_names`): erasure shreds its key.
    """
    timestamp = now()
    volunteer.status = VolunteerStatus.REGISTERED
    volunteer.volunteer_number = number
    volunteer.registered_at = timestamp
    volunteer.updated_at = timestamp
    volunteer.status_reason = None
    session.add(volunteer)
    add_event(
        session,
        VolunteerRegistered(
            volunteer_id=volunteer.id,
            volunteer_number=number,
            community_id=volunteer.community_id,
            service_area_codes=area_codes,
            party_member=volunteer.party_member,
            category=volunteer.category.value,
            account_id=volunteer.account_id,
            registered_on=timestamp.date(),
            sealed_display_name=sealed_name,
            national_id_masked=volunteer.national_id_masked,
        ),
        subject=volunteer.id,
        community=volunteer.community_id,
    )


def _require(volunteer: Volunteer, allowed: Sequence[VolunteerStatus], action: str) -> None:
    if volunteer.erased_at is not None:
        raise Conflict(messages.VOLUNTEER_ERASED)
    if volunteer.status not in allowed:
        raise Conflict(
            messages.VOLUNTEER_STATUS_FORBIDS,
            status=messages.VOLUNTEER_STATUS_NAMES[volunteer.status.value],
            action=messages.VOLUNTEER_ACTIONS[action],
        )


async def approve(session: AsyncSession, registrar: Registrar, volunteer: Volunteer) -> Volunteer:
    """Approve an application: issue the volunteer number; the applicant's account becomes a volunteer's."""
    _require(volunteer, [VolunteerStatus.APPLIED], "approved")
    [number] = await draw_numbers(session, registrar.district_code, 1)
    sealed = await registrar.seal_names([volunteer])
    stage_registered(
        session,
        volunteer,
        number,
        await _area_codes(session, volunteer.id),
        sealed.get(volunteer.id),
    )
    if volunteer.account_id is not None:
        account = await session.get(Account, volunteer.account_id)
        if account is not None and account.role == Role.RESIDENT:
            account.role = Role.VOLUNTEER
            session.add(account)
    await session.commit()
    return volunteer


async def _move(
    session: AsyncSession,
    volunteer: Volunteer,
    status: VolunteerStatus,
    reason: str | None,
    payload: EventPayload,
) -> Volunteer:
    """Move a volunteer to `status` with its reason and publish `payload`, in one commit."""
    volunteer.status = status
    volunteer.status_reason = reason
    volunteer.updated_at = now()
    session.add(volunteer)
    add_event(session, payload, subject=volunteer.id, community=volunteer.community_id)
    await session.commit()
    return volunteer


async def reject(session: AsyncSession, volunteer: Volunteer, reason: str) -> Volunteer:
    """Reject an application with a reason."""
    _require(volunteer, [VolunteerStatus.APPLIED], "rejected")
    # A rejected applicant may apply again later: the number is not held by this record.
    volunteer.national_id_hash = None
    ids = {"volunteer_id": volunteer.id, "community_id": volunteer.community_id}
    return await _move(
        session,
        volunteer,
        VolunteerStatus.REJECTED,
        reason,
        VolunteerRejected(**ids, reason=reason, account_id=volunteer.account_id),
    )


async def suspend(session: AsyncSession, volunteer: Volunteer, reason: str) -> Volunteer:
    """Suspend a registered volunteer: they may not serve until reinstated."""
    _require(volunteer, [VolunteerStatus.REGISTERED], "suspended")
    ids = {"volunteer_id": volunteer.id, "community_id": volunteer.community_id}
    return await _move(
        session,
        volunteer,
        VolunteerStatus.SUSPENDED,
        reason,
        VolunteerSuspended(**ids, reason=reason),
    )


async def reinstate(session: AsyncSession, volunteer: Volunteer) -> Volunteer:
    """Let a suspended volunteer serve again."""
    _require(volunteer, [VolunteerStatus.SUSPENDED], "reinstated")
    ids = {"volunteer_id": volunteer.id, "community_id": volunteer.community_id}
    return await _move(
        session, volunteer, VolunteerStatus.REGISTERED, None, VolunteerReinstated(**ids)
    )


async def withdraw(session: AsyncSession, volunteer: Volunteer, reason: str) -> Volunteer:
    """A volunteer leaves the service for good; their number is never reused."""
    _require(volunteer, [VolunteerStatus.REGISTERED, VolunteerStatus.SUSPENDED], "withdrawn")
    ids = {"volunteer_id": volunteer.id, "community_id": volunteer.community_id}
    return await _move(
        session,
        volunteer,
        VolunteerStatus.WITHDRAWN,
        reason,
        VolunteerWithdrawn(**ids, reason=reason),
    )


async def come_back(session: AsyncSession, volunteer: Volunteer) -> Volunteer:
    """Someone who withdrew serves again: registered with the number they had, their
    history where it was. Consumers see `volunteer_reinstated` with `returned`."""
    _require(volunteer, [VolunteerStatus.WITHDRAWN], "taken back")
    if volunteer.volunteer_number is None:  # withdrawn before this rule: never happens
        raise Conflict(messages.VOLUNTEER_NEVER_REGISTERED)
    return await _move(
        session,
        volunteer,
        VolunteerStatus.REGISTERED,
        None,
        VolunteerReinstated(
            volunteer_id=volunteer.id, community_id=volunteer.community_id, returned=True
        ),
    )


async def transfer(
    session: AsyncSession,
    volunteer: Volunteer,
    community_id: str,
    service_area_codes: list[str] | None,
) -> Volunteer:
    """Move a volunteer to another community: the same id and number, their history
    stays where it was served; the old community's teams and member unit are left, the
    service areas become the new community's (the same codes unless others are given),
    and their account moves with them (a team leader's or admin's arrives a volunteer's)."""
    _require(volunteer, [VolunteerStatus.REGISTERED, VolunteerStatus.SUSPENDED], "transferred")
    if community_id == volunteer.community_id:
        raise Conflict(messages.ALREADY_IN_COMMUNITY)
    if await session.get(Community, community_id) is None:
        raise NotFound(common.COMMUNITY_NOT_FOUND)
    codes = service_area_codes or await _area_codes(session, volunteer.id)
    areas = await areas_by_code(session, community_id, codes)
    led = await session.exec(select(Team).where(col(Team.leader_volunteer_id) == volunteer.id))
    if (team := led.first()) is not None:
        raise Conflict(messages.LEADER_CANNOT_TRANSFER, team=team.name)
    origin = volunteer.community_id
    memberships = await session.exec(
        select(TeamMembership).where(col(TeamMembership.volunteer_id) == volunteer.id)
    )
    for membership in memberships.all():
        await session.delete(membership)
        add_event(
            session,
            TeamMemberLeft(
                team_id=membership.team_id, community_id=origin, volunteer_id=volunteer.id
            ),
            subject=membership.team_id,
            community=origin,
        )
    await session.exec(
        delete(VolunteerServiceArea).where(col(VolunteerServiceArea.volunteer_id) == volunteer.id)
    )
    session.add_all(
        VolunteerServiceArea(volunteer_id=volunteer.id, service_area_id=area.id) for area in areas
    )
    volunteer.community_id = community_id
    volunteer.member_unit_id = None
    volunteer.updated_at = now()
    session.add(volunteer)
    if volunteer.account_id is not None:
        account = await session.get(Account, volunteer.account_id)
        if account is not None and not account.role.is_district_wide:
            account.community_id = community_id
            # A role over others was the old community's to give; the new one gives its own.
            if account.role in (Role.TEAM_LEADER, Role.COMMUNITY_ADMIN):
                account.role = Role.VOLUNTEER
            session.add(account)
            add_event(
                session,
                AccountChanged(
                    account_id=account.id,
                    role=account.role.value,
                    community_id=community_id,
                    disabled=account.disabled,
                ),
                subject=account.id,
                community=community_id,
            )
    add_event(
        session,
        VolunteerTransferred(
            volunteer_id=volunteer.id,
            volunteer_number=volunteer.volunteer_number or "",
            from_community_id=origin,
            to_community_id=community_id,
            service_area_codes=sorted(area.code for area in areas),
            account_id=volunteer.account_id,
        ),
        subject=volunteer.id,
        community=community_id,
    )
    await session.commit()
    return volunteer


async def erase(
    session: AsyncSession, volunteer: Volunteer, names: SubjectKeys | None
) -> Volunteer:
    """Erase personal data on request; the id and number stay so hours stay, anonymous.

    The key that sealed the name in events goes first: should the commit then fail,
    the person is no worse off, and asking again finishes it. The other services
    forget the rest on `volunteer_erased` (docs/decisions/0011).
    """
    if volunteer.erased_at is not None:
        raise Conflict(messages.VOLUNTEER_ALREADY_ERASED)
    if names is not None:
        await names.shred(volunteer.id)
    timestamp = now()
    volunteer.name = "(erased)"
    volunteer.gender = None
    volunteer.birth_date = None
    volunteer.phone = None
    volunteer.national_id_cipher = None
    volunteer.national_id_hash = None
    volunteer.national_id_masked = None
    volunteer.skills = ""
    volunteer.availability = ""
    volunteer.member_unit_id = None
    volunteer.erased_at = timestamp
    volunteer.updated_at = timestamp
    if volunteer.status in (VolunteerStatus.REGISTERED, VolunteerStatus.SUSPENDED):
        volunteer.status = VolunteerStatus.WITHDRAWN
        volunteer.status_reason = "personal data erased on request"
    if volunteer.account_id is not None:
        account = await session.get(Account, volunteer.account_id)
        if account is not None:
            # A username is often the person's phone number or e-mail address: it goes
            # with the failed-login record kept under it, and the sessions end.
            await session.exec(
                delete(LoginThrottle).where(col(LoginThrottle.username) == account.username)
            )
            await session.exec(
                delete(RefreshToken).where(col(RefreshToken.account_id) == account.id)
            )
            account.disabled = True
            account.username = f"erased-{account.id}"
            session.add(account)
    session.add(volunteer)
    add_event(
        session,
        VolunteerErased(
            volunteer_id=volunteer.id,
            community_id=volunteer.community_id,
            account_id=volunteer.account_id,
        ),
        subject=volunteer.id,
        community=volunteer.community_id,
    )
    await session.commit()
    return volunteer


async def update_profile(
    session: AsyncSession, volunteer: Volunteer, data: VolunteerProfileUpdate
) -> Volunteer:
    """Change the given profile fields; publishes the non-personal ones."""
    _require(
        volunteer,
        [VolunteerStatus.APPLIED, VolunteerStatus.REGISTERED, VolunteerStatus.SUSPENDED],
        "changed",
    )
    changes = data.model_dump(exclude_unset=True)
    if "member_unit_id" in changes:
        await _check_member_unit(session, volunteer.community_id, data.member_unit_id)
    codes = changes.pop("service_area_codes", None)
    for field, value in changes.items():
        setattr(volunteer, field, value)
    if codes is not None:
        areas = await areas_by_code(session, volunteer.community_id, codes)
        existing = await session.exec(
            select(VolunteerServiceArea).where(
                col(VolunteerServiceArea.volunteer_id) == volunteer.id
            )
        )
        for link in existing.all():
            await session.delete(link)
        await session.flush()
        for area in areas:
            session.add(VolunteerServiceArea(volunteer_id=volunteer.id, service_area_id=area.id))
    volunteer.updated_at = now()
    session.add(volunteer)
    await session.flush()
    add_event(
        session,
        VolunteerProfileChanged(
            volunteer_id=volunteer.id,
            community_id=volunteer.community_id,
            service_area_codes=await _area_codes(session, volunteer.id),
            party_member=volunteer.party_member,
            category=volunteer.category.value,
        ),
        subject=volunteer.id,
        community=volunteer.community_id,
    )
    await session.commit()
    return volunteer


# -- reading ----------------------------------------------------------------------------


async def get_volunteer(
    session: AsyncSession, principal: Principal, volunteer_id: str
) -> Volunteer:
    """A volunteer the caller may see: admins and team leaders of the community, the person
    themself; anyone else gets 404, as for a volunteer that does not exist."""
    volunteer = await session.get(Volunteer, volunteer_id)
    if volunteer is None or not may_see(principal, volunteer):
        raise NotFound(common.VOLUNTEER_NOT_FOUND)
    return volunteer


def may_see(principal: Principal, volunteer: Volunteer) -> bool:
    """Whether the caller may see this volunteer's record."""
    if principal.is_district_wide:
        return True
    if principal.community != volunteer.community_id:
        return False
    if principal.role in (Role.COMMUNITY_ADMIN, Role.TEAM_LEADER):
        return True
    return volunteer.account_id is not None and volunteer.account_id == principal.subject


async def to_public(
    session: AsyncSession, volunteers: Sequence[Volunteer]
) -> list[VolunteerPublic]:
    """The API view of volunteers, with their service areas and teams, in two queries."""
    ids = [v.id for v in volunteers]
    codes: dict[str, list[str]] = {i: [] for i in ids}
    teams: dict[str, list[str]] = {i: [] for i in ids}
    if ids:
        area_rows = await session.exec(
            select(VolunteerServiceArea.volunteer_id, ServiceArea.code)
            .join(ServiceArea, col(ServiceArea.id) == col(VolunteerServiceArea.service_area_id))
            .where(col(VolunteerServiceArea.volunteer_id).in_(ids))
            .order_by(col(ServiceArea.code))
        )
        for volunteer_id, code in area_rows.all():
            codes[volunteer_id].append(code)
        team_rows = await session.exec(
            select(TeamMembership.volunteer_id, TeamMembership.team_id).where(
                col(TeamMembership.volunteer_id).in_(ids)
            )
        )
        for volunteer_id, team_id in team_rows.all():
            teams[volunteer_id].append(team_id)
    return [
        VolunteerPublic(
            id=v.id,
            community_id=v.community_id,
            status=v.status,
            volunteer_number=v.volunteer_number,
            name=v.name,
            gender=v.gender,
            birth_date=v.birth_date,
            phone=v.phone,
            national_id_masked=v.national_id_masked,
            party_member=v.party_member,
            category=v.category,
            member_unit_id=v.member_unit_id,
            skills=v.skills,
            availability=v.availability,
            service_area_codes=codes[v.id],
            team_ids=sorted(teams[v.id]),
            status_reason=v.status_reason,
            applied_at=v.applied_at,
            registered_at=v.registered_at,
            erased=v.erased_at is not None,
        )
        for v in volunteers
    ]


@dataclass(frozen=True)
class VolunteerFilter:
    """Search criteria; every one optional."""

    community_id: str | None = None
    text: str | None = None
    number: str | None = None
    team_id: str | None = None
    service_area_code: str | None = None
    status: VolunteerStatus | None = None
    party_member: bool | None = None
    category: Category | None = None


def volunteer_query(criteria: VolunteerFilter) -> SelectOfScalar[Volunteer]:
    """The volunteers matching the criteria (unordered: the page or the caller orders)."""
    query = select(Volunteer)
    if criteria.community_id is not None:
        query = query.where(col(Volunteer.community_id) == criteria.community_id)
    if criteria.text:
        pattern = f"%{criteria.text.strip()}%"
        query = query.where(
            or_(col(Volunteer.name).ilike(pattern), col(Volunteer.volunteer_number).ilike(pattern))
        )
    if criteria.number:
        query = query.where(col(Volunteer.volunteer_number) == criteria.number)
    if criteria.team_id:
        query = query.where(
            col(Volunteer.id).in_(
                select(TeamMembership.volunteer_id).where(
                    col(TeamMembership.team_id) == criteria.team_id
                )
            )
        )
    if criteria.service_area_code:
        query = query.where(
            col(Volunteer.id).in_(
                select(VolunteerServiceArea.volunteer_id)
                .join(ServiceArea, col(ServiceArea.id) == col(VolunteerServiceArea.service_area_id))
                .where(col(ServiceArea.code) == criteria.service_area_code)
            )
        )
    if criteria.status is not None:
        query = query.where(col(Volunteer.status) == criteria.status)
    if criteria.party_member is not None:
        query = query.where(col(Volunteer.party_member) == criteria.party_member)
    if criteria.category is not None:
        query = query.where(col(Volunteer.category) == criteria.category)
    return query
