"""Accounts: create, list and search, change role or community, disable, reset a password.

The district admin manages every account; a community admin their community's team
leaders, volunteers and residents, and raises nobody to an administrator. Nobody
changes their own account here (they could lock themselves out).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field, model_validator
from pydantic.json_schema import SkipJsonSchema
from sqlmodel import col

from registry import accounts, messages
from registry.models import Account, null_refused
from shared import messages as common
from shared.access import authorize, list_scope
from shared.auth import CurrentPrincipal, Role, require_roles
from shared.deps import SessionDep
from shared.errors import Forbidden
from shared.paging import Page, PageParams, paginate
from shared.types import OMITTABLE, Id, Input

router = APIRouter(tags=["accounts"])
ADMINS = Depends(require_roles(Role.DISTRICT_ADMIN, Role.COMMUNITY_ADMIN))


class _NewAccount(Input):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=10, max_length=200)


class DistrictAccountCreate(_NewAccount):
    """Input of `POST /accounts` for a district admin, who belongs to no community."""

    role: Literal[Role.DISTRICT_ADMIN]
    community_id: None = Field(default=None, description="none: the district admin's is all")


class CommunityAccountCreate(_NewAccount):
    """Input of `POST /accounts` for a community's role, which names its community."""

    role: Literal[Role.COMMUNITY_ADMIN, Role.TEAM_LEADER, Role.VOLUNTEER, Role.RESIDENT]
    community_id: Id


# The role decides whether a community is named: the document says so (oneOf on role).
AccountCreate = Annotated[
    DistrictAccountCreate | CommunityAccountCreate, Field(discriminator="role")
]


class DistrictAccountUpdate(Input):
    """`PATCH /accounts/{id}` making a district admin, who belongs to no community."""

    role: Literal[Role.DISTRICT_ADMIN]


class CommunityAccountUpdate(Input):
    """`PATCH /accounts/{id}` giving a community's role or another community; only the
    given fields change."""

    role: Annotated[
        Literal[Role.COMMUNITY_ADMIN, Role.TEAM_LEADER, Role.VOLUNTEER, Role.RESIDENT]
        | SkipJsonSchema[None],
        OMITTABLE,
    ] = None
    community_id: Annotated[Id | SkipJsonSchema[None], OMITTABLE] = None

    @model_validator(mode="after")
    def _no_null(self) -> CommunityAccountUpdate:
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise null_refused(name)
        return self


# A district admin has no community, so naming one with that role is not a valid body.
AccountUpdate = DistrictAccountUpdate | CommunityAccountUpdate


class AccountStatus(StrEnum):
    """Whether an account may log in."""

    ACTIVE = "active"
    DISABLED = "disabled"


class AccountPublic(BaseModel):
    """An account as the API shows it (never its password hash)."""

    id: str
    username: str
    role: Role
    community_id: str | None
    status: AccountStatus = AccountStatus.ACTIVE
    must_change_password: bool = False
    volunteer_id: str | None = Field(default=None, description="the person's volunteer record")
    created_at: datetime | None = None


class PasswordReset(BaseModel):
    """The one-time password an admin hands to the person; shown only in this answer."""

    account_id: str
    temporary_password: str
    must_change_password: bool = True


def _public(account: Account, volunteer_id: str | None = None) -> AccountPublic:
    return AccountPublic(
        id=account.id,
        username=account.username,
        role=account.role,
        community_id=account.community_id,
        status=AccountStatus.DISABLED if account.disabled else AccountStatus.ACTIVE,
        must_change_password=account.must_change_password,
        volunteer_id=volunteer_id,
        created_at=account.created_at,
    )


async def _answer(session: SessionDep, account: Account) -> AccountPublic:
    found = await accounts.volunteers_of(session, [account.id])
    volunteer = found.get(account.id)
    return _public(account, volunteer.id if volunteer else None)


