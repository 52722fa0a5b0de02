"""Tables of the registry service and their input and output models."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import StrictBool, StringConstraints, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError
from sqlalchemy import Column, Index, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from registry import messages
from shared.auth import Role
from shared.db import UtcDateTime
from shared.types import OMITTABLE, Day, Id, Input

service_registry = registry()

#: An 11-digit mainland mobile number.
MobilePhone = Annotated[str, StringConstraints(pattern=r"^1\d{10}$")]


def _timestamp(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UtcDateTime(), nullable=nullable, index=index)


class RegistryModel(SQLModel, registry=service_registry):
    """Base of the registry's tables."""


class Gender(StrEnum):
    """性别."""

    MALE = "male"
    FEMALE = "female"


class Category(StrEnum):
    """The volunteer's category (类别)."""

    SERVING_CADRE = "serving_cadre"  # 在职干部
    RETIRED_CADRE = "retired_cadre"  # 离退休干部
    RESIDENT = "resident"  # 居民
    YOUTH = "youth"  # 青年
    STUDENT = "student"  # 学生


class VolunteerStatus(StrEnum):
    """Where a volunteer is in the lifecycle."""

    APPLIED = "applied"
    REJECTED = "rejected"
    REGISTERED = "registered"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"


class MemberUnitKind(StrEnum):
    """What kind of member unit (共建单位) it is."""

    GOVERNMENT = "government"
    SCHOOL = "school"
    ENTERPRISE = "enterprise"
    SHOP = "shop"
    OTHER = "other"


# -- organisation -----------------------------------------------------------------------


class Street(RegistryModel, table=True):
    """A street or sub-district (街道) of the district."""

    id: str = Field(primary_key=True, max_length=26)
    name: str = Field(max_length=100, unique=True)
    created_at: datetime = Field(sa_column=_timestamp())


class Community(RegistryModel, table=True):
    """A community (社区): the unit that owns volunteers, teams and activities."""

    id: str = Field(primary_key=True, max_length=26)
    name: str = Field(max_length=100, unique=True)
    street_id: str | None = Field(default=None, foreign_key="street.id", max_length=26)
    created_at: datetime = Field(sa_column=_timestamp())


class MemberUnit(RegistryModel, table=True):
    """A member unit (共建单位) of a community: an office, school, enterprise or shop."""

    __tablename__ = "member_unit"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: str = Field(primary_key=True, max_length=26)
    community_id: str = Field(foreign_key="community.id", index=True, max_length=26)
    name: str = Field(max_length=100)
    kind: MemberUnitKind
    created_at: datetime = Field(sa_column=_timestamp())


class ServiceArea(RegistryModel, table=True):
    """One service area of a community's catalogue (default ten, more can be added)."""

    __tablename__ = "service_area"
    __table_args__ = (UniqueConstraint("community_id", "code"),)

    id: str = Field(primary_key=True, max_length=26)
    community_id: str = Field(foreign_key="community.id", index=True, max_length=26)
    code: str = Field(max_length=40)
    name_zh: str = Field(max_length=50)
    name_en: str = Field(max_length=80)
    is_default: bool = False


class Team(RegistryModel, table=True):
    """A volunteer team (志愿者队伍) of a service area, with a leader (队长)."""

    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: str = Field(primary_key=True, max_length=26)
    community_id: str = Field(foreign_key="community.id", index=True, max_length=26)
    service_area_id: str = Field(foreign_key="service_area.id", max_length=26)
    name: str = Field(max_length=100)
    leader_volunteer_id: str | None = Field(default=None, max_length=26)
    created_at: datetime = Field(sa_column=_timestamp())


class TeamMembership(RegistryModel, table=True):
    """A volunteer's membership of a team."""

    __tablename__ = "team_membership"

    team_id: str = Field(foreign_key="team.id", primary_key=True, max_length=26)
    volunteer_id: str = Field(foreign_key="volunteer.id", primary_key=True, max_length=26)
    joined_at: datetime = Field(sa_column=_timestamp())


# -- volunteers -------------------------------------------------------------------------


