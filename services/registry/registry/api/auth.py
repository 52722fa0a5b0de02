"""Login, token refresh, logout, the public key, and accounts."""

from __future__ import annotations

from typing import Annotated, Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import PlainTextResponse
from jwt.algorithms import OKPAlgorithm
from pydantic import BaseModel, Field

from registry import accounts
from registry.api.deps import IssuerDep, SettingsDep, ThrottleDep, VerifierDep, authorize
from shared.auth import CurrentPrincipal, Role, require_roles
from shared.deps import SessionDep
from shared.types import Id, Input

router = APIRouter(tags=["auth"])


class Credentials(Input):
    """Input of `POST /auth/login`."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class RefreshRequest(Input):
    """Input of `POST /auth/refresh` and `POST /auth/logout`."""

    refresh_token: str = Field(min_length=1, max_length=4000)


class Tokens(BaseModel):
    """An access token for the API and a refresh token for the next one."""

    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth 2 token type, not a secret)
    expires_in: int


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


class AccountPublic(BaseModel):
    """An account as the API shows it (never its password hash)."""

    id: str
    username: str
    role: Role
    community_id: str | None


def _tokens(pair: accounts.TokenPair) -> Tokens:
    return Tokens(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


@router.post(
    "/auth/login",
    response_model=Tokens,
    responses={
        401: {"description": "wrong credentials"},
        429: {"description": "too many failures"},
    },
)
async def login(
    credentials: Credentials,
    session: SessionDep,
    issuer: IssuerDep,
    throttle: ThrottleDep,
    settings: SettingsDep,
) -> Tokens:
    """Log in with a password; repeated failures lock the username for a growing while."""
    pair = await accounts.login(
        session,
        issuer,
        throttle,
        username=credentials.username,
        password=credentials.password,
        refresh_ttl=settings.refresh_ttl,
    )
    return _tokens(pair)


@router.post("/auth/refresh", response_model=Tokens, responses={401: {"description": "unusable"}})
async def refresh(
    body: RefreshRequest,
    session: SessionDep,
    issuer: IssuerDep,
    verifier: VerifierDep,
    settings: SettingsDep,
) -> Tokens:
    """Exchange a refresh token, once, for new tokens with the account's current role."""
    pair = await accounts.refresh(
        session, issuer, verifier, body.refresh_token, refresh_ttl=settings.refresh_ttl
    )
    return _tokens(pair)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshRequest, session: SessionDep, verifier: VerifierDep) -> None:
    """Revoke a refresh token."""
    await accounts.revoke(session, verifier, body.refresh_token)


@router.get("/auth/public-key", response_class=PlainTextResponse)
async def public_key(settings: SettingsDep) -> str:
    """The PEM public key other services verify tokens with."""
    return settings.public_key_pem()


@router.get("/.well-known/jwks.json")
async def jwks(settings: SettingsDep) -> dict[str, list[dict[str, str]]]:
    """The same key as a JSON Web Key Set."""
    pem = settings.public_key_pem()
    if not pem:
        return {"keys": []}
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        return {"keys": []}
    jwk = OKPAlgorithm.to_jwk(key, as_dict=True)
    return {"keys": [{**jwk, "use": "sig", "alg": "EdDSA"}]}


@router.post(
    "/accounts",
    response_model=AccountPublic,
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_roles(Role.DISTRICT_ADMIN, Role.COMMUNITY_ADMIN))],
)
async def create_account(
    body: AccountCreate, principal: CurrentPrincipal, session: SessionDep
) -> AccountPublic:
    """Create an account: the district admin any; a community admin only its own
    community's team leaders, volunteers and residents."""
    if principal.role is Role.COMMUNITY_ADMIN:
        authorize(principal, body.community_id or "", Role.COMMUNITY_ADMIN)
        if body.role in (Role.DISTRICT_ADMIN, Role.COMMUNITY_ADMIN):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"a community admin may not create a {body.role} account"
            )
    account = await accounts.create_account(
        session,
        username=body.username,
        password=body.password,
        role=body.role,
        community_id=body.community_id,
    )
    return AccountPublic(
        id=account.id,
        username=account.username,
        role=account.role,
        community_id=account.community_id,
    )


@router.get("/me")
async def me(principal: CurrentPrincipal) -> dict[str, str | None]:
    """Who the token says the caller is."""
    return {
        "account_id": principal.subject,
        "role": principal.role.value,
        "community_id": principal.community,
    }
