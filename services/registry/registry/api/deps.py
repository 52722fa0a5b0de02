"""Dependencies of the registry's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from registry import messages
from registry.domain.accounts import Throttle
from registry.settings import Settings
from registry.volunteers import Registrar
from shared import messages as common
from shared.auth import TokenIssuer, TokenVerifier
from shared.errors import Unavailable
from shared.events.shredding import SubjectKeys


async def get_registrar(request: Request) -> Registrar:
    """The vault and district code, or 503 when the keys are not configured."""
    registrar: Registrar | None = request.app.state.registrar
    if registrar is None:
        raise Unavailable(messages.NATIONAL_ID_KEYS_MISSING)
    return registrar


async def get_issuer(request: Request) -> TokenIssuer:
    """The token issuer, or 503 when the private key is not configured."""
    issuer: TokenIssuer | None = request.app.state.token_issuer
    if issuer is None:
        raise Unavailable(messages.TOKEN_SIGNING_KEY_MISSING)
    return issuer


async def get_verifier(request: Request) -> TokenVerifier:
    """The token verifier, or 503 when the public key is not configured."""
    verifier: TokenVerifier | None = request.app.state.token_verifier
    if verifier is None:
        raise Unavailable(common.TOKEN_KEY_MISSING)
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
