"""Dependencies of the registry's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from registry.domain.accounts import Throttle
from registry.settings import Settings
from registry.volunteers import Registrar
from shared.auth import Principal, Role, TokenIssuer, TokenVerifier
from shared.events.shredding import SubjectKeys


async def get_registrar(request: Request) -> Registrar:
    """The vault and district code, or 503 when the keys are not configured."""
    registrar: Registrar | None = request.app.state.registrar
    if registrar is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "national ID keys are not configured (NATIONAL_ID_KEYS_FILE, NATIONAL_ID_HASH_KEY_FILE)",
        )
    return registrar


async def get_issuer(request: Request) -> TokenIssuer:
    """The token issuer, or 503 when the private key is not configured."""
    issuer: TokenIssuer | None = request.app.state.token_issuer
    if issuer is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "the token signing key is not configured (JWT_PRIVATE_KEY_FILE)",
        )
    return issuer


async def get_verifier(request: Request) -> TokenVerifier:
    """The token verifier, or 503 when the public key is not configured."""
    verifier: TokenVerifier | None = request.app.state.token_verifier
    if verifier is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "the token public key is not configured (JWT_PUBLIC_KEY_FILE)",
        )
    return verifier


async def get_subject_keys(request: Request) -> SubjectKeys:
    """The keys that seal names in events, which erasure shreds."""
    keys: SubjectKeys = request.app.state.subject_keys
    return keys


async def get_settings(request: Request) -> Settings:
    """The registry's settings."""
    settings: Settings = request.app.state.settings
    return settings


def throttle_of(settings: Settings) -> Throttle:
    """How failed logins are slowed down, as the settings say."""
    return Throttle(
        settings.login_free_failures,
        settings.login_max_lock_seconds,
        settings.login_address_free_failures,
        settings.login_address_window_seconds,
    )


async def get_throttle(request: Request) -> Throttle:
    """How failed logins are slowed down."""
    settings: Settings = request.app.state.settings
    return throttle_of(settings)


RegistrarDep = Annotated[Registrar, Depends(get_registrar)]
IssuerDep = Annotated[TokenIssuer, Depends(get_issuer)]
VerifierDep = Annotated[TokenVerifier, Depends(get_verifier)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ThrottleDep = Annotated[Throttle, Depends(get_throttle)]
SubjectKeysDep = Annotated[SubjectKeys, Depends(get_subject_keys)]


def authorize(principal: Principal, community_id: str, *roles: Role) -> None:
    """404 when the community is not the caller's; 403 when their role may not act.

    The district admin may always act; the check order keeps another community's
    existence secret (404 before 403).
    """
    if not principal.can_access_community(community_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "not found")
    if principal.role is not Role.DISTRICT_ADMIN and principal.role not in roles:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {principal.role} may not do this")