@router.post(
    "/accounts",
    response_model=AccountPublic,
    status_code=status.HTTP_201_CREATED,
    dependencies=[ADMINS],
)
async def create_account(
    body: AccountCreate, principal: CurrentPrincipal, session: SessionDep
) -> AccountPublic:
    """Create an account: the district admin any; a community admin only its own
    community's team leaders, volunteers and residents."""
    if principal.role is Role.COMMUNITY_ADMIN:
        authorize(principal, body.community_id or "", Role.COMMUNITY_ADMIN)
        if body.role in (Role.DISTRICT_ADMIN, Role.COMMUNITY_ADMIN):
            raise Forbidden(
                messages.COMMUNITY_ADMIN_MAY_NOT_CREATE, role=common.ROLE_NAMES[body.role]
            )
    account = await accounts.create_account(
        session,
        username=body.username,
        password=body.password,
        role=body.role,
        community_id=body.community_id,
    )
    return _public(account)


@router.get("/accounts", response_model=Page[AccountPublic], dependencies=[ADMINS])
async def list_accounts(
    principal: CurrentPrincipal,
    session: SessionDep,
    paging: PageParams,
    community_id: Id | None = None,
    role: Role | None = None,
    status_: Annotated[AccountStatus | None, Query(alias="status")] = None,
    q: Annotated[
        str | None, Query(max_length=64, description="part of the username or the person's name")
    ] = None,
) -> Page[AccountPublic]:
    """Accounts by username: the district admin's of any community (or all), a community
    admin's of their own community."""
    criteria = accounts.AccountFilter(
        community_id=list_scope(principal, community_id),
        role=role,
        disabled=None if status_ is None else status_ is AccountStatus.DISABLED,
        text=q,
    )
    page = await paginate(
        session,
        accounts.account_query(criteria),
        order=[col(Account.username), col(Account.id)],
        paging=paging,
    )
    rows: list[Account] = page.items
    linked = await accounts.volunteers_of(session, [a.id for a in rows])
    return Page[AccountPublic](
        items=[_public(a, linked[a.id].id if a.id in linked else None) for a in rows],
        total=page.total,
        next_cursor=page.next_cursor,
    )


@router.get("/accounts/{account_id}", response_model=AccountPublic, dependencies=[ADMINS])
async def get_account(
    account_id: str, principal: CurrentPrincipal, session: SessionDep
) -> AccountPublic:
    """One account of the caller's community (the district admin: any)."""
    return await _answer(session, await accounts.get_account(session, principal, account_id))


@router.patch("/accounts/{account_id}", response_model=AccountPublic, dependencies=[ADMINS])
async def patch_account(
    account_id: str, body: AccountUpdate, principal: CurrentPrincipal, session: SessionDep
) -> AccountPublic:
    """Change an account's role or community (a volunteer's moves only by a transfer).

    New tokens carry the change; tokens issued before keep their claims until they expire.
    """
    account = await accounts.get_account(session, principal, account_id)
    changed = await accounts.change_account(
        session,
        principal,
        account,
        role=body.role,
        community_id=body.community_id if isinstance(body, CommunityAccountUpdate) else None,
    )
    return await _answer(session, changed)


@router.post("/accounts/{account_id}/disable", response_model=AccountPublic, dependencies=[ADMINS])
async def disable_account(
    account_id: str, principal: CurrentPrincipal, session: SessionDep
) -> AccountPublic:
    """Disable an account: it cannot log in and its refresh tokens stop working."""
    account = await accounts.get_account(session, principal, account_id)
    return await _answer(
        session, await accounts.set_disabled(session, principal, account, disabled=True)
    )


@router.post("/accounts/{account_id}/enable", response_model=AccountPublic, dependencies=[ADMINS])
async def enable_account(
    account_id: str, principal: CurrentPrincipal, session: SessionDep
) -> AccountPublic:
    """Let a disabled account log in again."""
    account = await accounts.get_account(session, principal, account_id)
    return await _answer(
        session, await accounts.set_disabled(session, principal, account, disabled=False)
    )


@router.post(
    "/accounts/{account_id}/password-reset", response_model=PasswordReset, dependencies=[ADMINS]
)
async def reset_password(
    account_id: str, principal: CurrentPrincipal, session: SessionDep
) -> PasswordReset:
    """Give the account a one-time password (in this answer only) for the person to
    change at their next login; until then login issues no tokens, and their sessions end."""
    account = await accounts.get_account(session, principal, account_id)
    temporary = await accounts.reset_password(session, principal, account)
    return PasswordReset(account_id=account.id, temporary_password=temporary)
