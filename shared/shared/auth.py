"""Tokens: the registry signs them (Ed25519 JWTs); every service verifies them locally.

Claims: `sub` (account id), `role`, `community` (null for district-wide roles), `typ`
(`access` or `refresh`), `iss`, `aud`, `iat`, `exp`, `jti`. Only access tokens open
the API.
"""

from __future__ import annotations

import functools
import time
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import jwt
import typer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends, FastAPI, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict

from shared import clock, messages
from shared.errors import Forbidden, NotFound, Unauthorized, Unavailable
from shared.ids import new_id

ALGORITHM = "EdDSA"
ACCESS = "access"
REFRESH = "refresh"


class Role(StrEnum):
    """The roles of the platform."""

    DISTRICT_ADMIN = "district_admin"
    COMMUNITY_ADMIN = "community_admin"
    TEAM_LEADER = "team_leader"
    VOLUNTEER = "volunteer"
    RESIDENT = "resident"

    @property
    def is_district_wide(self) -> bool:
        """Whether the role sees every community of the district."""
        return self is Role.DISTRICT_ADMIN


class Principal(BaseModel):
    """Who is calling, as the verified token says."""

    model_config = ConfigDict(frozen=True)

    subject: str
    role: Role
    community: str | None
    token_id: str
    language: str | None = None

    @property
    def is_district_wide(self) -> bool:
        """Whether this caller sees every community of the district."""
        return self.role.is_district_wide

    def can_access_community(self, community_id: str | None) -> bool:
        """Whether this caller may see data of `community_id`."""
        return self.is_district_wide or (
            community_id is not None and community_id == self.community
        )


class InvalidToken(Exception):
    """A token that must not be accepted; `reason` (a key of
    `shared.messages.TOKEN_REASONS`) says why, for the 401 answer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TokenVerifier:
    """Verifies access tokens with the registry's public key, without calling it."""

    def __init__(self, public_key_pem: str, *, issuer: str, audience: str) -> None:
        self._key = serialization.load_pem_public_key(public_key_pem.encode())
        self.issuer = issuer
        self.audience = audience
        # Checking a token's signature and claims costs about 150 µs, on every request;
        # a client sends the same token for its whole life, and nothing but the clock
        # changes what this check says of it (a refresh token's revocation is the
        # registry's own look-up, after this check). Only valid tokens are kept: a
        # refused token is checked again each time.
        self._checked = functools.lru_cache(maxsize=4096)(self._check)

    def verify(self, token: str, *, token_type: str = ACCESS) -> Principal:
        """The principal of a valid token of `token_type`; raises InvalidToken otherwise."""
        principal, expires_at = self._checked(token, token_type)
        if time.time() >= expires_at:  # as PyJWT judges `exp`, with no leeway
            raise InvalidToken("expired")
        return principal

    def _check(self, token: str, token_type: str) -> tuple[Principal, float]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,  # type: ignore[arg-type]
                algorithms=[ALGORITHM],  # never "none", never HMAC with the public key
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud", "jti"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidToken("audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidToken("issuer") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken("claims") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken("signature") from exc
        if claims.get("typ") != token_type:
            raise InvalidToken("type")
        try:
            role = Role(str(claims.get("role")))
        except ValueError as exc:
            raise InvalidToken("role") from exc
        community = claims.get("community")
        if not role.is_district_wide and not community:
            raise InvalidToken("community")
        principal = Principal(
            subject=str(claims["sub"]),
            role=role,
            community=str(community) if community else None,
            token_id=str(claims["jti"]),
            language=str(claims["lang"]) if claims.get("lang") else None,
        )
        return principal, float(claims["exp"])


