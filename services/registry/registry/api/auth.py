"""Login, token refresh, logout, changing one's password, the public key, and who the
caller is (with the language they chose for the API's answers)."""

from __future__ import annotations

from typing import Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse, PlainTextResponse
from jwt.algorithms import OKPAlgorithm
from pydantic import BaseModel, Field

from registry import accounts
from registry.api.deps import IssuerDep, SettingsDep, ThrottleDep, VerifierDep
from registry.models import Account
from shared.auth import CurrentPrincipal, Principal, Role
from shared.deps import SessionDep
from shared.errors import ErrorBody, language_of
from shared.messages import Language
from shared.types import Input

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


class PasswordChange(Input):
    """Input of `POST /auth/password`: one's own password, the current one required."""

    username: str = Field(min_length=1, max_length=64)
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=10, max_length=200)


class PasswordChangeRequired(BaseModel):
    """Login's answer when an admin reset the password: no tokens until it is changed."""

    code: Literal["password_change_required"] = Field(description="stable machine code")
    detail: str = Field(description="what to do, in the caller's language")
    password_change_required: Literal[True] = Field(
        description="always true: call POST /auth/password, then log in"
    )


def client_address(request: Request) -> str:
    """The caller's address as the server sees it (behind a proxy, the proxy must pass it
    on: uvicorn's --forwarded-allow-ips)."""
    return request.client.host if request.client else "unknown"


def _tokens(pair: accounts.TokenPair) -> Tokens:
    return Tokens(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


_LOGIN_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorBody, "description": "wrong credentials"},
    403: {"model": PasswordChangeRequired, "description": "the password must be changed first"},
    429: {
        "model": ErrorBody,
        "description": "too many failures for this username or from this address",
    },
}


def _must_change(request: Request, exc: accounts.PasswordChangeRequired) -> JSONResponse:
    # Answered here rather than by the error handler: the body says more than a refusal.
    language = language_of(request)
    body = PasswordChangeRequired(
        code="password_change_required",
        detail=exc.message.render(language, exc.params),
        password_change_required=True,
    )
    return JSONResponse(
        body.model_dump(),
        status_code=status.HTTP_403_FORBIDDEN,
        headers={"Content-Language": language.value},
    )


@router.post("/auth/login", response_model=Tokens, responses=_LOGIN_RESPONSES)
async def login(
    credentials: Credentials,
    request: Request,
    session: SessionDep,
    issuer: IssuerDep,
    throttle: ThrottleDep,
    settings: SettingsDep,
) -> Tokens | JSONResponse:
    """Log in with a password; repeated failures lock the username, and the caller's
    address, for a growing while. After an admin's reset the answer is 403 with
    `password_change_required`: only `POST /auth/password` works until then."""
    try:
        pair = await accounts.login(
            session,
            issuer,
            throttle,
            username=credentials.username,
            password=credentials.password,
            address=client_address(request),
            refresh_ttl=settings.refresh_ttl,
        )
    except accounts.PasswordChangeRequired as exc:
        return _must_change(request, exc)
    return _tokens(pair)


@router.post(
    "/auth/password",
    response_model=Tokens,
    responses={
        401: {"model": ErrorBody, "description": "wrong username or current password"},
        429: {
            "model": ErrorBody,
            "description": "too many failures for this username or from this address",
        },
    },
)
async def change_password(
    body: PasswordChange,
    request: Request,
    session: SessionDep,
    issuer: IssuerDep,
    throttle: ThrottleDep,
    settings: SettingsDep,
) -> Tokens:
    """Change one's own password with the current one (also the one-time password an
    admin gave); other sessions end, and the answer logs this one in."""
    pair = await accounts.change_password(
        session,
        issuer,
        throttle,
        username=body.username,
        current_password=body.current_password,
        new_password=body.new_password,
        address=client_address(request),
        refresh_ttl=settings.refresh_ttl,
    )
    return _tokens(pair)


@router.post(
    "/auth/refresh",
    response_model=Tokens,
    responses={401: {"model": ErrorBody, "description": "unusable"}},
)
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


class Me(BaseModel):
    """Who the caller is, as their token says, and the language they chose."""

    account_id: str
    username: str | None = Field(
        description="the account's username (null: the account no longer exists)"
    )
    role: Role
    community_id: str | None
    language: Language | None = Field(
        description="the language of the API's answers when a request names none "
        "(Accept-Language); null: Chinese, or as the browser asks"
    )


class LanguageChoice(Input):
    """Input of `PUT /me/language`."""

    language: Language | None = Field(
        description="zh or en; null: follow the browser (Accept-Language), else Chinese"
    )


def _me(principal: Principal, account: Account | None) -> Me:
    language = account.language if account is not None else None
    return Me(
        account_id=principal.subject,
        username=account.username if account is not None else None,
        role=principal.role,
        community_id=principal.community,
        language=Language(language) if language else None,
    )


@router.get("/me", response_model=Me)
async def me(principal: CurrentPrincipal, session: SessionDep) -> Me:
    """Who the token says the caller is, and the language their account chose (the
    account read now: a choice made since the token was issued shows)."""
    return _me(principal, await session.get(Account, principal.subject))


@router.put("/me/language", response_model=Me)
async def set_my_language(
    body: LanguageChoice, principal: CurrentPrincipal, session: SessionDep
) -> Me:
    """Choose the language every service answers this account in when a request names
    none; tokens from the next login or refresh carry it (the current one keeps its own)."""
    account = await accounts.choose_language(
        session, principal, body.language.value if body.language else None
    )
    return _me(principal, account)