class Volunteer(RegistryModel, table=True):
    """A person who applied to volunteer, and what became of it.

    The national ID number is kept encrypted (`national_id_cipher`), found by its keyed
    hash (unique district-wide) and shown only masked. Erasure clears every personal
    field and keeps the number and the id, so service history stays, anonymous.
    """

    # The search goes by name within a community; the queue of applications by the
    # time they came, within a community or district-wide.
    __table_args__ = (
        Index("ix_volunteer_community_name", "community_id", "name", "id"),
        Index("ix_volunteer_status_applied", "status", "applied_at", "id"),
        Index(
            "ix_volunteer_community_status_applied", "community_id", "status", "applied_at", "id"
        ),
    )

    id: str = Field(primary_key=True, max_length=26)
    community_id: str = Field(foreign_key="community.id", index=True, max_length=26)
    status: VolunteerStatus = Field(index=True)
    volunteer_number: str | None = Field(default=None, unique=True, max_length=20)
    name: str = Field(max_length=50, index=True)
    gender: Gender | None = None
    birth_date: date | None = None
    phone: str | None = Field(default=None, max_length=20)
    national_id_cipher: str | None = Field(default=None, max_length=400)
    national_id_hash: str | None = Field(default=None, unique=True, max_length=64)
    national_id_masked: str | None = Field(default=None, max_length=18)
    party_member: bool = Field(default=False, index=True)
    category: Category = Field(index=True)
    member_unit_id: str | None = Field(default=None, foreign_key="member_unit.id", max_length=26)
    skills: str = Field(default="", max_length=500)
    availability: str = Field(default="", max_length=200)
    self_service: bool = False
    account_id: str | None = Field(default=None, unique=True, max_length=26)
    status_reason: str | None = Field(default=None, max_length=500)
    applied_at: datetime = Field(sa_column=_timestamp())
    registered_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))
    updated_at: datetime = Field(sa_column=_timestamp())
    erased_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class VolunteerServiceArea(RegistryModel, table=True):
    """A service area a volunteer chose."""

    __tablename__ = "volunteer_service_area"

    volunteer_id: str = Field(foreign_key="volunteer.id", primary_key=True, max_length=26)
    service_area_id: str = Field(foreign_key="service_area.id", primary_key=True, max_length=26)


class Counter(RegistryModel, table=True):
    """A district-wide counter that only grows (the volunteer number sequence)."""

    name: str = Field(primary_key=True, max_length=50)
    value: int = 0


# -- accounts -------------------------------------------------------------------------


class Account(RegistryModel, table=True):
    """Who can log in, with which role and community.

    `must_change_password` is set when an admin resets the password: login then issues
    no tokens until the person has chosen a new one (`POST /auth/password`).
    """

    # The account lists filter by community or role and go by username.
    __table_args__ = (
        Index("ix_account_community_username", "community_id", "username"),
        Index("ix_account_role_username", "role", "username"),
    )

    id: str = Field(primary_key=True, max_length=26)
    username: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=200)
    role: Role
    community_id: str | None = Field(default=None, foreign_key="community.id", max_length=26)
    disabled: bool = False
    must_change_password: bool = False
    # The language the person chose for the API's answers (null: as their browser asks).
    language: str | None = Field(default=None, max_length=5)
    created_at: datetime = Field(sa_column=_timestamp())


class RefreshToken(RegistryModel, table=True):
    """A refresh token issued at login; used once, then replaced (rotation)."""

    __tablename__ = "refresh_token"

    jti: str = Field(primary_key=True, max_length=26)
    account_id: str = Field(foreign_key="account.id", index=True, max_length=26)
    expires_at: datetime = Field(sa_column=_timestamp())
    used_at: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class LoginThrottle(RegistryModel, table=True):
    """Failed logins per username, to slow down password guessing."""

    __tablename__ = "login_throttle"

    username: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


class LoginAddressThrottle(RegistryModel, table=True):
    """Failed logins per client address, whatever usernames they tried.

    Unlike the per-username record, a success does not clear it (one valid account
    must not buy an address fresh guesses at others); failures older than the window
    are forgotten instead.
    """

    __tablename__ = "login_address_throttle"

    address: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    last_failure_at: datetime = Field(sa_column=_timestamp())
    locked_until: datetime | None = Field(default=None, sa_column=_timestamp(nullable=True))


# -- API models -----------------------------------------------------------------------


def null_refused(field: str) -> PydanticCustomError:
    """A validator's refusal of `null` for a field that may only be left out."""
    return PydanticCustomError(messages.FIELD_NULL.code, messages.FIELD_NULL.en, {"field": field})


class StreetCreate(Input):
    """Input of `POST /streets`."""

    name: str = Field(min_length=1, max_length=100)


class StreetPublic(SQLModel):
    """A street as the API shows it."""

    id: str
    name: str


class CommunityCreate(Input):
    """Input of `POST /communities`."""

    name: str = Field(min_length=1, max_length=100, description="e.g. 兴华社区")
    street_id: Id | None = Field(default=None, description="the street (街道) it belongs to")


class CommunityUpdate(Input):
    """Input of `PATCH /communities/{id}`."""

    name: Annotated[
        Annotated[str, Field(min_length=1, max_length=100)] | SkipJsonSchema[None], OMITTABLE
    ] = None
    street_id: Id | None = Field(default=None, description="null: the community has no street")

    @model_validator(mode="after")
    def _name_not_null(self) -> CommunityUpdate:
        if "name" in self.model_fields_set and self.name is None:
            raise null_refused("name")
        return self


class CommunityPublic(SQLModel):
    """A community as the API shows it."""

    id: str
    name: str
    street_id: str | None
    street_name: str | None = None
    created_at: datetime


class MemberUnitCreate(Input):
    """Input of `POST /communities/{id}/member-units`."""

    name: str = Field(min_length=1, max_length=100)
    kind: MemberUnitKind = MemberUnitKind.OTHER


class MemberUnitPublic(SQLModel):
    """A member unit as the API shows it."""

    id: str
    community_id: str
    name: str
    kind: MemberUnitKind


