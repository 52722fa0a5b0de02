"""The activities service: its one wiring point."""

import logging
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from activities import pairings, programme, requests
from activities.api import activities, configuration, queues, records, series
from activities.api import pairings as pairing_routes
from activities.api import requests as request_routes
from activities.configuration import rules_in_force
from activities.handlers import handlers
from activities.settings import Settings
from activities.signups import lapse_offers
from shared.app import create_service_app
from shared.db import database_unavailable
from shared.projections.communities_routes import communities_router
from shared.runtime import PeriodicTask, ServiceDefinition, ServiceRuntime

log = logging.getLogger(__name__)


def _definition(settings: Settings) -> ServiceDefinition:
    async def lapse(runtime: ServiceRuntime) -> None:
        async with runtime.db.session() as session:
            await lapse_offers(session, timedelta(minutes=settings.offer_window_minutes))

    async def overdue(runtime: ServiceRuntime) -> None:
        async with runtime.db.session() as session:
            await pairings.raise_overdue(session)
        async with runtime.db.session() as session:
            await requests.raise_overdue(session)

    async def auto_complete(runtime: ServiceRuntime) -> None:
        grace = timedelta(minutes=settings.auto_complete_grace_minutes)
        async with runtime.db.session() as session:
            ended = await programme.ended_unclosed(session, grace, settings.auto_complete_batch)
        for activity_id in ended:
            try:
                async with runtime.db.session() as session:
                    if await programme.complete_if_open(
                        session, activity_id, await rules_in_force(session, settings)
                    ):
                        log.info("activity %s completed automatically", activity_id)
            except Exception as exc:
                if database_unavailable(exc):
                    raise  # the round stops; the next one starts over
                # One activity that cannot complete must not hold up the others behind it.
                log.exception("activity %s could not complete automatically", activity_id)

    return ServiceDefinition(
        name="activities",
        title="Linli activities",
        description="Activities, sign-ups, attendance, the service-record ledger, pairings and resident requests.",
        migrations_dir=Path(__file__).parent / "migrations",
        handlers=handlers,
        periodic=[
            PeriodicTask("lapse-offers", settings.sweep_interval_seconds, lapse),
            PeriodicTask("overdue-checks", settings.sweep_interval_seconds, overdue),
            PeriodicTask("auto-complete", settings.sweep_interval_seconds, auto_complete),
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
            queues.router,
            series.router,
            configuration.router,
        ],
    )