class TokenIssuer:
    """Signs tokens with the registry's private key."""

    def __init__(
        self,
        private_key_pem: str,
        *,
        issuer: str,
        audience: str,
        access_ttl: timedelta = timedelta(minutes=15),
    ) -> None:
        self._key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        self.issuer = issuer
        self.audience = audience
        self.access_ttl = access_ttl

    def issue(
        self,
        subject: str,
        role: Role,
        community: str | None,
        *,
        token_type: str = ACCESS,
        ttl: timedelta | None = None,
        token_id: str | None = None,
        language: str | None = None,
    ) -> str:
        """A signed token of `token_type` valid for `ttl` (the access TTL by default).

        `token_id` (the `jti`) is drawn anew unless given, e.g. to record a refresh token.
        `language` (the `lang` claim) is the account's preferred language, if it has one.
        """
        now = clock.now()
        claims = {
            "sub": subject,
            "role": str(role),
            "community": community,
            "typ": token_type,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + (ttl or self.access_ttl),
            "jti": token_id or new_id(),
        }
        if language:
            claims["lang"] = language
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)  # type: ignore[arg-type]

    def issue_access(
        self, subject: str, role: Role, community: str | None, language: str | None = None
    ) -> str:
        """A signed access token."""
        return self.issue(subject, role, community, language=language)


def generate_keypair() -> tuple[str, str]:
    """A new Ed25519 key pair as (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM)."""
    private_key = Ed25519PrivateKey.generate()
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


# -- FastAPI ----------------------------------------------------------------------------
# Dependencies are `async def` though they do not wait on anything: FastAPI runs a plain
# `def` dependency in a worker thread, a hand-over per request that cost more than the
# work (a token check is ~60 us).


def install_auth(app: FastAPI, verifier: TokenVerifier | None) -> None:
    """Make `verifier` check the tokens of `app`'s requests (None: no key configured)."""
    app.state.token_verifier = verifier


# Declares the bearer token in the OpenAPI documents (and the docs' Authorize button);
# the header itself is read below, so a missing or malformed one gets our 401.
_bearer = HTTPBearer(
    auto_error=False,
    description="an access token from the registry's POST /auth/login",
)


async def get_principal(
    request: Request,
    _declared: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> Principal:
    """The caller of this request, from its bearer token; 401 when there is none valid.

    The principal is also kept on `request.state`, for the answer's language and the
    audit trail.
    """
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise Unavailable(messages.TOKEN_KEY_MISSING)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(messages.TOKEN_MISSING)
    try:
        principal = verifier.verify(token.strip())
    except InvalidToken as exc:
        raise Unauthorized(
            messages.TOKEN_INVALID,
            error="invalid_token",
            reason=messages.TOKEN_REASONS[exc.reason],
        ) from exc
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def role_forbidden(principal: Principal) -> Forbidden:
    """The 403 for a caller whose role may not do what they asked."""
    return Forbidden(messages.ROLE_MAY_NOT, role=messages.ROLE_NAMES[principal.role])


def require_roles(*roles: Role) -> Any:
    """A dependency answering 403 unless the caller has one of `roles`."""
    allowed = frozenset(roles)

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise role_forbidden(principal)
        return principal

    return check


def ensure_community_access(principal: Principal, community_id: str | None) -> None:
    """Answer 404 when the caller may not see `community_id`: never reveal it exists."""
    if not principal.can_access_community(community_id):
        raise NotFound(messages.COMMUNITY_NOT_FOUND)


# -- keys command -------------------------------------------------------------------------

keys_cli = typer.Typer(help="Token signing keys.", no_args_is_help=True)


@keys_cli.command()
def generate(
    directory: Annotated[Path, typer.Option("--dir", help="where to write the PEM files")],
    if_missing: Annotated[
        bool, typer.Option("--if-missing", help="keep an existing key pair")
    ] = False,
) -> None:
    """Write jwt-private.pem (mode 0600) and jwt-public.pem into a directory."""
    private_path, public_path = directory / "jwt-private.pem", directory / "jwt-public.pem"
    if if_missing and private_path.exists() and public_path.exists():
        typer.echo(f"keys exist in {directory}")
        return
    directory.mkdir(parents=True, exist_ok=True)
    private_pem, public_pem = generate_keypair()
    private_path.touch(mode=0o600)
    private_path.chmod(0o600)
    private_path.write_text(private_pem)
    public_path.write_text(public_pem)
    typer.echo(f"wrote {private_path} and {public_path}")


@keys_cli.callback()
def _keys() -> None:
    """Token signing keys."""


if __name__ == "__main__":
    keys_cli()
