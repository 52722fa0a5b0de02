"""The registry service: its one wiring point."""

from pathlib import Path

from fastapi import FastAPI

from registry.accounts import forget_old_address_failures
from registry.api import accounts, auth, organisation, roster, teams, volunteers
from registry.api.deps import throttle_of
from registry.handlers import handlers
from registry.identity import NationalIdVault
from registry.settings import Settings
from registry.volunteers import Registrar
from shared.app import create_service_app
from shared.auth import TokenIssuer
from shared.clock import now
from shared.events.shredding import SubjectKeys
from shared.runtime import PeriodicTask, ServiceDefinition, ServiceRuntime

# How often the failed-login counts of quiet addresses are forgotten.
FORGET_EVERY_SECONDS = 300


async def _forget_login_failures(runtime: ServiceRuntime) -> None:
    settings = runtime.settings
    assert isinstance(settings, Settings)  # the registry's runtime runs its own settings
    async with runtime.db.session() as session:
        await forget_old_address_failures(session, throttle_of(settings), now())


DEFINITION = ServiceDefinition(
    name="registry",
    title="Linli registry",
    description="Who is who: the district's streets and communities, volunteers, teams and accounts.",
    migrations_dir=Path(__file__).parent / "migrations",
    handlers=handlers,
    periodic=[PeriodicTask("forget-login-failures", FORGET_EVERY_SECONDS, _forget_login_failures)],
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the registry app; uvicorn calls this as a factory."""
    settings = settings or Settings()
    app = create_service_app(
        DEFINITION,
        settings,
        [
            auth.router,
            accounts.router,
            organisation.router,
            teams.router,
            volunteers.router,
            roster.router,
        ],
        body_limits=roster.BODY_LIMITS,
    )
    keys, hash_key = settings.encryption_keys(), settings.hash_key()
    # The keys that seal names in events live beside the streams (decision 0011).
    app.state.subject_keys = SubjectKeys(app.state.runtime.redis, settings.stream_namespace)
    app.state.registrar = (
        Registrar(NationalIdVault(keys, hash_key), settings.district_code, app.state.subject_keys)
        if keys and hash_key
        else None
    )
    private_key = settings.private_key_pem()
    app.state.token_issuer = (
        TokenIssuer(
            private_key,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            access_ttl=settings.access_ttl,
        )
        if private_key
        else None
    )
    return app