class ServiceAreaCreate(Input):
    """Input of `POST /communities/{id}/service-areas`."""

    code: Annotated[
        str, StringConstraints(min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    ]
    name_zh: str = Field(min_length=1, max_length=50)
    name_en: str = Field(min_length=1, max_length=80)


class ServiceAreaPublic(SQLModel):
    """A service area as the API shows it."""

    id: str
    code: str
    name_zh: str
    name_en: str
    is_default: bool


class TeamCreate(Input):
    """Input of `POST /communities/{id}/teams`."""

    name: str = Field(min_length=1, max_length=100)
    service_area_code: str = Field(min_length=1, max_length=40)
    leader_volunteer_id: Id | None = None


class TeamPublic(SQLModel):
    """A team as the API shows it."""

    id: str
    community_id: str
    name: str
    service_area_code: str
    leader_volunteer_id: str | None
    member_count: int = 0


class VolunteerFields(Input):
    """The fields of a volunteer application (报名表)."""

    name: str = Field(min_length=1, max_length=50)
    gender: Gender
    birth_date: Day | None = None
    phone: MobilePhone
    national_id: str = Field(description="18 characters; stored encrypted, shown masked")
    party_member: StrictBool = False
    category: Category
    member_unit_id: Id | None = None
    skills: str = Field(default="", max_length=500)
    availability: str = Field(default="", max_length=200)
    service_area_codes: list[str] = Field(min_length=1, max_length=12)

    @field_validator("name")
    @classmethod
    def _strip_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise PydanticCustomError(messages.NAME_EMPTY.code, messages.NAME_EMPTY.en)
        return value


class VolunteerApplication(VolunteerFields):
    """Input of `POST /communities/{id}/volunteers` (entered by a community worker)."""


class SelfApplication(VolunteerFields):
    """Input of `POST /applications`: a person applies for themself."""

    community_id: Id
    username: Annotated[
        str, StringConstraints(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    ]
    password: str = Field(min_length=10, max_length=200)


class VolunteerProfileUpdate(Input):
    """Input of `PATCH /volunteers/{id}`; only the given fields change."""

    phone: MobilePhone | None = None
    party_member: Annotated[StrictBool | SkipJsonSchema[None], OMITTABLE] = None
    category: Annotated[Category | SkipJsonSchema[None], OMITTABLE] = None
    member_unit_id: Id | None = None
    skills: Annotated[Annotated[str, Field(max_length=500)] | SkipJsonSchema[None], OMITTABLE] = (
        None
    )
    availability: Annotated[
        Annotated[str, Field(max_length=200)] | SkipJsonSchema[None], OMITTABLE
    ] = None
    service_area_codes: Annotated[
        Annotated[list[str], Field(min_length=1, max_length=12)] | SkipJsonSchema[None], OMITTABLE
    ] = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> VolunteerProfileUpdate:
        # Omitting a field leaves it; only the member unit and the phone can be cleared.
        for name in self.model_fields_set - {"member_unit_id", "phone"}:
            if getattr(self, name) is None:
                raise null_refused(name)
        return self


class OwnProfileUpdate(Input):
    """Input of `PATCH /me/volunteer`: what a volunteer keeps up to date themself."""

    phone: Annotated[MobilePhone | SkipJsonSchema[None], OMITTABLE] = None
    skills: Annotated[Annotated[str, Field(max_length=500)] | SkipJsonSchema[None], OMITTABLE] = (
        None
    )
    availability: Annotated[
        Annotated[str, Field(max_length=200)] | SkipJsonSchema[None], OMITTABLE
    ] = None
    service_area_codes: Annotated[
        Annotated[list[str], Field(min_length=1, max_length=12)] | SkipJsonSchema[None], OMITTABLE
    ] = None

    @model_validator(mode="after")
    def _no_null(self) -> OwnProfileUpdate:
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise null_refused(name)
        return self


class Transfer(Input):
    """Input of `POST /volunteers/{id}/transfer`."""

    community_id: Id = Field(description="the community the volunteer moves to")
    service_area_codes: Annotated[
        Annotated[list[str], Field(min_length=1, max_length=12)] | SkipJsonSchema[None], OMITTABLE
    ] = Field(default=None, description="left out: the same codes, in the new catalogue")


class Decision(Input):
    """A reason given with a rejection, suspension or withdrawal."""

    reason: str = Field(min_length=2, max_length=500)


class VolunteerPublic(SQLModel):
    """A volunteer as community workers see them: the national ID only masked."""

    id: str
    community_id: str
    status: VolunteerStatus
    volunteer_number: str | None
    name: str
    gender: Gender | None
    birth_date: date | None
    phone: str | None
    national_id_masked: str | None
    party_member: bool
    category: Category
    member_unit_id: str | None
    skills: str
    availability: str
    service_area_codes: list[str]
    team_ids: list[str]
    status_reason: str | None
    applied_at: datetime
    registered_at: datetime | None
    erased: bool


class CardVerification(SQLModel):
    """What the public may learn about a volunteer number: whether it is valid."""

    volunteer_number: str
    valid: bool
    status: str
    community: str | None = None
