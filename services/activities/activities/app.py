"""The activities service: its one wiring point."""

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from activities.api import activities, records
from activities.handlers import handlers
from activities.settings import Settings
from activities.signups import lapse_offers
from shared.app import create_service_app
from shared.projections.communities import communities_router
from shared.runtime import PeriodicTask, ServiceDefinition, ServiceRuntime


def _definition(settings: Settings) -> ServiceDefinition:
    async def lapse(runtime: ServiceRuntime) -> None:
        async with runtime.db.session() as session:
            await lapse_offers(session, timedelta(minutes=settings.offer_window_minutes))

    return ServiceDefinition(
        name="activities",
        title="Linli activities",
        description="Activities, sign-ups, attendance, the service-record ledger, pairings and resident requests.",
        migrations_dir=Path(__file__).parent / "migrations",
        handlers=handlers,
        periodic=[PeriodicTask("lapse-offers", settings.sweep_interval_seconds, lapse)],
    )


DEFINITION = _definition(Settings())


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the activities app; uvicorn calls this as a factory."""
    settings = settings or Settings()
    return create_service_app(
        _definition(settings),
        settings,
        [communities_router(), activities.router, records.router],
    )
