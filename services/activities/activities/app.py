"""The activities service: its one wiring point."""

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from activities import pairings, requests
from activities.api import activities, records
from activities.api import pairings as pairing_routes
from activities.api import requests as request_routes
from activities.handlers import handlers
from activities.settings import Settings
from activities.signups import lapse_offers
from shared.app import create_service_app
from shared.projections.communities_routes import communities_router
from shared.runtime import PeriodicTask, ServiceDefinition, ServiceRuntime


def _definition(settings: Settings) -> ServiceDefinition:
    async def lapse(runtime: ServiceRuntime) -> None:
        async with runtime.db.session() as session:
            await lapse_offers(session, timedelta(minutes=settings.offer_window_minutes))

    async def overdue(runtime: ServiceRuntime) -> None:
        async with runtime.db.session() as session:
            await pairings.raise_overdue(session)
        async with runtime.db.session() as session:
            await requests.raise_overdue(session)

    return ServiceDefinition(
        name="activities",
        title="Linli activities",
        description="Activities, sign-ups, attendance, the service-record ledger, pairings and resident requests.",
        migrations_dir=Path(__file__).parent / "migrations",
        handlers=handlers,
        periodic=[
            PeriodicTask("lapse-offers", settings.sweep_interval_seconds, lapse),
            PeriodicTask("overdue-checks", settings.sweep_interval_seconds, overdue),
        ],
    )


DEFINITION = _definition(Settings())


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the activities app; uvicorn calls this as a factory."""
    settings = settings or Settings()
    return create_service_app(
        _definition(settings),
        settings,
        [
            communities_router(),
            activities.router,
            records.router,
            pairing_routes.router,
            request_routes.router,
        ],
    )
